"""The rows of the dashboard's statistics tables, built in Python.

A center's page shows several hundred figures (its streets × seven columns, the months, the
categories, the service output). Rendered cell by cell in a template loop, each figure cost a
variable look-up, a localisation (three locale look-ups per number) and an escape in the
template engine. Here the locale's separators are looked up once per table and each row is
one string, with the same markup and the same text as `{{ row.field }}` gives.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils import numberformat
from django.utils.formats import get_format, localize
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

_CODE = "CODE"  # stands for the node's code in the reversed URL of a node dashboard
_URL_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what `reverse` leaves unquoted in an argument


def _localizer() -> Callable[[Any], str]:
    """`django.utils.formats.localize` for the current language, its number separators looked
    up once instead of for every number."""
    lang = get_language()
    decimal_sep = get_format("DECIMAL_SEPARATOR", lang)
    grouping = get_format("NUMBER_GROUPING", lang)
    thousand_sep = get_format("THOUSAND_SEPARATOR", lang)

    def text(value: Any) -> str:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return numberformat.format(
                value, decimal_sep, None, grouping, thousand_sep, use_l10n=True
            )
        return str(localize(value))

    return text


@register.simple_tag
def stat_rows(
    rows: Iterable[Mapping[str, Any]], columns: str, *, head: str, query: str | None = None
) -> SafeString:
    """`<tr>` rows: `row[head]` as the row's header cell, then one cell for each name in
    `columns` (space-separated). With `query` (a query string, possibly empty) the header links
    to the row's node dashboard (`row["code"]`) with that query string."""
    names = columns.split()
    text = _localizer()
    if query is not None:
        prefix, suffix = reverse("dashboard:node", args=[_CODE]).rsplit(_CODE, 1)
        before, after = (
            f'<a href="{html.escape(prefix)}',
            f'{html.escape(suffix)}?{html.escape(query)}">',
        )
    out = []
    for row in rows:
        label = html.escape(text(row[head]))
        if query is not None:
            code = quote(str(row["code"]), safe=_URL_SAFE)
            label = f"{before}{html.escape(code)}{after}{label}</a>"
        cells = "".join(f"<td>{html.escape(text(row[n]))}</td>" for n in names)
        out.append(f'<tr><th scope="row">{label}</th>{cells}</tr>')
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
