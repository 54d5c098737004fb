"""Chinese working days (法定工作日), including adjusted weekends (调休), for deadlines such as
"records within 10 working days after the activity ends" (志愿服务记录办法第十一条).

The calendar comes from the `chinese_calendar` package, which knows the State Council's
announcements up to the year it was released. For a year it does not know yet, Monday–Friday is
used instead: `WorkdayResult.exact` is then False and a warning is logged, so pages can say the
date is provisional instead of crashing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkdayResult:
    day: date
    exact: bool  # False when a year outside the holiday calendar fell back to Monday–Friday


def _is_working_day(day: date) -> tuple[bool, bool]:
    """(is a working day, known to the official calendar)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def is_working_day(day: date) -> bool:
    return _is_working_day(day)[0]


def add_working_days(start: date, count: int) -> WorkdayResult:
    """The `count`-th working day after `start` (start itself is not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day, exact, found = start, True, 0
    while found < count:
        day += timedelta(days=1)
        working, known = _is_working_day(day)
        exact = exact and known
        if working:
            found += 1
    if not exact:
        log.warning(
            "working days after %s: the holiday calendar does not cover %s yet; "
            "counted Monday–Friday instead",
            start,
            day.year,
        )
    return WorkdayResult(day=day, exact=exact)


def calendar_covers(day: date) -> bool:
    return _is_working_day(day)[1]
