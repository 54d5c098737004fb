"""The statistics panel on a node's page /stations/<code>/ (open data: shown to everyone)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civilization_stations.access import can_act_on_node

from .selectors import node_headline


def statistics_panel(request: HttpRequest, node: Any) -> dict[str, Any] | None:
    return {
        "template": "dashboard/_node_panel.html",
        "node": node,
        "stats": node_headline(node),
        "can_open_dashboard": request.user.is_authenticated and can_act_on_node(request.user, node),
    }
