"""core.ratelimit: fixed windows on the cache, by client IP and by a caller's key."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from core.ratelimit import Rate, allow, hit


def request_from(ip: str):
    return RequestFactory().post("/orders/place/", REMOTE_ADDR=ip)


@pytest.mark.parametrize(
    ("text", "limit", "period"),
    [("5/m", 5, 60), ("100/h", 100, 3600), ("3/10m", 3, 600), ("1/30s", 1, 30), ("2/d", 2, 86400)],
)
def test_it_parses_rates(text, limit, period):
    assert Rate.parse(text) == Rate(limit=limit, period=period)


@pytest.mark.parametrize("text", ["", "5", "5/", "five/m", "5/w", "-1/m", "5/0m", "5/m/ip"])
def test_it_refuses_a_malformed_rate(text):
    with pytest.raises(ValueError, match="rate"):
        Rate.parse(text)


def test_it_allows_up_to_the_limit_then_refuses_the_same_ip():
    verdicts = [allow(request_from("10.0.0.1"), "orders.place", per_ip="3/m") for _ in range(5)]
    assert verdicts == [True, True, True, False, False]
    # Another address has its own count.
    assert allow(request_from("10.0.0.2"), "orders.place", per_ip="3/m")


def test_scopes_are_counted_apart():
    assert [allow(request_from("10.0.0.1"), "a", per_ip="1/m") for _ in range(2)] == [True, False]
    assert allow(request_from("10.0.0.1"), "b", per_ip="1/m")


def test_it_refuses_by_key_whatever_the_ip():
    verdicts = [
        allow(request_from(f"10.0.1.{n}"), "checkin", key="user:7", per_key="2/m") for n in range(3)
    ]
    assert verdicts == [True, True, False]
    assert allow(request_from("10.0.1.9"), "checkin", key="user:8", per_key="2/m")


def test_either_counter_over_its_limit_refuses():
    ip = request_from("10.0.2.1")
    assert allow(ip, "orders", per_ip="2/m", key="a", per_key="5/m")
    assert allow(ip, "orders", per_ip="2/m", key="b", per_key="5/m")
    # The IP is spent although key "c" is fresh.
    assert not allow(ip, "orders", per_ip="2/m", key="c", per_key="5/m")


def test_a_new_window_starts_a_new_count():
    start = 1_700_000_040.0  # a multiple of 60: the start of a one-minute window
    assert [hit("w", "k", "2/m", now=start + s) for s in (0, 10, 59)] == [True, True, False]
    assert hit("w", "k", "2/m", now=start + 60)


def test_it_needs_a_rate_and_a_key_for_a_key_rate():
    with pytest.raises(ValueError):
        allow(request_from("10.0.0.1"), "x")
    with pytest.raises(ValueError):
        allow(request_from("10.0.0.1"), "x", per_key="1/m")


def _cache_keys(pattern: str) -> list[str]:
    if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):  # Redis
        client = cache._cache.get_client(None, write=False)
        return [k.decode() for k in client.keys(f"*{pattern}*")]
    return [k for k in cache._cache if pattern in k]  # local memory


def test_the_cache_holds_neither_the_ip_nor_the_key():
    allow(request_from("10.9.8.7"), "privacy", per_ip="5/m", key="13912345678", per_key="5/m")
    stored = _cache_keys("rl:privacy")
    assert len(stored) == 2
    assert not any("10.9.8.7" in k or "13912345678" in k for k in stored)


@pytest.mark.redis
def test_concurrent_hits_on_redis_share_one_count(redis_broker, settings):
    """Eight threads, each with its own Redis connection, hit the same counter: exactly the
    limit is let through."""
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    results: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        for _ in range(5):
            verdict = hit("redis-race", "shared", "10/m", now=1_700_000_040.0)
            with lock:
                results.append(verdict)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 10
    assert results.count(False) == 30
