"""The one place check-in/out writes to the hours ledger (hours.services.record_hours)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.hours import from_half_hours
from hours.models import ServiceRecord
from hours.services import record_hours

from .models import Attendance


def write_record(attendance: Attendance, *, slot: Any, approved: bool) -> ServiceRecord | None:
    """The machine-hours entry (source `checkin`) of a closed attendance: approved after a clean
    check-out; pending and flagged for review after a forced one. None for a stay that rounds
    to zero hours (the ledger holds no empty entries)."""
    if not attendance.half_hours:
        return None
    return record_hours(
        volunteer=attendance.volunteer,
        hours=from_half_hours(attendance.half_hours),
        source=ServiceRecord.Source.CHECKIN,
        slot=slot,
        approved=approved,
        flag_reason="" if approved else _("未签退：系统按活动结束时间自动签退，请核实时长"),
    )
