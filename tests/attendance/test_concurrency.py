"""A double tap arrives as two requests at once: two real PostgreSQL connections race, and the
sign-up lock and the unique constraint leave one attendance and one ledger record."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from attendance.models import Attendance
from attendance.services import check_in, check_out, close_forgotten_checkouts
from hours.models import ServiceRecord
from tests.attendance.conftest import at, code_at

pytestmark = [pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls at the same moment, each on its own database connection; returns what each
    returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_a_double_tap_on_check_in_creates_one_attendance(postgres, world):
    code = code_at(world.activity, at(9))

    def tap():
        return check_in(volunteer=world.alice, slot=world.activity, code=code, now=at(9))

    results = race(tap, tap)

    assert Attendance.objects.count() == 1
    assert sum(isinstance(r, Attendance) for r in results) == 1
    refusal = next(r for r in results if not isinstance(r, Attendance))
    assert isinstance(refusal, ValidationError)
    assert refusal.code == "already_checked_in"


def test_a_double_tap_on_check_out_writes_one_record(postgres, world):
    check_in(
        volunteer=world.alice, slot=world.activity, code=code_at(world.activity, at(9)), now=at(9)
    )
    code = code_at(world.activity, at(11))

    def tap():
        return check_out(volunteer=world.alice, slot=world.activity, code=code, now=at(11))

    results = race(tap, tap)

    assert ServiceRecord.objects.count() == 1
    assert sum(isinstance(r, Attendance) for r in results) == 1
    assert Attendance.objects.get().record == ServiceRecord.objects.get()


def test_two_task_runs_at_once_close_each_attendance_once(postgres, world):
    for volunteer in (world.alice, world.bob):
        check_in(
            volunteer=volunteer,
            slot=world.activity,
            code=code_at(world.activity, at(9)),
            now=at(9),
        )

    results = race(
        lambda: close_forgotten_checkouts(now=at(15)),
        lambda: close_forgotten_checkouts(now=at(15)),
    )

    assert sum(results) == 2
    assert ServiceRecord.objects.count() == 2
    assert set(Attendance.objects.values_list("checkout", flat=True)) == {"auto"}
