"""Hostile query strings and path segments for the endpoints that read them directly: the JSON
statistics, the /me/data/ JSON download, the htmx partials, the exports and every page whose URL
carries a code, number or token. Whatever arrives: never a server error, JSON stays JSON, and
nothing comes back unescaped in HTML."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from certificates.services import issue_certificate
from tests.factories import UserFactory
from tests.imports.conftest import VOLUNTEER_HEADERS, csv_bytes, valid_id

from .strategies import FUZZ, MARKUP_PAYLOADS, hostile_text, hostile_value
from .world import build_world

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    id: str
    # The URL; "{}" marks the path segment that gets hostile text.
    url: str | Callable[[SimpleNamespace], str]
    params: dict[str, str]  # query parameters the endpoint reads, with valid values
    user: Callable[[SimpleNamespace], Any] | None = None
    method: str = "GET"
    htmx: bool = False  # sent as htmx does (the partial, not the page)
    segment: str | Callable[[SimpleNamespace], str] = ""  # a valid value for "{}"


ENDPOINTS = [
    Endpoint("statistics JSON (city)", "/api/stats/110000.json", {"period": "2026"}),
    Endpoint(
        "statistics JSON (a district)",
        "/api/stats/110105.json",
        {"period": "2026-03", "category": "elderly", "sort": "-hours"},
    ),
    Endpoint(
        "statistics JSON (any code)", "/api/stats/{}.json", {"period": "2026"}, segment="110105"
    ),
    Endpoint(
        "statistics JSON (a station, as federation admin)",
        "/api/stats/110105001024.json",
        {"period": "2026", "category": "elderly", "sort": "name"},
        user=lambda ctx: ctx.fed,
    ),
    Endpoint(
        "my data as JSON",
        "/me/data/download/",
        {},
        user=lambda ctx: ctx.member.user,
        method="POST",
    ),
    Endpoint("streets of a district (htmx)", "/volunteers/streets/", {"district": "110105"}),
    Endpoint(
        "node picker (htmx)",
        "/organizations/node-picker/",
        {"district": "110105", "street": "110105001", "within": "110105", "variant": "filter"},
        htmx=True,
    ),
    Endpoint(
        "check-in code (htmx)",
        lambda ctx: f"/checkin/activity/{ctx.running.pk}/code/",
        {"page": "1"},
        user=lambda ctx: ctx.admin,
        htmx=True,
    ),
    Endpoint(
        "check-in page with a code in its link",
        lambda ctx: f"/checkin/activity/{ctx.running.pk}/",
        {"code": "123456"},
        user=lambda ctx: ctx.member.user,
    ),
    Endpoint(
        "dashboard of a node",
        "/dashboard/{}/",
        {"period": "2026", "category": "elderly", "sort": "-hours"},
        user=lambda ctx: ctx.fed,
        segment="110105001",
    ),
    Endpoint(
        "dashboard export",
        "/dashboard/110105/export.{}",
        {"period": "2026", "category": "elderly", "sort": "-volunteers"},
        user=lambda ctx: ctx.fed,
        segment="xlsx",
    ),
    Endpoint("station page", "/stations/{}/", {"page": "1"}, segment="110105001024"),
    Endpoint(
        "certificate verification page",
        "/certificates/verify/{}/",
        {},
        segment=lambda ctx: issue_certificate(volunteer=ctx.member).display_number,
    ),
    Endpoint(
        "order tracking page", "/orders/track/{}/", {}, segment=lambda ctx: ctx.order.tracking_token
    ),
    Endpoint(
        "volunteer page (staff)",
        "/volunteers/{}/",
        {},
        user=lambda ctx: ctx.station_staff,
        segment=lambda ctx: ctx.member.number,
    ),
    Endpoint(
        "station hours desk",
        "/hours/stations/{}/records/",
        {"status": "approved", "q": "读报"},
        user=lambda ctx: ctx.station_staff,
        segment="110105001024",
    ),
    Endpoint(
        "import template",
        "/imports/templates/{}.csv",
        {},
        user=lambda ctx: ctx.station_staff,
        segment="volunteers",
    ),
    Endpoint(
        "scoped export",
        "/imports/export/volunteers.csv",
        {"scope": "node:110105001024"},
        user=lambda ctx: ctx.station_staff,
    ),
    Endpoint(
        "import job status (htmx)",
        "/imports/jobs/{}/",
        {"page": "1"},
        user=lambda ctx: ctx.station_staff,
        htmx=True,
        segment=lambda ctx: str(_import_job(ctx).pk),
    ),
    Endpoint("接单 tabs", "/orders/service/", {"tab": "handling"}, user=lambda ctx: ctx.admin),
    Endpoint("check-in list", "/checkin/manage/", {"page": "2"}, user=lambda ctx: ctx.admin),
    Endpoint(
        "service sites", "/sites/", {"q": "站", "district": "110105", "kind": "", "rating": ""}
    ),
]


def _import_job(ctx: SimpleNamespace) -> Any:
    from imports.scope import get_scope
    from imports.services import start_import

    rows = [["张三", "居民身份证", valid_id(0), "13800138000", "110105001024", "2024-05-01"]]
    return start_import(
        user=ctx.station_staff,
        scope=get_scope(ctx.station_staff, f"node:{ctx.tree.nanlang.code}"),
        kind="volunteers",
        upload=SimpleUploadedFile("volunteers.csv", csv_bytes(VOLUNTEER_HEADERS, rows)),
    )


@pytest.fixture
def ctx(tree, settings) -> SimpleNamespace:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world(tree)


def _request(endpoint: Endpoint, ctx: SimpleNamespace, segment: str, params: dict) -> Any:
    client = Client()
    if endpoint.user:
        client.force_login(endpoint.user(ctx))
    url = endpoint.url(ctx) if callable(endpoint.url) else endpoint.url
    url = url.replace("{}", quote(segment, safe=""))
    headers = {"HX-Request": "true"} if endpoint.htmx else {}
    if endpoint.method == "POST":
        # The query string is what is hostile here; the body is what the page sends.
        query = "&".join(
            f"{quote(k, safe='')}={quote(v, safe='')}"
            for k, value in params.items()
            for v in (value if isinstance(value, list) else [value])
        )
        return url, client.post(f"{url}?{query}", {}, headers=headers)
    return url, client.get(url, params, headers=headers)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.id for e in ENDPOINTS])
@FUZZ
@given(data=st.data())
def test_hostile_query_strings_and_paths_never_break_an_endpoint(
    endpoint: Endpoint, ctx: SimpleNamespace, data
) -> None:
    # The path segment hostile, or the query string only (behind a path that leads somewhere).
    segment = ""
    if "{}" in str(endpoint.url):
        hostile_path = data.draw(st.booleans(), label="hostile path")
        segment = data.draw(hostile_text(), label="segment") if hostile_path else ""
    names = sorted(endpoint.params)
    hostile_names = data.draw(st.sets(st.sampled_from(names or ["x"])), label="hostile params")
    params: dict[str, Any] = dict(endpoint.params)
    for name in sorted(hostile_names):
        params[name] = data.draw(hostile_value(), label=name)
    extra = data.draw(st.dictionaries(hostile_text(), hostile_value(), max_size=2), label="extra")
    params.update({k: v for k, v in extra.items() if k})
    cache.clear()
    with transaction.atomic():
        url, response = _request(endpoint, ctx, segment or _valid_segment(endpoint, ctx), params)
        transaction.set_rollback(True)

    assert response.status_code < 500, f"{endpoint.method} {url} answered {response.status_code}"
    content_type = response.get("Content-Type", "")
    body = b"".join(response) if response.streaming else response.content
    if "json" in content_type and response.status_code == 200:
        json.loads(body)
    if "html" in content_type:
        text = body.decode("utf-8", errors="replace")
        sent = [segment, *(v for value in params.values() for v in _values(value))]
        for payload in MARKUP_PAYLOADS:
            if any(payload in value for value in sent):
                assert payload not in text, f"{payload!r} came back unescaped from {url}"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.id for e in ENDPOINTS])
def test_each_endpoint_answers_its_valid_request(endpoint: Endpoint, ctx: SimpleNamespace) -> None:
    """The harness's own check: with valid values each endpoint serves its content, so the
    hostile examples probe the code that reads them (not a 404 in front of it)."""
    url, response = _request(endpoint, ctx, _valid_segment(endpoint, ctx), endpoint.params)
    assert response.status_code == 200, (url, response.status_code)


def _valid_segment(endpoint: Endpoint, ctx: SimpleNamespace) -> str:
    return endpoint.segment(ctx) if callable(endpoint.segment) else endpoint.segment


def _values(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize(
    "url",
    [
        "/stations/%00/",
        "/api/stats/%00.json",
        "/orders/track/%00/",
        "/volunteers/streets/?district=%00",
        "/organizations/node-picker/?within=%00",
        "/projects/?node=11%0005",
        "/certificates/verify/?number=%00",
    ],
)
def test_a_nul_character_in_a_link_is_refused_with_a_clear_400(client, tree, url):
    # PostgreSQL cannot compare text with a NUL: these lookups used to fail as a server error.
    response = client.get(url)
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_nul_character_in_a_posted_field_is_refused_with_a_clear_400(client, tree):
    # The organization form reads its district straight from the posted data to list streets.
    client.force_login(UserFactory())
    response = client.post("/organizations/register/", {"district": "1101\x0005", "name": "队"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()
