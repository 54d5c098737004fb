"""Every form and endpoint, fed hostile input (tests/badinput/strategies.py). Whatever arrives:
never a server error, nothing stored from a refused submission, no markup echoed unescaped, no
redirect off the site.

To cover a new form, add a `Target` to TARGETS:

    Target("place an order", "/orders/place/", fields={"title": "修水管", "detail": "…"},
           user=lambda ctx: ctx.user, stored=lambda ctx: Order.objects.count()),

`fields` holds a *valid* value for each field (`test_the_valid_values_of_each_target_are_accepted`
checks that they are); each example replaces some of them with hostile ones, so the form is probed
past its first check. `url`, `user`, `prepare` and `stored` take the context: the world of
tests/badinput/world.py, plus `ctx.fields` (a copy of `fields` that `prepare` may complete with
ids) and `ctx.files` (uploads). Hostile spreadsheets are in test_uploads.py, hostile paths and
query strings in test_endpoints.py.

POST views that read nothing but the ids in their path have no Target (the access matrix covers
them): joining, leaving or removing a member, removing staff, revealing or verifying a document,
cancelling a sign-up, a project's submit/start/finish, deleting an activity or shift, approving a
sign-up or marking a no-show, confirming or cancelling an import, taking a dispatched order,
starting service, publishing a 五星 batch, signing out.
"""

from __future__ import annotations

import importlib
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
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from attendance import services as attendance_services
from attendance.codes import current_code
from campaigns import services as campaign_services
from certificates import services as certificate_services
from hours import services as hours_services
from hours.models import ServiceRecord, StarLevel
from projects import services as project_services
from projects.models import SignUp
from tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.imports.conftest import RECORD_HEADERS, VOLUNTEER_HEADERS, csv_bytes, valid_id
from tests.projects.factories import ActivityFactory

from .strategies import FUZZ, MARKUP_PAYLOADS, hostile_value
from .world import (
    build_world,
    order_at_institute,
    order_dispatched,
    order_done,
    order_in_service,
    order_published,
)

pytestmark = pytest.mark.django_db

REDIRECTS = {301, 302, 303}


@dataclass(frozen=True)
class Target:
    id: str
    url: str | Callable[[SimpleNamespace], str]
    fields: dict[str, str | list[str]]  # field name → a valid value (`prepare` may fill some in)
    method: str = "POST"
    user: Callable[[SimpleNamespace], Any] | None = None  # who submits (None: anonymous)
    prepare: Callable[[SimpleNamespace], None] | None = None  # add objects to ctx
    # A snapshot of what a refused submission must leave unchanged.
    stored: Callable[[SimpleNamespace, Client], Any] = lambda ctx, client: None
    # Statuses that mean "refused" besides a re-rendered form (200).
    refusals: frozenset[int] = frozenset({200, 400, 403, 404, 405, 429})
    # Fields whose value is a redirect target: the redirect must stay on this site.
    redirect_fields: tuple[str, ...] = field(default=())
    # A known bug in an app another engineer owns, pinned by its own (xfail) test: the fuzzing
    # of this target is skipped until it is fixed.
    known_bug: str = ""


def _date(days: int) -> str:
    return f"{timezone.localdate() + timedelta(days=days):%Y-%m-%d}"


def _count(model: str, **filters: Any) -> int:
    return apps.get_model(model).objects.filter(**filters).count()


def _row(obj: Any) -> dict[str, Any] | None:
    """Everything stored in an object's row, read afresh."""
    return type(obj).objects.filter(pk=obj.pk).values().first()


def _field(obj: Any, name: str) -> Any:
    return _row(obj)[name]


def _signed_in_user(ctx: SimpleNamespace, client: Client) -> Any:
    return client.session.get("_auth_user_id")


def _membership(ctx: SimpleNamespace) -> Any:
    return ctx.org.memberships.get(volunteer=ctx.member)


def _signup(ctx: SimpleNamespace, slot: Any) -> Any:
    return SignUp.objects.get(volunteer=ctx.member, activity=slot)


def _organization_fields(**extra: str) -> dict[str, str]:
    return {
        "district": "110105",
        "street": "110105001",
        "community": "110105001024",
        "contact_name": "王老师",
        "contact_phone": "010-65001234",
        "contact_email": "team@example.com",
        "description": "为社区老人提供助餐、陪伴服务。",
        **extra,
    }


def _project_fields() -> dict[str, str | list[str]]:
    return {
        "publisher": "",
        "title": "朝阳助老行动",
        "kind": "activities",
        "category": "elderly",
        "node": "",
        "place": "南郎家园活动室",
        "starts_on": _date(1),
        "ends_on": _date(90),
        "description": "为独居老人提供陪伴",
        "work_content": "上门陪伴、读报",
        "volunteers_needed": "20",
        "risks": "注意交通安全",
        "required_skills": ["first_aid"],
        "min_age": "16",
        "contact_name": "王老师",
        "contact_phone": "13800138000",
    }


def _activity_fields(**extra: str) -> dict[str, str | list[str]]:
    return {
        "title": "周六陪伴",
        "description": "陪老人聊天",
        "starts_at": f"{_date(2)}T09:00",
        "ends_at": f"{_date(2)}T11:00",
        "place": "活动室",
        "quota": "3",
        "signup_mode": "open",
        "min_age": "",
        "required_skills": [],
        **extra,
    }


def _order_fields() -> dict[str, str]:
    return {
        "category": "elderly",
        "description": "独居老人需要陪同去医院复查",
        "address": "南郎家园 3 号楼 2 单元 501",
        "wanted_from": f"{_date(10)} 09:00",
        "wanted_until": f"{_date(10)} 12:00",
        "contact_name": "李阿姨",
        "contact_phone": "13812345678",
        "contact_email": "resident@example.com",
    }


