"""Platform tasks: the worker heartbeat and the outbox relay."""

import socket

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from . import outbox
from .models import WorkerHeartbeat


@shared_task(time_limit=30, soft_time_limit=20)
def heartbeat() -> str:
    """Record that a worker is alive (idempotent: one row per host, updated in place)."""
    hostname = socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"seen_at": timezone.now()}
    )
    return hostname


@shared_task(time_limit=300, soft_time_limit=240)
def relay_outbox() -> int:
    """Send outbox rows the broker was down for (beat, every 30 s). Rows are locked while sent,
    so two relays at once send each row once; tasks are idempotent anyway."""
    return outbox.relay()


@worker_ready.connect
def relay_when_a_worker_starts(sender=None, **kwargs) -> None:
    """A worker coming up (often: after the broker came back) sends what is waiting at once."""
    relay_outbox.delay()
