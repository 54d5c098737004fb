"""Who may do what with an organization. Views use these; they raise 404 outside the scope."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from civilization_stations.access import can_act_on_node, scope_path
from core.access import is_federation_admin

from .models import Membership, Organization, OrganizationQuerySet


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


def can_manage_organization(user: Any, organization: Organization) -> bool:
    """Its admins (a team's also through its parent organization) and federation admins."""
    return is_org_admin(user, organization) or is_federation_admin(user)


def can_view_organization(user: Any, organization: Organization) -> bool:
    """Approved organizations are public; the others only to their admins and reviewers."""
    if organization.status == Organization.Status.APPROVED:
        return True
    return can_manage_organization(user, organization) or can_review_organization(
        user, organization
    )


def get_organization_for_viewer(user: Any, pk: int) -> Organization:
    organization = Organization.objects.select_related("node", "parent").filter(pk=pk).first()
    if organization is None or not can_view_organization(user, organization):
        raise Http404
    return organization


def reviewable_organizations(user: Any) -> OrganizationQuerySet:
    """Organizations (not teams) whose node lies in the user's staff scope."""
    path = scope_path(user)
    if path is None:
        return Organization.objects.none()
    return Organization.objects.top_level().under_path(path)


def get_organization_for_reviewer(user: Any, pk: int) -> Organization:
    organization = reviewable_organizations(user).select_related("node").filter(pk=pk).first()
    if organization is None:
        raise Http404
    return organization


def get_membership_for_admin(user: Any, organization: Organization, pk: int) -> Membership:
    """A membership of an organization the user manages (the caller already checked that)."""
    membership = (
        Membership.objects.select_related("volunteer", "organization")
        .filter(pk=pk, organization=organization)
        .first()
    )
    if membership is None or not can_manage_organization(user, organization):
        raise Http404
    return membership
