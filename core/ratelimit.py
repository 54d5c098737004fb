"""A small fixed-window rate limiter on the cache (Redis in production), for writes that allauth's
own limits do not cover: placing a service order, checking in by QR code, and the like.

    from core.ratelimit import allow

    if not allow(request, "orders.place", per_ip="10/m", key=str(request.user.pk), per_key="3/m"):
        return render(request, "429.html", status=429)

A request is refused when either counter (by client IP, by the given key) is over its limit in the
current window. Windows are fixed (aligned on multiples of the period), so a burst can straddle two
windows: fine for abuse control, not meant as an exact quota. The counter is an atomic `incr` on
the cache, so concurrent workers share one count. The client IP is the one allauth's limits use
(`ALLAUTH_TRUSTED_PROXY_COUNT` / `ALLAUTH_TRUSTED_CLIENT_IP_HEADER` behind a proxy).

`RATE_LIMIT_OVERRIDES` (settings, from the environment) replaces a limit by scope without a code
change: `{"attendance.code:ip": "100000/15m"}` (a load test from one address).

While Redis is down the cache counts in each web process's memory (core/cache.py): every limit
stays enforced, per process, so at most (number of processes) × the limit gets through. Neither
fail-open nor fail-closed, deliberately, for each limit (docs/operations.md has the table):
check-in codes must stay unguessable (open would lift the brute-force bound) and an event's
check-in must not stop (closed would refuse every volunteer); orders and certificates are
services to residents and volunteers (closed would refuse them all) that a spammer must not get
for free (open).
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"^(\d+)/(\d*)([smhd])$")


@dataclass(frozen=True)
class Rate:
    """`limit` hits per `period` seconds."""

    limit: int
    period: int

    @classmethod
    def parse(cls, value: str | Rate) -> Rate:
        """'5/m', '100/h', '3/10m' (3 per ten minutes), '1/30s'."""
        if isinstance(value, Rate):
            return value
        match = _RATE_RE.match(value.strip())
        if not match:
            raise ValueError(f"Bad rate {value!r}: expected e.g. '5/m', '100/h' or '3/10m'.")
        limit, count, unit = int(match[1]), int(match[2] or 1), match[3]
        if count < 1:
            raise ValueError(f"Bad rate {value!r}: the period must be positive.")
        return cls(limit=limit, period=count * _UNITS[unit])


def client_ip(request: HttpRequest) -> str:
    return get_adapter(request).get_client_ip(request)


def hit(scope: str, ident: str, rate: str | Rate, *, now: float | None = None) -> bool:
    """Count one hit for `ident` in `scope`; True while the count is within the rate."""
    rate = Rate.parse(rate)
    window = int((time.time() if now is None else now) // rate.period)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]  # no raw IPs or keys in the cache
    key = f"rl:{scope}:{digest}:{rate.period}:{window}"
    # add() creates the counter only if it is missing; incr() is atomic on Redis.
    cache.add(key, 0, timeout=rate.period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr(): start the window again
        cache.add(key, 1, timeout=rate.period + 1)
        count = 1
    return count <= rate.limit


def allow(
    request: HttpRequest,
    scope: str,
    *,
    per_ip: str | Rate | None = None,
    key: str | None = None,
    per_key: str | Rate | None = None,
) -> bool:
    """Whether this request may go ahead: counts it by client IP (`per_ip`) and, when given, by
    `key` (a user id, a mobile number, an activity: whatever the caller limits on)."""
    if per_ip is None and per_key is None:
        raise ValueError("allow() needs per_ip, per_key or both.")
    if per_key is not None and not key:
        raise ValueError("per_key needs a key.")
    overrides = settings.RATE_LIMIT_OVERRIDES
    if per_ip is not None:
        per_ip = overrides.get(f"{scope}:ip", per_ip)
    if per_key is not None:
        per_key = overrides.get(f"{scope}:key", per_key)
    allowed = True
    if per_ip is not None:
        allowed = hit(f"{scope}:ip", client_ip(request), per_ip) and allowed
    if per_key is not None and key:
        allowed = hit(f"{scope}:key", key, per_key) and allowed
    return allowed
