"""Who may see a volunteer's record as staff: federation admins everywhere; station staff when
the volunteer lives in their node's subtree. Outside that scope a volunteer does not exist (404)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from core.access import is_federation_admin

from .models import Volunteer, VolunteerQuerySet


def can_view_volunteer(user: Any, volunteer: Volunteer) -> bool:
    """Also the permission to reveal the full document number and to verify it."""
    if user is None or not user.is_authenticated:
        return False
    if is_federation_admin(user):
        return True
    staff_node = user.staff_node if user.staff_node_id else None
    node = volunteer.residence_node
    return staff_node is not None and node is not None and staff_node.contains(node)


def volunteers_in_scope(user: Any) -> VolunteerQuerySet:
    """The volunteers a user may see as staff (none for anyone else)."""
    if is_federation_admin(user):
        return Volunteer.objects.all()
    if user.is_authenticated and user.staff_node_id:
        return Volunteer.objects.residing_under(user.staff_node.path)
    return Volunteer.objects.none()


def get_volunteer_for_staff(user: Any, number: str) -> Volunteer:
    """The volunteer with this number if the user may see them as staff; 404 otherwise."""
    volunteer = (
        Volunteer.objects.select_related("residence_node", "user")
        .filter(number=(number or "").strip().upper())
        .first()
    )
    if volunteer is None or not can_view_volunteer(user, volunteer):
        raise Http404
    return volunteer
