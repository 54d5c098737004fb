"""Check-in and check-out through the services, with every time set explicitly: the rounding
rule at its boundaries, the windows, stale codes, who may check in, doubles, and the ledger."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from attendance.codes import ACCEPTED_WINDOWS, WINDOW_SECONDS
from attendance.models import Attendance
from attendance.services import (
    check_in,
    check_out,
    get_or_create_point,
    update_point_settings,
)
from hours.models import ServiceRecord
from projects.models import SignUp
from tests.attendance.conftest import at, code_at, sign_up
from tests.factories import VolunteerFactory

pytestmark = pytest.mark.django_db


def do_check_in(world, when, volunteer=None, slot=None):
    slot = slot or world.activity
    return check_in(
        volunteer=volunteer or world.alice, slot=slot, code=code_at(slot, when), now=when
    )


def do_check_out(world, when, volunteer=None, slot=None):
    slot = slot or world.activity
    return check_out(
        volunteer=volunteer or world.alice, slot=slot, code=code_at(slot, when), now=when
    )


@contextmanager
def refused(code: str):
    """Expect a ValidationError with this code."""
    with pytest.raises(ValidationError) as info:
        yield
    assert info.value.code == code, info.value


# --- rounding at the boundaries ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (60, Decimal("1")),  # a full hour
        (75, Decimal("1")),  # remainder 15 → 0
        (76, Decimal("1.5")),  # remainder 16 → 0.5
        (105, Decimal("1.5")),  # remainder 45 → 0.5
        (106, Decimal("2")),  # remainder 46 → 1
        (120, Decimal("2")),
        (45, Decimal("0.5")),
        (46, Decimal("1")),
    ],
)
def test_a_clean_check_out_records_rounded_approved_machine_hours(world, minutes, hours):
    do_check_in(world, at(9))
    attendance = do_check_out(world, at(9) + timedelta(minutes=minutes))

    assert attendance.hours_display == hours
    record = attendance.record
    assert record.hours == hours
    assert record.source == ServiceRecord.Source.CHECKIN
    assert record.status == ServiceRecord.Status.APPROVED
    assert not record.flagged
    assert record.volunteer == world.alice
    assert record.activity == world.activity
    assert record.organization == world.org
    assert record.service_date.isoformat() == "2026-03-14"


def test_seconds_are_dropped_before_rounding(world):
    do_check_in(world, at(9))
    attendance = do_check_out(world, at(10, 15) + timedelta(seconds=59))
    assert attendance.hours_display == Decimal("1")


def test_fifteen_minutes_round_to_nothing_and_write_no_ledger_entry(world):
    do_check_in(world, at(9))
    attendance = do_check_out(world, at(9, 15))

    assert attendance.half_hours == 0
    assert attendance.record is None
    assert not ServiceRecord.objects.exists()


def test_arriving_early_and_leaving_late_count_only_the_scheduled_time(world):
    do_check_in(world, at(8, 40))  # 20 minutes before the start
    attendance = do_check_out(world, at(13, 30))  # 90 minutes after the end

    assert attendance.checked_in_at == at(8, 40)
    assert attendance.checked_out_at == at(13, 30)
    assert attendance.hours_display == Decimal("3")


def test_a_shift_checks_in_and_out_like_an_activity(world):
    do_check_in(world, at(8), slot=world.shift)
    attendance = do_check_out(world, at(11, 50), slot=world.shift)

    assert attendance.hours_display == Decimal("4")
    assert attendance.record.shift == world.shift
    assert attendance.record.activity is None


# --- the ledger gets exactly one record per attendance -------------------------------------------


def test_each_attendance_has_exactly_one_ledger_record(world):
    do_check_in(world, at(9))
    do_check_in(world, at(9, 5), volunteer=world.bob)
    alice = do_check_out(world, at(11))
    bob = do_check_out(world, at(12), volunteer=world.bob)

    assert ServiceRecord.objects.count() == 2
    assert ServiceRecord.objects.get(volunteer=world.alice) == alice.record
    assert ServiceRecord.objects.get(volunteer=world.bob) == bob.record
    assert bob.record.hours == Decimal("3")  # 09:05–12:00 is 2 h 55 min


# --- windows ----------------------------------------------------------------------------------


def test_check_in_opens_thirty_minutes_before_the_start_by_default(world):
    with refused("too_early"):
        do_check_in(world, at(8, 29))
    assert do_check_in(world, at(8, 30)).checked_in_at == at(8, 30)


def test_check_in_closes_at_the_scheduled_end(world):
    with refused("too_late"):
        do_check_in(world, at(12, 1))
    assert not Attendance.objects.exists()


def test_check_out_closes_two_hours_after_the_end_by_default(world):
    do_check_in(world, at(9))
    with refused("too_late"):
        do_check_out(world, at(14, 1))
    assert Attendance.objects.get().is_open
    assert do_check_out(world, at(14)).hours_display == Decimal("3")


def test_each_slot_keeps_its_own_windows(world):
    update_point_settings(
        point=get_or_create_point(slot=world.activity),
        checkin_opens_minutes=60,
        checkout_closes_minutes=10,
    )
    do_check_in(world, at(8))
    with refused("too_late"):
        do_check_out(world, at(12, 11))
    # The shift keeps the defaults.
    with refused("too_early"):
        do_check_in(world, at(7, 29), slot=world.shift)


@pytest.mark.parametrize(("opens", "closes"), [(-1, 120), (721, 120), (30, -5), (30, 1441)])
def test_windows_outside_the_limits_are_refused(world, opens, closes):
    point = get_or_create_point(slot=world.activity)
    with pytest.raises(ValidationError):
        update_point_settings(
            point=point, checkin_opens_minutes=opens, checkout_closes_minutes=closes
        )
    point.refresh_from_db()
    assert (point.checkin_opens_minutes, point.checkout_closes_minutes) == (30, 120)


# --- codes --------------------------------------------------------------------------------------


def test_the_code_of_the_previous_minute_still_works(world):
    shown = code_at(world.activity, at(9))
    later = at(9) + timedelta(seconds=WINDOW_SECONDS)
    assert check_in(volunteer=world.alice, slot=world.activity, code=shown, now=later)


def test_a_stale_code_is_refused(world):
    shown = code_at(world.activity, at(9))
    later = at(9) + timedelta(seconds=WINDOW_SECONDS * ACCEPTED_WINDOWS)
    assert shown != code_at(world.activity, later)
    with refused("bad_code"):
        check_in(volunteer=world.alice, slot=world.activity, code=shown, now=later)
    assert not Attendance.objects.exists()


def test_another_slots_code_is_refused(world):
    other_code = code_at(world.shift, at(9))
    assert other_code != code_at(world.activity, at(9))
    with refused("bad_code"):
        check_in(volunteer=world.alice, slot=world.activity, code=other_code, now=at(9))


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_refused(world, typed):
    with refused("bad_code"):
        check_in(volunteer=world.alice, slot=world.activity, code=typed, now=at(9))


def test_a_code_typed_with_spaces_or_full_width_digits_is_accepted(world):
    code = code_at(world.activity, at(9))
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    typed = f" {full_width[:3]} {full_width[3:]} "
    assert check_in(volunteer=world.alice, slot=world.activity, code=typed, now=at(9))


def test_a_check_out_needs_the_current_code_too(world):
    do_check_in(world, at(9))
    with refused("bad_code"):
        check_out(
            volunteer=world.alice,
            slot=world.activity,
            code=code_at(world.activity, at(9)),
            now=at(11),
        )
    assert Attendance.objects.get().is_open


# --- who may check in -------------------------------------------------------------------------


def test_someone_not_signed_up_cannot_check_in(world):
    stranger = VolunteerFactory()
    with refused("not_signed_up"):
        do_check_in(world, at(9), volunteer=stranger)
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    "status",
    [
        SignUp.Status.WAITLISTED,
        SignUp.Status.CANCELLED,
        SignUp.Status.PENDING,
        SignUp.Status.REJECTED,
        SignUp.Status.NO_SHOW,
    ],
)
def test_a_sign_up_that_is_not_confirmed_cannot_check_in(world, status):
    volunteer = VolunteerFactory()
    sign_up(volunteer, world.activity, status=status)
    with refused("not_confirmed"):
        do_check_in(world, at(9), volunteer=volunteer)
    assert not Attendance.objects.exists()


def test_a_cancelled_then_renewed_sign_up_can_check_in(world):
    volunteer = VolunteerFactory()
    sign_up(volunteer, world.activity, status=SignUp.Status.CANCELLED)
    sign_up(volunteer, world.activity)
    assert do_check_in(world, at(9), volunteer=volunteer)


# --- twice --------------------------------------------------------------------------------------


def test_checking_in_twice_keeps_one_attendance(world):
    first = do_check_in(world, at(9))
    with refused("already_checked_in"):
        do_check_in(world, at(9, 1))
    assert Attendance.objects.get() == first
    assert first.checked_in_at == at(9)


def test_checking_out_twice_keeps_one_record(world):
    do_check_in(world, at(9))
    do_check_out(world, at(11))
    with refused("already_checked_out"):
        do_check_out(world, at(11, 30))
    assert ServiceRecord.objects.count() == 1
    assert Attendance.objects.get().checked_out_at == at(11)


def test_checking_out_without_checking_in_is_refused(world):
    with refused("not_checked_in"):
        do_check_out(world, at(11))
    assert not ServiceRecord.objects.exists()


def test_another_volunteers_check_in_does_not_let_you_check_out(world):
    do_check_in(world, at(9), volunteer=world.bob)
    with refused("not_checked_in"):
        do_check_out(world, at(11))
