"""Recurring activities: weekly and monthly series, the month-end rule, the cap, project dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from projects import services
from projects.models import Activity
from projects.services import MAX_OCCURRENCES, recurrence_dates
from tests.projects.factories import ProjectFactory, at

pytestmark = pytest.mark.django_db


def test_weekly_includes_the_first_and_the_until_date():
    dates = recurrence_dates(date(2030, 1, 7), frequency="weekly", until=date(2030, 1, 28))
    assert dates == [date(2030, 1, 7), date(2030, 1, 14), date(2030, 1, 21), date(2030, 1, 28)]


def test_weekly_with_until_on_the_first_day_is_one_occurrence():
    assert recurrence_dates(date(2030, 1, 7), frequency="weekly", until=date(2030, 1, 7)) == [
        date(2030, 1, 7)
    ]


def test_monthly_on_the_31st_skips_months_without_a_31st():
    dates = recurrence_dates(date(2030, 1, 31), frequency="monthly", until=date(2030, 8, 31))
    assert dates == [
        date(2030, 1, 31),
        date(2030, 3, 31),
        date(2030, 5, 31),
        date(2030, 7, 31),
        date(2030, 8, 31),
    ]


def test_monthly_on_the_29th_skips_february_except_in_a_leap_year():
    assert date(2031, 2, 28) not in recurrence_dates(
        date(2031, 1, 29), frequency="monthly", until=date(2031, 3, 31)
    )
    leap = recurrence_dates(date(2032, 1, 29), frequency="monthly", until=date(2032, 3, 31))
    assert leap == [date(2032, 1, 29), date(2032, 2, 29), date(2032, 3, 29)]


def test_monthly_crosses_the_year_end():
    dates = recurrence_dates(date(2030, 11, 15), frequency="monthly", until=date(2031, 2, 15))
    assert dates == [date(2030, 11, 15), date(2030, 12, 15), date(2031, 1, 15), date(2031, 2, 15)]


def test_the_cap_refuses_more_than_100_occurrences():
    first = date(2030, 1, 1)
    exactly = recurrence_dates(
        first, frequency="weekly", until=first + timedelta(weeks=MAX_OCCURRENCES - 1)
    )
    assert len(exactly) == MAX_OCCURRENCES
    with pytest.raises(ValidationError, match="最多创建 100 场"):
        recurrence_dates(first, frequency="weekly", until=first + timedelta(weeks=MAX_OCCURRENCES))
    with pytest.raises(ValidationError, match="最多创建 100 场"):
        recurrence_dates(first, frequency="monthly", until=date(2040, 1, 1))


def test_until_before_the_first_date_or_an_unknown_frequency_is_refused():
    with pytest.raises(ValidationError, match="不能早于"):
        recurrence_dates(date(2030, 1, 10), frequency="weekly", until=date(2030, 1, 9))
    with pytest.raises(ValidationError):
        recurrence_dates(date(2030, 1, 10), frequency="daily", until=date(2030, 2, 9))


def test_a_recurring_series_keeps_local_times_and_links_its_occurrences(org):
    project = ProjectFactory(
        organization=org, starts_on=date(2030, 1, 1), ends_on=date(2030, 12, 31)
    )
    created = services.activities_create_recurring(
        actor=None,
        project=project,
        data={
            "title": "周六读报",
            "starts_at": at(date(2030, 1, 5), 9, 30),
            "ends_at": at(date(2030, 1, 5), 11),
            "place": "活动室",
            "quota": 8,
            "signup_mode": "approval",
            "required_skills": [],
        },
        frequency="weekly",
        until=date(2030, 2, 2),
    )
    assert len(created) == 5
    assert Activity.objects.filter(project=project).count() == 5
    for occurrence in created:
        local = timezone.localtime(occurrence.starts_at)
        assert (local.hour, local.minute, local.weekday()) == (9, 30, 5)
        assert occurrence.ends_at - occurrence.starts_at == timedelta(minutes=90)
        assert occurrence.quota == 8 and occurrence.signup_mode == "approval"
    assert {a.series_id for a in created[1:]} == {created[0].pk}


def test_a_series_may_not_run_past_the_project_end(org):
    project = ProjectFactory(
        organization=org, starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 31)
    )
    with pytest.raises(ValidationError, match="不能晚于项目结束日期"):
        services.activities_create_recurring(
            actor=None,
            project=project,
            data={
                "title": "x",
                "starts_at": at(date(2030, 1, 5), 9),
                "ends_at": at(date(2030, 1, 5), 10),
                "place": "p",
                "quota": 1,
            },
            frequency="monthly",
            until=date(2030, 3, 5),
        )
    assert not Activity.objects.exists()


def test_an_activity_outside_the_project_dates_or_with_bad_times_is_refused(org):
    project = ProjectFactory(
        organization=org, starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 31)
    )
    base = {"title": "x", "place": "p", "quota": 1}
    with pytest.raises(ValidationError, match="项目起止日期"):
        services.activity_create(
            actor=None,
            project=project,
            data={
                **base,
                "starts_at": at(date(2030, 2, 1), 9),
                "ends_at": at(date(2030, 2, 1), 10),
            },
        )
    with pytest.raises(ValidationError, match="晚于开始时间"):
        services.activity_create(
            actor=None,
            project=project,
            data={
                **base,
                "starts_at": at(date(2030, 1, 2), 10),
                "ends_at": at(date(2030, 1, 2), 9),
            },
        )
    with pytest.raises(ValidationError, match="至少为 1"):
        services.activity_create(
            actor=None,
            project=project,
            data={
                **base,
                "quota": 0,
                "starts_at": at(date(2030, 1, 2), 9),
                "ends_at": at(date(2030, 1, 2), 10),
            },
        )
