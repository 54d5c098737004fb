"""Django's Redis cache, made to survive Redis going away.

When Redis cannot be reached (connection refused, timeout), every cache call is answered by a
small per-process memory cache instead of raising: reads miss at first (pages are computed from
the database), writes stay in this process, counters keep counting here. A warning is logged
when the process loses Redis and an info line when it gets it back. For `RETRY_AFTER` seconds
after a failure the process does not try Redis at all (so a Redis that hangs costs one socket
timeout per process every few seconds, not one per cache call), then tries again; the memory
copy is emptied each time Redis is lost, so nothing from an earlier outage is ever served.

What follows for the callers while Redis is down:
- cached pages (dashboard) are recomputed per process and cached there for their usual time;
- rate limits (`core.ratelimit`, allauth's login/signup limits) count per web process: still
  enforced, at most as loose as the number of processes times the limit (docs/operations.md);
- writes made during the outage (a dashboard cache version bumped by the rollup worker, an
  import's progress) never reach Redis: they expire with their timeout as any cache entry would.

`is_available()` answers whether Redis itself answers (for /healthz, which must report the
outage even though pages keep working).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What "Redis is unreachable" looks like from redis-py (BusyLoadingError, raised while a
#: restarted Redis loads its data, is a ConnectionError too). Other Redis errors are bugs and
#: still raise.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class _Circuit:
    """Per process and per Redis location: since when Redis is considered down."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.down = False
        self.lock = threading.Lock()


_circuits: dict[str, _Circuit] = {}
_circuits_lock = threading.Lock()


def _circuit_for(location: str) -> _Circuit:
    with _circuits_lock:
        return _circuits.setdefault(location, _Circuit())


class ResilientRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` that falls back to process memory while
    Redis is unreachable. Extra OPTIONS: `RETRY_AFTER` (seconds, default 5) and
    `FALLBACK_MAX_ENTRIES` (default 5000)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        max_entries = int(options.pop("FALLBACK_MAX_ENTRIES", 5000))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self.location = server if isinstance(server, str) else ",".join(server)
        self._circuit = _circuit_for(self.location)
        # LocMemCache instances with one name share their storage: one copy per process.
        self._fallback = LocMemCache(
            f"redis-fallback:{self.location}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": max_entries, "CULL_FREQUENCY": 3},
            },
        )

    # --- the circuit ------------------------------------------------------------------------

    def _lost(self, exc: BaseException) -> None:
        circuit = self._circuit
        with circuit.lock:
            was_down = circuit.down
            circuit.down = True
            circuit.down_until = time.monotonic() + self.retry_after
        if not was_down:
            self._fallback.clear()
            logger.warning(
                "Redis cache at %s unreachable (%s: %s): answering from process memory, "
                "retrying every %.0f s",
                self.location,
                type(exc).__name__,
                exc,
                self.retry_after,
            )

    def _recovered(self) -> None:
        circuit = self._circuit
        if circuit.down:
            with circuit.lock:
                circuit.down = False
                circuit.down_until = 0.0
            logger.info("Redis cache at %s reachable again", self.location)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        circuit = self._circuit
        if circuit.down and time.monotonic() < circuit.down_until:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(RedisCache, name)(self, *args, **kwargs)
        except UNREACHABLE as exc:
            self._lost(exc)
            return getattr(self._fallback, name)(*args, **kwargs)
        self._recovered()
        return result

    def is_available(self) -> bool:
        """Ask Redis itself (a PING), bypassing the circuit: for health checks."""
        try:
            available = bool(self._cache.get_client(write=True).ping())
        except UNREACHABLE as exc:
            self._lost(exc)
            return False
        self._recovered()
        return available

    # --- BaseCache's primitives; the others (get_or_set, decr, incr_version…) use these ---------

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        return self._call("add", key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call("get", key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        return self._call("touch", key, timeout, version)

    def delete(self, key: Any, version: Any = None):
        return self._call("delete", key, version)

    def get_many(self, keys: Any, version: Any = None):
        return self._call("get_many", keys, version)

    def has_key(self, key: Any, version: Any = None):
        return self._call("has_key", key, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None):
        return self._call("incr", key, delta, version)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys: Any, version: Any = None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")
