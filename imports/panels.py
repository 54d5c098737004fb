"""The imports app's parts of other pages: the nav entry and the /me/ section."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.access import is_federation_admin, is_station_staff
from organizations.models import Organization


def has_staff_import_scope(user: Any) -> bool:
    """Station staff and federation admins: read from the user row already loaded, so the nav
    costs no query on any page. Organization admins reach /imports/ from their /me/ section
    (as they reach their hours desks)."""
    return is_federation_admin(user) or is_station_staff(user)


def imports_section(request: HttpRequest, volunteer: Any) -> dict[str, Any] | None:
    """For the admins of approved organizations: bulk import and export of their data."""
    organizations = list(
        Organization.objects.administered_by(request.user).approved().order_by("name")
    )
    if not organizations:
        return None
    return {"template": "imports/_me_section.html", "organizations": organizations}
