"""Requests that no page can serve, refused before any view runs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


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