# --- what some targets need first (run inside the example's savepoint) --------------------------


def _leave_requested(ctx: SimpleNamespace) -> None:
    ctx.leave = project_services.leave_request_create(signup=ctx.shift_signup, reason="家中有事")


def _pending_signup(ctx: SimpleNamespace) -> None:
    ctx.pending_signup = SignUp.objects.create(
        volunteer=ctx.applicant, project=ctx.recruiting, activity=ctx.upcoming, status="pending"
    )


def _draft_submitted(ctx: SimpleNamespace) -> None:
    ActivityFactory(project=ctx.draft)
    project_services.project_submit(actor=ctx.admin, project=ctx.draft)


def _pending_record(ctx: SimpleNamespace) -> None:
    ctx.pending_record = hours_services.declare_hours(
        volunteer=ctx.member, signup=_signup(ctx, ctx.unrecorded), hours="2", content="陪诊"
    )
    ctx.fields["records"] = [str(ctx.pending_record.pk)]


def _backfill_fields(ctx: SimpleNamespace) -> None:
    signup = _signup(ctx, ctx.unrecorded)
    ctx.fields.update({f"include_{signup.pk}": "on", f"hours_{signup.pk}": "3"})


def _correction_requested(ctx: SimpleNamespace) -> None:
    ctx.correction = hours_services.request_correction(
        volunteer=ctx.member, record=ctx.record, hours="3", reason="签退晚了半小时"
    )


def _current_code(ctx: SimpleNamespace) -> None:
    point = attendance_services.get_or_create_point(slot=ctx.running)
    ctx.fields["code"] = current_code(point)


def _certificate_number(ctx: SimpleNamespace) -> None:
    certificate = certificate_services.issue_certificate(volunteer=ctx.member)
    ctx.fields["number"] = certificate.display_number


def _order_at_institute(ctx: SimpleNamespace) -> None:
    order_at_institute(ctx)
    ctx.fields["node"] = str(ctx.tree.nanlang.pk)


def _order_published_with_taker(ctx: SimpleNamespace) -> None:
    order_published(ctx)
    ctx.fields["taker"] = str(ctx.org.pk)


def _order_in_service_fields(ctx: SimpleNamespace) -> None:
    order_in_service(ctx)
    ctx.fields["served-0-volunteer_number"] = ctx.member.number


def _seed_star_levels() -> None:
    """The star thresholds are seeded by a migration; a flushed test database may have lost them."""
    importlib.import_module("hours.migrations.0003_seed_star_levels").seed(apps, None)


def _five_star_candidate(ctx: SimpleNamespace) -> None:
    _seed_star_levels()
    year = timezone.localdate().year
    ctx.batch = hours_services.create_star_batch(actor=ctx.fed, year=year)
    ServiceRecord.objects.create(  # 1500 hours of history: inserts are what the ledger allows
        volunteer=ctx.member,
        organization=ctx.org,
        center=ctx.tree.chaoyang,
        institute=ctx.tree.jianwai,
        station=ctx.tree.nanlang,
        category="elderly",
        service_date=date(year, 6, 1),
        title="历史服务",
        half_hours=3000,
        source="import",
        status="approved",
    )
    ctx.fields["volunteer"] = str(ctx.member.pk)


def _five_star_nomination(ctx: SimpleNamespace) -> None:
    _five_star_candidate(ctx)
    ctx.nomination = hours_services.nominate_for_star(
        actor=ctx.admin, batch=ctx.batch, organization=ctx.org, volunteer=ctx.member
    )
    ctx.fields["nomination"] = str(ctx.nomination.pk)


def _campaign(ctx: SimpleNamespace) -> None:
    ctx.campaign = campaign_services.campaign_create(
        actor=ctx.center_staff,
        name="学雷锋志愿服务月",
        starts_on=timezone.localdate() - timedelta(days=5),
        ends_on=timezone.localdate() + timedelta(days=25),
        covered_nodes=[ctx.tree.jianwai],
    )
    ctx.fields.update(project=str(ctx.recruiting.pk))


def _enrolment(ctx: SimpleNamespace) -> None:
    _campaign(ctx)
    ctx.enrolment = campaign_services.enrol_project(
        actor=ctx.admin, campaign=ctx.campaign, project=ctx.recruiting
    )


def _site(ctx: SimpleNamespace) -> None:
    ctx.site = campaign_services.site_create(
        actor=ctx.admin,
        project=ctx.event,
        name="南郎家园文明实践站",
        kind="station",
        address="南郎家园 1 号",
        opening_hours="9:00-17:00",
        services="助老、咨询",
    )


def _benefit_fields(ctx: SimpleNamespace) -> None:
    _seed_star_levels()
    ctx.fields["min_level"] = str(StarLevel.objects.get(level=1).pk)


def _benefit(ctx: SimpleNamespace) -> None:
    _benefit_fields(ctx)
    ctx.benefit = campaign_services.benefit_save(
        actor=ctx.fed,
        name="公园年票",
        provider="市公园管理中心",
        min_level=StarLevel.objects.get(level=1),
    )


def _counter(ctx: SimpleNamespace) -> None:
    ctx.counter = campaign_services.counter_create(
        actor=ctx.admin, project=ctx.recorded.project, name="发放资料", unit="份"
    )
    ctx.fields[f"counter_{ctx.counter.pk}"] = "120"


def _done_order_counter(ctx: SimpleNamespace) -> None:
    order_done(ctx)


def _history_upload(ctx: SimpleNamespace) -> None:
    old = f"{timezone.localdate() - timedelta(days=400):%Y-%m-%d}"
    rows = [["H1", ctx.member.number, "2", "", old, "社区清洁", "社区服务", ctx.tree.nanlang.code]]
    ctx.files = {"file": SimpleUploadedFile("records.csv", csv_bytes(RECORD_HEADERS, rows))}


