"""What the dashboard pages, exports, the JSON API and the node panel read: summary tables only,
a fixed number of queries (twelve) whatever the size of the ledger, cached until the next rollup.

`dashboard_data(node, filters)` returns plain data (lists, dicts, ints, strings) — the same
structure renders the page, fills the CSV/XLSX export and is published as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civilization_stations.models import PracticeNode
from core.choices import ServiceCategory
from core.hours import from_half_hours

from .models import (
    CITY_NODE_ID,
    FeaturedProject,
    NodeRegistry,
    NodeStat,
    OrderStat,
    OrganizationYear,
    OutputStat,
    ResultStat,
    RollupState,
    StarCount,
)
from .rollup import cache_version

CITY_CODE = "110000"
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class City:
    """The whole city: node 0 of the summary tables, the parent of the 17 centers."""

    id: int = CITY_NODE_ID
    code: str = CITY_CODE
    name: str = "北京市"
    level: str = "city"
    path: str = ""
    parent_id: None = None

    def get_level_display(self) -> str:
        return _("全市")


CITY = City()


@dataclass(frozen=True)
class Filters:
    kind: str  # "Y" or "M"
    period: date
    category: str  # "" for all

    @property
    def year(self) -> date:
        return self.period.replace(month=1, day=1)

    @property
    def label(self) -> str:
        if self.kind == "Y":
            return _("%(year)d年") % {"year": self.period.year}
        return _("%(year)d年%(month)d月") % {"year": self.period.year, "month": self.period.month}

    @property
    def param(self) -> str:
        return f"{self.period:%Y}" if self.kind == "Y" else f"{self.period:%Y-%m}"

    def querystring(self) -> str:
        qs = f"period={self.param}"
        return qs + (f"&category={self.category}" if self.category else "")


def parse_filters(params: Any, *, today: date | None = None) -> tuple[Filters, list[str]]:
    """Period `YYYY` or `YYYY-MM` and a category code; bad values fall back to the current year
    and all categories, with the reason for the page to show."""
    today = today or timezone.localdate()
    errors: list[str] = []
    kind, period = "Y", date(today.year, 1, 1)
    raw = (params.get("period") or "").strip()
    if raw:
        try:
            if len(raw) == 4:
                period = date(int(raw), 1, 1)
            elif len(raw) == 7 and raw[4] == "-":
                kind, period = "M", date(int(raw[:4]), int(raw[5:]), 1)
            else:
                raise ValueError
            if not 2000 <= period.year <= today.year + 1:
                raise ValueError
        except ValueError:
            kind, period = "Y", date(today.year, 1, 1)
            errors.append(_("统计周期“%(value)s”无效，已显示本年数据。") % {"value": raw[:20]})
    category = (params.get("category") or "").strip()
    if category and category not in ServiceCategory.values:
        errors.append(_("服务类别“%(value)s”无效，已显示全部类别。") % {"value": category[:20]})
        category = ""
    return Filters(kind=kind, period=period, category=category), errors


SORT_KEYS = (
    "name",
    "hours",
    "person_times",
    "volunteers",
    "activities",
    "people_served",
    "registered",
)


def _hours(half_hours: int) -> str:
    """Hours as plain text: "10", "2.5" (never "1E+1")."""
    return format(from_half_hours(half_hours).normalize(), "f") if half_hours else "0"


def _figures(row: NodeStat | None) -> dict[str, Any]:
    hh = row.half_hours if row else 0
    return {
        "half_hours": hh,
        "hours": _hours(hh),
        "person_times": row.person_times if row else 0,
        "volunteers": row.volunteers if row else 0,
        "activities": row.activities if row else 0,
    }


def children_of(node: Any) -> list[Any]:
    if node.level == "city":
        return list(PracticeNode.objects.centers().only("id", "code", "name", "level"))
    if node.level == "station":
        return []
    return list(PracticeNode.objects.filter(parent_id=node.id).only("id", "code", "name", "level"))


def _cache_key(node: Any, filters: Filters, sort: str) -> str:
    return f"dashboard:{cache_version()}:{node.id}:{filters.param}:{filters.category}:{sort}"


def dashboard_data(
    node: Any, filters: Filters, *, sort: str = "-hours", today: date | None = None
) -> dict[str, Any]:
    """Everything a dashboard shows for a node (or the city), cached until the next rollup."""
    if sort.lstrip("-") not in SORT_KEYS:
        sort = "-hours"
    key = _cache_key(node, filters, sort)
    data = cache.get(key)
    if data is None:
        data = _compute(node, filters, sort=sort, today=today or timezone.localdate())
        cache.set(key, data, CACHE_SECONDS)
    return data


def _top_organizations(node, year: date) -> list[OrganizationYear]:
    """The ten organizations registered at the node or below with the most hours in the year
    (ties by id), with their current names: one query, ten rows through the index of the
    node's level (`OrganizationYear`)."""
    from organizations.models import Organization

    rows = OrganizationYear.objects.filter(year=year)
    if node.level == "station":  # through its institute's index (a few hundred rows)
        rows = rows.filter(institute_id=node.parent_id, station_id=node.id)
    elif node.level != "city":
        rows = rows.filter(**{f"{node.level}_id": node.id})
    name = Organization.objects.filter(pk=OuterRef("organization_id")).values("name")[:1]
    return list(
        rows.annotate(name=Subquery(name))
        .filter(name__isnull=False)
        .order_by("-half_hours", "organization_id")[:10]
    )


