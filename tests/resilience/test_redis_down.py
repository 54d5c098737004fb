"""Redis stopped while pages are served and orders placed: the cache answers from process memory
(core/cache.py), pages and orders keep working, rate limits keep counting, /healthz reports it,
and the cache goes back to Redis once it answers again. On a private Redis (tests/resilience/
conftest.py), stopped for real."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.test import RequestFactory
from django.utils import timezone

from core.ratelimit import allow
from orders.models import Order
from tests.factories import PASSWORD, UserFactory

FMT = "%Y-%m-%dT%H:%M"
STATION = "110105001024"  # 南郎家园社区 in the `tree` fixture


@pytest.fixture
def cache_on_private_redis(settings, private_redis, redis_broker):
    """The site's cache on the private Redis; RETRY_AFTER 0 so every call tries Redis again."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "t",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "RETRY_AFTER": 0},
        }
    }
    return private_redis


def order_form() -> dict[str, str]:
    start = timezone.localtime() + timedelta(days=2)
    return {
        "category": "elderly",
        "description": "帮忙更换灯泡",
        "address": "南郎家园 5 号楼 101",
        "wanted_from": start.strftime(FMT),
        "wanted_until": (start + timedelta(hours=2)).strftime(FMT),
        "contact_name": "王奶奶",
        "contact_phone": "13987654321",
    }


def test_the_cache_answers_from_memory_while_redis_is_down_and_returns_to_redis(
    cache_on_private_redis, caplog
):
    redis_server = cache_on_private_redis
    cache = caches["default"]
    cache.set("before", 1)
    assert cache.get("before") == 1 and redis_server.client().dbsize() == 1

    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert cache.get("before") is None  # a miss, not an exception
        cache.set("during", 2)
        assert cache.get("during") == 2  # kept in this process
        assert cache.add("counter", 0) and cache.incr("counter") == 1
        assert cache.get_many(["during", "before"]) == {"during": 2}
        assert not cache.is_available()
    lost = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(lost) == 1  # one warning when Redis is lost, not one per call

    redis_server.start()  # an empty Redis (no persistence), on the same port
    assert cache.is_available()
    assert cache.get("during") is None  # read from Redis again, not from the outage's memory
    cache.set("after", 3)
    assert redis_server.client().dbsize() == 1


def test_pages_and_orders_work_while_redis_is_down(
    client, tree, federation_admin, cache_on_private_redis
):
    cache_on_private_redis.stop()
    assert client.get("/").status_code == 200
    assert client.get(f"/stations/{STATION}/").status_code == 200

    response = client.post(f"/stations/{STATION}/orders/new/", order_form())
    assert response.status_code == 302
    order = Order.objects.get()
    assert response["Location"] == f"/orders/track/{order.tracking_token}/"
    assert client.get(response["Location"]).status_code == 200

    client.force_login(federation_admin)
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/dashboard/110105/").status_code == 200

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["cache"].startswith("error")
    assert health.json()["database"] == "ok"


def test_signing_in_works_while_redis_is_down(client, db, cache_on_private_redis):
    # allauth's login limits take a lock with cache.add(): a cache that only missed would make
    # every login wait for the lock and then refuse it.
    user = UserFactory(email="vol@example.com")
    cache_on_private_redis.stop()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200


def test_rate_limits_keep_counting_in_the_process_while_redis_is_down(cache_on_private_redis):
    cache_on_private_redis.stop()
    request = RequestFactory().post("/", REMOTE_ADDR="10.9.9.9")
    verdicts = [allow(request, "orders.place", per_ip="3/m") for _ in range(5)]
    assert verdicts == [True, True, True, False, False]
    by_key = [allow(request, "attendance.code", key="v1", per_key="2/15m") for _ in range(3)]
    assert by_key == [True, True, False]
