"""One paginator for every list page."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = 20) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
