from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.hours import from_half_hours, hours_between, round_checkin_minutes, to_half_hours


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (0, "0"),
        (15, "0"),
        (16, "0.5"),
        (45, "0.5"),
        (46, "1"),
        (59, "1"),
        (60, "1"),
        (75, "1"),
        (76, "1.5"),
        (105, "1.5"),
        (106, "2"),
        (120, "2"),
        (61, "1"),
    ],
)
def test_rounding_at_every_boundary(minutes, hours):
    assert round_checkin_minutes(minutes) == Decimal(hours)


def test_seconds_are_dropped_before_rounding():
    start = datetime(2026, 3, 5, 9, 0, 0)
    assert hours_between(start, start + timedelta(minutes=15, seconds=59)) == Decimal("0")
    assert hours_between(start, start + timedelta(minutes=16)) == Decimal("0.5")
    assert hours_between(start, start - timedelta(minutes=5)) == Decimal("0")


def test_half_hours_round_trip():
    assert to_half_hours(Decimal("1.5")) == 3
    assert to_half_hours("2") == 4
    assert from_half_hours(3) == Decimal("1.5")
    assert from_half_hours(0) == Decimal("0")
    assert str(from_half_hours(4)) == "2.0"


@pytest.mark.parametrize("bad", ["1.25", "abc", "NaN", "Infinity", "0.1"])
def test_only_half_hour_steps_are_accepted(bad):
    with pytest.raises(ValidationError):
        to_half_hours(bad)
