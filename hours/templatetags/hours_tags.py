"""Small template helpers for the ledger pages."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def desk_url(desk: Any, name: str, *args: Any) -> str:
    """The URL of a desk page, for an organization's or a station's desk alike."""
    return desk.url(name, *args)
