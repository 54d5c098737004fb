"""Home page, health check, display preferences."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .health import run_checks
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
