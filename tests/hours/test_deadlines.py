"""The 10-working-day deadline (Chinese holidays and adjusted weekends), the Monday–Friday
fallback for a year the calendar does not know, overdue activities and the daily reminder."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.workdays import add_working_days, calendar_covers, is_working_day
from hours.models import OverdueReminder
from hours.services import (
    check_deadline,
    last_overdue_end_date,
    overdue_slots,
    record_deadline,
    send_overdue_reminders,
)
from hours.tasks import remind_overdue_records
from projects.models import Activity, Shift
from tests.hours.conftest import make_activity, make_project, make_shift, sign_up


def test_national_day_2025_is_skipped_and_the_adjusted_weekends_count():
    assert is_working_day(date(2025, 9, 28))  # a working Sunday before National Day
    assert is_working_day(date(2025, 10, 11))  # a working Saturday after it
    assert not is_working_day(date(2025, 10, 1))
    # Fri 26 Sep: 28, 29, 30 Sep, then 9, 10, 11 (Sat), 13, 14, 15, 16 Oct.
    assert add_working_days(date(2025, 9, 26), 10).day == date(2025, 10, 16)
    assert record_deadline(date(2025, 9, 30)).day == date(2025, 10, 21)
    assert record_deadline(date(2025, 9, 30)).exact


def test_an_unknown_year_falls_back_to_monday_to_friday_and_says_so(caplog):
    assert not calendar_covers(date(2099, 1, 5))
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        result = add_working_days(date(2099, 1, 2), 10)  # a Friday
    assert result.day == date(2099, 1, 16) and result.exact is False
    assert "does not cover 2099" in caplog.text
    assert is_working_day(date(2099, 1, 5)) and not is_working_day(date(2099, 1, 3))


def test_the_deadline_check_accepts_the_last_day_and_refuses_the_next():
    check_deadline(ended_on=date(2025, 9, 26), today=date(2025, 10, 16))
    with pytest.raises(Exception, match="2025-10-16"):
        check_deadline(ended_on=date(2025, 9, 26), today=date(2025, 10, 17))


def test_the_last_overdue_end_date_looks_back_over_the_holiday():
    # On 17 Oct 2025 activities that ended on or before Sat 27 Sep are overdue (due 16 Oct);
    # one that ended on the working Sunday 28 Sep is due on the 17th itself.
    assert last_overdue_end_date(date(2025, 10, 17)) == date(2025, 9, 27)
    assert record_deadline(date(2025, 9, 28)).day == date(2025, 10, 17)


@pytest.fixture
def overdue(world):
    """An activity and a shift that ended 40 days ago; confirmed volunteers, no records."""
    start = timezone.localtime() - timedelta(days=40)
    activity = make_activity(world.project, starts_at=start, title="上月陪伴")
    sign_up(world.alice, activity)
    sign_up(world.bob, activity)
    event = make_project(organization=world.org, node=world.tree.nanlang, kind="large_event")
    shift = make_shift(event, starts_at=start)
    sign_up(world.bob, shift)
    return activity, shift


def test_the_organization_sees_activities_whose_records_are_overdue(world, overdue):
    activity, shift = overdue
    items = overdue_slots(
        activities=Activity.objects.filter(project__organization=world.org),
        shifts=Shift.objects.filter(project__organization=world.org),
    )
    assert [(i.slot, i.missing) for i in items] in (
        [(activity, 2), (shift, 1)],
        [(shift, 1), (activity, 2)],
    )
    # recent activities (world.activity ended yesterday) are not overdue yet
    assert world.activity not in [i.slot for i in items]


def test_an_activity_with_every_volunteer_recorded_is_not_overdue(world, overdue):
    from hours.services import record_hours

    activity, _shift = overdue
    for volunteer in (world.alice, world.bob):
        record_hours(volunteer=volunteer, hours=2, source="checkin", slot=activity)
    items = overdue_slots(
        activities=Activity.objects.filter(project__organization=world.org),
        shifts=Shift.objects.none(),
    )
    assert items == []


def test_the_overdue_reminder_is_sent_once_when_the_task_runs_twice(
    world, overdue, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_overdue_records.apply().get() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert send_overdue_reminders() == 0
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [world.admin.email]
    assert "上月陪伴" in mail.body and "2 人未记录" in mail.body
    assert OverdueReminder.objects.count() == 2


def test_station_staff_are_reminded_for_station_projects(
    world, staff_factory, mailoutbox, django_capture_on_commit_callbacks
):
    staff = staff_factory(world.tree.jianwai)
    start = timezone.localtime() - timedelta(days=30)
    activity = make_activity(world.station_project, starts_at=start, title="路口值守")
    sign_up(world.bob, activity)
    with django_capture_on_commit_callbacks(execute=True):
        send_overdue_reminders()
    assert [m.to for m in mailoutbox] == [[staff.email]]
