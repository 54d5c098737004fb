"""Fixtures for the hours ledger: an organization with its admin, a finished activity with
confirmed volunteers, a station project, and a helper that records approved hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from hours.services import record_hours
from projects.models import Activity, BusinessArea, Post, Project, Shift, SignUp
from tests.factories import OrganizationFactory, VolunteerFactory, make_org_admin

TZ = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def make_project(*, organization=None, publisher_node=None, node, **extra) -> Project:
    return Project.objects.create(
        title=extra.pop("title", "社区助老服务"),
        category=extra.pop("category", "elderly"),
        organization=organization,
        publisher_node=publisher_node,
        node=node,
        node_path=node.path,
        place="南郎家园社区活动室",
        starts_on=at(2026, 1, 1).date(),
        ends_on=at(2026, 12, 31).date(),
        description="为社区老人提供陪伴服务",
        work_content="陪伴聊天、读报",
        volunteers_needed=10,
        status=Project.Status.IN_PROGRESS,
        **extra,
    )


def make_activity(project: Project, *, starts_at: datetime, hours: float = 3, **extra) -> Activity:
    return Activity.objects.create(
        project=project,
        title=extra.pop("title", "周末陪伴"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        place="南郎家园社区活动室",
        quota=20,
        **extra,
    )


def make_shift(project: Project, *, starts_at: datetime, hours: float = 4) -> Shift:
    area = BusinessArea.objects.create(project=project, name=f"业务口{project.pk}")
    post = Post.objects.create(area=area, name="引导岗", quota=5)
    return Shift.objects.create(
        project=project,
        post=post,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        place="展区入口",
        quota=5,
    )


def sign_up(volunteer, slot, status: str = SignUp.Status.CONFIRMED) -> SignUp:
    return SignUp.objects.create(
        volunteer=volunteer,
        project=slot.project,
        status=status,
        **{"shift" if isinstance(slot, Shift) else "activity": slot},
    )


@pytest.fixture
def world(tree):
    """Two organizations at 南郎家园 / 吉庆里, their admins, a 3-hour activity that ended
    yesterday with two confirmed volunteers, and a station project of 建外街道."""
    from django.utils import timezone

    org = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    other_org = OrganizationFactory(name="吉庆里志愿服务队", node=tree.jiqing)
    admin = make_org_admin(org)
    other_admin = make_org_admin(other_org)
    project = make_project(organization=org, node=tree.nanlang)
    start = timezone.localtime() - timedelta(days=1, hours=4)
    activity = make_activity(project, starts_at=start, hours=3)
    alice, bob = VolunteerFactory(name="李晓华"), VolunteerFactory(name="王建国")
    sign_up(alice, activity)
    sign_up(bob, activity)
    station_project = make_project(
        publisher_node=tree.jianwai, node=tree.jianwai, title="建外街道文明交通", category="traffic"
    )
    station_activity = make_activity(station_project, starts_at=start, hours=2)
    sign_up(alice, station_activity)
    return SimpleNamespace(
        tree=tree,
        org=org,
        other_org=other_org,
        admin=admin.user,
        admin_volunteer=admin,
        other_admin=other_admin.user,
        project=project,
        activity=activity,
        alice=alice,
        bob=bob,
        station_project=station_project,
        station_activity=station_activity,
    )


@pytest.fixture
def approved_record(world):
    return record_hours(
        volunteer=world.alice,
        hours="2.5",
        source="staff",
        recorded_by=world.admin,
        slot=world.activity,
    )
