"""The rollup as Celery tasks: thin wrappers, late-acknowledged (a killed worker's run is
redelivered and, being one transaction per batch under an advisory lock, simply redone)."""

from dataclasses import asdict

from celery import shared_task

from .rollup import run_rollup


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def rollup_incremental() -> dict:
    """Beat, every few minutes: re-aggregate the buckets touched since the last run."""
    return asdict(run_rollup())


@shared_task(acks_late=True, time_limit=4 * 3600, soft_time_limit=4 * 3600 - 120)
def rollup_full() -> dict:
    """Rebuild every summary table from the ledger (also `manage.py rollup_hours --full`)."""
    return asdict(run_rollup(full=True))
