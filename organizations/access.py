"""Who may do what with an organization. Views use these; they raise 404 outside the scope."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from civilization_stations.access import can_act_on_node
from core.access import is_federation_admin

from .models import Membership, Organization


def is_org_admin(user: Any, organization: Organization) -> bool:
    """An approved admin member of the organization (or of the organization its team belongs to)."""
    if not user.is_authenticated:
        return False
    org_ids = [organization.pk] + ([organization.parent_id] if organization.parent_id else [])
    return Membership.objects.filter(
        organization_id__in=org_ids,
        volunteer__user=user,
        role=Membership.Role.ADMIN,
        status=Membership.Status.APPROVED,
    ).exists()


def can_review_organization(user: Any, organization: Organization) -> bool:
    """Federation admins, or staff of the organization's node or a node above it."""
    return is_federation_admin(user) or can_act_on_node(user, organization.node)


def get_organization_for_admin(user: Any, pk: int) -> Organization:
    organization = Organization.objects.select_related("node").filter(pk=pk).first()
    if organization is None or not (is_org_admin(user, organization) or is_federation_admin(user)):
        raise Http404
    return organization
