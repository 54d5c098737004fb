"""How work leaves for the Celery worker without being lost when the broker (Redis) is down: a
transactional outbox.

    from core.outbox import enqueue

    with transaction.atomic():
        job = ...
        enqueue(tasks.run_import, job.pk)   # not transaction.on_commit(lambda: ....delay(job.pk))

`enqueue()` writes an `OutboxMessage` row in the caller's transaction (a rollback takes it away
with the change) and sends it after commit; the row is deleted once the broker has taken the
message. While the broker is unreachable the row stays and `relay()` sends it when the broker is
back (beat task `core.tasks.relay_outbox` every 30 s, once when a worker starts, and
`manage.py relay_outbox`). Delivery is at least once: a crash between sending and deleting sends
the message again, which is why every task claims its work with a conditional UPDATE or a lock
and does nothing the second time.

Every task of the project is an `OutboxTask` (the Celery app's task class, see
volunteer_hub/celery.py), so a plain `.delay()` / `.apply_async()` that finds the broker
unreachable stores its message here instead of raising: code not yet moved to `enqueue()` loses
nothing either, it only lacks the same-transaction guarantee (a process killed between its commit
and its `.delay()` loses that one message).

Without a broker (the embedded default, tasks run in-process) `enqueue()` simply runs the task
after commit. Task arguments are JSON (primary keys, as the task conventions require).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from celery import Task, current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What an unreachable broker looks like when publishing (kombu wraps the transport's errors).
BROKER_UNREACHABLE = (KombuOperationalError, RedisConnectionError, RedisTimeoutError, OSError)
#: The relay leaves younger rows to the on-commit send of their own transaction.
RELAY_AFTER_SECONDS = 10


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def enqueue(task: Task, *args: Any, **kwargs: Any):
    """Send `task(*args, **kwargs)` to the worker once the current transaction commits (at once
    outside a transaction), without losing it if the broker is down. Returns the outbox row
    (None without a broker, when the task simply runs in-process after commit)."""
    if _eager():
        transaction.on_commit(lambda: task.apply_async(args, kwargs))
        return None
    from .models import OutboxMessage

    message = OutboxMessage.objects.create(task=task.name, args=list(args), kwargs=kwargs)
    # robust: a failure here (say the database went away just after commit) is logged, and the
    # row, committed with the change, is relayed later.
    transaction.on_commit(partial(send, message.pk), robust=True)
    return message


def _publish(message: Any) -> None:
    """Hand one message to the broker (never through the OutboxTask fallback: a failure must
    reach the caller, who keeps the row)."""
    task = current_app.tasks.get(message.task)
    options = {"task_id": str(message.task_id)}
    if task is None:  # renamed or removed since the row was written: send by name
        current_app.send_task(message.task, message.args, message.kwargs, **options)
    else:
        Task.apply_async(task, message.args, message.kwargs, **options)


def _note_failure(message: Any, exc: BaseException) -> None:
    from .models import OutboxMessage

    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:300]
    )
    logger.warning(
        "broker unreachable, task %s (%s) kept in the outbox for the relay: %s",
        message.task,
        message.task_id,
        exc,
    )


def send(pk: int) -> bool:
    """Send one outbox row now; True when the broker took it (and the row is gone)."""
    from .models import OutboxMessage

    message = OutboxMessage.objects.filter(pk=pk).first()
    if message is None:  # the relay got there first
        return False
    try:
        _publish(message)
    except BROKER_UNREACHABLE as exc:
        _note_failure(message, exc)
        return False
    OutboxMessage.objects.filter(pk=pk).delete()
    return True


def relay(*, older_than: float = RELAY_AFTER_SECONDS, limit: int = 1000) -> int:
    """Send rows left behind (the broker was down when their transaction committed), oldest
    first; stops at the first failure. Rows are locked while sent (SKIP LOCKED: two relays never
    send one row twice). Returns how many were sent."""
    from .models import OutboxMessage

    cutoff = timezone.now() - timedelta(seconds=older_than)
    sent = 0
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(created_at__lte=cutoff)
            .order_by("pk")[:limit]
        )
        for message in messages:
            try:
                _publish(message)
            except BROKER_UNREACHABLE as exc:
                _note_failure(message, exc)
                break
            OutboxMessage.objects.filter(pk=message.pk).delete()
            sent += 1
    if sent:
        logger.info("outbox relay: %d task(s) sent", sent)
    return sent


def store_unsent(
    name: str, args: Any, kwargs: Any, *, task_id: str | None, error: BaseException
) -> Any:
    """Keep a message the broker refused, for the relay. An identical message already waiting
    is not stored twice (tasks are idempotent, and beat re-sends its periodic tasks every tick
    while the broker is down)."""
    from .models import OutboxMessage

    args, kwargs = list(args or ()), dict(kwargs or {})
    waiting = OutboxMessage.objects.filter(task=name, args=args, kwargs=kwargs).first()
    if waiting is not None:
        message = waiting
    else:
        fields = {"task_id": task_id} if task_id else {}
        message = OutboxMessage.objects.create(task=name, args=args, kwargs=kwargs, **fields)
    _note_failure(message, error)
    return message


class OutboxTask(Task):
    """The project's task class: `.delay()` / `.apply_async()` store the message in the outbox
    instead of raising when the broker is unreachable."""

    def apply_async(self, args=None, kwargs=None, task_id=None, *rest: Any, **options: Any):
        try:
            return super().apply_async(args, kwargs, task_id, *rest, **options)
        except BROKER_UNREACHABLE as exc:
            if _eager():
                raise
            message = store_unsent(self.name, args, kwargs, task_id=task_id, error=exc)
            return self.AsyncResult(str(message.task_id))