def _upload_fields(ctx: SimpleNamespace) -> None:
    ctx.fields["scope"] = f"node:{ctx.tree.nanlang.code}"
    rows = [["张三", "居民身份证", valid_id(0), "13800138000", ctx.tree.nanlang.code, "2024-05-01"]]
    ctx.files = {"file": SimpleUploadedFile("volunteers.csv", csv_bytes(VOLUNTEER_HEADERS, rows))}


TARGETS = [
    # --- accounts (allauth) ---------------------------------------------------------------------
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
    Target(
        "password change",
        "/accounts/password/change/",
        fields={
            "oldpassword": PASSWORD,
            "password1": "Lang-jia-yuan-2025",
            "password2": "Lang-jia-yuan-2025",
        },
        user=lambda ctx: ctx.user,
        stored=lambda ctx, client: _field(ctx.user, "password"),
    ),
    Target(
        "add an email address",
        "/accounts/email/",
        fields={"email": "second@example.com", "action_add": ""},
        user=lambda ctx: ctx.user,
        # Opening the page records the account's own address; only a new one is "stored".
        stored=lambda ctx, client: EmailAddress.objects.exclude(email=ctx.user.email).count(),
    ),
    Target(
        "change the mobile number",
        "/accounts/phone/change/",
        fields={"phone": "13912349999"},
        user=lambda ctx: ctx.user,
        stored=lambda ctx, client: _field(ctx.user, "phone"),
    ),
    Target(
        "reauthenticate",
        "/accounts/reauthenticate/",
        fields={"password": PASSWORD},
        user=lambda ctx: ctx.user,
    ),
    # --- core ---------------------------------------------------------------------------------
    Target("health check", "/healthz", fields={"verbose": "1"}, method="GET"),
    Target(
        "elder-mode toggle",
        "/preferences/elder-mode/",
        fields={"next": "/stations/"},
        user=lambda ctx: ctx.user,
        redirect_fields=("next",),
    ),
    Target(
        "language switch",
        "/i18n/setlang/",
        fields={"language": "en", "next": "/stations/"},
        redirect_fields=("next",),
    ),
    # --- the practice hierarchy -------------------------------------------------------------------
    Target("station search", "/stations/", fields={"q": "朝阳", "page": "1"}, method="GET"),
    Target(
        "appoint station staff",
        lambda ctx: f"/stations/{ctx.tree.nanlang.code}/staff/",
        fields={"login": "13900000088"},
        user=lambda ctx: ctx.institute_staff,
        prepare=lambda ctx: UserFactory(phone="13900000088"),
        stored=lambda ctx, client: _count("accounts.User", staff_node__isnull=False),
    ),
    # --- volunteers -------------------------------------------------------------------------------
    Target(
        "real-name registration",
        "/me/register/",
        fields={
            "name": "张晓明",
            "district": "110105",
            "residence_node": "110105001",
            "document_type": "id_card",
            "document_number": "11010519491231002X",
            "phone": "13912345678",
            "email": "xiaoming@example.com",
            "skills": ["first_aid", "law"],
            "service_categories": ["elderly"],
            "guardian_name": "",
            "guardian_relation": "",
            "guardian_phone": "",
            "consent": "on",
        },
        user=lambda ctx: ctx.user,
        stored=lambda ctx, client: _count("volunteers.Volunteer"),
    ),
    Target(
        "profile correction",
        "/me/edit/",
        fields={
            "name": "李晓华",
            "district": "110105",
            "residence_node": "110105001",
            "document_type": "id_card",
            "document_number": "",
            "phone": "13912340001",
            "email": "",
            "skills": ["first_aid"],
            "service_categories": ["elderly"],
        },
        user=lambda ctx: ctx.member.user,
        stored=lambda ctx, client: _row(ctx.member),
    ),
    Target(
        "close the account",
        "/me/close/",
        fields={"confirm": "on", "password": PASSWORD},
        user=lambda ctx: ctx.member.user,
        stored=lambda ctx, client: _row(ctx.member),
    ),
    Target(
        "volunteer search (staff)",
        "/volunteers/",
        fields={"q": "李晓华", "page": "1"},
        method="GET",
        user=lambda ctx: ctx.station_staff,
    ),
    # --- organizations ----------------------------------------------------------------------------
    Target(
        "organization directory search",
        "/organizations/",
        fields={"q": "志愿", "type": "community_team", "district": "110105", "page": "1"},
        method="GET",
    ),
    Target(
        "register an organization",
        "/organizations/register/",
        fields=_organization_fields(name="南郎家园青年志愿服务队", type="community_team"),
        user=lambda ctx: ctx.member.user,
        stored=lambda ctx, client: _count("organizations.Organization"),
    ),
    Target(
        "edit an organization",
        lambda ctx: f"/organizations/{ctx.org.pk}/manage/edit/",
        fields=_organization_fields(name="南郎家园志愿服务队", type="community_team"),
        user=lambda ctx: ctx.admin,
        stored=lambda ctx, client: _row(ctx.org),
    ),
    Target(
        "create a team",
        lambda ctx: f"/organizations/{ctx.org.pk}/manage/teams/new/",
        fields=_organization_fields(name="南郎家园分队"),
        user=lambda ctx: ctx.admin,
        stored=lambda ctx, client: _count("organizations.Organization"),
    ),
    Target(
        "review an organization",
        lambda ctx: f"/organizations/{ctx.pending_org.pk}/review/",
        fields={"decision": "request_changes", "note": "请补充组织简介"},
        user=lambda ctx: ctx.station_staff,
        prepare=lambda ctx: setattr(
            ctx,
            "pending_org",
            OrganizationFactory(node=ctx.tree.nanlang, status="pending"),
        ),
        stored=lambda ctx, client: _row(ctx.pending_org),
    ),
    Target(
        "organization review queue filters",
        "/organizations/review/",
        fields={"q": "志愿", "status": "all", "type": "social"},
        method="GET",
        user=lambda ctx: ctx.station_staff,
    ),
    Target(
        "decide a membership request",
        lambda ctx: f"/organizations/{ctx.org.pk}/manage/memberships/{ctx.application.pk}/decide/",
        fields={"decision": "approve"},
        user=lambda ctx: ctx.admin,
        stored=lambda ctx, client: _row(ctx.application),
    ),
    Target(
        "set a member's role",
        lambda ctx: f"/organizations/{ctx.org.pk}/manage/memberships/{_membership(ctx).pk}/role/",
        fields={"role": "admin"},
        user=lambda ctx: ctx.admin,
        stored=lambda ctx, client: _row(_membership(ctx)),
    ),
    Target(
        "member search",
        lambda ctx: f"/organizations/{ctx.org.pk}/manage/members/",
        fields={"q": "李", "page": "1"},
        method="GET",
        user=lambda ctx: ctx.admin,
    ),
    # --- projects -------------------------------------------------------------------------------
    Target(
        "project list filters",
        "/projects/",
        fields={
            "q": "助老",
            "district": "110105",
            "street": "110105001",
            "category": "elderly",
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
            "page": "1",
        },
        method="GET",
    ),
    Target(
        "create a project",
        "/projects/manage/new/",
        fields=_project_fields(),
        user=lambda ctx: ctx.admin,
        prepare=lambda ctx: ctx.fields.update(
            publisher=f"org:{ctx.org.pk}", node=str(ctx.tree.nanlang.pk)
        ),
        stored=lambda ctx, client: _count("projects.Project"),
    ),
    Target(
        "edit a draft project",
        lambda ctx: f"/projects/manage/{ctx.draft.pk}/edit/",
        fields=_project_fields(),
        user=lambda ctx: ctx.admin,
        prepare=lambda ctx: ctx.fields.update(node=str(ctx.tree.nanlang.pk)),
        stored=lambda ctx, client: _row(ctx.draft),
    ),
    Target(
        "create an activity",
        lambda ctx: f"/projects/manage/{ctx.recruiting.pk}/activities/new/",
        fields=_activity_fields(repeat="weekly", repeat_until=_date(40)),
        user=lambda ctx: ctx.admin,
        stored=lambda ctx, client: _count("projects.Activity"),
    ),
    Target(
        "edit an activity",
        lambda ctx: f"/projects/manage/activities/{ctx.upcoming.pk}/edit/",
        fields=_activity_fields(),
        user=lambda ctx: ctx.admin,
        stored=lambda ctx, client: _row(ctx.upcoming),
    ),
    Target(
        "sign up for an activity",
        lambda ctx: f"/projects/activities/{ctx.upcoming.pk}/signup/",
        fields={"note": "准时到", "waitlist": ""},
        user=lambda ctx: ctx.applicant.user,
        stored=lambda ctx, client: _count("projects.SignUp"),
    ),
    Target(
        "ask for leave from a shift",
        lambda ctx: f"/projects/me/{ctx.shift_signup.pk}/leave/",
        fields={"reason": "家中有事"},
        user=lambda ctx: ctx.member.user,
        stored=lambda ctx, client: _count("projects.LeaveRequest"),
    ),
    Target(
        "decide a leave request",
        lambda ctx: f"/projects/leaves/{ctx.leave.pk}/decide/",
        fields={"decision": "approve", "note": "同意"},
        user=lambda ctx: ctx.admin,
        prepare=_leave_requested,
        stored=lambda ctx, client: _row(ctx.leave),
    ),
    Target(
        "refuse a sign-up",
        lambda ctx: f"/projects/manage/signups/{ctx.pending_signup.pk}/reject/",
        fields={"reason": "名额已满"},
        user=lambda ctx: ctx.admin,
        prepare=_pending_signup,
        stored=lambda ctx, client: _row(ctx.pending_signup),
    ),
    Target(
        "review a project",
        lambda ctx: f"/projects/review/{ctx.draft.pk}/",
        fields={"decision": "reject", "note": "请补充风险说明"},
        user=lambda ctx: ctx.station_staff,
        prepare=_draft_submitted,
        stored=lambda ctx, client: _row(ctx.draft),
    ),
    Target(
        "add a business area",
        lambda ctx: f"/projects/manage/{ctx.event.pk}/areas/new/",
        fields={"name": "观众服务", "description": "", "manager_number": ""},
        user=lambda ctx: ctx.admin,
        prepare=lambda ctx: ctx.fields.update(manager_number=ctx.member.number),
        stored=lambda ctx, client: _count("projects.BusinessArea"),
    ),
    Target(
        "add a post",
        lambda ctx: f"/projects/manage/areas/{ctx.area.pk}/posts/new/",
        fields={"name": "入口引导", "quota": "4", "description": "", "required_skills": []},
        user=lambda ctx: ctx.admin,
        stored=lambda ctx, client: _count("projects.Post"),
    ),
    Target(
        "add a shift",
        lambda ctx: f"/projects/manage/posts/{ctx.post.pk}/shifts/new/",
        fields={
            "starts_at": f"{_date(6)}T08:00",
            "ends_at": f"{_date(6)}T12:00",
            "place": "东门",
            "quota": "3",
        },
        user=lambda ctx: ctx.admin,
        stored=lambda ctx, client: _count("projects.Shift"),
    ),
    Target(
        "project honours",
        lambda ctx: f"/projects/{ctx.recruiting.pk}/honours/",
        fields={"is_gold": "on", "is_city_demonstration": ""},
        user=lambda ctx: ctx.fed,
        refusals=frozenset({200, 400, 403, 404, 405, 429}),
    ),
    # --- hours ------------------------------------------------------------------------------------
    Target(
        "declare hours",
        "/me/hours/declare/",
        fields={"signup": "", "hours": "2.5", "content": "读报给老人听"},
        user=lambda ctx: ctx.member.user,
        prepare=lambda ctx: ctx.fields.update(signup=str(_signup(ctx, ctx.unrecorded).pk)),
        stored=lambda ctx, client: _count("hours.ServiceRecord"),
    ),
    Target(
        "report a missing record",
        "/me/hours/missing/",
        fields={"signup": "", "hours": "2", "reason": "签到失败"},
        user=lambda ctx: ctx.member.user,
        prepare=lambda ctx: ctx.fields.update(signup=str(_signup(ctx, ctx.unrecorded).pk)),
        stored=lambda ctx, client: _count("hours.CorrectionRequest"),
    ),
    Target(
        "ask for a correction",
        lambda ctx: f"/me/hours/{ctx.record.pk}/correct/",
        fields={"hours": "3", "reason": "签退晚了半小时"},
        user=lambda ctx: ctx.member.user,
        stored=lambda ctx, client: _count("hours.CorrectionRequest"),
    ),
    Target(
        "decide records at the desk",
        lambda ctx: f"/organizations/{ctx.org.pk}/hours/decide/",
        fields={"records": "", "action": "reject", "reason": "时长不符"},
        user=lambda ctx: ctx.admin,
        prepare=_pending_record,
        stored=lambda ctx, client: _row(ctx.pending_record),
    ),
    Target(
        "desk record search",
        lambda ctx: f"/organizations/{ctx.org.pk}/hours/records/",
        fields={"status": "approved", "q": "读报", "page": "1"},
        method="GET",
        user=lambda ctx: ctx.admin,
    ),
    Target(
        "correct a record at the desk",
        lambda ctx: f"/organizations/{ctx.org.pk}/hours/records/{ctx.record.pk}/",
        fields={"hours": "3", "reason": "签退晚了半小时"},
        user=lambda ctx: ctx.admin,
        stored=lambda ctx, client: _count("hours.ServiceRecord"),
    ),
    Target(
        "back-fill hours",
        lambda ctx: f"/organizations/{ctx.org.pk}/hours/activities/{ctx.unrecorded.pk}/backfill/",
        fields={"content": "陪诊", "extra_number": "", "extra_hours": ""},
        user=lambda ctx: ctx.admin,
        prepare=_backfill_fields,
        stored=lambda ctx, client: _count("hours.ServiceRecord"),
    ),
    Target(
        "decide a correction request",
        lambda ctx: f"/organizations/{ctx.org.pk}/hours/corrections/{ctx.correction.pk}/",
        fields={"action": "reject", "note": "记录无误"},
        user=lambda ctx: ctx.admin,
        prepare=_correction_requested,
        stored=lambda ctx, client: _row(ctx.correction),
    ),
    Target(
        "record a training",
        lambda ctx: f"/organizations/{ctx.org.pk}/hours/training/",
        fields={
            "volunteer": "",
            "name": "急救培训",
            "content": "心肺复苏",
            "hours": "2",
            "organizer": "",
            "held_on": _date(-3),
        },
        user=lambda ctx: ctx.admin,
        prepare=lambda ctx: ctx.fields.update(volunteer=ctx.member.number),
        stored=lambda ctx, client: _count("hours.TrainingRecord"),
    ),
    Target(
        "record an award",
        lambda ctx: f"/organizations/{ctx.org.pk}/hours/awards/",
        fields={
            "volunteer": "",
            "name": "优秀志愿者",
            "awarded_on": _date(-3),
            "granted_by": "朝阳区",
        },
        user=lambda ctx: ctx.admin,
        prepare=lambda ctx: ctx.fields.update(volunteer=ctx.member.number),
        stored=lambda ctx, client: _count("hours.AwardRecord"),
    ),
    Target(
        "open a 五星 batch",
        "/hours/stars/",
        fields={"year": "2026"},
        user=lambda ctx: ctx.fed,
        stored=lambda ctx, client: _count("hours.StarAwardBatch"),
    ),
    # --- check-in, certificates -----------------------------------------------------------------
    Target(
        "check in with a code",
        lambda ctx: f"/checkin/activity/{ctx.running.pk}/",
        fields={"code": "", "action": "checkin"},
        user=lambda ctx: ctx.member.user,
        prepare=_current_code,
        stored=lambda ctx, client: _count("attendance.Attendance"),
    ),
    Target(
        "check-in window settings",
        lambda ctx: f"/checkin/activity/{ctx.running.pk}/settings/",
        fields={"checkin_opens_minutes": "60", "checkout_closes_minutes": "120"},
        user=lambda ctx: ctx.admin,
        prepare=lambda ctx: attendance_services.get_or_create_point(slot=ctx.running),
        stored=lambda ctx, client: list(
            apps.get_model("attendance.CheckinPoint").objects.values_list(
                "checkin_opens_minutes", "checkout_closes_minutes"
            )
        ),
    ),
    Target(
        "issue a certificate",
        "/me/certificate/",
        fields={"period_start": _date(-30), "period_end": _date(0)},
        user=lambda ctx: ctx.member.user,
        stored=lambda ctx, client: _count("certificates.Certificate"),
    ),
    Target(
        "verify a certificate by number",
        "/certificates/verify/",
        fields={"number": ""},
        method="GET",
        prepare=_certificate_number,
    ),
    # --- service orders ----------------------------------------------------------------------------
    Target(
        "place a service order (anonymous resident)",
        lambda ctx: f"/stations/{ctx.tree.nanlang.code}/orders/new/",
        fields=_order_fields(),
        stored=lambda ctx, client: _count("orders.Order"),
    ),
    Target(
        "place a service order (signed-in resident)",
        lambda ctx: f"/stations/{ctx.tree.nanlang.code}/orders/new/",
        fields=_order_fields(),
        user=lambda ctx: ctx.resident,
        stored=lambda ctx, client: _count("orders.Order"),
    ),
    Target(
        "place a service order for a resident (staff)",
        lambda ctx: f"/stations/{ctx.tree.nanlang.code}/orders/new/",
        fields={**_order_fields(), "on_behalf": "on"},
        user=lambda ctx: ctx.station_staff,
        stored=lambda ctx, client: _count("orders.Order"),
    ),
    Target(
        "cancel an order by its tracking link",
        lambda ctx: f"/orders/track/{ctx.order.tracking_token}/cancel/",
        fields={"reason": "已经有人帮忙了"},
        stored=lambda ctx, client: _row(ctx.order),
    ),
    Target(
        "cancel an order (signed in)",
        lambda ctx: f"/orders/{ctx.order.pk}/cancel/",
        fields={"reason": "已经有人帮忙了"},
        user=lambda ctx: ctx.resident,
        stored=lambda ctx, client: _row(ctx.order),
    ),
    Target(
        "rate an order by its tracking link",
        lambda ctx: f"/orders/track/{ctx.order.tracking_token}/rate/",
        fields={"rating": "5", "comment": "很耐心"},
        prepare=order_done,
        stored=lambda ctx, client: _row(ctx.order),
    ),
    Target(
        "rate an order (signed in)",
        lambda ctx: f"/orders/{ctx.order.pk}/rate/",
        fields={"rating": "4", "comment": "很耐心"},
        user=lambda ctx: ctx.resident,
        prepare=order_done,
        stored=lambda ctx, client: _row(ctx.order),
    ),
    Target(
        "pass an order down",
        lambda ctx: f"/orders/{ctx.order.pk}/pass-down/",
        fields={"node": ""},
        user=lambda ctx: ctx.institute_staff,
        prepare=_order_at_institute,
        stored=lambda ctx, client: _row(ctx.order),
    ),
    Target(
        "dispatch an order",
        lambda ctx: f"/orders/{ctx.order.pk}/dispatch/",
        fields={"organization": ""},
        user=lambda ctx: ctx.station_staff,
        prepare=lambda ctx: ctx.fields.update(organization=str(ctx.org.pk)),
        stored=lambda ctx, client: _row(ctx.order),
    ),
    Target(
        "find an organization to dispatch to",
        lambda ctx: f"/orders/{ctx.order.pk}/",
        fields={"org_q": "南郎"},
        method="GET",
        user=lambda ctx: ctx.station_staff,
    ),
    Target(
        "publish an order",
        lambda ctx: f"/orders/{ctx.order.pk}/publish/",
        fields={"reach": "", "open_to_volunteers": "on"},
        user=lambda ctx: ctx.station_staff,
        prepare=lambda ctx: ctx.fields.update(reach=str(ctx.tree.nanlang.pk)),
        stored=lambda ctx, client: _row(ctx.order),
    ),
    Target(
        "reject an order",
        lambda ctx: f"/orders/{ctx.order.pk}/reject/",
        fields={"reason": "不属于志愿服务范围"},
        user=lambda ctx: ctx.station_staff,
        stored=lambda ctx, client: _row(ctx.order),
    ),
    Target(
        "take a published order",
        lambda ctx: f"/orders/{ctx.order.pk}/accept/",
        fields={"taker": ""},
        user=lambda ctx: ctx.admin,
        prepare=_order_published_with_taker,
        stored=lambda ctx, client: _row(ctx.order),
    ),
    Target(
        "decline a dispatched order",
        lambda ctx: f"/orders/{ctx.order.pk}/decline/",
        fields={"reason": "人手不足"},
        user=lambda ctx: ctx.admin,
        prepare=order_dispatched,
        stored=lambda ctx, client: _row(ctx.order),
    ),
    Target(
        "complete an order with who served",
        lambda ctx: f"/orders/{ctx.order.pk}/complete/",
        fields={
            "served-TOTAL_FORMS": "2",
            "served-INITIAL_FORMS": "0",
            "served-MIN_NUM_FORMS": "0",
            "served-MAX_NUM_FORMS": "50",
            "served-0-volunteer_number": "",
            "served-0-hours": "2.5",
            "served-1-volunteer_number": "",
            "served-1-hours": "",
        },
        user=lambda ctx: ctx.admin,
        prepare=_order_in_service_fields,
        stored=lambda ctx, client: (_row(ctx.order), _count("hours.ServiceRecord")),
    ),
    Target(
        "order inbox filters",
        "/staff/orders/",
        fields={"state": "submitted", "waiting": "24", "page": "1"},
        method="GET",
        user=lambda ctx: ctx.station_staff,
    ),
    # --- dashboard --------------------------------------------------------------------------------
    Target(
        "dashboard filters and sort",
        "/dashboard/",
        fields={"period": "2026", "category": "elderly", "sort": "-hours"},
        method="GET",
        user=lambda ctx: ctx.fed,
    ),
    Target(
        "dashboard refresh",
        "/dashboard/refresh/",
        fields={"next": "/dashboard/?period=2026"},
        user=lambda ctx: ctx.fed,
        redirect_fields=("next",),
    ),
    # --- 五星 awards --------------------------------------------------------------------------------
    Target(
        "nominate for 五星",
        lambda ctx: f"/organizations/{ctx.org.pk}/hours/stars/",
        fields={"volunteer": ""},
        user=lambda ctx: ctx.admin,
        prepare=_five_star_candidate,
        stored=lambda ctx, client: _count("hours.StarNomination"),
    ),
    Target(
        "review a 五星 nomination",
        lambda ctx: f"/hours/stars/{ctx.batch.year}/",
        fields={"nomination": "", "action": "reject", "note": "时长有误"},
        user=lambda ctx: ctx.fed,
        prepare=_five_star_nomination,
        stored=lambda ctx, client: _row(ctx.nomination),
    ),
    # --- campaigns, service sites, results, benefits -------------------------------------------------
    Target(
        "create a campaign",
        "/campaigns/new/",
        fields={
            "name": "学雷锋志愿服务月",
            "starts_on": _date(1),
            "ends_on": _date(30),
            "covered_nodes": [],
            "description": "三月学雷锋",
        },
        user=lambda ctx: ctx.center_staff,
        prepare=lambda ctx: ctx.fields.update(covered_nodes=[ctx.tree.jianwai.code]),
        stored=lambda ctx, client: _count("campaigns.Campaign"),
    ),
    Target(
        "enrol a project in a campaign",
        lambda ctx: f"/campaigns/{ctx.campaign.pk}/enrol/",
        fields={"project": ""},
        user=lambda ctx: ctx.admin,
        prepare=_campaign,
        stored=lambda ctx, client: _count("campaigns.Enrolment"),
    ),
    Target(
        "decide a campaign enrolment",
        lambda ctx: f"/campaigns/enrolments/{ctx.enrolment.pk}/decide/",
        fields={"decision": "reject", "note": "不在活动范围"},
        user=lambda ctx: ctx.center_staff,
        prepare=_enrolment,
        stored=lambda ctx, client: _row(ctx.enrolment),
    ),
    Target(
        "create a service site",
        "/sites/new/",
        fields={
            "project": "",
            "name": "南郎家园文明实践站",
            "kind": "station",
            "address": "南郎家园 1 号",
            "opening_hours": "9:00-17:00",
            "services": "助老、咨询",
        },
        user=lambda ctx: ctx.admin,
        prepare=lambda ctx: ctx.fields.update(project=str(ctx.event.pk)),
        stored=lambda ctx, client: _count("campaigns.ServiceSite"),
    ),
    Target(
        "edit a campaign",
        lambda ctx: f"/campaigns/{ctx.campaign.pk}/edit/",
        fields={
            "name": "学雷锋志愿服务月",
            "starts_on": _date(1),
            "ends_on": _date(30),
            "covered_nodes": [],
            "description": "三月学雷锋",
            "confirm_period": "on",
        },
        user=lambda ctx: ctx.center_staff,
        prepare=lambda ctx: (
            _campaign(ctx),
            ctx.fields.update(covered_nodes=[ctx.tree.jianwai.code]),
        ),
        stored=lambda ctx, client: _row(ctx.campaign),
    ),
    Target(
        "edit a service site",
        lambda ctx: f"/sites/{ctx.site.pk}/edit/",
        fields={
            "name": "南郎家园文明实践站",
            "kind": "station",
            "node": "",
            "address": "南郎家园 1 号",
            "opening_hours": "9:00-17:00",
            "services": "助老、咨询",
        },
        user=lambda ctx: ctx.admin,
        prepare=lambda ctx: (_site(ctx), ctx.fields.update(node=ctx.event.node.code)),
        stored=lambda ctx, client: _row(ctx.site),
    ),
    Target(
        "rate a service site",
        lambda ctx: f"/sites/{ctx.site.pk}/rate/",
        fields={"rating": "gold"},
        user=lambda ctx: ctx.fed,
        prepare=_site,
        stored=lambda ctx, client: _row(ctx.site),
    ),
    Target(
        "add an output counter",
        lambda ctx: f"/campaigns/projects/{ctx.recruiting.pk}/counters/",
        fields={"name": "发放资料", "unit": "份"},
        user=lambda ctx: ctx.admin,
        stored=lambda ctx, client: _count("campaigns.OutputCounter"),
    ),
    Target(
        "record an activity's results",
        lambda ctx: f"/campaigns/results/activity/{ctx.recorded.pk}/",
        fields={"people_served": "40"},
        user=lambda ctx: ctx.admin,
        prepare=_counter,
        stored=lambda ctx, client: (
            _count("campaigns.ServiceResult"),
            list(apps.get_model("campaigns.ServiceResult").objects.values_list("people_served")),
        ),
    ),
    Target(
        "record an order's results",
        lambda ctx: f"/campaigns/results/order/{ctx.order.pk}/",
        fields={"people_served": "1"},
        user=lambda ctx: ctx.admin,
        prepare=_done_order_counter,
        stored=lambda ctx, client: list(
            apps.get_model("campaigns.ServiceResult").objects.values_list("people_served")
        ),
    ),
    Target(
        "add a benefit",
        "/campaigns/benefits/",
        fields={
            "name": "公园年票",
            "provider": "市公园管理中心",
            "min_level": "",
            "days": "周一至周五",
            "description": "凭志愿者证",
            "is_active": "on",
        },
        user=lambda ctx: ctx.fed,
        prepare=_benefit_fields,
        stored=lambda ctx, client: _count("campaigns.Benefit"),
    ),
    Target(
        "edit a benefit",
        lambda ctx: f"/campaigns/benefits/{ctx.benefit.pk}/edit/",
        fields={
            "name": "公园年票",
            "provider": "市公园管理中心",
            "min_level": "",
            "days": "",
            "description": "",
            "is_active": "",
        },
        user=lambda ctx: ctx.fed,
        prepare=_benefit,
        stored=lambda ctx, client: _row(ctx.benefit),
    ),
    # --- imports ----------------------------------------------------------------------------------
    Target(
        "upload a spreadsheet",
        "/imports/",
        fields={"scope": "", "kind": "volunteers", "on_error": "skip", "approve": ""},
        user=lambda ctx: ctx.station_staff,
        prepare=_upload_fields,
        stored=lambda ctx, client: (_count("imports.ImportJob"), _count("volunteers.Volunteer")),
    ),
    Target(
        "upload a history of service records (federation admin, 历史补录)",
        "/imports/",
        fields={
            "scope": "fed",
            "kind": "records",
            "on_error": "skip",
            "approve": "on",
            "history": "on",
        },
        user=lambda ctx: ctx.fed,
        prepare=_history_upload,
        stored=lambda ctx, client: (_count("imports.ImportJob"), _count("hours.ServiceRecord")),
    ),
]


