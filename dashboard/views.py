"""The federation dashboard: the city (federation admins), a node (its staff and above), their
CSV/XLSX exports, the public JSON of the same aggregates, and the refresh request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import tablib
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civilization_stations.models import PracticeNode
from core.access import federation_admin_required, is_federation_admin, staff_required
from core.choices import ServiceCategory
from core.redirects import redirect_to_next

from .access import get_dashboard_node_for_staff, get_public_node
from .rollup import request_refresh
from .selectors import CITY, SORT_KEYS, dashboard_data, export_table, parse_filters

PUBLIC_LEVELS = {"city", "center"}
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_GET
@staff_required
def city_dashboard(request: HttpRequest) -> HttpResponse:
    if not is_federation_admin(request.user):
        # Station staff start at their own node.
        return redirect("dashboard:node", code=request.user.staff_node.code)
    return _render(request, CITY)


@require_GET
@staff_required
def node_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    return _render(request, get_dashboard_node_for_staff(request.user, code))


def _sort_param(request: HttpRequest) -> str:
    sort = request.GET.get("sort") or "-hours"
    return sort if sort.lstrip("-") in SORT_KEYS else "-hours"


def _render(request: HttpRequest, node: Any) -> HttpResponse:
    filters, errors = parse_filters(request.GET)
    for error in errors:
        messages.warning(request, error)
    sort = _sort_param(request)
    data = dashboard_data(node, filters, sort=sort)
    ancestors = (
        list(PracticeNode.objects.ancestors_of(node).only("code", "name"))
        if node.level != "city"
        else []
    )
    base_qs = filters.querystring()
    sort_links = {
        key: f"?{base_qs}&sort={'' if sort == '-' + key else '-'}{key}" for key in SORT_KEYS
    }
    sort_state = {
        key: ("descending" if sort == "-" + key else "ascending" if sort == key else "none")
        for key in SORT_KEYS
    }
    year = filters.period.year
    export_url = (
        reverse("dashboard:city_export", kwargs={"fmt": "csv"})
        if node.level == "city"
        else reverse("dashboard:node_export", kwargs={"code": node.code, "fmt": "csv"})
    )
    return render(
        request,
        "dashboard/node.html",
        {
            "node": node,
            "data": data,
            "ancestors": ancestors,
            "filters": filters,
            "category_choices": ServiceCategory.choices,
            "years": sorted(set(data["years"]) | {year}, reverse=True),
            "months": [f"{year}-{m:02d}" for m in range(1, 13)],
            "sort_links": sort_links,
            "sort_state": sort_state,
            "querystring": f"{base_qs}&sort={sort}",
            "export_csv": f"{export_url}?{base_qs}&sort={sort}",
            "export_xlsx": f"{export_url[: -len('csv')]}xlsx?{base_qs}&sort={sort}",
            "chart_data": _chart_data(data),
            "can_refresh": is_federation_admin(request.user),
            "table_is_children": bool(data["children"]),
            "updated_at": datetime.fromisoformat(data["updated_at"])
            if data["updated_at"]
            else None,
        },
    )


def _chart_data(data: dict[str, Any]) -> dict[str, Any]:
    """What static/js/dashboard.js draws (no inline script: the page embeds it as JSON)."""
    return {
        "trend": {
            "months": [t["month"] for t in data["trend"]],
            "hours": [float(t["hours"]) for t in data["trend"]],
            "person_times": [t["person_times"] for t in data["trend"]],
            "volunteers": [t["volunteers"] for t in data["trend"]],
        },
        "categories": [
            {"name": c["label"], "value": float(c["hours"])} for c in data["categories"]
        ],
        "stars": {
            "names": [s["name"] for s in data["stars"]],
            "values": [s["volunteers"] for s in data["stars"]],
        },
        "funnel": {
            "names": [_("点单"), _("派单"), _("接单"), _("完成"), _("评单")],
            "values": [
                data["orders"]["placed"],
                data["orders"]["dispatched"],
                data["orders"]["taken"],
                data["orders"]["done"],
                data["orders"]["rated"],
            ],
        },
        "labels": {
            "hours": _("服务时长（小时）"),
            "person_times": _("服务人次"),
            "volunteers": _("服务志愿者"),
            "star_volunteers": _("人数"),
            "orders": _("订单数"),
        },
    }


@require_GET
@staff_required
def export(request: HttpRequest, fmt: str, code: str | None = None) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    node = get_dashboard_node_for_staff(request.user, code)
    filters, _errors = parse_filters(request.GET)
    data = dashboard_data(node, filters, sort=_sort_param(request))
    headers, rows = export_table(data)
    dataset = tablib.Dataset(*rows, headers=headers, title=node.name[:31])
    content = dataset.export(fmt)
    if fmt == "csv":
        content = "\ufeff" + content  # a BOM so Excel opens the Chinese text as UTF-8
    response = HttpResponse(content, content_type=EXPORT_FORMATS[fmt])
    filename = f"stats-{node.code}-{filters.param}{'-' + filters.category if filters.category else ''}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def stats_json(request: HttpRequest, code: str) -> JsonResponse:
    """The page's aggregates as JSON. Open data for the city and the 17 centers (districts), for
    everyone; institutes and stations only for their staff and above (404 otherwise), because
    their small cells (one volunteer, one star) can single a person out."""
    node = get_public_node(code)
    if node.level not in PUBLIC_LEVELS:
        node = get_dashboard_node_for_staff(request.user, code)
    filters, errors = parse_filters(request.GET)
    if errors:
        return JsonResponse(
            {"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    data = dashboard_data(node, filters, sort=_sort_param(request))
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_POST
@federation_admin_required
def refresh(request: HttpRequest) -> HttpResponse:
    request_refresh()
    messages.success(request, _("已请求刷新统计数据，几分钟内更新完毕后刷新本页即可看到。"))
    return redirect_to_next(request, request.POST.get("next") or "", reverse("dashboard:home"))