def _compute(node: Any, filters: Filters, *, sort: str, today: date) -> dict[str, Any]:
    year = filters.year
    next_year = year.replace(year=year.year + 1)
    this_month = today.replace(day=1)
    categories = dict(ServiceCategory.choices)

    # 1: the node's own rows the page shows: the selected category's months of the year and
    # this month, every category of the selected period, and every year's total.
    rows = list(
        NodeStat.objects.filter(node_id=node.id).filter(
            Q(kind="M", category=filters.category, period__gte=year, period__lt=next_year)
            | Q(kind="M", category=filters.category, period=this_month)
            | Q(kind=filters.kind, period=filters.period)
            | Q(kind="Y", category="")
        )
    )
    by_key = {(r.kind, r.period, r.category): r for r in rows}
    years = sorted({r.period.year for r in rows if r.kind == "Y" and r.category == ""})
    if today.year not in years:
        years.append(today.year)

    selected = by_key.get((filters.kind, filters.period, filters.category))
    month_row = by_key.get(("M", this_month, filters.category))
    trend = []
    for m in range(1, 13):
        month = year.replace(month=m)
        trend.append(
            {"month": f"{month:%Y-%m}", **_figures(by_key.get(("M", month, filters.category)))}
        )
    # 2-4: the child nodes, their figures and their registrations.
    children = children_of(node)
    child_ids = [c.id for c in children]
    # 5: people served (服务对象人次) of the node (each category and all) and of its children.
    served = {
        (r.node_id, r.category): r.people_served
        for r in ResultStat.objects.filter(
            node_id__in=[node.id, *child_ids], kind=filters.kind, period=filters.period
        )
    }
    breakdown = []
    for code, label in categories.items():
        r = by_key.get((filters.kind, filters.period, code))
        if r is not None or (node.id, code) in served:
            breakdown.append(
                {
                    "category": code,
                    "label": str(label),
                    **_figures(r),
                    "people_served": served.get((node.id, code), 0),
                }
            )
    breakdown.sort(key=lambda b: (-b["half_hours"], -b["people_served"]))

    child_stats = (
        {
            r.node_id: r
            for r in NodeStat.objects.filter(
                node_id__in=child_ids,
                kind=filters.kind,
                period=filters.period,
                category=filters.category,
            )
        }
        if child_ids
        else {}
    )
    registry_rows = {
        r.node_id: r for r in NodeRegistry.objects.filter(node_id__in=[node.id, *child_ids])
    }
    table = []
    for child in children:
        reg = registry_rows.get(child.id)
        table.append(
            {
                "code": child.code,
                "name": child.name,
                "registered": reg.volunteers if reg else 0,
                **_figures(child_stats.get(child.id)),
                "people_served": served.get((child.id, filters.category), 0),
            }
        )
    reverse = sort.startswith("-")
    field = sort.lstrip("-")
    sort_field = "half_hours" if field == "hours" else field
    table.sort(key=lambda t: (t[sort_field], t["code"]), reverse=reverse)

    # 6: service output (咨询人次, 接听热线…) of the node in the period, largest first.
    outputs = [
        {"name": o.name, "unit": o.unit, "value": o.value}
        for o in OutputStat.objects.filter(
            node_id=node.id, kind=filters.kind, period=filters.period
        ).order_by("-value", "name")[:20]
    ]

    # 7-8: star levels (the level names from the ledger's small StarLevel table).
    from hours.models import StarLevel

    star_names = {lv.level: lv.name for lv in StarLevel.objects.all()}
    star_counts = {s.star_level: s.volunteers for s in StarCount.objects.filter(node_id=node.id)}
    stars = [
        {"level": level, "name": name, "volunteers": star_counts.get(level, 0)}
        for level, name in sorted(star_names.items())
    ]

    # 9-11: top organizations, gold and demonstration projects, service orders.
    top_orgs = [
        {
            "name": t.name,
            "hours": _hours(t.half_hours),
            "half_hours": t.half_hours,
            "person_times": t.person_times,
        }
        for t in _top_organizations(node, year)
    ]
    featured_qs = FeaturedProject.objects.all()
    if node.path:
        featured_qs = featured_qs.filter(node_path__startswith=node.path)
    featured = [
        {
            "title": p.title,
            "organization": p.organization_name,
            "is_gold": p.is_gold,
            "is_city_demonstration": p.is_city_demonstration,
        }
        for p in featured_qs[:20]
    ]
    order_end = next_year if filters.kind == "Y" else _next_month(filters.period)
    order_rows = list(
        OrderStat.objects.filter(
            node_id=node.id, month__gte=filters.period, month__lt=order_end
        ).order_by("month")
    )
    orders = _order_summary(order_rows)

    # 12: when the figures were last brought up to date.
    state = RollupState.objects.filter(pk=1).first()
    reg = registry_rows.get(node.id)
    return {
        "node": {"code": node.code, "name": node.name, "level": node.level},
        "filters": {
            "period": filters.param,
            "label": filters.label,
            "category": filters.category,
            "category_label": str(categories.get(filters.category, _("全部类别"))),
        },
        "updated_at": state.last_run_at.isoformat() if state and state.last_run_at else None,
        "headline": {
            "registered_volunteers": reg.volunteers if reg else 0,
            "organizations": reg.organizations if reg else 0,
            "projects": reg.projects if reg else 0,
            **_figures(selected),
            "activities_this_month": month_row.activities if month_row else 0,
            "people_served": served.get((node.id, filters.category), 0),
            "orders": orders["placed"],
            "satisfaction": orders["satisfaction"],
        },
        "years": years,
        "trend": trend,
        "categories": breakdown,
        "children": table,
        "sort": sort,
        "stars": stars,
        "top_organizations": top_orgs,
        "featured_projects": featured,
        "orders": orders,
        "outputs": outputs,
    }


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _order_summary(rows: list[OrderStat]) -> dict[str, Any]:
    placed = sum(r.placed for r in rows)
    rated = sum(r.rated for r in rows)
    rating_sum = sum(r.rating_sum for r in rows)

    def median_of(attr: str) -> float | None:
        # The months' medians weighted by their order counts: exact for one month (the usual
        # view), an approximation over a year (documented in docs/architecture.md).
        values = [(getattr(r, attr), r.placed) for r in rows if getattr(r, attr) is not None]
        if not values:
            return None
        total = sum(w for _v, w in values) or 1
        return round(sum(v * w for v, w in values) / total, 1)

    return {
        "placed": placed,
        "dispatched": sum(r.dispatched for r in rows),
        "taken": sum(r.taken for r in rows),
        "done": sum(r.done for r in rows),
        "rated": rated,
        "satisfaction": round(rating_sum / rated, 2) if rated else None,
        "minutes_to_dispatch": median_of("minutes_to_dispatch"),
        "minutes_to_take": median_of("minutes_to_take"),
        "minutes_to_complete": median_of("minutes_to_complete"),
    }


