"""What projects add to other apps' pages: the open-projects panel on a node's page and the
"我的报名" section of a volunteer's /me/ page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

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


def signups_data_export(volunteer: Any) -> dict[str, Any] | None:
    """The volunteer's sign-ups for their personal-data copy (PIPL art. 45)."""
    signups = list(volunteer_signups(volunteer))
    if not signups:
        return None
    return {
        "key": "signups",
        "title": _("报名记录"),
        "records": [
            {
                str(_("项目")): s.project.title,
                str(_("时段")): s.slot.title,
                str(_("开始时间")): s.starts_at,
                str(_("地点")): s.place,
                str(_("状态")): s.get_status_display(),
                str(_("留言")): s.note,
                str(_("报名时间")): s.created_at,
            }
            for s in signups
        ],
    }
