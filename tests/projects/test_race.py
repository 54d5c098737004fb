"""Two volunteers taking the last place at once, on two real PostgreSQL connections: the slot
row lock lets exactly one have it; the other is waitlisted."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from projects import services
from projects.models import SignUp
from tests.factories import VolunteerFactory
from tests.projects.factories import ActivityFactory, ShiftFactory


def _race(slot_kwargs: list[dict], volunteers: list) -> list[BaseException]:
    barrier = threading.Barrier(len(volunteers))
    errors: list[BaseException] = []

    def take(volunteer, kwargs):
        try:
            barrier.wait(timeout=30)
            services.signup_create(volunteer=volunteer, join_waitlist=True, **kwargs)
        except BaseException as error:  # reported to the main thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [
        threading.Thread(target=take, args=(v, k))
        for v, k in zip(volunteers, slot_kwargs, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(2))
def test_two_volunteers_racing_for_the_last_activity_place(postgres, org, round_):
    activity = ActivityFactory(project__organization=org, quota=1)
    volunteers = [VolunteerFactory(), VolunteerFactory()]
    assert _race([{"activity": activity}] * 2, volunteers) == []
    statuses = sorted(SignUp.objects.filter(activity=activity).values_list("status", flat=True))
    assert statuses == ["confirmed", "waitlisted"]


@pytest.mark.django_db(transaction=True)
def test_two_volunteers_racing_for_the_last_shift_place(postgres, tree):
    shift = ShiftFactory(quota=2)
    services.signup_create(volunteer=VolunteerFactory(), shift=shift)
    volunteers = [VolunteerFactory(), VolunteerFactory()]
    assert _race([{"shift": shift}] * 2, volunteers) == []
    statuses = sorted(SignUp.objects.filter(shift=shift).values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "waitlisted"]


@pytest.mark.django_db(transaction=True)
def test_one_volunteer_racing_into_two_overlapping_activities_gets_one(postgres, org):
    first = ActivityFactory(project__organization=org)
    second = ActivityFactory(
        project=first.project, starts_at=first.starts_at, ends_at=first.ends_at
    )
    volunteer = VolunteerFactory()
    errors = _race([{"activity": first}, {"activity": second}], [volunteer, volunteer])
    assert len(errors) == 1 and errors[0].code == "overlap"
    assert SignUp.objects.filter(volunteer=volunteer).count() == 1


def _blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_the_second_sign_up_waits_for_the_first_to_commit(postgres, org):
    """Deterministic interleaving: A takes the last place and keeps its transaction open; B
    tries meanwhile. B must wait on A's row lock (seen in pg_locks), then see A's place taken.
    Without the lock B would count A's uncommitted row as free and both would be confirmed."""
    activity = ActivityFactory(project__organization=org, quota=1)
    a, b = VolunteerFactory(), VolunteerFactory()
    a_holds_place = threading.Event()
    release_a = threading.Event()
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():
                services.signup_create(volunteer=a, activity=activity, join_waitlist=True)
                a_holds_place.set()
                release_a.wait(timeout=60)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            services.signup_create(volunteer=b, activity=activity, join_waitlist=True)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    thread_a = threading.Thread(target=first)
    thread_a.start()
    assert a_holds_place.wait(timeout=60)
    thread_b = threading.Thread(target=second)
    thread_b.start()
    # Wait (bounded) until B is either blocked on the lock or done; then let A commit.
    for _ in range(600):
        if not thread_b.is_alive() or _blocked_on_a_lock():
            break
        time.sleep(0.05)
    release_a.set()
    thread_a.join(timeout=60)
    thread_b.join(timeout=60)
    assert errors == []
    assert SignUp.objects.get(volunteer=a).status == "confirmed"
    assert SignUp.objects.get(volunteer=b).status == "waitlisted"
