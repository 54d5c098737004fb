"""Who may see which check-in page. Staff pages reuse the projects app's manager helpers (org
admins of the project's organization; station staff for station projects); both raise 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from projects.access import get_activity_for_manager, get_shift_for_manager
from projects.models import Activity, Shift, SignUp

SLOT_KINDS = ("activity", "shift")


def get_slot_for_staff(user: Any, kind: str, pk: int) -> Activity | Shift:
    if kind == "activity":
        return get_activity_for_manager(user, pk)
    if kind == "shift":
        return get_shift_for_manager(user, pk)
    raise Http404


def get_slot_for_volunteer(user: Any, kind: str, pk: int) -> Activity | Shift:
    """A slot the signed-in user may open the check-in page of: one they signed up for (any
    status, so a waitlisted or cancelled volunteer is told why they cannot check in) or one of
    a public project. Anything else is 404."""
    if kind == "activity":
        slot: Any = (
            Activity.objects.select_related("project__organization", "project__node")
            .filter(pk=pk)
            .first()
        )
    elif kind == "shift":
        slot = (
            Shift.objects.select_related("post", "project__organization", "project__node")
            .filter(pk=pk)
            .first()
        )
    else:
        raise Http404
    if slot is None:
        raise Http404
    if slot.project.is_public:
        return slot
    signed_up = SignUp.objects.filter(volunteer__user=user, **{kind: slot}).exists()
    if not (user.is_authenticated and signed_up):
        raise Http404
    return slot
