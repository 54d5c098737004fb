"""RATE_LIMIT_OVERRIDES: a limit changed by configuration (a load test from one address), checked
at start-up."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from core.apps import check_rate_limit_overrides
from core.ratelimit import allow
from volunteer_hub.env import env_dict


def request_from(ip: str):
    return RequestFactory().post("/", REMOTE_ADDR=ip)


def test_an_override_replaces_the_limit_of_its_scope_only(settings):
    settings.RATE_LIMIT_OVERRIDES = {"attendance.code:ip": "5/m"}
    request = request_from("10.1.1.1")
    verdicts = [allow(request, "attendance.code", per_ip="2/m") for _ in range(6)]
    assert verdicts == [True, True, True, True, True, False]
    # The per-key limit of the same scope and other scopes keep what the code says.
    assert [
        allow(request, "attendance.code", key="volunteer:1", per_key="1/m") for _ in range(2)
    ] == [True, False]
    assert [allow(request, "orders.place", per_ip="1/m") for _ in range(2)] == [True, False]


def test_the_environment_format_is_read_and_refused_when_malformed(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_OVERRIDES", "attendance.code:ip=100/m, orders.place:ip=9/h")
    assert env_dict("RATE_LIMIT_OVERRIDES", {}) == {
        "attendance.code:ip": "100/m",
        "orders.place:ip": "9/h",
    }
    monkeypatch.setenv("RATE_LIMIT_OVERRIDES", "attendance.code:ip")
    with pytest.raises(ImproperlyConfigured, match="NAME=VALUE"):
        env_dict("RATE_LIMIT_OVERRIDES", {})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"attendance.code": "5/m"}, "<scope>:ip"),
        ({"attendance.code:user": "5/m"}, "<scope>:ip"),
        ({"attendance.code:ip": "lots"}, "Bad rate"),
    ],
)
def test_a_bad_override_stops_the_start(settings, overrides, message):
    settings.RATE_LIMIT_OVERRIDES = overrides
    with pytest.raises(ImproperlyConfigured, match=message):
        check_rate_limit_overrides()
