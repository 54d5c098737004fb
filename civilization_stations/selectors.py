"""Reads across the hierarchy, and the registry through which higher apps add panels to a node's
page (open projects, recent orders, statistics) without this ground-floor app importing them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest

from .models import PracticeNode

# A panel provider takes (request, node) and returns a dict with "template" and its context, or
# None to show nothing. Apps above register theirs in AppConfig.ready().
NodePanel = Callable[[HttpRequest, PracticeNode], dict[str, Any] | None]
_node_panels: list[tuple[int, NodePanel]] = []


def register_node_panel(provider: NodePanel, *, order: int = 100) -> None:
    if provider not in [p for _, p in _node_panels]:
        _node_panels.append((order, provider))
        _node_panels.sort(key=lambda item: item[0])


def node_panels(request: HttpRequest, node: PracticeNode) -> list[dict[str, Any]]:
    panels = []
    for _order, provider in _node_panels:
        panel = provider(request, node)
        if panel:
            panels.append(panel)
    return panels


def ancestors_by_code(nodes: Iterable[PracticeNode]) -> dict[str, PracticeNode]:
    """The ancestors of many nodes in one query, keyed by code."""
    codes = {code for node in nodes for code in node.ancestor_codes}
    return {n.code: n for n in PracticeNode.objects.filter(code__in=codes)} if codes else {}
