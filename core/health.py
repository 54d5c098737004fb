"""Health checks for /healthz: database, cache, broker, each with a short timeout."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    # The Redis cache keeps pages working from process memory while Redis is down
    # (core/cache.py), so ask Redis itself: the outage must show here.
    is_available = getattr(cache, "is_available", None)
    if is_available is not None and not is_available():
        raise ConnectionError("Redis does not answer")
    cache.set("healthz", "1", 10)
    if cache.get("healthz") != "1":
        raise RuntimeError("cache read back nothing")
    return "ok"


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    from volunteer_hub.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def check_outbox() -> str:
    """Tasks waiting for the broker (core/outbox.py): reported, never a failure by itself: the
    broker check says whether the broker is down, this says how much waits for it."""
    from .models import OutboxMessage

    waiting = OutboxMessage.objects.count()
    return "ok" if not waiting else f"{waiting} waiting"


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "outbox": check_outbox,
}


def run_checks() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a health check reports every failure, whatever its kind
            healthy = False
            results[name] = f"error: {type(exc).__name__}"
            if name == "database":
                connection.close()
    return healthy, results
