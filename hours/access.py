"""Who records and decides service hours (谁组织谁记录): the admins of the organization that ran
the activity; for a station project (no organization), staff of the publishing node or above.
Helpers that take a URL id raise 404 outside the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.urls import reverse

from civilization_stations.access import can_act_on_node, get_node_for_staff
from civilization_stations.models import PracticeNode
from organizations.access import is_org_admin
from organizations.models import Organization
from projects.models import Activity, Project, Shift

from .models import CorrectionRequest, ServiceRecord, ServiceRecordQuerySet


def can_record_for_project(user: Any, project: Project) -> bool:
    if not user.is_authenticated:
        return False
    if project.organization_id:
        return is_org_admin(user, project.organization)
    return can_act_on_node(user, project.publisher_node)


def record_node(record: ServiceRecord) -> PracticeNode:
    return record.station or record.institute or record.center


def can_decide_record(user: Any, record: ServiceRecord) -> bool:
    """The recording organization's admins; for station records, staff in scope."""
    if not user.is_authenticated:
        return False
    if record.organization_id:
        return is_org_admin(user, record.organization)
    if record.project_id:
        return can_act_on_node(user, record.project.publisher_node)
    return can_act_on_node(user, record_node(record))


def can_decide_correction(user: Any, request: CorrectionRequest) -> bool:
    if not user.is_authenticated:
        return False
    if request.organization_id:
        return is_org_admin(user, request.organization)
    return request.node_id is not None and can_act_on_node(user, request.node)


@dataclass
class Desk:
    """The hours desk of one recorder: an organization (its admins) or a practice node (its
    staff, for station projects published at the node or below)."""

    organization: Organization | None = None
    node: PracticeNode | None = None

    @property
    def kind(self) -> str:
        return "org" if self.organization is not None else "station"

    @property
    def key(self) -> Any:
        return self.organization.pk if self.organization is not None else self.node.code

    @property
    def name(self) -> str:
        return self.organization.name if self.organization is not None else self.node.name

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"hours:{self.kind}_{name}", args=[self.key, *args])

    def projects(self) -> Any:
        if self.organization is not None:
            return Project.objects.filter(organization=self.organization)
        return Project.objects.filter(
            organization__isnull=True, publisher_node__path__startswith=self.node.path
        )

    def records(self) -> ServiceRecordQuerySet:
        if self.organization is not None:
            return ServiceRecord.objects.filter(organization=self.organization)
        return ServiceRecord.objects.filter(organization__isnull=True).filter(
            Q(project__publisher_node__path__startswith=self.node.path)
            | Q(project__isnull=True, **{self.node.level: self.node})
        )

    def corrections(self) -> Any:
        if self.organization is not None:
            return CorrectionRequest.objects.filter(organization=self.organization)
        return CorrectionRequest.objects.filter(
            organization__isnull=True, node__path__startswith=self.node.path
        )

    def activities(self) -> Any:
        return Activity.objects.filter(project__in=self.projects())

    def shifts(self) -> Any:
        return Shift.objects.filter(project__in=self.projects())

    def get_slot(self, kind: str, pk: int) -> Activity | Shift:
        qs = self.activities() if kind == "activity" else self.shifts()
        slot = qs.select_related("project__organization", "project__node").filter(pk=pk).first()
        if slot is None:
            raise Http404
        return slot

    def get_record(self, pk: int) -> ServiceRecord:
        record = self.records().with_related().filter(pk=pk).first()
        if record is None:
            raise Http404
        return record

    def get_correction(self, pk: int) -> CorrectionRequest:
        request = (
            self.corrections()
            .select_related("volunteer", "record", "activity", "shift", "project")
            .filter(pk=pk)
            .first()
        )
        if request is None:
            raise Http404
        return request


def get_desk(user: Any, *, org_id: int | None = None, code: str | None = None) -> Desk:
    if org_id is not None:
        organization = Organization.objects.select_related("node", "parent").filter(pk=org_id)
        org = organization.first()
        if org is None or not is_org_admin(user, org):
            raise Http404
        return Desk(organization=org)
    node = get_node_for_staff(user, code or "")
    return Desk(node=node)
