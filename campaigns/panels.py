"""What campaigns add to other apps' pages: sites on a node's page; benefits and, for those
who manage projects, the results desk on /me/."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from projects.access import managed_projects

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


def results_section(request: HttpRequest, volunteer: Any) -> dict[str, Any] | None:
    """For project managers only (one query): where to report people served."""
    if not managed_projects(request.user).exists():
        return None
    return {"template": "campaigns/_results_section.html"}


def is_station_staff(user: Any) -> bool:
    """No query: the nav renders on every page. Organization admins reach the desk from /me/."""
    return bool(user.is_authenticated and user.staff_node_id)
