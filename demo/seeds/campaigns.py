"""Demo campaign, service site, people served and benefits, through the services: the
"爱满京城" 学雷锋志愿服务月 of 朝阳区's center with the demo projects enrolled (one still waiting
for review), a 学雷锋志愿服务站 at a library with a post and duty shifts (rated gold), a finished
便民服务 activity with its hours, people served and output, two star-level benefits, and the
campaign rollup run at the end so the campaign page shows figures straight away."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from campaigns import services
from campaigns.models import Benefit, Campaign, Enrolment, OutputCounter, ServiceResult, ServiceSite
from campaigns.rollup import run_campaign_rollup
from civilization_stations.models import PracticeNode
from hours.models import ServiceRecord, StarLevel
from hours.services import record_hours
from organizations.models import Organization
from projects import services as project_services
from projects.models import Activity, Project
from volunteers.models import Volunteer

from .projects import project_data, publish

CAMPAIGN = "“爱满京城”学雷锋志愿服务月"
SERVICE_PROJECT = "建外街道学雷锋便民服务"
SERVICE_ACTIVITY = "学雷锋便民服务日"
SITE_PROJECT = "朝阳区图书馆学雷锋志愿服务岗"
SITE = "朝阳区图书馆建外分馆学雷锋志愿服务站"
# Demo projects enrolled in the campaign: (title, approve?) — the marathon waits for review.
ENROLLED = [
    (SERVICE_PROJECT, True),
    (SITE_PROJECT, True),
    ("建外街道助老陪伴", True),
    ("南郎家园垃圾分类宣传", True),
    ("朝阳城市半程马拉松志愿服务", False),
]
# name, provider, star level, days, description
BENEFITS = [
    (
        "图书馆借阅优待",
        "朝阳区图书馆",
        1,
        "开放时间内",
        "一星及以上志愿者凭志愿服务证明办理，借阅册数加倍、借期延长至 60 天。",
    ),
    (
        "公园星级志愿者免费入园",
        "朝阳公园管理处",
        3,
        "每周二",
        "三星及以上志愿者每周二免费入园，入园时出示志愿服务证明供核验星级。",
    ),
]


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _volunteer(email: str) -> Volunteer | None:
    return Volunteer.objects.active().filter(user__email=email).first()


def _org(name: str) -> Organization | None:
    return Organization.objects.approved().filter(name=name).select_related("node").first()


def _service_day(reviewer: User) -> list[str]:
    """A 便民服务 project of 建外街道志愿服务队 whose activity ended three days ago: hours for
    the team's members, then people served and output entered by its admin."""
    org = _org("建外街道志愿服务队")
    if org is None:
        return ["campaigns: 建外街道志愿服务队 missing, no finished activity"]
    admin = org.created_by
    project = Project.objects.filter(title=SERVICE_PROJECT).first()
    lines = []
    if project is None:
        project = project_services.project_create(
            actor=admin,
            organization=org,
            data=project_data(
                SERVICE_PROJECT,
                org.node,
                category="community",
                insurance_required=False,
                starts_on=timezone.localdate() - timedelta(days=30),
                ends_on=timezone.localdate() + timedelta(days=60),
                description="学雷锋志愿服务月期间，每周在社区广场开展家电维修、理发、政策咨询等便民服务。",
                work_content="便民维修、义务理发、政策咨询。",
            ),
        )
        project_services.activity_create(
            actor=admin,
            project=project,
            data={
                "title": SERVICE_ACTIVITY,
                "starts_at": _at(-3, 9),
                "ends_at": _at(-3, 11, 30),
                "place": "建外街道社区服务中心广场",
                "quota": 10,
                "signup_mode": "open",
                "required_skills": [],
            },
        )
        project = publish(project, reviewer)
        lines.append(f"campaigns: project {SERVICE_PROJECT} with a finished activity")
    activity = Activity.objects.filter(project=project, title=SERVICE_ACTIVITY).first()
    if activity is None or activity.ends_at > timezone.now():
        return lines
    served = 0
    for email in ("volunteer@example.com", "volunteer2@example.com", "teen@example.com"):
        volunteer = _volunteer(email)
        if (
            volunteer is None
            or ServiceRecord.objects.filter(volunteer=volunteer, activity=activity).exists()
        ):
            continue
        try:
            record_hours(
                volunteer=volunteer, hours="2.5", source="staff", recorded_by=admin, slot=activity
            )
        except ValidationError:  # past the recording deadline on a late re-run: nothing to add
            continue
        served += 1
    if served:
        lines.append(f"campaigns: {served} volunteers' hours at {SERVICE_ACTIVITY}")
    counters = {}
    for name, unit in (("便民维修", "件"), ("政策咨询", "人次")):
        counter = OutputCounter.objects.filter(project=project, name=name).first()
        counters[name] = counter or services.counter_create(
            actor=admin, project=project, name=name, unit=unit
        )
    if not ServiceResult.objects.filter(activity=activity).exists():
        try:
            services.record_slot_result(
                actor=admin,
                slot=activity,
                people_served=86,
                outputs={counters["便民维修"]: 23, counters["政策咨询"]: 41},
            )
        except ValidationError:  # nobody's hours could be recorded: no result to report
            return lines
        lines.append(f"campaigns: 86 people served at {SERVICE_ACTIVITY}")
    return lines


