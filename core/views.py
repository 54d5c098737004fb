"""Home page, health check, display preferences, the 500 handler."""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .health import run_checks
from .middleware import database_unavailable_response, is_database_outage
from .redirects import redirect_to_next


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, results = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "error", **results}, status=200 if healthy else 503
    )


@login_required
@require_POST
def toggle_elder_mode(request: HttpRequest) -> HttpResponse:
    user = request.user
    user.elder_mode = not user.elder_mode
    user.save(update_fields=["elder_mode"])
    return redirect_to_next(request, request.POST.get("next", "/"))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage raised outside a view (in a middleware) still gets the 503
    page; anything else is Django's plain 500 page (templates/500.html)."""
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable_response()
    return defaults.server_error(request)
