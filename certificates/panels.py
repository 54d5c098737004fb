"""What certificates add to other apps' pages: the "志愿服务证明" section of /me/."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from hours.selectors import volunteer_totals

from .models import Certificate


def certificate_section(request: HttpRequest, volunteer: Any) -> dict[str, Any] | None:
    return {
        "template": "certificates/_me_section.html",
        "totals": volunteer_totals(volunteer),
        "latest": Certificate.objects.filter(volunteer=volunteer).first(),
    }
