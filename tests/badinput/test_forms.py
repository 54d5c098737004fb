"""Every form and endpoint, fed hostile input (tests/badinput/strategies.py). Whatever arrives:
never a server error, nothing stored from a refused submission, no markup echoed unescaped, no
redirect off the site.

To cover a new form, add a `Target` to TARGETS:

    Target("place an order", "/orders/place/", fields={"title": "修水管", "detail": "…"},
           user=lambda ctx: ctx.user, stored=lambda ctx: Order.objects.count()),

`fields` holds a *valid* value for each field; each example replaces some of them with hostile
ones, so the form is probed past its first check. `url`, `user`, `prepare` and `stored` take the
context (`ctx.tree`, `ctx.user`, and whatever `prepare` adds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

from .strategies import FUZZ, MARKUP_PAYLOADS, hostile_value

pytestmark = pytest.mark.django_db

REDIRECTS = {301, 302, 303}


@dataclass(frozen=True)
class Target:
    id: str
    url: str | Callable[[SimpleNamespace], str]
    fields: dict[str, str]  # field name → a valid value
    method: str = "POST"
    user: Callable[[SimpleNamespace], Any] | None = None  # who submits (None: anonymous)
    prepare: Callable[[SimpleNamespace], None] | None = None  # add objects to ctx
    # A snapshot of what a refused submission must leave unchanged.
    stored: Callable[[SimpleNamespace, Client], Any] = lambda ctx, client: None
    # Statuses that mean "refused" besides a re-rendered form (200).
    refusals: frozenset[int] = frozenset({200, 400, 403, 404, 405, 429})
    # Fields whose value is a redirect target: the redirect must stay on this site.
    redirect_fields: tuple[str, ...] = field(default=())


_SOON = date.today() + timedelta(days=10)


def _count(model: str) -> int:
    return apps.get_model(model).objects.count()


def _federation_admin(ctx: SimpleNamespace) -> Any:
    ctx.user.is_federation_admin = True
    ctx.user.save(update_fields=["is_federation_admin"])
    return ctx.user


def _signed_in_user(ctx: SimpleNamespace, client: Client) -> Any:
    return client.session.get("_auth_user_id")


TARGETS = [
    Target(
        "signup",
        "/accounts/signup/",
        fields={
            "name": "韩梅梅",
            "phone": "13912345678",
            "email": "hanmeimei@example.com",
            "password1": "Lang-jia-yuan-2024",
            "password2": "Lang-jia-yuan-2024",
        },
        stored=lambda ctx, client: (User.objects.count(), EmailAddress.objects.count()),
    ),
    Target(
        "login",
        "/accounts/login/",
        fields={"login": "13900000077", "password": PASSWORD},
        prepare=lambda ctx: UserFactory(phone="13900000077", email="login77@example.com"),
        stored=_signed_in_user,
    ),
    Target(
        "password reset",
        "/accounts/password/reset/",
        fields={"email": "login77@example.com"},
        prepare=lambda ctx: UserFactory(phone="13900000077", email="login77@example.com"),
        stored=lambda ctx, client: len(mail.outbox),
    ),
    Target("station search", "/stations/", fields={"q": "朝阳", "page": "1"}, method="GET"),
    Target("health check", "/healthz", fields={"verbose": "1"}, method="GET"),
    Target(
        "elder-mode toggle",
        "/preferences/elder-mode/",
        fields={"next": "/stations/"},
        user=lambda ctx: ctx.user,
        redirect_fields=("next",),
    ),
    Target(
        "place a service order (anonymous resident)",
        lambda ctx: f"/stations/{ctx.tree.nanlang.code}/orders/new/",
        fields={
            "category": "elderly",
            "description": "独居老人需要陪同去医院复查",
            "address": "南郎家园 3 号楼 2 单元 501",
            "wanted_from": f"{_SOON:%Y-%m-%d} 09:00",
            "wanted_until": f"{_SOON:%Y-%m-%d} 12:00",
            "contact_name": "李阿姨",
            "contact_phone": "13812345678",
            "contact_email": "resident@example.com",
        },
        stored=lambda ctx, client: _count("orders.Order"),
    ),
    Target(
        "organization directory search",
        "/organizations/",
        fields={"q": "志愿", "page": "1"},
        method="GET",
    ),
    Target("project list filters", "/projects/", fields={"q": "助老", "page": "1"}, method="GET"),
    Target(
        "language switch",
        "/i18n/setlang/",
        fields={"language": "en", "next": "/stations/"},
        redirect_fields=("next",),
    ),
    Target(
        "bulk import upload (federation admin: every kind, 历史补录 offered)",
        "/imports/",
        fields={
            "scope": "fed",
            "kind": "records",
            "on_error": "skip",
            "approve": "on",
            "history": "on",
        },
        user=lambda ctx: _federation_admin(ctx),
        stored=lambda ctx, client: _count("imports.ImportJob"),
    ),
]


def _values(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


@pytest.fixture
def ctx(tree, settings) -> SimpleNamespace:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return SimpleNamespace(tree=tree, user=UserFactory(name="检查者"))


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
@FUZZ
@given(data=st.data())
def test_hostile_input_is_refused_cleanly(target: Target, ctx: SimpleNamespace, data) -> None:
    # Each field: its valid value or something hostile (at least one field is hostile).
    names = sorted(target.fields)
    hostile = data.draw(st.sets(st.sampled_from(names), min_size=1), label="hostile fields")
    values = {
        name: data.draw(hostile_value(), label=name) if name in hostile else target.fields[name]
        for name in names
    }
    cache.clear()  # rate limits would turn later examples into 429s
    mail.outbox = []
    with transaction.atomic():  # every example starts from the same database
        if target.prepare:
            target.prepare(ctx)
        client = Client()
        if target.user:
            client.force_login(target.user(ctx))
        url = target.url(ctx) if callable(target.url) else target.url
        before = target.stored(ctx, client)
        response = client.get(url, values) if target.method == "GET" else client.post(url, values)
        after = target.stored(ctx, client)
        transaction.set_rollback(True)

    status = response.status_code
    assert status < 500, f"{target.method} {url} answered {status}"
    assert status in REDIRECTS | target.refusals, f"unexpected {status}"
    if status not in REDIRECTS:
        assert before == after, f"a refused {target.id} changed {before!r} to {after!r}"
    body = response.content.decode("utf-8", errors="replace")
    for name, value in values.items():
        for text in _values(value):
            for payload in MARKUP_PAYLOADS:
                if payload in text:
                    assert payload not in body, f"{name}: {payload!r} came back unescaped"
    if status in REDIRECTS:
        location = response["Location"]
        assert url_has_allowed_host_and_scheme(location, {"testserver"}), location
        assert not location.startswith("//"), location


# --- The same properties, spelled out once for the payloads that matter most ------------------


def test_a_script_in_the_signup_form_comes_back_escaped(client, db):
    payload = "<script>alert('xss')</script>"
    response = client.post(
        "/accounts/signup/",
        {"name": payload, "phone": "12345", "email": payload, "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert payload not in html
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in html
    assert not User.objects.exists()


def test_a_script_in_the_station_search_comes_back_escaped(client, tree):
    payload = '"><script>alert(1)</script>'
    html = client.get("/stations/", {"q": payload}).content.decode()
    assert payload not in html
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "javascript:alert(1)",
    ],
)
def test_the_elder_mode_toggle_never_redirects_off_the_site(client, db, target):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/preferences/elder-mode/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.elder_mode


@pytest.mark.parametrize("query", ["%", "_", "\\", "' OR '1'='1", "朝阳%", "1101__"])
def test_the_station_search_takes_metacharacters_literally(client, tree, query):
    response = client.get("/stations/", {"q": query})
    assert response.status_code == 200
    assert "没有找到匹配的实践阵地" in response.content.decode()


@pytest.mark.parametrize("query", ["\x00", "朝阳\x00区"])
def test_the_station_search_survives_a_nul_byte(client, tree, query):
    response = client.get("/stations/", {"q": query})
    assert response.status_code in (200, 400)
    assert "空字符" in response.content.decode()
