"""Fixtures for check-in/out: an organization with its admin, a 09:00–12:00 activity on a fixed
day (services take `now`, so times are set explicitly), a shift, a station project, and
volunteers in every sign-up state."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from attendance.codes import current_code
from attendance.services import get_or_create_point
from projects.models import Project, Shift, SignUp
from tests.factories import OrganizationFactory, VolunteerFactory, make_org_admin
from tests.projects.factories import ActivityFactory, ProjectFactory, ShiftFactory

TZ = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, *, day: int = 14) -> datetime:
    """A time on 2026-03-14 (a Saturday) in Beijing."""
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ)


def sign_up(volunteer, slot, status: str = SignUp.Status.CONFIRMED) -> SignUp:
    kind = "shift" if isinstance(slot, Shift) else "activity"
    return SignUp.objects.create(
        volunteer=volunteer, project=slot.project, status=status, **{kind: slot}
    )


def code_at(slot, when: datetime) -> str:
    """The code shown on the venue screen at `when`."""
    return current_code(get_or_create_point(slot=slot), when)


@pytest.fixture
def world(tree):
    org = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    other_org = OrganizationFactory(name="吉庆里志愿服务队", node=tree.jiqing)
    project = ProjectFactory(
        organization=org, title="社区助老服务", status=Project.Status.IN_PROGRESS
    )
    activity = ActivityFactory(
        project=project, title="周末陪伴", starts_at=at(9), ends_at=at(12), quota=10
    )
    shift = ShiftFactory(post__area__project__organization=org, starts_at=at(8), ends_at=at(12))
    station_project = ProjectFactory(
        organization=None,
        publisher_node=tree.jianwai,
        node=tree.jianwai,
        node_path=tree.jianwai.path,
        title="建外街道文明交通",
    )
    station_activity = ActivityFactory(
        project=station_project, title="路口引导", starts_at=at(9), ends_at=at(12)
    )
    alice = VolunteerFactory(name="李晓华")
    bob = VolunteerFactory(name="王建国")
    sign_up(alice, activity)
    sign_up(bob, activity)
    sign_up(alice, shift)
    sign_up(alice, station_activity)
    return SimpleNamespace(
        tree=tree,
        org=org,
        other_org=other_org,
        admin=make_org_admin(org).user,
        other_admin=make_org_admin(other_org).user,
        project=project,
        activity=activity,
        shift=shift,
        station_project=station_project,
        station_activity=station_activity,
        alice=alice,
        bob=bob,
    )
