"""Role checks shared by every app. Resource-specific access helpers live with their resource
(e.g. civilization_stations.access.get_node_for_staff) and build on these."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def is_federation_admin(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_federation_admin or user.is_superuser))


def is_station_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.staff_node_id)


def federation_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_federation_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Station staff or federation admins (the view still scopes by node)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (is_federation_admin(request.user) or is_station_staff(request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
