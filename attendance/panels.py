"""What check-in/out adds to other apps' pages: the "签到记录" section of /me/."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import Attendance


def attendance_section(request: HttpRequest, volunteer: Any) -> dict[str, Any] | None:
    return {
        "template": "attendance/_me_section.html",
        "attendances": list(
            Attendance.objects.filter(volunteer=volunteer)
            .with_slot()
            .order_by("-checked_in_at")[:5]
        ),
    }
