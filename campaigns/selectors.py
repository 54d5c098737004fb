"""Reads: a campaign's figures from the rollup tables, site search, a volunteer's benefits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from civilization_stations.access import scope_path
from civilization_stations.models import PracticeNode
from core.hours import from_half_hours
from hours.selectors import star_status
from organizations.models import Organization
from projects.access import managed_projects
from projects.models import Activity, Shift

from .models import (
    Benefit,
    Campaign,
    CampaignDayStat,
    CampaignMember,
    CampaignOutputStat,
    Enrolment,
    ServiceResult,
    ServiceSite,
)

KINDS = {"v": "volunteers", "p": "projects", "a": "activities", "s": "shifts"}


@dataclass
class Figures:
    hours: Decimal = Decimal(0)
    person_times: int = 0
    people_served: int = 0
    volunteers: int = 0
    projects: int = 0
    activities: int = 0  # activities and duty shifts


@dataclass
class CenterRow:
    name: str
    code: str
    figures: Figures


@dataclass
class TrendBar:
    label: str
    starts_on: date
    hours: Decimal
    person_times: int
    people_served: int
    percent: int = 0


@dataclass
class CampaignData:
    campaign: Campaign
    totals: Figures
    centers: list[CenterRow]
    trend: list[TrendBar]
    trend_grain: str  # "day" or "week"
    outputs: list[dict[str, Any]] = field(default_factory=list)
    projects: list[Any] = field(default_factory=list)


def _apply(figures: Figures, kind: str, n: int) -> None:
    if kind in ("a", "s"):
        figures.activities += n
    else:
        setattr(figures, KINDS[kind], n)


def campaign_data(campaign: Campaign, *, project_limit: int | None = 50) -> CampaignData:
    """Everything the public page and the export show, in six queries whatever the size."""
    days = CampaignDayStat.objects.filter(campaign_id=campaign.pk)
    by_center = {
        row["center_id"]: row
        for row in days.values("center_id").annotate(
            hh=Sum("half_hours"), pt=Sum("person_times"), ps=Sum("people_served")
        )
    }
    members = CampaignMember.objects.filter(campaign_id=campaign.pk)
    center_members = list(
        members.values("center_id", "kind").annotate(n=Count("ref_id", distinct=True))
    )
    total_members = list(members.values("kind").annotate(n=Count("ref_id", distinct=True)))
    center_ids = set(by_center) | {row["center_id"] for row in center_members}
    nodes = {n.pk: n for n in PracticeNode.objects.filter(pk__in=center_ids).only("name", "code")}

    totals = Figures()
    rows: dict[int, Figures] = {pk: Figures() for pk in center_ids}
    for pk, row in by_center.items():
        f = rows[pk]
        f.hours = from_half_hours(row["hh"] or 0)
        f.person_times = row["pt"] or 0
        f.people_served = row["ps"] or 0
        totals.hours += f.hours
        totals.person_times += f.person_times
        totals.people_served += f.people_served
    for row in center_members:
        _apply(rows[row["center_id"]], row["kind"], row["n"])
    for row in total_members:
        _apply(totals, row["kind"], row["n"])
    centers = sorted(
        (
            CenterRow(name=nodes[pk].name, code=nodes[pk].code, figures=f)
            for pk, f in rows.items()
            if pk in nodes
        ),
        key=lambda r: r.code,
    )

    daily = list(
        days.values("day")
        .annotate(hh=Sum("half_hours"), pt=Sum("person_times"), ps=Sum("people_served"))
        .order_by("day")
    )
    trend, grain = _trend(campaign, daily)
    outputs = list(
        CampaignOutputStat.objects.filter(campaign_id=campaign.pk)
        .order_by("name", "unit")
        .values("name", "unit", "value")
    )
    approved = (
        Enrolment.objects.filter(campaign=campaign, status=Enrolment.Status.APPROVED)
        .select_related("project__node")
        .order_by("project__node_path", "project__title")
    )
    projects = list(approved if project_limit is None else approved[:project_limit])
    return CampaignData(
        campaign=campaign,
        totals=totals,
        centers=centers,
        trend=trend,
        trend_grain=grain,
        outputs=outputs,
        projects=[e.project for e in projects],
    )


def _trend(campaign: Campaign, daily: list[dict[str, Any]]) -> tuple[list[TrendBar], str]:
    """One bar per day for periods up to 31 days, else one per week (Monday first)."""
    length = (campaign.ends_on - campaign.starts_on).days + 1
    grain = "day" if length <= 31 else "week"
    buckets: dict[date, list[int]] = {}
    step = timedelta(days=1 if grain == "day" else 7)
    first = campaign.starts_on
    if grain == "week":
        first = first - timedelta(days=first.weekday())
    cursor = first
    while cursor <= campaign.ends_on:
        buckets[cursor] = [0, 0, 0]
        cursor += step
    for row in daily:
        key = row["day"] if grain == "day" else row["day"] - timedelta(days=row["day"].weekday())
        if key in buckets:
            b = buckets[key]
            b[0] += row["hh"] or 0
            b[1] += row["pt"] or 0
            b[2] += row["ps"] or 0
    top = max((b[0] for b in buckets.values()), default=0)
    bars = [
        TrendBar(
            label=f"{day:%m-%d}" if grain == "day" else f"{day:%m-%d}起",
            starts_on=day,
            hours=from_half_hours(b[0]),
            person_times=b[1],
            people_served=b[2],
            percent=int(b[0] * 100 // top) if top else 0,
        )
        for day, b in buckets.items()
    ]
    return bars, grain


def export_rows(data: CampaignData) -> tuple[list[str], list[list[Any]]]:
    headers = [
        "地区",
        "参与项目",
        "活动/排班",
        "志愿者",
        "服务人次",
        "服务时长（小时）",
        "服务对象人次",
    ]
    rows = [
        [
            r.name,
            r.figures.projects,
            r.figures.activities,
            r.figures.volunteers,
            r.figures.person_times,
            str(r.figures.hours),
            r.figures.people_served,
        ]
        for r in data.centers
    ]
    t = data.totals
    rows.append(
        [
            "合计",
            t.projects,
            t.activities,
            t.volunteers,
            t.person_times,
            str(t.hours),
            t.people_served,
        ]
    )
    return headers, rows


def export_sheets(data: CampaignData) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The workbook export: the district table, the trend, the output counters and the approved
    projects, one sheet each (title, headers, rows). Pass `campaign_data(campaign,
    project_limit=None)` so that every approved project is listed."""
    headers, rows = export_rows(data)
    trend = [
        [bar.starts_on.isoformat(), str(bar.hours), bar.person_times, bar.people_served]
        for bar in data.trend
    ]
    outputs = [[o["name"], o["unit"], o["value"]] for o in data.outputs]
    projects = [[p.title, p.node.name] for p in data.projects]
    return [
        ("分区统计", headers, rows),
        (
            "每日趋势" if data.trend_grain == "day" else "每周趋势",
            [
                "日期" if data.trend_grain == "day" else "周起始日",
                "服务时长（小时）",
                "服务人次",
                "服务对象人次",
            ],
            trend,
        ),
        ("服务成效", ["指标", "单位", "数量"], outputs),
        ("参与项目", ["项目", "服务阵地"], projects),
    ]


