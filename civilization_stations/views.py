"""Public pages of the practice hierarchy: browse the tree, search it, open a node."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import staff_required
from core.pagination import paginate

from . import services
from .access import can_act_on_node, get_node_for_staff
from .forms import AppointStaffForm, NodeSearchForm
from .models import PracticeNode
from .selectors import ancestors_by_code, node_panels


def tree(request: HttpRequest) -> HttpResponse:
    form = NodeSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if request.GET.get("q") and not form.is_valid():
        messages.error(request, form.errors["q"][0])
    if query:
        page = paginate(request, PracticeNode.objects.search(query).order_by("level", "path"), 30)
        lineage = ancestors_by_code(page.object_list)
        results = [
            (node, [lineage[c] for c in node.ancestor_codes if c in lineage]) for node in page
        ]
        return render(
            request,
            "civilization_stations/search.html",
            {"q": query, "page": page, "results": results},
        )
    centers = (
        PracticeNode.objects.centers().annotate(child_count=Count("children")).order_by("code")
    )
    return render(request, "civilization_stations/tree.html", {"centers": centers})


def node_detail(request: HttpRequest, code: str) -> HttpResponse:
    node = get_object_or_404(PracticeNode, code=code)
    children = node.children.annotate(child_count=Count("children")).order_by("code")
    ancestors = list(PracticeNode.objects.ancestors_of(node))
    context = {
        "node": node,
        "ancestors": ancestors,
        "children": children,
        "panels": node_panels(request, node),
        "can_manage": can_act_on_node(request.user, node),
    }
    return render(request, "civilization_stations/node.html", context)


@staff_required
def node_staff(request: HttpRequest, code: str) -> HttpResponse:
    node = get_node_for_staff(request.user, code)
    form = AppointStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appoint_staff(actor=request.user, user=form.cleaned_data["login"], node=node)
        except ValidationError as exc:
            form.add_error("login", exc)
        else:
            messages.success(request, _("已任命为%(node)s工作人员") % {"node": node.name})
            return redirect("stations:staff", code=node.code)
    staff = get_user_model().objects.filter(staff_node=node).order_by("name")
    return render(
        request, "civilization_stations/staff.html", {"node": node, "staff": staff, "form": form}
    )


@staff_required
@require_POST
def node_staff_remove(request: HttpRequest, code: str, user_id: int) -> HttpResponse:
    node = get_node_for_staff(request.user, code)
    user = get_object_or_404(get_user_model(), pk=user_id, staff_node=node)
    try:
        services.remove_staff(actor=request.user, user=user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已移除该工作人员"))
    return redirect("stations:staff", code=node.code)
