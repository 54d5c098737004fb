"""Who may see which dashboard: federation admins the city and every node; station staff their
own node and everything below it (404 elsewhere, so codes cannot be probed)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from civilization_stations.access import get_node_for_staff
from civilization_stations.models import PracticeNode
from core.access import is_federation_admin

from .selectors import CITY, CITY_CODE


def get_dashboard_node_for_staff(user: Any, code: str | None) -> Any:
    """The city (code None or 110000) for federation admins, else a node in the user's scope."""
    if code is None or code == CITY_CODE:
        if not is_federation_admin(user):
            raise Http404
        return CITY
    return get_node_for_staff(user, code)


def get_public_node(code: str) -> Any:
    """Open data: any node (or the city) by code, for everyone."""
    if code == CITY_CODE:
        return CITY
    node = (
        PracticeNode.objects.filter(code=code).only("id", "code", "name", "level", "path").first()
    )
    if node is None:
        raise Http404
    return node
