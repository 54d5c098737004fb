"""Reads of the ledger: a volunteer's totals and star level, pending work of a recorder."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.hours import from_half_hours

from .models import ServiceRecord, StarLevel, StarNomination


@dataclass(frozen=True)
class Totals:
    half_hours: int
    person_times: int

    @property
    def hours(self) -> Decimal:
        return from_half_hours(self.half_hours)


def volunteer_totals(volunteer: Any) -> Totals:
    """Approved hours and person-times (reversals subtract). An anonymised volunteer keeps their
    rows under the volunteer number, so their hours still count everywhere."""
    row = ServiceRecord.objects.approved().for_volunteer(volunteer).totals()
    return Totals(half_hours=row["half_hours"], person_times=row["person_times"])


@dataclass(frozen=True)
class StarStatus:
    total_half_hours: int
    current: StarLevel | None
    next: StarLevel | None
    awaiting_award: bool  # enough hours for an awarded-only level, not awarded (yet)

    @property
    def total_hours(self) -> Decimal:
        return from_half_hours(self.total_half_hours)

    @property
    def remaining_hours(self) -> Decimal | None:
        if self.next is None:
            return None
        return from_half_hours(max(self.next.min_half_hours - self.total_half_hours, 0))

    @property
    def progress_percent(self) -> int:
        """Progress from the current level's threshold to the next one (100 at the top)."""
        if self.next is None:
            return 100
        floor = self.current.min_half_hours if self.current else 0
        span = self.next.min_half_hours - floor
        done = min(max(self.total_half_hours - floor, 0), span)
        return int(done * 100 // span) if span else 100


def awarded_levels(volunteer: Any) -> set[int]:
    return set(
        StarNomination.objects.filter(
            volunteer=volunteer,
            status=StarNomination.Status.APPROVED,
            batch__status="published",
        ).values_list("batch__level__level", flat=True)
    )


def star_status(volunteer: Any, total_half_hours: int | None = None) -> StarStatus:
    """The star level shown: the highest threshold reached, where an awarded-only level (五星)
    counts only once a published batch awarded it."""
    if total_half_hours is None:
        total_half_hours = volunteer_totals(volunteer).half_hours
    levels = list(StarLevel.objects.order_by("level"))
    awarded = awarded_levels(volunteer) if any(lv.awarded_only for lv in levels) else set()
    current = None
    nxt = None
    awaiting = False
    for level in levels:
        reached = total_half_hours >= level.min_half_hours
        if level.awarded_only:
            if level.level in awarded:
                current = level
                continue
            if reached:
                awaiting = True
            if nxt is None:
                nxt = level
            continue
        if reached:
            current = level
        elif nxt is None:
            nxt = level
    if current is not None and nxt is not None and nxt.level <= current.level:
        nxt = next((lv for lv in levels if lv.level > current.level), None)
    return StarStatus(
        total_half_hours=total_half_hours, current=current, next=nxt, awaiting_award=awaiting
    )


def pending_count(records: Any) -> int:
    return records.filter(status=ServiceRecord.Status.PENDING).count()
