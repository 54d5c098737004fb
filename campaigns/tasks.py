"""Beat task: the incremental campaign rollup (thin: the work is campaigns.rollup)."""

from __future__ import annotations

from celery import shared_task

from .rollup import run_campaign_rollup


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1500)
def rollup_campaigns(full: bool = False) -> int:
    return run_campaign_rollup(full=full).campaigns
