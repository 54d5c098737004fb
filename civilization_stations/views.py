"""Public pages of the practice hierarchy: browse the tree, search it, open a node."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.pagination import paginate

from .models import PracticeNode
from .selectors import ancestors_by_code, node_panels


def tree(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:50]
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
    }
    return render(request, "civilization_stations/node.html", context)
