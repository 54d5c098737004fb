"""Celery's Redis result backend, subscribing to a task's result only when someone waits for it.

The stock backend subscribes (Redis pub/sub) to every task a process sends, and unsubscribes when
the `AsyncResult` is garbage-collected. Web processes never wait for results, yet while Redis is
down each discarded `AsyncResult` then blocks its request in the backend's reconnect loop (20
retries a second apart) before failing. Here sending subscribes to nothing; `result.get()` still
works: it subscribes when called and reads the stored result first (so a task that finished
before anyone waited is not missed). Configured as
`CELERY_RESULT_BACKEND = "core.celery_backend:LazyRedisBackend+redis://…"` in settings.
"""

from __future__ import annotations

from typing import Any

from celery.backends.redis import RedisBackend


class LazyRedisBackend(RedisBackend):
    def on_task_call(self, producer: Any, task_id: str) -> None:
        """Nothing to do when a task is sent: `AsyncResult.get()` subscribes when called."""
