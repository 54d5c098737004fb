"""A real Celery worker consuming from Redis runs a task and its effect is seen in the database."""

import pytest

from core.models import WorkerHeartbeat
from core.tasks import heartbeat


@pytest.mark.redis
def test_a_real_worker_runs_a_task_from_redis(live_worker):
    assert not WorkerHeartbeat.objects.exists()
    result = heartbeat.delay()
    hostname = result.get(timeout=30)
    assert WorkerHeartbeat.objects.filter(hostname=hostname).exists()
    # Idempotent: a second run updates the same row.
    heartbeat.delay().get(timeout=30)
    assert WorkerHeartbeat.objects.count() == 1
