"""Periodic work for service orders: expire the ones nobody took in time."""

from celery import shared_task

from .services import expire_due_orders


@shared_task(time_limit=600, soft_time_limit=540)
def expire_orders() -> int:
    """Idempotent: only orders still waiting are claimed and changed, so a rerun does nothing."""
    return expire_due_orders()
