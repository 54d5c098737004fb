"""Volunteers who forget to check out: the periodic task checks them out at the scheduled end
once the check-out window has closed, and leaves the record pending and flagged for review."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from attendance.models import Attendance
from attendance.services import close_forgotten_checkouts, force_check_out
from attendance.tasks import close_forgotten
from hours.models import ServiceRecord
from tests.attendance.conftest import at, code_at, sign_up
from tests.attendance.test_checkin import do_check_in, do_check_out
from tests.projects.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def test_a_forgotten_check_out_is_closed_at_the_scheduled_end_and_flagged(world):
    do_check_in(world, at(9, 20))

    assert close_forgotten_checkouts(now=at(14, 1)) == 1

    attendance = Attendance.objects.get()
    assert attendance.checked_out_at == at(12)
    assert attendance.checkout == Attendance.Checkout.AUTO
    assert attendance.hours_display == Decimal("2.5")  # 09:20–12:00 is 2 h 40 min
    record = attendance.record
    assert record.status == ServiceRecord.Status.PENDING
    assert record.flagged
    assert "自动签退" in record.flag_reason
    assert record.source == ServiceRecord.Source.CHECKIN
    assert record.hours == Decimal("2.5")


def test_running_the_task_twice_does_nothing_more(world):
    do_check_in(world, at(9))
    assert close_forgotten_checkouts(now=at(14, 1)) == 1
    assert close_forgotten_checkouts(now=at(15)) == 0
    assert force_check_out(attendance_id=Attendance.objects.get().pk, now=at(16)) is None

    assert ServiceRecord.objects.count() == 1
    assert Attendance.objects.get().checked_out_at == at(12)


def test_nothing_is_closed_while_the_volunteer_may_still_check_out(world):
    do_check_in(world, at(9))
    assert close_forgotten_checkouts(now=at(12, 30)) == 0
    assert close_forgotten_checkouts(now=at(14)) == 0  # the window closes at 14:00 inclusive
    assert Attendance.objects.get().is_open
    assert not ServiceRecord.objects.exists()


def test_checked_out_attendances_are_left_alone(world):
    do_check_in(world, at(9))
    do_check_in(world, at(9), volunteer=world.bob)
    do_check_out(world, at(11))

    assert close_forgotten_checkouts(now=at(18)) == 1

    alice = Attendance.objects.get(volunteer=world.alice)
    assert alice.checkout == Attendance.Checkout.VOLUNTEER
    assert alice.record.status == ServiceRecord.Status.APPROVED
    bob = Attendance.objects.get(volunteer=world.bob)
    assert bob.record.status == ServiceRecord.Status.PENDING
    assert ServiceRecord.objects.count() == 2


def test_a_volunteer_cannot_check_out_after_the_forced_check_out(world):
    do_check_in(world, at(9))
    close_forgotten_checkouts(now=at(14, 30))
    with pytest.raises(ValidationError) as info:
        do_check_out(world, at(14, 30))
    assert info.value.code in {"already_checked_out", "too_late"}
    assert ServiceRecord.objects.count() == 1


def test_a_check_in_in_the_last_minutes_may_round_to_nothing(world):
    do_check_in(world, at(11, 50))
    assert close_forgotten_checkouts(now=at(14, 1)) == 1
    attendance = Attendance.objects.get()
    assert attendance.half_hours == 0
    assert attendance.record is None
    assert not ServiceRecord.objects.exists()


def test_the_celery_task_closes_what_is_overdue_now(world):
    """The beat task itself (no `now`): an activity that ended three hours ago, default
    windows, so its check-out window closed an hour ago."""
    ended = timezone.now() - timedelta(hours=3)
    activity = ActivityFactory(
        project=world.project, starts_at=ended - timedelta(hours=2), ends_at=ended
    )
    sign_up(world.alice, activity)
    checked_in = activity.starts_at + timedelta(minutes=1)
    from attendance.services import check_in

    check_in(
        volunteer=world.alice, slot=activity, code=code_at(activity, checked_in), now=checked_in
    )

    assert close_forgotten.apply().get() == 1
    assert close_forgotten.apply().get() == 0

    attendance = Attendance.objects.get()
    assert attendance.checked_out_at == ended
    assert attendance.record.status == ServiceRecord.Status.PENDING
    assert attendance.record.hours == Decimal("2")  # 1 h 59 min rounds up


def test_a_closed_volunteer_is_checked_out_without_a_ledger_entry(world):
    """The ledger refuses hours for a closed account; the task must not retry that forever."""
    do_check_in(world, at(9))
    world.alice.closed_at = at(13)
    world.alice.save(update_fields=["closed_at"])

    assert close_forgotten_checkouts(now=at(14, 1)) == 1
    assert close_forgotten_checkouts(now=at(15)) == 0
    attendance = Attendance.objects.get()
    assert attendance.checkout == Attendance.Checkout.AUTO
    assert attendance.record is None
    assert not ServiceRecord.objects.exists()