def _values(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


@pytest.fixture
def ctx(tree, settings) -> SimpleNamespace:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world(tree)


def _echoed(body: str, values: dict[str, Any]) -> list[str]:
    """Markup payloads sent in `values` that come back unescaped in `body`."""
    return [
        f"{name}: {payload!r}"
        for name, value in values.items()
        for text in _values(value)
        for payload in MARKUP_PAYLOADS
        if payload in text and payload in body
    ]


def _fuzzed(targets: list[Target]) -> list[Any]:
    return [
        pytest.param(
            t,
            id=t.id,
            marks=[pytest.mark.xfail(run=False, reason=t.known_bug)] if t.known_bug else [],
        )
        for t in targets
    ]


@pytest.mark.parametrize("target", _fuzzed(TARGETS))
@FUZZ
@given(data=st.data())
def test_hostile_input_is_refused_cleanly(target: Target, ctx: SimpleNamespace, data) -> None:
    # Each field: its valid value or something hostile (at least one field is hostile).
    names = sorted(target.fields)
    hostile_names = data.draw(st.sets(st.sampled_from(names), min_size=1), label="hostile fields")
    hostile = {name: data.draw(hostile_value(), label=name) for name in sorted(hostile_names)}
    cache.clear()  # rate limits would turn later examples into 429s
    mail.outbox = []
    with transaction.atomic():  # every example starts from the same database
        ctx.fields, ctx.files = dict(target.fields), {}
        if target.prepare:
            target.prepare(ctx)
        values = {**ctx.fields, **hostile}
        client = Client()
        if target.user:
            client.force_login(target.user(ctx))
        url = target.url(ctx) if callable(target.url) else target.url
        before = target.stored(ctx, client)
        if target.method == "GET":
            response = client.get(url, values)
        else:
            response = client.post(url, {**values, **ctx.files})
        after = target.stored(ctx, client)
        status = response.status_code
        # Whatever was accepted is shown somewhere next: the page it leads to must escape it too.
        followed = None
        if status in REDIRECTS and url_has_allowed_host_and_scheme(
            response["Location"], {"testserver"}
        ):
            followed = client.get(response["Location"])
        transaction.set_rollback(True)

    assert status < 500, f"{target.method} {url} answered {status}"
    assert status in REDIRECTS | target.refusals, f"unexpected {status}"
    if status not in REDIRECTS:
        assert before == after, f"a refused {target.id} changed {before!r} to {after!r}"
    echoed = _echoed(response.content.decode("utf-8", errors="replace"), values)
    assert not echoed, f"came back unescaped: {echoed}"
    if status in REDIRECTS:
        location = response["Location"]
        assert url_has_allowed_host_and_scheme(location, {"testserver"}), location
        assert not location.startswith("//"), location
    if followed is not None:
        assert followed.status_code < 500, (
            f"GET {response['Location']} answered {followed.status_code}"
        )
        echoed = _echoed(followed.content.decode("utf-8", errors="replace"), values)
        assert not echoed, f"shown unescaped on {response['Location']}: {echoed}"


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
def test_the_valid_values_of_each_target_are_accepted(target: Target, ctx: SimpleNamespace) -> None:
    """The harness's own check: each target's `fields` are a submission the page accepts (a
    redirect for a POST, 200 for a GET), so the hostile examples reach past the first check."""
    ctx.fields, ctx.files = dict(target.fields), {}
    if target.prepare:
        target.prepare(ctx)
    client = Client()
    if target.user:
        client.force_login(target.user(ctx))
    url = target.url(ctx) if callable(target.url) else target.url
    if target.method == "GET":
        response = client.get(url, ctx.fields)
        assert response.status_code in {200} | REDIRECTS, response.status_code
    else:
        response = client.post(url, {**ctx.fields, **ctx.files})
        errors = ""
        if response.status_code == 200 and response.context:
            form = response.context.get("form")
            errors = form.errors.as_json() if form is not None else ""
        assert response.status_code in REDIRECTS, (response.status_code, errors)


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


@pytest.mark.parametrize(
    "target",
    ["https://evil.example.com/", "//evil.example.com/", "dashboard:home", '"><img src=x>', "长"],
)
def test_the_dashboard_refresh_goes_back_only_to_a_path_on_this_site(client, db, target):
    # A value that is not a path used to reach redirect(), which took it for a URL name: a 500.
    client.force_login(UserFactory(is_federation_admin=True))
    response = client.post("/dashboard/refresh/", {"next": target})
    assert (response.status_code, response["Location"]) == (302, "/dashboard/")
    response = client.post("/dashboard/refresh/", {"next": "/dashboard/110105/?period=2026"})
    assert response["Location"] == "/dashboard/110105/?period=2026"


def test_a_campaign_ending_in_the_year_9999_is_refused(client, tree):
    from campaigns.models import Campaign

    client.force_login(UserFactory(staff_node=tree.chaoyang))
    response = client.post(
        "/campaigns/new/",
        {
            "name": "学雷锋志愿服务月",
            "starts_on": _date(1),
            "ends_on": "9999-12-31",
            "covered_nodes": [tree.jianwai.code],
        },
    )
    assert response.status_code in {200, 400}
    assert "主题活动期间最长一年" in response.content.decode()
    assert not Campaign.objects.exists()
