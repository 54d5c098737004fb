"""Reads for organizations across relations, and the panels other pages show (a node's page,
a volunteer's profile) through the lower floors' registries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from civilization_stations.models import PracticeNode
from civilization_stations.selectors import ancestors_by_code

from .models import Membership, Organization

NODE_PANEL_SIZE = 10


def with_lineage(
    organizations: Iterable[Organization],
) -> list[tuple[Organization, list[PracticeNode]]]:
    """Each organization with the chain of nodes from its district down to its own node, in one
    query for all of them (the organizations come with `node` selected)."""
    organizations = list(organizations)
    ancestors = ancestors_by_code(org.node for org in organizations)
    return [
        (org, [*(ancestors[c] for c in org.node.ancestor_codes if c in ancestors), org.node])
        for org in organizations
    ]


def node_panel(request: HttpRequest, node: PracticeNode) -> dict[str, Any] | None:
    """The approved organizations and teams at a node and below it, for /stations/<code>/."""
    organizations = (
        Organization.objects.approved()
        .under_path(node.path)
        .select_related("node", "parent")
        .order_by("name", "pk")
    )
    shown = list(organizations[: NODE_PANEL_SIZE + 1])
    more = len(shown) > NODE_PANEL_SIZE
    codes = node.path.strip("/").split("/")
    query = "&".join(
        f"{key}={code}"
        for key, code in zip(["district", "street", "community"], codes, strict=False)
    )
    return {
        "template": "organizations/_node_panel.html",
        "node": node,
        "organizations": shown[:NODE_PANEL_SIZE],
        "more": more,
        "list_url": f"{reverse('organizations:list')}?{query}",
    }


def profile_section(request: HttpRequest, volunteer: Any) -> dict[str, Any] | None:
    """The volunteer's organizations, for the profile page /me/."""
    memberships = list(
        Membership.objects.filter(
            volunteer=volunteer,
            status__in=[Membership.Status.APPROVED, Membership.Status.PENDING],
        )
        .select_related("organization__parent")
        .order_by("status", "-role", "organization__name")
    )
    return {"template": "organizations/_profile_section.html", "memberships": memberships}


def data_export(volunteer: Any) -> Any:
    """The volunteer's memberships, for their personal-data export (PIPL art. 45)."""
    from django.utils.translation import gettext as _

    from volunteers.privacy import ExportSection

    memberships = (
        Membership.objects.filter(volunteer=volunteer)
        .select_related("organization__parent")
        .order_by("created_at", "pk")
    )
    records = [
        {
            _("组织"): m.organization.name,
            _("所属组织"): m.organization.parent.name if m.organization.parent else "",
            _("角色"): m.get_role_display(),
            _("状态"): m.get_status_display(),
            _("申请时间"): m.created_at,
            _("处理时间"): m.decided_at,
        }
        for m in memberships
    ]
    return ExportSection(
        key="memberships",
        title=_("加入的组织"),
        records=records,
        description=_("您申请加入、加入过或管理的志愿服务组织和分队"),
    )
