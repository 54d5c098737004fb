"""Periodic work for projects: reminders the day before an activity or shift."""

from celery import shared_task

from .services import send_due_reminders


@shared_task(time_limit=600, soft_time_limit=540)
def send_reminders() -> int:
    """Idempotent: each sign-up is claimed before its email, so reruns send nothing more."""
    return send_due_reminders()