def node_headline(node: Any, *, today: date | None = None) -> dict[str, Any]:
    """The node panel on /stations/<code>/: this year's figures and registrations (2 queries,
    cached until the next rollup)."""
    today = today or timezone.localdate()
    key = f"dashboard:{cache_version()}:panel:{node.id}:{today.year}"
    data = cache.get(key)
    if data is None:
        row = NodeStat.objects.filter(
            node_id=node.id, kind="Y", period=date(today.year, 1, 1), category=""
        ).first()
        reg = NodeRegistry.objects.filter(node_id=node.id).first()
        data = {
            "year": today.year,
            **_figures(row),
            "registered_volunteers": reg.volunteers if reg else 0,
            "organizations": reg.organizations if reg else 0,
            "projects": reg.projects if reg else 0,
        }
        cache.set(key, data, CACHE_SECONDS)
    return data


TABLE_COLUMNS = [
    ("code", gettext_noop("代码")),
    ("name", gettext_noop("名称")),
    ("hours", gettext_noop("服务时长（小时）")),
    ("person_times", gettext_noop("服务人次")),
    ("volunteers", gettext_noop("服务志愿者")),
    ("activities", gettext_noop("活动数")),
    ("people_served", gettext_noop("服务对象人次")),
    ("registered", gettext_noop("注册志愿者")),
]
CATEGORY_COLUMNS = [
    ("category", gettext_noop("类别代码")),
    ("label", gettext_noop("服务类别")),
    ("hours", gettext_noop("服务时长（小时）")),
    ("person_times", gettext_noop("服务人次")),
    ("volunteers", gettext_noop("服务志愿者")),
    ("activities", gettext_noop("活动数")),
    ("people_served", gettext_noop("服务对象人次")),
]


def export_table(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The table the page shows (child nodes; a station's categories), as headers and rows."""
    if data["children"]:
        columns, rows = TABLE_COLUMNS, data["children"]
    else:
        columns, rows = CATEGORY_COLUMNS, data["categories"]
    headers = [_(label) for _key, label in columns]
    return headers, [[row[key] for key, _label in columns] for row in rows]
