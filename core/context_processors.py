"""Template context every page needs: the user's roles and the navigation the apps registered."""

from typing import Any

from django.http import HttpRequest

from .access import is_federation_admin, is_station_staff
from .navigation import home_cards, nav_links


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "is_federation_admin": authenticated and is_federation_admin(user),
        "is_station_staff": authenticated and is_station_staff(user),
        "elder_mode": authenticated and user.elder_mode,
        "nav_links": nav_links(user) if user is not None else [],
        "home_cards": home_cards(),
    }
