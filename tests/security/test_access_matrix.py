"""Who may open what: one row per URL (and method), the expected answer for each role.

Every URL pattern in the URLconf must have a row: a new page without one fails
`test_every_url_has_a_row` with the list of what is missing. To add a page, add a `Row` below:

    Row("orders:detail", kwargs=lambda w: {"pk": w.extra["order"].pk},
        expect=by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=200)),

`kwargs`/`data` take the `World` (tests/security/conftest.py) so rows point at real objects in
朝阳区, where only the federation admin has any standing: the other roles are outsiders (a
volunteer with no membership, another organization's admin, staff of 东城区). Expect 404, not 403,
where the object's existence is private (access helpers raise Http404 outside a user's scope).

Expected values: an HTTP status, LOGIN (a redirect to the login page) or REDIRECT (any other
redirect: POST/redirect/GET, or allauth sending a signed-in user home).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import ANON, FED, ORG_ADMIN, ROLES, STAFF, VOLUNTEER, World

LOGIN = "login"
REDIRECT = "redirect"
Expect = int | str

# URL namespaces that are not in the table, and why.
EXEMPT_NAMESPACES = {
    # Django's admin has its own permission system (is_staff + model permissions); the rows
    # below check its front door for every role.
    "admin": "Django admin: guarded by is_staff and model permissions",
}


def everyone(status: Expect) -> dict[str, Expect]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: Expect, *, anon: Expect = LOGIN) -> dict[str, Expect]:
    return {**everyone(status), ANON: anon}


def by_role(
    *, anon: Expect, volunteer: Expect, org_admin: Expect, staff: Expect, fed: Expect
) -> dict[str, Expect]:
    return {ANON: anon, VOLUNTEER: volunteer, ORG_ADMIN: org_admin, STAFF: staff, FED: fed}


@dataclass(frozen=True)
class Row:
    name: str  # the URL name, with its namespace ("stations:node")
    expect: dict[str, Expect]
    method: str = "GET"
    kwargs: Callable[[World], dict[str, Any]] | dict[str, Any] = field(default_factory=dict)
    data: Callable[[World], dict[str, Any]] | dict[str, Any] = field(default_factory=dict)
    note: str = ""  # what the row is about, when there are several rows for one name

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}" + (f" ({self.note})" if self.note else "")


def _resolve(value: Any, world: World) -> Any:
    return value(world) if callable(value) else value


ROWS: list[Row] = [
    # --- core ---------------------------------------------------------------------------
    Row("home", everyone(200)),
    Row("healthz", everyone(200)),
    Row("healthz", everyone(405), method="POST"),
    Row("toggle_elder_mode", signed_in(REDIRECT), method="POST", data={"next": "/stations/"}),
    Row("toggle_elder_mode", signed_in(405), note="GET is refused"),
    Row("set_language", everyone(REDIRECT), method="POST", data={"language": "en", "next": "/"}),
    # --- the practice hierarchy (public) -----------------------------------------------------
    Row("stations:tree", everyone(200)),
    Row("stations:tree", everyone(200), data={"q": "朝阳"}, note="search"),
    Row("stations:node", everyone(200), kwargs=lambda w: {"code": w.tree.nanlang.code}),
    Row("stations:node", everyone(404), kwargs={"code": "999999"}, note="unknown code"),
    # --- accounts (allauth) ---------------------------------------------------------------
    Row("account_login", signed_in(REDIRECT, anon=200)),
    Row("account_signup", signed_in(REDIRECT, anon=200)),
    Row("account_logout", signed_in(200, anon=REDIRECT)),
    Row("account_logout", everyone(REDIRECT), method="POST"),
    Row("account_inactive", everyone(200)),
    Row("account_reauthenticate", signed_in(200)),
    Row("account_email", signed_in(200)),
    Row("account_email_verification_sent", everyone(200)),
    Row("account_confirm_email", everyone(200), kwargs={"key": "not-a-real-key"}),
    Row("account_change_password", signed_in(200)),
    Row("account_set_password", signed_in(REDIRECT), note="users with a password change it"),
    Row("account_reset_password", everyone(200)),
    Row("account_reset_password_done", everyone(200)),
    Row(
        "account_reset_password_from_key",
        everyone(200),
        kwargs={"uidb36": "zz", "key": "set-password"},
        note="bad token page",
    ),
    Row("account_reset_password_from_key_done", everyone(200)),
    Row("account_confirm_login_code", signed_in(REDIRECT), note="no login code is pending"),
    Row("account_verify_phone", signed_in(REDIRECT), note="no SMS verification is pending"),
    Row("account_change_phone", signed_in(200)),
    # --- Django admin's front door ----------------------------------------------------------
    Row("admin:index", everyone(REDIRECT), note="to the admin login: none of these is is_staff"),
]


def _url_names() -> set[str]:
    """Every named URL pattern ("namespace:name"), with unnamed ones by their route."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str, route: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or ""
                full_ns = f"{namespace}:{ns}".strip(":") if ns else namespace
                if full_ns.split(":")[0] in EXEMPT_NAMESPACES:
                    continue
                walk(entry.url_patterns, full_ns, route + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                name = entry.name or f"<unnamed {route}{entry.pattern}>"
                names.add(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver().url_patterns, "", "")
    return names


def test_every_url_has_a_row():
    covered = {row.name for row in ROWS}
    missing = sorted(_url_names() - covered)
    assert not missing, (
        f"{len(missing)} URL(s) have no row in tests/security/test_access_matrix.py. Add a "
        "Row(name, expect=by_role(anon=…, volunteer=…, org_admin=…, staff=…, fed=…)) for each "
        "(and one per method a view accepts):\n  " + "\n  ".join(missing)
    )


def test_every_row_names_a_url_that_exists():
    stale = sorted({row.name for row in ROWS} - _url_names() - {"admin:index"})
    assert not stale, "Rows for URLs that no longer exist: " + ", ".join(stale)


def _request(client: Client, row: Row, world: World) -> tuple[str, Any]:
    url = reverse(row.name, kwargs=_resolve(row.kwargs, world))
    data = _resolve(row.data, world)
    if row.method == "GET":
        return url, client.get(url, data)
    if row.method == "POST":
        return url, client.post(url, data)
    return url, client.generic(row.method, url)


def _mismatch(expected: Expect, response: Any) -> bool:
    status, location = response.status_code, response.get("Location", "")
    login = reverse("account_login")
    if expected == LOGIN:
        return not (status == 302 and location.startswith(login))
    if expected == REDIRECT:
        return status not in (301, 302, 303) or location.startswith(login)
    return status != expected


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_access(row: Row, world: World) -> None:
    """Each role in turn, each in a savepoint that is rolled back, so one role's POST does not
    change what the next one sees."""
    wrong = []
    for role in ROLES:
        cache.clear()  # rate limits
        client = Client()
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        with transaction.atomic():
            url, response = _request(client, row, world)
            transaction.set_rollback(True)
        expected = row.expect[role]
        if _mismatch(expected, response):
            got = f"{response.status_code} {response.get('Location', '')}".strip()
            wrong.append(f"as {role}: expected {expected}, got {got}")
    assert not wrong, f"{row.method} {url}\n  " + "\n  ".join(wrong)
