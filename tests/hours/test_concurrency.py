"""Two recorders back-filling the same volunteer at once cannot both pass the cap: the first
locks the volunteer's row, the second counts the first's entry once it commits."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from hours.models import ServiceRecord
from hours.services import backfill_hours


@pytest.mark.django_db(transaction=True)
def test_concurrent_backfills_cannot_exceed_the_cap_together(postgres, world):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def backfill() -> None:
        try:
            barrier.wait(timeout=10)
            backfill_hours(actor=world.admin, slot=world.activity, entries=[(world.alice, 2)])
            result = "ok"
        except ValidationError:
            result = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=backfill) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert ServiceRecord.objects.filter(volunteer=world.alice).count() == 1