def search_sites(*, path: str = "", text: str = "", kind: str = "", rating: str = "") -> Any:
    qs = ServiceSite.objects.filter(
        node_path__startswith=path, project__status__in=("recruiting", "in_progress", "finished")
    ).select_related("node")
    if text:
        qs = qs.filter(
            Q(name__icontains=text) | Q(address__icontains=text) | Q(services__icontains=text)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if rating:
        qs = qs.filter(rating=rating)
    return qs.order_by("-rating", "name", "pk")


@dataclass
class BenefitsView:
    status: Any
    qualified: list[Benefit]
    locked: list[Benefit]


def benefits_for(volunteer: Any) -> BenefitsView:
    """The active benefits the volunteer's current star level reaches, and the others."""
    status = star_status(volunteer)
    level = status.current.level if status.current else 0
    benefits = list(Benefit.objects.filter(is_active=True).select_related("min_level"))
    return BenefitsView(
        status=status,
        qualified=[b for b in benefits if b.min_level.level <= level],
        locked=[b for b in benefits if b.min_level.level > level],
    )


# --- the results desk: what a recorder may report people served for ----------------------------

DESK_DAYS = 30
DESK_LIMIT = 300  # per kind; a desk is a to-do list of the last weeks, not an archive


@dataclass(frozen=True)
class DeskRow:
    kind: str  # "activity", "shift" or "order"
    title: str
    project_title: str
    ended_at: datetime
    url: str
    people_served: int | None  # None: not reported yet


def results_desk(user: Any, *, now: datetime | None = None) -> list[DeskRow]:
    """Activities, duty shifts and service orders that ended in the last `DESK_DAYS` days and
    whose people served this user may report (the slot's project managers; the organization
    that handled an order, or the staff above an order a volunteer took alone), newest first.
    Four queries."""
    now = now or timezone.now()
    since = now - timedelta(days=DESK_DAYS)
    projects = managed_projects(user).values("pk")
    rows: list[DeskRow] = []
    activities = (
        Activity.objects.filter(project__in=projects, ends_at__gt=since, ends_at__lte=now)
        .select_related("project", "service_result")
        .order_by("-ends_at")[:DESK_LIMIT]
    )
    for a in activities:
        result = getattr(a, "service_result", None)
        rows.append(
            DeskRow(
                kind="activity",
                title=a.title,
                project_title=a.project.title,
                ended_at=a.ends_at,
                url=reverse("campaigns:activity_results", args=[a.pk]),
                people_served=result.people_served if result else None,
            )
        )
    shifts = (
        Shift.objects.filter(project__in=projects, ends_at__gt=since, ends_at__lte=now)
        .select_related("project", "post", "service_result")
        .order_by("-ends_at")[:DESK_LIMIT]
    )
    for sh in shifts:
        result = getattr(sh, "service_result", None)
        rows.append(
            DeskRow(
                kind="shift",
                title=str(sh),
                project_title=sh.project.title,
                ended_at=sh.ends_at,
                url=reverse("campaigns:shift_results", args=[sh.pk]),
                people_served=result.people_served if result else None,
            )
        )
    rows.extend(_desk_orders(user, since=since))
    rows.sort(key=lambda r: r.ended_at, reverse=True)
    return rows


def _desk_orders(user: Any, *, since: datetime) -> list[DeskRow]:
    from orders.models import Order

    if not user.is_authenticated:
        return []
    condition = Q(organization__in=Organization.objects.administered_by(user))
    path = scope_path(user)
    if path is not None:
        condition |= Q(organization__isnull=True, node_path__startswith=path)
    orders = list(
        Order.objects.filter(condition, state__in=[Order.State.DONE, Order.State.RATED])
        .filter(done_at__gt=since)
        .order_by("-done_at")[:DESK_LIMIT]
    )
    served = dict(
        ServiceResult.objects.filter(order_id__in=[o.pk for o in orders]).values_list(
            "order_id", "people_served"
        )
    )
    return [
        DeskRow(
            kind="order",
            title=str(o),
            project_title="",
            ended_at=o.done_at,
            url=reverse("campaigns:order_results", args=[o.pk]),
            people_served=served.get(o.pk),
        )
        for o in orders
    ]
