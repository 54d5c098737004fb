"""Celery tasks for large files: thin wrappers that take a job id and call the service, which
claims the job with a conditional UPDATE (a redelivered task does nothing)."""

from __future__ import annotations

from celery import shared_task

from . import services

TIME_LIMIT = (
    3 * 3600
)  # a 100,000-row file takes minutes; a stuck run is killed, its transaction rolled back


@shared_task(acks_late=True, time_limit=TIME_LIMIT, soft_time_limit=TIME_LIMIT - 60)
def check_import(job_pk: int) -> str | None:
    job = services.run_job(job_pk, commit=False)
    return job.status if job else None


@shared_task(acks_late=True, time_limit=TIME_LIMIT, soft_time_limit=TIME_LIMIT - 60)
def run_import(job_pk: int) -> str | None:
    job = services.run_job(job_pk, commit=True)
    return job.status if job else None