def _site(reviewer: User, federation: User | None) -> list[str]:
    """A library's 学雷锋志愿服务站 on a district-wide duty project of the youth association."""
    if ServiceSite.objects.filter(name=SITE).exists():
        return []
    org = _org("朝阳区青年志愿者协会")
    jianwai = PracticeNode.objects.filter(code="110105001").first()
    if org is None or jianwai is None:
        return ["campaigns: 朝阳区青年志愿者协会 missing, no service site"]
    admin = org.created_by
    project = Project.objects.filter(title=SITE_PROJECT).first()
    if project is None:
        project = project_services.project_create(
            actor=admin,
            organization=org,
            data=project_data(
                SITE_PROJECT,
                org.node,
                insurance_required=False,
                kind="large_event",
                category="culture",
                place="朝阳区图书馆建外分馆",
                volunteers_needed=20,
                description="在区图书馆各分馆设学雷锋志愿服务岗，为读者提供咨询引导和图书整理服务。",
                work_content="按岗位排班值守。",
                min_age=14,
            ),
        )
        area = project_services.area_save(actor=admin, project=project, name="读者服务")
        for post_name, quota in (("咨询引导岗", 2), ("图书整理岗", 2)):
            post = project_services.post_create(actor=admin, area=area, name=post_name, quota=quota)
            for day in (2, 3, 5, 6):
                for start, end in ((9, 12), (14, 17)):
                    project_services.shift_create(
                        actor=admin, post=post, starts_at=_at(day, start), ends_at=_at(day, end)
                    )
        project = publish(project, reviewer)
    site = services.site_create(
        actor=admin,
        project=project,
        name=SITE,
        kind=ServiceSite.Kind.LIBRARY,
        node=jianwai,
        address="朝阳区建外街道 朝阳区图书馆建外分馆一层服务台",
        opening_hours="周二至周日 9:00—17:00（周一闭馆）",
        services="借阅咨询与引导、图书整理上架、老年读者电子阅读帮办。",
    )
    if federation is not None:
        services.site_rate(actor=federation, site=site, rating=ServiceSite.Rating.GOLD)
    volunteer = _volunteer("volunteer4@example.com")
    shift = project.shifts.order_by("starts_at", "pk").first()
    if volunteer is not None and shift is not None:
        # A demo volunteer who does not qualify is simply skipped.
        with suppress(ValidationError):
            project_services.signup_create(volunteer=volunteer, shift=shift)
    return [f"campaigns: site {SITE} (gold) with 2 posts and 16 duty shifts"]


def _campaign(center_staff: User) -> list[str]:
    chaoyang = PracticeNode.objects.filter(code="110105").first()
    if chaoyang is None:
        return []
    campaign = Campaign.objects.filter(name=CAMPAIGN).first()
    lines = []
    if campaign is None:
        today = timezone.localdate()
        campaign = services.campaign_create(
            actor=center_staff,
            name=CAMPAIGN,
            starts_on=today - timedelta(days=14),
            ends_on=today + timedelta(days=16),
            covered_nodes=[chaoyang],
            description="围绕“学雷锋纪念日”，全区各实践所、站和志愿服务组织集中开展便民服务、"
            "助老助残、文明引导和阅读推广，统计参与项目、服务时长与服务对象人次。",
        )
        lines.append(f"campaigns: {CAMPAIGN} by 朝阳区's center")
    for title, approve in ENROLLED:
        project = Project.objects.public().filter(title=title).first()
        if project is None or Enrolment.objects.filter(campaign=campaign, project=project).exists():
            continue
        actor = project.organization.created_by if project.organization_id else center_staff
        enrolment = services.enrol_project(actor=actor, campaign=campaign, project=project)
        if approve:
            services.decide_enrolment(
                actor=center_staff, enrolment=enrolment, approve=True, note="符合主题，同意参加。"
            )
        lines.append(f"campaigns: {title} enrolled ({'approved' if approve else 'waiting'})")
    return lines


def _benefits(federation: User) -> list[str]:
    lines = []
    for name, provider, level, days, description in BENEFITS:
        star = StarLevel.objects.filter(level=level).first()
        if star is None or Benefit.objects.filter(name=name).exists():
            continue
        services.benefit_save(
            actor=federation,
            name=name,
            provider=provider,
            min_level=star,
            days=days,
            description=description,
        )
        lines.append(f"campaigns: benefit {name} ({star.name})")
    return lines


def _seed() -> list[str]:
    center = _user("center@example.com")
    institute = _user("institute@example.com")
    federation = User.objects.filter(is_federation_admin=True).order_by("pk").first()
    if center is None or federation is None:
        return ["campaigns: demo accounts missing, skipped"]
    lines = _service_day(institute or federation)
    lines += _site(center, federation)
    lines += _campaign(center)
    lines += _benefits(federation)
    return lines


def seed() -> list[str]:
    # Sign-up notices go out after commit; the demo's are nobody's news.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        lines = _seed()
    # Last: the campaign page shows figures as soon as `make run` serves it.
    result = run_campaign_rollup(full=True)
    return [*lines, f"campaigns: rollup of {result.campaigns} campaign(s)"]
