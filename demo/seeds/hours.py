"""Demo service hours, written through the ledger's services: back-fill of finished activities
(when the projects demo has any), recent approved entries and one pending declaration for the
members of 建外街道志愿服务队, a correction request, training and award records, and the open
五星 batch of the year."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from core.workdays import is_working_day
from hours.models import ServiceRecord, StarAwardBatch, TrainingRecord
from hours.services import (
    backfill_hours,
    create_star_batch,
    record_award,
    record_hours,
    record_training,
    request_correction,
    slot_length_half_hours,
)
from organizations.models import Membership, Organization
from projects.models import Activity, SignUp

DEMO_ORG = "建外街道志愿服务队"
MARK = "（演示）"

# (volunteer email, days ago, hours, title, category)
DEMO_ENTRIES = [
    ("volunteer2@example.com", 1, "3", "独居老人探访", "elderly"),
    ("volunteer2@example.com", 3, "2.5", "社区垃圾分类宣传", "environment"),
    ("teen@example.com", 2, "2", "社区图书角整理", "culture"),
    ("volunteer@example.com", 1, "4", "文明交通引导", "traffic"),
]


def _recent_working_day(days_ago: int):
    day = timezone.localdate() - timedelta(days=days_ago)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _seed() -> list[str]:
    org = Organization.objects.filter(name=DEMO_ORG, status="approved").first()
    if org is None:
        return ["hours: demo organization missing, skipped"]
    if ServiceRecord.objects.filter(organization=org, title__endswith=MARK).exists():
        return ["hours: demo records already there"]
    admin_membership = (
        Membership.objects.admins()
        .filter(organization=org)
        .select_related("volunteer__user")
        .first()
    )
    if admin_membership is None:
        return ["hours: demo organization has no admin, skipped"]
    admin = admin_membership.volunteer.user
    lines = []
    created = []
    for email, days_ago, hours, title, category in DEMO_ENTRIES:
        user = User.objects.filter(email=email).select_related("volunteer").first()
        volunteer = getattr(user, "volunteer", None) if user else None
        if volunteer is None:
            continue
        created.append(
            record_hours(
                volunteer=volunteer,
                hours=Decimal(hours),
                source="staff",
                recorded_by=admin,
                organization=org,
                node=org.node,
                category=category,
                service_date=_recent_working_day(days_ago),
                title=title + MARK,
                place="建外街道",
                content=title,
            )
        )
    lines.append(f"hours: {len(created)} approved entries for {DEMO_ORG}")
    # A volunteer's declaration waiting for the organization, and a correction request.
    teen = User.objects.filter(email="teen@example.com").select_related("volunteer").first()
    if teen is not None and getattr(teen, "volunteer", None):
        record_hours(
            volunteer=teen.volunteer,
            hours=Decimal("1.5"),
            source="declared",
            recorded_by=teen,
            organization=org,
            node=org.node,
            category="community",
            service_date=_recent_working_day(1),
            title="楼门院环境整治" + MARK,
            place="建外街道",
        )
        lines.append("hours: one pending declaration")
    if created:
        request_correction(
            volunteer=created[0].volunteer,
            record=created[0],
            hours=Decimal("3.5"),
            reason="探访结束后又陪老人去社区卫生站取药，多服务了半小时",
        )
        lines.append("hours: one correction request to decide")
    # Back-fill finished activities of the organization (from the projects demo, if any).
    for activity in Activity.objects.filter(
        project__organization=org, ends_at__lte=timezone.now()
    ).select_related("project"):
        confirmed = SignUp.objects.confirmed().filter(activity=activity).select_related("volunteer")
        entries = [(s.volunteer, Decimal(slot_length_half_hours(activity)) / 2) for s in confirmed]
        if not entries:
            continue
        try:
            backfill_hours(actor=admin, slot=activity, entries=entries)
        except ValidationError:
            continue  # past its deadline or already recorded: nothing to add
        lines.append(f"hours: back-filled {len(entries)} volunteers at {activity}")
    # Training and award records for the members.
    for membership in (
        Membership.objects.approved().filter(organization=org).select_related("volunteer")
    ):
        volunteer = membership.volunteer
        if not TrainingRecord.objects.filter(volunteer=volunteer).exists():
            record_training(
                actor=admin,
                organization=org,
                volunteer=volunteer,
                name="志愿服务通识与应急救护培训",
                content="志愿服务条例、服务礼仪、心肺复苏与AED使用",
                hours=Decimal(3),
                held_on=_recent_working_day(20),
            )
    if created:
        record_award(
            actor=admin,
            organization=org,
            volunteer=admin_membership.volunteer,
            name="建外街道优秀志愿者",
            awarded_on=_recent_working_day(30),
            granted_by="建外街道新时代文明实践所",
        )
    lines.append("hours: training and award records")
    federation = User.objects.filter(is_federation_admin=True).order_by("pk").first()
    year = timezone.localdate().year
    if federation is not None and not StarAwardBatch.objects.filter(year=year).exists():
        create_star_batch(actor=federation, year=year)
        lines.append(f"hours: {year} 五星 batch open for nominations")
    return lines


def seed() -> list[str]:
    # The services email after commit; the demo's records are nobody's news.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        return _seed()
