"""Service-hour arithmetic shared by the ledger, check-in and imports (DOMAIN.md §6).

Hours are counted in steps of 0.5. Storage uses whole half-hours (an integer column sums about
twice as fast as a numeric one in PostgreSQL); screens and files show Decimal hours."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HALF = Decimal("0.5")


def round_checkin_minutes(minutes: int) -> Decimal:
    """Whole hours count in full; the remainder of a started hour rounds ≤15 min → 0,
    ≤45 min → 0.5, otherwise → 1."""
    if minutes < 0:
        raise ValueError("negative duration")
    full, rest = divmod(minutes, 60)
    if rest <= 15:
        extra = Decimal(0)
    elif rest <= 45:
        extra = HALF
    else:
        extra = Decimal(1)
    return Decimal(full) + extra


def hours_between(checked_in_at: datetime, checked_out_at: datetime) -> Decimal:
    """Hours earned between a check-in and a check-out (whole minutes; seconds are dropped)."""
    minutes = int((checked_out_at - checked_in_at).total_seconds() // 60)
    return round_checkin_minutes(max(minutes, 0))


def to_half_hours(hours: Decimal | int | str) -> int:
    """Decimal hours → integer half-hours, refusing anything that is not a multiple of 0.5."""
    try:
        value = Decimal(str(hours))
    except ArithmeticError:
        raise ValidationError(_("时长必须是数字")) from None
    if not value.is_finite():
        raise ValidationError(_("时长必须是数字"))
    doubled = value * 2
    if doubled != doubled.to_integral_value():
        raise ValidationError(_("时长须以 0.5 小时为单位"))
    return int(doubled)


def from_half_hours(half_hours: int) -> Decimal:
    """Integer half-hours → Decimal hours with one decimal place (3 → Decimal('1.5'))."""
    return (Decimal(half_hours) / 2).quantize(Decimal("0.1"))
