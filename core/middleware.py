"""Requests answered before (or instead of) a view: a NUL character anywhere in the request is
a 400; a database outage is the Chinese 503 page.

**Database outages** (server restarting, unreachable, connection lost mid-request) answer the
Chinese 503 page with `Retry-After` instead of a 500 with a stack trace. Two hooks, because
Django turns an exception into a response wherever it is raised: `DatabaseUnavailableMiddleware`
(`process_exception`) covers exceptions from views (nearly all of them: sessions and users load
lazily, inside the view), and `core.views.server_error` (`handler500`) covers the few raised by
other middleware (say the session saved after the view). The failed request's transaction is
rolled back by PostgreSQL; Django drops the broken connection at the end of the request
(CONN_HEALTH_CHECKS), so the next request connects afresh: no restart needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
NUL = "\x00"


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


def _carries_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def reject_nul_characters(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """A NUL character (`%00`) in the path, the query string or a submitted field is a 400.
    PostgreSQL can neither store nor compare one, so any lookup by a path parameter, a query
    value or a raw form value carrying it fails as a server error in whichever view received it.
    No one types it: it comes from broken links and scanners. Uploaded files are not checked."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if (
            NUL in request.path
            or _carries_nul(request.GET)
            or (request.method == "POST" and _carries_nul(request.POST))
        ):
            message = _("请求中含有空字符，无法处理。请检查链接是否完整，或填写的内容是否有误。")
            return render(request, "400.html", {"message": message}, status=400)
        return get_response(request)

    return middleware
