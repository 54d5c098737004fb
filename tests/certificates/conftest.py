"""Fixtures for certificates: a volunteer with approved hours from an organization's activities
in January and March 2026, a station project, and a service order (no project), written through
the ledger's own service."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from hours.services import record_hours
from projects.models import Project
from tests.factories import OrganizationFactory, VolunteerFactory, make_org_admin
from tests.projects.factories import ActivityFactory, ProjectFactory

TZ = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TZ)


def staff_hours(volunteer, slot, hours, admin):
    """Hours back-filled by the recorder, on the day after the activity (within the deadline)."""
    return record_hours(
        volunteer=volunteer,
        hours=hours,
        source="staff",
        recorded_by=admin,
        slot=slot,
        today=slot.ends_at.date() + timedelta(days=1),
    )


@pytest.fixture
def world(tree):
    org = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    other_org = OrganizationFactory(name="吉庆里志愿服务队", node=tree.jiqing)
    admin = make_org_admin(org).user
    other_admin = make_org_admin(other_org).user
    elderly = ProjectFactory(
        organization=org, title="社区助老服务", status=Project.Status.IN_PROGRESS
    )
    reading = ProjectFactory(
        organization=other_org, title="亲子阅读推广", status=Project.Status.IN_PROGRESS
    )
    traffic = ProjectFactory(
        organization=None,
        publisher_node=tree.jianwai,
        node=tree.jianwai,
        node_path=tree.jianwai.path,
        title="文明交通引导",
    )
    january = ActivityFactory(
        project=elderly, title="一月陪伴", starts_at=at(1, 10), ends_at=at(1, 10, 12)
    )
    march = ActivityFactory(
        project=elderly, title="三月陪伴", starts_at=at(3, 14), ends_at=at(3, 14, 12)
    )
    story = ActivityFactory(
        project=reading, title="绘本共读", starts_at=at(3, 21), ends_at=at(3, 21, 11)
    )
    crossing = ActivityFactory(
        project=traffic, title="路口引导", starts_at=at(1, 20), ends_at=at(1, 20, 11)
    )
    alice = VolunteerFactory(name="李晓华")
    records = SimpleNamespace(
        january=staff_hours(alice, january, "3", admin),
        march=staff_hours(alice, march, "2.5", admin),
        story=staff_hours(alice, story, "2", other_admin),
        crossing=record_hours(volunteer=alice, hours="1.5", source="checkin", slot=crossing),
        order=record_hours(
            volunteer=alice,
            hours="1",
            source="order",
            organization=org,
            node=tree.nanlang,
            category="elderly",
            service_date=date(2026, 3, 2),
            title="上门助老服务",
        ),
    )
    return SimpleNamespace(
        tree=tree,
        org=org,
        other_org=other_org,
        admin=admin,
        elderly=elderly,
        reading=reading,
        traffic=traffic,
        january=january,
        march=march,
        alice=alice,
        records=records,
    )
