"""Platform tasks."""

import socket

from celery import shared_task
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(time_limit=30, soft_time_limit=20)
def heartbeat() -> str:
    """Record that a worker is alive (idempotent: one row per host, updated in place)."""
    hostname = socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"seen_at": timezone.now()}
    )
    return hostname
