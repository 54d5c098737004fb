"""A database outage (server restarting, unreachable, connection lost mid-request) answers the
Chinese 503 page with `Retry-After` instead of a 500 with a stack trace.

Two hooks, because Django turns an exception into a response wherever it is raised: this
middleware's `process_exception` covers exceptions from views (nearly all of them: sessions and
users load lazily, inside the view), and `core.views.server_error` (`handler500`) covers the few
raised by other middleware (say the session saved after the view). The failed request's
transaction is rolled back by PostgreSQL; Django drops the broken connection at the end of the
request (CONN_HEALTH_CHECKS), so the next request connects afresh: no restart needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def database_unavailable_response() -> HttpResponse:
    """The 503 page. Rendered without the request, so without context processors: nothing on it
    may need the database (no user, no session)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        logger.warning(
            "database unavailable during %s %s: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            str(exception).strip().splitlines()[0] if str(exception).strip() else "",
        )
        return database_unavailable_response()
