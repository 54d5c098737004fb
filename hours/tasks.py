"""Periodic work for the ledger: remind recorders of activities whose records are overdue."""

from celery import shared_task

from .services import send_overdue_reminders


@shared_task(time_limit=900, soft_time_limit=840)
def remind_overdue_records() -> int:
    """Daily. Idempotent: each overdue activity/shift is claimed before its email, once."""
    return send_overdue_reminders()
