"""Demo organizations in 朝阳区, registered, reviewed and joined through the organizations services:
one approved with a team and members, one district-level association, one waiting for review at
the 南郎家园 station (for station@example.com to review) and one sent back for changes."""

from __future__ import annotations

from django.db import transaction
from django.test import override_settings

from accounts.models import User
from civilization_stations.models import PracticeNode
from organizations.models import Membership, Organization
from organizations.services import (
    create_team,
    decide_membership,
    register_organization,
    request_membership,
    review_organization,
)
from volunteers.models import Volunteer

# name, type, node code, registrant's email, reviewer's email, decision, note, description
DEMO_ORGANIZATIONS = [
    (
        "建外街道志愿服务队",
        "community_team",
        "110105001",
        "volunteer@example.com",
        "institute@example.com",
        "approve",
        "",
        "建外街道的志愿服务中队，开展助老助残、垃圾分类宣传和文明引导。",
    ),
    (
        "朝阳区青年志愿者协会",
        "social",
        "110105",
        "volunteer3@example.com",
        "center@example.com",
        "approve",
        "",
        "面向全区青年的志愿服务社会组织，承接大型活动志愿服务。",
    ),
    (
        "南郎家园邻里互助队",
        "community_team",
        "110105001024",
        "volunteer2@example.com",
        None,
        None,
        "",
        "社区居民自发组成的互助队，为独居老人提供代购、陪诊。",
    ),
    (
        "朝外法律服务志愿队",
        "other",
        "110105002",
        "volunteer3@example.com",
        "center@example.com",
        "request_changes",
        "请补充组织简介，写明服务内容、服务对象和执业律师人数。",
        "",
    ),
]

# (organization, volunteer email, approved?) — None: the request still waits
DEMO_MEMBERS = [
    ("建外街道志愿服务队", "volunteer2@example.com", True),
    ("建外街道志愿服务队", "volunteer4@example.com", None),
    ("建外街道志愿服务队", "teen@example.com", True),
    ("朝阳区青年志愿者协会", "volunteer4@example.com", True),
    ("朝阳区青年志愿者协会", "volunteer5@example.com", None),
]


def _volunteer(email: str) -> Volunteer | None:
    return Volunteer.objects.active().filter(user__email=email).first()


def _register(name, type_, code, registrant, reviewer, decision, note, description):
    existing = Organization.objects.filter(name=name, parent__isnull=True).first()
    if existing is not None:
        return existing
    node = PracticeNode.objects.filter(code=code).first()
    volunteer = _volunteer(registrant)
    if node is None or volunteer is None:
        return None
    organization = register_organization(
        user=volunteer.user,
        name=name,
        type=type_,
        node=node,
        contact_name=volunteer.name,
        contact_phone=volunteer.phone,
        contact_email=registrant,
        description=description,
    )
    if decision:
        by = (
            User.objects.filter(email=reviewer).first()
            or User.objects.filter(is_federation_admin=True).first()
        )
        if by is not None:
            review_organization(
                organization=organization, reviewer=by, decision=decision, note=note
            )
    return organization


def _seed() -> list[str]:
    lines = []
    organizations = {}
    for row in DEMO_ORGANIZATIONS:
        organization = _register(*row)
        if organization is not None:
            organizations[organization.name] = organization
            organization.refresh_from_db()
            lines.append(
                f"organization {organization.name} ({organization.get_status_display()}), "
                f"admin {row[3]}"
            )
    jianwai = organizations.get("建外街道志愿服务队")
    nanlang = PracticeNode.objects.filter(code="110105001024").first()
    if jianwai is not None and jianwai.is_approved and nanlang is not None:
        if not jianwai.teams.filter(name="南郎家园分队").exists():
            create_team(
                organization=jianwai,
                creator=jianwai.created_by,
                name="南郎家园分队",
                node=nanlang,
                contact_name=jianwai.contact_name,
                contact_phone=jianwai.contact_phone,
                description="建外街道志愿服务队在南郎家园社区的分队。",
            )
        lines.append("team 南郎家园分队 of 建外街道志愿服务队")
    for org_name, email, approve in DEMO_MEMBERS:
        organization = organizations.get(org_name)
        volunteer = _volunteer(email)
        if organization is None or volunteer is None or not organization.is_approved:
            continue
        if Membership.objects.filter(organization=organization, volunteer=volunteer).exists():
            continue
        membership = request_membership(organization=organization, volunteer=volunteer)
        if approve is not None:
            decide_membership(membership=membership, admin=organization.created_by, approve=approve)
    return lines


def seed() -> list[str]:
    # The services email every decision after commit; the demo's decisions are nobody's news.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        return _seed()
