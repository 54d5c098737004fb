"""The registry of sections on a volunteer's home page (/me/). Apps above add their parts
(organizations, sign-ups, hours, star level, certificates) from AppConfig.ready():

    register_profile_section(my_provider, order=200)

A provider takes (request, volunteer) and returns a dict with "template" (rendered with the dict
as `section`) and whatever that template needs, or None to show nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .models import Volunteer

ProfileSection = Callable[[HttpRequest, Volunteer], dict[str, Any] | None]
_sections: list[tuple[int, ProfileSection]] = []


def register_profile_section(provider: ProfileSection, *, order: int = 100) -> None:
    if provider not in [p for _, p in _sections]:
        _sections.append((order, provider))
        _sections.sort(key=lambda item: item[0])


def unregister_profile_section(provider: ProfileSection) -> None:
    _sections[:] = [(o, p) for o, p in _sections if p is not provider]


def profile_sections(request: HttpRequest, volunteer: Volunteer) -> list[dict[str, Any]]:
    sections = []
    for _order, provider in _sections:
        section = provider(request, volunteer)
        if section:
            sections.append(section)
    return sections
