"""What campaigns add to other apps' pages: sites on a node's page, benefits on /me/."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import benefits_for, search_sites


def node_sites_panel(request: HttpRequest, node: Any) -> dict[str, Any] | None:
    return {
        "template": "campaigns/_node_sites_panel.html",
        "node": node,
        "sites": list(search_sites(path=node.path)[:5]),
    }


def benefits_section(request: HttpRequest, volunteer: Any) -> dict[str, Any] | None:
    view = benefits_for(volunteer)
    return {
        "template": "campaigns/_benefits_section.html",
        "status": view.status,
        "qualified": view.qualified[:5],
        "more": max(len(view.qualified) - 5, 0),
    }
