"""What a certificate states, read from the ledger: a volunteer's approved hours (reversals
included, so corrections count) in a period, summarised by project, with the recording
organizations (谁记录谁证明: the organization, or the practice node for station projects)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Max, Min, Sum
from django.utils import timezone

from civilization_stations.models import PracticeNode
from core.hours import from_half_hours
from hours.models import ServiceRecord, StarLevel
from hours.selectors import star_status
from organizations.models import Organization
from projects.models import Project

from .models import Certificate


@dataclass
class ServiceLine:
    title: str
    recorder: str
    half_hours: int
    times: int
    first: str  # ISO dates, as stored in the snapshot
    last: str

    @property
    def hours(self) -> Any:
        return from_half_hours(self.half_hours)


@dataclass
class CertificateContent:
    volunteer_name: str
    volunteer_number: str
    period_start: str | None
    period_end: str | None
    first_service_date: str | None
    last_service_date: str | None
    total_half_hours: int
    times: int
    lines: list[ServiceLine] = field(default_factory=list)
    recorders: list[str] = field(default_factory=list)

    @property
    def total_hours(self) -> Any:
        return from_half_hours(self.total_half_hours)

    def as_snapshot(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CertificateContent:
        lines = [ServiceLine(**line) for line in data.get("lines", [])]
        return cls(**{**data, "lines": lines})


def approved_records(volunteer: Any, start: date | None = None, end: date | None = None) -> Any:
    records = ServiceRecord.objects.approved().for_volunteer(volunteer)
    if start:
        records = records.filter(service_date__gte=start)
    if end:
        records = records.filter(service_date__lte=end)
    return records


def certificate_content(
    volunteer: Any, start: date | None = None, end: date | None = None
) -> CertificateContent:
    """Four queries whatever the number of records: two grouped sums over the ledger (entries of
    projects by project; other entries, such as service orders, by title and recorder) and the
    names of the projects and recorders they mention."""
    records = approved_records(volunteer, start, end)
    sums = {
        "half": Sum("half_hours"),
        "times": Sum("person_times"),
        "first": Min("service_date"),
        "last": Max("service_date"),
    }
    by_project = list(
        records.filter(project__isnull=False).values("project_id").annotate(**sums).order_by()
    )
    by_title = list(
        records.filter(project__isnull=True)
        .values("title", "organization_id", "center_id", "institute_id", "station_id")
        .annotate(**sums)
        .order_by()
    )
    projects = {
        p.pk: p
        for p in Project.objects.filter(
            pk__in=[r["project_id"] for r in by_project]
        ).select_related("organization", "publisher_node")
    }
    org_ids = {r["organization_id"] for r in by_title if r["organization_id"]}
    node_ids = {r["station_id"] or r["institute_id"] or r["center_id"] for r in by_title}
    orgs = dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    nodes = dict(PracticeNode.objects.filter(pk__in=node_ids).values_list("pk", "name"))

    lines: list[ServiceLine] = []
    for row in by_project:
        project = projects[row["project_id"]]
        lines.append(_line(project.title, project.publisher_name, row))
    for row in by_title:
        node_id = row["station_id"] or row["institute_id"] or row["center_id"]
        recorder = orgs.get(row["organization_id"]) or nodes.get(node_id, "")
        lines.append(_line(row["title"], recorder, row))
    lines = [line for line in lines if line.half_hours > 0]
    lines.sort(key=lambda line: (-line.half_hours, line.first, line.title))

    recorder_hours: dict[str, int] = {}
    for line in lines:
        recorder_hours[line.recorder] = recorder_hours.get(line.recorder, 0) + line.half_hours
    recorders = sorted(recorder_hours, key=lambda name: (-recorder_hours[name], name))
    return CertificateContent(
        volunteer_name=volunteer.name,
        volunteer_number=volunteer.number,
        period_start=start.isoformat() if start else None,
        period_end=end.isoformat() if end else None,
        first_service_date=min((line.first for line in lines), default=None),
        last_service_date=max((line.last for line in lines), default=None),
        total_half_hours=sum(line.half_hours for line in lines),
        times=sum(line.times for line in lines),
        lines=lines,
        recorders=recorders,
    )


def _line(title: str, recorder: str, row: dict[str, Any]) -> ServiceLine:
    return ServiceLine(
        title=title,
        recorder=recorder,
        half_hours=row["half"] or 0,
        times=row["times"] or 0,
        first=row["first"].isoformat(),
        last=row["last"].isoformat(),
    )


def content_of(certificate: Certificate) -> CertificateContent:
    return CertificateContent.from_snapshot(certificate.snapshot)


def mask_name(name: str) -> str:
    """张*明, 张*, 欧**明: the first and last characters of a name, the middle masked."""
    chars = [ch for ch in name.strip() if not ch.isspace()]
    if len(chars) <= 1:
        return "*"
    if len(chars) == 2:
        return chars[0] + "*"
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]


@dataclass(frozen=True)
class HolderStar:
    """The holder's star level at the moment of verification, for benefit providers (激励回馈).
    Not part of the certificate: it is computed from the ledger now, so it may differ from what
    the certificate's hours suggest. Only the level is shown, never the current hours."""

    level: StarLevel | None  # None: no star level (yet), or the account is closed
    as_of: datetime
    closed: bool  # the holder closed their account: no current level is given


def holder_star(certificate: Certificate, *, now: datetime | None = None) -> HolderStar:
    """Three queries (approved hours, thresholds, published awards) for an open account; none
    for a closed one, whose person no longer holds a registration to claim benefits with."""
    now = now or timezone.now()
    volunteer = certificate.volunteer
    if volunteer.is_closed:
        return HolderStar(level=None, as_of=now, closed=True)
    return HolderStar(level=star_status(volunteer).current, as_of=now, closed=False)
