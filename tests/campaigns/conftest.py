"""Fixtures for campaigns: two organizations in 朝阳区, one in 东城区, projects with finished
activities, and a campaign owned by 朝阳区's center covering 建外街道."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from campaigns import services
from tests.factories import OrganizationFactory, UserFactory, VolunteerFactory, make_org_admin
from tests.hours.conftest import make_activity, make_project, sign_up

# The orders fixtures (an organization that served an order, staff around it), for order results.
from tests.orders.conftest import advance, people, place  # noqa: F401


@pytest.fixture
def cw(tree):
    org = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    admin = make_org_admin(org).user
    other_org = OrganizationFactory(name="多福巷志愿服务队", node=tree.duofu)
    other_admin = make_org_admin(other_org).user
    jiqing_org = OrganizationFactory(name="吉庆里志愿服务队", node=tree.jiqing)
    jiqing_admin = make_org_admin(jiqing_org).user
    center_staff = UserFactory(staff_node=tree.chaoyang, name="朝阳区中心工作人员")
    dongcheng_staff = UserFactory(staff_node=tree.dongcheng, name="东城区中心工作人员")
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=center_staff,
        name="学雷锋志愿服务月",
        starts_on=today - timedelta(days=20),
        ends_on=today + timedelta(days=10),
        covered_nodes=[tree.jianwai],
    )
    project = make_project(organization=org, node=tree.nanlang, title="南郎家园助老")
    project.starts_on = today - timedelta(days=60)
    project.ends_on = today + timedelta(days=60)
    project.save()
    jiqing_project = make_project(organization=jiqing_org, node=tree.jiqing, title="吉庆里助老")
    other_project = make_project(organization=other_org, node=tree.duofu, title="多福巷文明引导")
    return SimpleNamespace(
        tree=tree,
        org=org,
        admin=admin,
        other_org=other_org,
        other_admin=other_admin,
        jiqing_org=jiqing_org,
        jiqing_admin=jiqing_admin,
        center_staff=center_staff,
        dongcheng_staff=dongcheng_staff,
        campaign=campaign,
        project=project,
        jiqing_project=jiqing_project,
        other_project=other_project,
        today=today,
    )


def finished_activity(project, *, days_ago: int, hours: float = 3, volunteers=()):
    # At 09:00 (local time) `days_ago` days back: the activity falls on that date whatever the
    # hour the tests run (an offset from now put it a day earlier just after midnight).
    start = timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=days_ago), time(9))
    )
    activity = make_activity(project, starts_at=start, hours=hours)
    for volunteer in volunteers:
        sign_up(volunteer, activity)
    return activity


def volunteers(n: int) -> list:
    return [VolunteerFactory() for _ in range(n)]


def day(d: date, n: int) -> date:
    return d + timedelta(days=n)


def matrix_campaign(tree):
    """The access matrix's campaign: owned by 朝阳区's center, covering 建外街道."""
    from campaigns.models import Campaign

    today = timezone.localdate()
    campaign, created = Campaign.objects.get_or_create(
        name="矩阵主题活动",
        defaults={"starts_on": today, "ends_on": today, "owner_node": tree.chaoyang},
    )
    if created:
        campaign.covered_nodes.set([tree.jianwai])
    return campaign


def matrix_site(organization, admin_user):
    """The access matrix's service site: a large-event project of `organization` (in 朝阳区),
    registered by its admin. Only the project's managers may edit it."""
    from campaigns.models import ServiceSite
    from projects.models import Project
    from tests.projects.factories import ProjectFactory

    site = ServiceSite.objects.filter(name="矩阵学雷锋志愿服务站").first()
    if site is not None:
        return site
    project = ProjectFactory(
        organization=organization,
        kind=Project.Kind.LARGE_EVENT,
        status=Project.Status.RECRUITING,
        title="矩阵站点值守",
    )
    return services.site_create(
        actor=admin_user,
        project=project,
        name="矩阵学雷锋志愿服务站",
        kind=ServiceSite.Kind.LIBRARY,
        address="南郎家园社区图书室",
        opening_hours="周二至周日 9:00—17:00",
        services="咨询引导",
    )


def library_site(actor, project, **fields):
    """A 学雷锋志愿服务站 at 建外街道's library on `project` (a large-event project), through the
    service; `fields` override the defaults."""
    from campaigns.models import ServiceSite

    defaults = {
        "name": "建外街道图书馆学雷锋志愿服务站",
        "kind": ServiceSite.Kind.LIBRARY,
        "address": "建国门外大街 1 号",
        "opening_hours": "周二至周日 9:00—17:00",
        "services": "咨询引导",
    }
    return services.site_create(actor=actor, project=project, **{**defaults, **fields})
