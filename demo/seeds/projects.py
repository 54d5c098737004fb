"""Demo projects in 朝阳区, published and reviewed through the projects services: a recruiting
activities project with a weekly series and sign-ups (one full activity with a waitlist), a
large event with business areas, posts and shifts (marked gold), a station project, and one
waiting in the review queue."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from civilization_stations.models import PracticeNode
from organizations.models import Organization
from projects import services
from projects.models import Project
from volunteers.models import Volunteer


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _volunteer(email: str) -> Volunteer | None:
    return Volunteer.objects.active().filter(user__email=email).first()


def project_data(title: str, node: PracticeNode, **extra: Any) -> dict[str, Any]:
    """A demo project's fields (any of them overridden by `extra`); other seeds use it too."""
    today = timezone.localdate()
    data = {
        "title": title,
        "category": "elderly",
        "node": node,
        "place": node.name,
        "starts_on": today,
        "ends_on": today + timedelta(days=120),
        "description": "",
        "work_content": "",
        "volunteers_needed": 10,
        "post_requirements": "热心公益，有耐心，能按时参加。",
        "how_to_apply": "在本平台报名，组织方审核后电话确认。",
        "risks": "户外活动注意防暑防寒与交通安全。",
        "contact_name": "王老师",
        "contact_phone": "13700000000",
    }
    data.update(extra)
    return data


def publish(project: Project, reviewer: User | None) -> Project:
    services.project_submit(actor=project.created_by, project=project)
    if reviewer is not None:
        project = services.project_approve(
            reviewer=reviewer, project=project, note="内容完整，同意发布。"
        )
    return project


def _sign_up(email: str, **slot: Any) -> None:
    volunteer = _volunteer(email)
    if volunteer is None:
        return
    try:
        services.signup_create(volunteer=volunteer, join_waitlist=True, **slot)
    except ValidationError:  # a demo volunteer who does not qualify is simply skipped
        return


def _seed() -> list[str]:
    lines: list[str] = []
    if Project.objects.filter(title="建外街道助老陪伴").exists():
        return ["projects already seeded"]
    admin = _user("admin@example.com")
    center = _user("center@example.com")
    institute = _user("institute@example.com")
    jianwai_org = Organization.objects.approved().filter(name="建外街道志愿服务队").first()
    youth = Organization.objects.approved().filter(name="朝阳区青年志愿者协会").first()
    nanlang = PracticeNode.objects.filter(code="110105001024").first()
    chaoyang = PracticeNode.objects.filter(code="110105").first()

    if jianwai_org is not None:
        project = services.project_create(
            actor=jianwai_org.created_by,
            organization=jianwai_org,
            data=project_data(
                "建外街道助老陪伴",
                jianwai_org.node,
                description="每周六上午走访独居老人，陪伴聊天、读报、帮助使用智能手机。",
                work_content="上门陪伴、读报、智能手机教学。",
            ),
        )
        saturday = (5 - timezone.localdate().weekday()) % 7 or 7  # days to the next Saturday
        series = services.activities_create_recurring(
            actor=jianwai_org.created_by,
            project=project,
            data={
                "title": "周六上门陪伴",
                "starts_at": _at(saturday, 9),
                "ends_at": _at(saturday, 11, 30),
                "place": "建外街道社区服务中心集合",
                "quota": 6,
                "signup_mode": "open",
                "required_skills": [],
            },
            frequency="weekly",
            until=timezone.localdate() + timedelta(days=58),
        )
        small = services.activity_create(
            actor=jianwai_org.created_by,
            project=project,
            data={
                "title": "智能手机小课堂",
                "starts_at": _at(1, 14),
                "ends_at": _at(1, 16),
                "place": "建外街道社区服务中心二层",
                "quota": 1,
                "signup_mode": "approval",
                "required_skills": ["computer"],
            },
        )
        project = publish(project, institute or admin)
        for email in ("volunteer2@example.com", "teen@example.com"):
            _sign_up(email, activity=series[0])
        _sign_up("volunteer@example.com", activity=small)
        _sign_up("volunteer4@example.com", activity=series[0])
        lines.append(
            f"project 建外街道助老陪伴: {len(series)} weekly activities + 1 needing approval"
        )

    if youth is not None and chaoyang is not None:
        event = services.project_create(
            actor=youth.created_by,
            organization=youth,
            data=project_data(
                "朝阳城市半程马拉松志愿服务",
                chaoyang,
                kind="large_event",
                category="large_event",
                place="朝阳公园",
                volunteers_needed=60,
                description="赛事志愿服务：赛道引导、补给、医疗保障和媒体服务。",
                work_content="按业务口和岗位排班上岗。",
                insurance_required=False,
                min_age=16,
            ),
        )
        manager = _volunteer("volunteer3@example.com")
        for area_name, posts in (
            ("赛道服务", [("补给站", 4), ("路口引导", 6)]),
            ("医疗保障", [("急救点", 2)]),
        ):
            area = services.area_save(
                actor=youth.created_by, project=event, name=area_name, manager=manager
            )
            for post_name, quota in posts:
                post = services.post_create(
                    actor=youth.created_by,
                    area=area,
                    name=post_name,
                    quota=quota,
                    required_skills=["first_aid"] if post_name == "急救点" else [],
                )
                for start in (6, 10):
                    services.shift_create(
                        actor=youth.created_by,
                        post=post,
                        starts_at=_at(10, start),
                        ends_at=_at(10, start + 4),
                    )
        event = publish(event, center or admin)
        if admin is not None:
            services.project_set_honours(
                actor=admin, project=event, is_gold=True, is_city_demonstration=False
            )
        first_shift = event.shifts.order_by("starts_at", "pk").first()
        _sign_up("volunteer4@example.com", shift=first_shift)
        lines.append("large event 朝阳城市半程马拉松志愿服务 (gold): 2 areas, 3 posts, 6 shifts")

    if nanlang is not None:
        station_staff = _user("station@example.com")
        station_project = services.project_create(
            actor=station_staff,
            publisher_node=nanlang,
            data=project_data(
                "南郎家园垃圾分类宣传",
                nanlang,
                category="environment",
                description="在小区投放点引导居民分类投放。",
                work_content="桶前值守、入户宣传。",
            ),
        )
        services.activity_create(
            actor=station_staff,
            project=station_project,
            data={
                "title": "晚间桶前值守",
                "starts_at": _at(3, 18),
                "ends_at": _at(3, 20),
                "place": "南郎家园3号楼投放点",
                "quota": 4,
            },
        )
        publish(station_project, institute or admin)
        lines.append("station project 南郎家园垃圾分类宣传")

    if jianwai_org is not None:
        waiting = services.project_create(
            actor=jianwai_org.created_by,
            organization=jianwai_org,
            data=project_data(
                "建外街道文明交通劝导",
                jianwai_org.node,
                category="traffic",
                description="早高峰路口劝导行人和非机动车文明出行。",
                work_content="路口劝导。",
            ),
        )
        publish(waiting, None)
        lines.append(
            "project 建外街道文明交通劝导 waits in the review queue (institute@example.com)"
        )
    return lines


def seed() -> list[str]:
    # Sign-up notices go out after commit; the demo's are nobody's news.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        return _seed()
