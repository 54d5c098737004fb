"""Periodic work for check-in/out: check out the volunteers who forgot to."""

from celery import shared_task

from .services import close_forgotten_checkouts


@shared_task(time_limit=600, soft_time_limit=540)
def close_forgotten() -> int:
    """Idempotent: each open attendance is claimed with a conditional UPDATE before its record is
    written, so a rerun or a redelivered task closes nothing twice."""
    return close_forgotten_checkouts()
