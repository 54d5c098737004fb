"""What projects add to other apps' pages: the open-projects panel on a node's page and the
"我的报名" section of a volunteer's /me/ page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import open_projects_at, volunteer_signups


def open_projects_panel(request: HttpRequest, node: Any) -> dict[str, Any] | None:
    return {
        "template": "projects/_node_panel.html",
        "node": node,
        "projects": open_projects_at(node.path, limit=5),
    }


def my_signups_section(request: HttpRequest, volunteer: Any) -> dict[str, Any] | None:
    return {
        "template": "projects/_my_signups_section.html",
        "signups": list(volunteer_signups(volunteer).active()[:5]),
    }
