"""Redirects to a `next` value a form sent back: only to a path on this site."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_to_next(request: HttpRequest, target: str, default: str = "/") -> HttpResponseRedirect:
    """Redirect to `target` when it is a path on this site, else to `default`. Not Django's
    redirect(): it would try a value that is not a path as a URL name, and fail on it."""
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        target = default
    return HttpResponseRedirect(target)
