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


def _campaign(world: World) -> Any:
    """A campaign of 朝阳区's center (created inside each row's rolled-back savepoint)."""
    from tests.campaigns.conftest import matrix_campaign

    return matrix_campaign(world.tree)


def _site(world: World) -> Any:
    """A service site of the 朝阳区 organization (created inside each row's savepoint)."""
    from tests.campaigns.conftest import matrix_site

    return matrix_site(world.organization, world.organization_admin.user)


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
    Row(
        "stations:staff",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=404, fed=200),
        kwargs=lambda w: {"code": w.tree.chaoyang.code},
    ),
    Row(
        "stations:staff_remove",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=404, fed=404),
        method="POST",
        kwargs=lambda w: {"code": w.tree.chaoyang.code, "user_id": w.users[VOLUNTEER].pk},
        note="a user who is not staff there",
    ),
    # --- volunteers -----------------------------------------------------------------------
    Row("volunteers:me", signed_in(200)),
    Row(
        "volunteers:register",
        by_role(anon=LOGIN, volunteer=REDIRECT, org_admin=REDIRECT, staff=200, fed=200),
    ),
    Row(
        "volunteers:edit",
        by_role(anon=LOGIN, volunteer=200, org_admin=200, staff=REDIRECT, fed=REDIRECT),
    ),
    Row(
        "volunteers:my_data",
        by_role(anon=LOGIN, volunteer=200, org_admin=200, staff=REDIRECT, fed=REDIRECT),
    ),
    Row(
        "volunteers:my_data_download",
        by_role(anon=LOGIN, volunteer=200, org_admin=200, staff=REDIRECT, fed=REDIRECT),
        method="POST",
    ),
    Row(
        "volunteers:close",
        by_role(anon=LOGIN, volunteer=200, org_admin=200, staff=REDIRECT, fed=REDIRECT),
    ),
    Row("volunteers:streets", everyone(200), data=lambda w: {"district": w.tree.chaoyang.pk}),
    Row(
        "volunteers:staff_list",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=200, fed=200),
    ),
    Row(
        "volunteers:staff_detail",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=404, fed=200),
        kwargs=lambda w: {"number": w.extra["member"].number},
    ),
    Row(
        "volunteers:staff_reveal",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=404, fed=200),
        method="POST",
        kwargs=lambda w: {"number": w.extra["member"].number},
        data={"reason": "核实身份"},
    ),
    Row(
        "volunteers:staff_verify",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=404, fed=REDIRECT),
        method="POST",
        kwargs=lambda w: {"number": w.extra["member"].number},
    ),
    # --- organizations --------------------------------------------------------------------
    Row("organizations:list", everyone(200)),
    Row("organizations:node_picker", everyone(200)),
    Row("organizations:register", signed_in(200)),
    Row("organizations:mine", signed_in(200)),
    Row(
        "organizations:review_queue",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=200, fed=200),
    ),
    Row("organizations:detail", everyone(200), kwargs=lambda w: {"pk": w.organization.pk}),
    Row(
        "organizations:join",
        signed_in(REDIRECT),
        method="POST",
        kwargs=lambda w: {"pk": w.organization.pk},
    ),
    Row(
        "organizations:leave",
        signed_in(REDIRECT),
        method="POST",
        kwargs=lambda w: {"pk": w.organization.pk},
    ),
    Row(
        "organizations:review",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=404, fed=200),
        kwargs=lambda w: {"pk": w.organization.pk},
    ),
    *[
        Row(
            f"organizations:{name}",
            by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=200),
            kwargs=lambda w: {"pk": w.organization.pk},
        )
        for name in ("manage", "edit", "members", "requests", "create_team")
    ],
    *[
        Row(
            f"organizations:{name}",
            by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=REDIRECT),
            method="POST",
            kwargs=lambda w: {"pk": w.organization.pk, "membership_pk": w.extra["membership"].pk},
            data=data,
        )
        for name, data in (
            ("decide", {"decision": "approve"}),
            ("set_role", {"role": "admin"}),
            ("remove", {}),
        )
    ],
    # --- projects -------------------------------------------------------------------------
    Row("projects:list", everyone(200)),
    Row("projects:detail", everyone(200), kwargs=lambda w: {"pk": w.extra["project"].pk}),
    Row(
        "projects:honours",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=REDIRECT),
        method="POST",
        kwargs=lambda w: {"pk": w.extra["project"].pk},
    ),
    Row(
        "projects:activity_signup",
        by_role(anon=LOGIN, volunteer=200, org_admin=200, staff=REDIRECT, fed=REDIRECT),
        kwargs=lambda w: {"pk": w.extra["activity"].pk},
        note="people without a real-name record are sent to register",
    ),
    Row("projects:shift_signup", signed_in(404), kwargs={"pk": 999999}, note="no such shift"),
    Row("projects:my_signups", signed_in(200)),
    Row(
        "projects:signup_cancel",
        signed_in(404),
        method="POST",
        kwargs={"pk": 999999},
        note="no such sign-up",
    ),
    Row("projects:leave_request", signed_in(404), kwargs={"pk": 999999}, note="no such sign-up"),
    Row("projects:manage", signed_in(200)),
    Row("projects:create", by_role(anon=LOGIN, volunteer=403, org_admin=200, staff=200, fed=403)),
    # Only the publisher's admins manage a project: outsiders, the federation admin included, get 404.
    *[
        Row(
            f"projects:{name}",
            by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
            kwargs=lambda w: {"pk": w.extra["project"].pk},
        )
        for name in ("console", "edit", "activity_create")
    ],
    Row(
        "projects:review_detail",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=200),
        kwargs=lambda w: {"pk": w.extra["project"].pk},
    ),
    Row(
        "projects:action",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
        method="POST",
        kwargs=lambda w: {"pk": w.extra["project"].pk, "action": "close"},
    ),
    Row(
        "projects:area_create",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
        kwargs=lambda w: {"project_pk": w.extra["project"].pk},
        note="areas belong to large events only",
    ),
    *[
        Row(
            f"projects:{name}",
            by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
            kwargs=lambda w: {"pk": w.extra["activity"].pk},
        )
        for name in ("activity_signups", "activity_edit")
    ],
    Row(
        "projects:activity_delete",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
        method="POST",
        kwargs=lambda w: {"pk": w.extra["activity"].pk},
    ),
    *[
        Row(f"projects:{name}", signed_in(404), kwargs={"pk": 999999}, note="no such object")
        for name in ("area_edit", "post_create", "shift_create", "shift_signups")
    ],
    *[
        Row(f"projects:{name}", signed_in(404), method="POST", kwargs=kwargs, note="no such object")
        for name, kwargs in (
            ("shift_delete", {"pk": 999999}),
            ("signup_decide", {"pk": 999999, "action": "approve"}),
            ("leave_decide", {"pk": 999999}),
        )
    ],
    Row("projects:leaves", signed_in(200)),
    Row(
        "projects:review_queue",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=200, fed=200),
    ),
    # --- hours ----------------------------------------------------------------------------
    # A volunteer's own pages send people without a real-name record to register.
    *[
        Row(
            f"hours:{name}",
            by_role(anon=LOGIN, volunteer=200, org_admin=200, staff=REDIRECT, fed=REDIRECT),
        )
        for name in ("mine", "declare", "missing")
    ],
    Row(
        "hours:fix",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=REDIRECT, fed=REDIRECT),
        kwargs={"pk": 999999},
        note="no such record",
    ),
    # Desks: an organization's admin is sent to its desk; the federation admin has none.
    Row("hours:desks", by_role(anon=LOGIN, volunteer=404, org_admin=REDIRECT, staff=200, fed=404)),
    Row(
        "hours:star_batches", by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=403, fed=200)
    ),
    Row(
        "hours:star_batch",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=403, fed=404),
        kwargs={"year": 2025},
        note="no batch for that year",
    ),
    # An organization's hours desk is its admins' alone (whoever records, certifies).
    *[
        Row(
            f"hours:org_{name}",
            by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
            kwargs=lambda w: {"org_id": w.organization.pk},
        )
        for name in ("desk", "records", "corrections", "training", "award", "stars")
    ],
    Row(
        "hours:org_decide",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
        method="POST",
        kwargs=lambda w: {"org_id": w.organization.pk},
    ),
    Row(
        "hours:org_backfill_activity",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
        kwargs=lambda w: {"org_id": w.organization.pk, "pk": w.extra["activity"].pk},
    ),
    *[
        Row(
            f"hours:org_{name}",
            signed_in(404),
            method=method,
            kwargs=lambda w: {"org_id": w.organization.pk, "pk": 999999},
            note="no such object",
        )
        for name, method in (
            ("record", "GET"),
            ("backfill_shift", "GET"),
            ("correction_decide", "POST"),
        )
    ],
    *[
        Row(
            f"hours:station_{name}",
            by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=200),
            kwargs=lambda w: {"code": w.tree.nanlang.code},
        )
        for name in ("desk", "records", "corrections")
    ],
    Row(
        "hours:station_decide",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=REDIRECT),
        method="POST",
        kwargs=lambda w: {"code": w.tree.nanlang.code},
    ),
    Row(
        "hours:station_backfill_activity",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
        kwargs=lambda w: {"code": w.tree.nanlang.code, "pk": w.extra["activity"].pk},
        note="the activity is the organization's, not the station's",
    ),
    *[
        Row(
            f"hours:station_{name}",
            signed_in(404),
            method=method,
            kwargs=lambda w: {"code": w.tree.nanlang.code, "pk": 999999},
            note="no such object",
        )
        for name, method in (
            ("record", "GET"),
            ("backfill_shift", "GET"),
            ("correction_decide", "POST"),
        )
    ],
    # --- check-in (attendance) ---------------------------------------------------------------
    Row("attendance:home", signed_in(200)),
    Row("attendance:manage", signed_in(200)),
    Row(
        "attendance:slot",
        signed_in(200),
        kwargs=lambda w: {"kind": "activity", "pk": w.extra["activity"].pk},
    ),
    Row(
        "attendance:staff_code",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
        kwargs=lambda w: {"kind": "activity", "pk": w.extra["activity"].pk},
    ),
    Row(
        "attendance:staff_settings",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
        method="POST",
        kwargs=lambda w: {"kind": "activity", "pk": w.extra["activity"].pk},
    ),
    # --- certificates ---------------------------------------------------------------------
    Row("certificates:mine", signed_in(200)),
    Row("certificates:pdf", signed_in(404), kwargs={"pk": 999999}, note="no such certificate"),
    Row("certificates:verify_form", everyone(200)),
    Row(
        "certificates:verify",
        everyone(404),
        kwargs={"number": "NO-SUCH-NUMBER"},
        note="unknown number",
    ),
    # --- service orders -------------------------------------------------------------------
    Row("orders:place", everyone(200), kwargs=lambda w: {"code": w.tree.nanlang.code}),
    Row("orders:track", everyone(200), kwargs=lambda w: {"token": w.extra["order"].tracking_token}),
    Row("orders:track", everyone(404), kwargs={"token": "not-a-token"}, note="wrong token"),
    Row(
        "orders:track_cancel",
        everyone(REDIRECT),
        method="POST",
        kwargs=lambda w: {"token": w.extra["order"].tracking_token},
    ),
    Row(
        "orders:track_rate",
        everyone(400),
        method="POST",
        kwargs=lambda w: {"token": w.extra["order"].tracking_token},
        note="not done yet",
    ),
    Row("orders:service", signed_in(200)),
    Row("orders:mine", signed_in(200)),
    Row("orders:inbox", by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=200, fed=200)),
    Row(
        "orders:detail",
        by_role(anon=404, volunteer=404, org_admin=404, staff=404, fed=200),
        kwargs=lambda w: {"pk": w.extra["order"].pk},
    ),
    # An order's pages answer 404 to anyone with no part in it, signed in or not. The federation
    # admin may steer it (400 here: the empty POST is refused) but is neither resident nor taker.
    *[
        Row(
            f"orders:{name}",
            by_role(anon=404, volunteer=404, org_admin=404, staff=404, fed=fed),
            method="POST",
            kwargs=lambda w: {"pk": w.extra["order"].pk},
        )
        for name, fed in (
            ("cancel", 403),
            ("rate", 403),
            ("pass_down", 400),
            ("dispatch", 400),
            ("publish", 400),
            ("reject", 400),
            ("accept", 403),
            ("decline", 403),
            ("start", 403),
            ("complete", 403),
        )
    ],
    # --- dashboard ------------------------------------------------------------------------
    Row(
        "dashboard:home",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=REDIRECT, fed=200),
        note="staff are sent to their own node's dashboard",
    ),
    Row(
        "dashboard:refresh",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=403, fed=REDIRECT),
        method="POST",
    ),
    Row(
        "dashboard:city_export",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=404, fed=200),
        kwargs={"fmt": "csv"},
    ),
    Row(
        "dashboard:node",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=404, fed=200),
        kwargs=lambda w: {"code": w.tree.chaoyang.code},
    ),
    Row(
        "dashboard:node_export",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=404, fed=200),
        kwargs=lambda w: {"code": w.tree.chaoyang.code, "fmt": "csv"},
    ),
    Row("dashboard:api", everyone(200), kwargs=lambda w: {"code": w.tree.chaoyang.code}),
    # --- imports (each role in its own scope; a job is only its uploader's) -----------------
    Row("imports:index", by_role(anon=LOGIN, volunteer=403, org_admin=200, staff=200, fed=200)),
    Row(
        "imports:index",
        by_role(anon=LOGIN, volunteer=403, org_admin=200, staff=200, fed=200),
        method="POST",
        note="an empty form re-renders with errors",
    ),
    *[
        Row(f"imports:{name}", signed_in(404), method=method, kwargs={"pk": 987654, **extra})
        for name, method, extra in (
            ("job", "GET", {}),
            ("confirm", "POST", {}),
            ("cancel", "POST", {}),
            ("errors", "GET", {"fmt": "csv"}),
        )
    ],
    Row(
        "imports:template",
        by_role(anon=LOGIN, volunteer=403, org_admin=200, staff=200, fed=200),
        kwargs={"kind": "volunteers", "fmt": "xlsx"},
    ),
    Row(
        "imports:export",
        by_role(anon=LOGIN, volunteer=403, org_admin=200, staff=200, fed=200),
        kwargs={"kind": "volunteers", "fmt": "csv"},
        note="each role's own scope: an organization its members, staff their subtree",
    ),
    Row(
        "imports:export",
        by_role(anon=LOGIN, volunteer=403, org_admin=404, staff=200, fed=200),
        kwargs={"kind": "hierarchy", "fmt": "csv"},
        note="the hierarchy: staff their subtree, the federation all; organizations none",
    ),
    Row(
        "imports:template",
        by_role(anon=LOGIN, volunteer=403, org_admin=404, staff=200, fed=200),
        kwargs={"kind": "organizations", "fmt": "csv"},
        note="organizations are imported by their reviewers (staff, federation)",
    ),
    # --- campaigns, service sites, results, benefits -----------------------------------------
    Row("campaigns:list", everyone(200)),
    Row(
        "campaigns:create",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=200, fed=200),
        note="federation admins and center staff",
    ),
    Row("campaigns:detail", everyone(200), kwargs=lambda w: {"pk": _campaign(w).pk}),
    Row("campaigns:export", everyone(200), kwargs=lambda w: {"pk": _campaign(w).pk, "fmt": "csv"}),
    Row(
        "campaigns:manage",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=200),
        kwargs=lambda w: {"pk": _campaign(w).pk},
    ),
    Row(
        "campaigns:edit",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=200),
        kwargs=lambda w: {"pk": _campaign(w).pk},
        note="the owner: its center's staff, federation admins",
    ),
    Row(
        "campaigns:edit",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=400),
        method="POST",
        kwargs=lambda w: {"pk": _campaign(w).pk},
        data={"name": "改名"},
        note="incomplete form",
    ),
    Row("campaigns:enrol", signed_in(200), kwargs=lambda w: {"pk": _campaign(w).pk}),
    Row(
        "campaigns:decide",
        signed_in(404),
        method="POST",
        kwargs={"pk": 999999},
        data={"decision": "approve"},
        note="no such enrolment",
    ),
    Row(
        "campaigns:counters",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
        kwargs=lambda w: {"pk": w.extra["project"].pk},
        note="only the project's managers",
    ),
    Row(
        "campaigns:activity_results",
        by_role(anon=LOGIN, volunteer=404, org_admin=404, staff=404, fed=404),
        kwargs=lambda w: {"pk": w.extra["activity"].pk},
    ),
    Row("campaigns:shift_results", signed_in(404), kwargs={"pk": 999999}, note="no such shift"),
    Row("campaigns:results_desk", signed_in(200), note="each user's own slots and orders"),
    Row(
        "campaigns:order_results",
        signed_in(404),
        kwargs=lambda w: {"pk": w.extra["order"].pk},
        note="not done, and not theirs",
    ),
    Row(
        "campaigns:benefits_manage",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=403, fed=200),
    ),
    Row(
        "campaigns:benefit_edit",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=403, fed=404),
        kwargs={"pk": 999999},
    ),
    Row("campaigns:site_list", everyone(200)),
    Row("campaigns:site_create", signed_in(200)),
    Row("campaigns:site_detail", everyone(404), kwargs={"pk": 999999}, note="no such site"),
    Row("campaigns:site_detail", everyone(200), kwargs=lambda w: {"pk": _site(w).pk}),
    Row(
        "campaigns:site_edit",
        signed_in(404),
        kwargs=lambda w: {"pk": _site(w).pk},
        note="only the duty project's managers (federation admins rate, they do not edit)",
    ),
    Row(
        "campaigns:site_edit",
        signed_in(404),
        method="POST",
        kwargs=lambda w: {"pk": _site(w).pk},
        data={"name": "改名"},
    ),
    Row(
        "campaigns:site_rate",
        by_role(anon=LOGIN, volunteer=403, org_admin=403, staff=403, fed=404),
        method="POST",
        kwargs={"pk": 999999},
        data={"rating": "gold"},
    ),
    Row(
        "campaigns:my_benefits",
        by_role(anon=LOGIN, volunteer=200, org_admin=200, staff=REDIRECT, fed=REDIRECT),
        note="people without a real-name record are sent to register",
    ),
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
def test_access(row: Row, world: World, db) -> None:
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
