"""The task outbox (core/outbox.py): a task enqueued in a transaction is sent after commit and
its row deleted; with the broker stopped the row stays and the relay sends it once Redis is back;
a plain .delay() with the broker down is kept too; a relayed message runs on a real worker."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.models import OutboxMessage, WorkerHeartbeat
from core.outbox import enqueue, relay
from core.tasks import heartbeat, relay_outbox


@pytest.fixture
def private_broker(private_redis, redis_broker):
    """The Celery app sends to the private Redis for the test's duration."""
    from volunteer_hub.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = private_redis.url
    app._after_fork()  # Celery's own reset: forget pooled connections to the previous broker
    yield private_redis
    app.conf.broker_url = original
    app._after_fork()


def queued(redis_server) -> list[tuple[str, str]]:
    """(task name, task id) of each message waiting in the default queue."""
    messages = [json.loads(raw) for raw in redis_server.client().lrange("celery", 0, -1)]
    return [(m["headers"]["task"], m["headers"]["id"]) for m in messages]


def wait_for(predicate, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.django_db
def test_an_enqueued_task_is_sent_after_commit_and_its_row_deleted(
    private_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(heartbeat)
        assert OutboxMessage.objects.filter(pk=message.pk).exists()
        assert queued(private_broker) == []  # nothing leaves before the commit
    assert not OutboxMessage.objects.exists()
    assert queued(private_broker) == [("core.tasks.heartbeat", str(message.task_id))]


@pytest.mark.django_db
def test_a_rolled_back_transaction_sends_nothing(
    private_broker, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue(heartbeat)
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert queued(private_broker) == []


@pytest.mark.django_db
def test_with_the_broker_stopped_the_task_waits_and_is_relayed_once_redis_is_back(
    private_broker, django_capture_on_commit_callbacks
):
    private_broker.stop()
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(heartbeat)
    row = OutboxMessage.objects.get()
    assert row.attempts == 1 and row.last_error.startswith("OperationalError")
    assert relay(older_than=0) == 0  # still down: kept, one more failed attempt noted
    assert OutboxMessage.objects.get().attempts == 2

    private_broker.start()  # a fresh Redis: everything it held before is gone
    assert relay(older_than=0) == 1
    assert not OutboxMessage.objects.exists()
    assert queued(private_broker) == [("core.tasks.heartbeat", str(message.task_id))]
    assert relay(older_than=0) == 0  # nothing is sent twice


@pytest.mark.django_db
def test_the_relay_leaves_young_rows_to_their_own_commit(private_broker):
    OutboxMessage.objects.create(task="core.tasks.heartbeat")
    assert relay() == 0
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_plain_delay_with_the_broker_stopped_is_kept_not_raised(private_broker):
    private_broker.stop()
    first = heartbeat.delay()
    again = heartbeat.delay()  # the same message while one already waits: stored once
    other = relay_outbox.delay()
    rows = {row.task: row for row in OutboxMessage.objects.all()}
    assert set(rows) == {"core.tasks.heartbeat", "core.tasks.relay_outbox"}
    assert str(rows["core.tasks.heartbeat"].task_id) == first.id == again.id
    assert rows["core.tasks.heartbeat"].attempts == 2
    assert str(rows["core.tasks.relay_outbox"].task_id) == other.id

    private_broker.start()
    assert relay(older_than=0) == 2
    assert sorted(name for name, _id in queued(private_broker)) == [
        "core.tasks.heartbeat",
        "core.tasks.relay_outbox",
    ]


@pytest.mark.redis
def test_a_message_left_by_an_outage_runs_on_the_worker_once_relayed(live_worker):
    OutboxMessage.objects.create(
        task="core.tasks.heartbeat", created_at=timezone.now() - timedelta(minutes=1)
    )
    relay()  # (the worker's own start-up relay may have sent it already: either way, once)
    assert wait_for(lambda: WorkerHeartbeat.objects.exists())
    assert not OutboxMessage.objects.exists()
    assert WorkerHeartbeat.objects.count() == 1
