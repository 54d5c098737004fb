"""The people and objects the access matrix acts with.

Five roles, each an *outsider* to the objects under test except the federation admin: the objects
(an organization, its projects, …) live in 朝阳区 under 南郎家园社区; the organization admin runs
another organization (in 东城区) and the station staff work for another district (东城区).
A feature adds its objects in `_features()` (into `World.extra`), then rows that use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from tests.factories import (
    OrganizationFactory,
    UserFactory,
    VolunteerFactory,
    load_tree,
    make_org_admin,
)

ANON = "anonymous"
VOLUNTEER = "volunteer"
ORG_ADMIN = "org_admin_of_another_org"
STAFF = "staff_of_another_district"
FED = "federation_admin"
ROLES = (ANON, VOLUNTEER, ORG_ADMIN, STAFF, FED)


@dataclass
class World:
    tree: SimpleNamespace
    users: dict[str, Any]
    organization: Any  # in 朝阳区 / 南郎家园社区, with its own admin (not one of the roles)
    organization_admin: Any
    other_organization: Any  # in 东城区, run by the ORG_ADMIN role
    extra: dict[str, Any] = field(default_factory=dict)  # features may park objects here


FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once per module, inside a transaction rolled back at its end. A test that takes
    `world` also takes `db`, whose savepoint gives each test a fresh copy of it."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        yield _build_world()
        transaction.set_rollback(True)


def _build_world() -> World:
    tree = load_tree()
    organization = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    organization_admin = make_org_admin(organization)
    other_organization = OrganizationFactory(name="多福巷志愿服务队", node=tree.duofu)
    extra = _features(tree, organization, organization_admin)
    users = {
        ANON: None,
        VOLUNTEER: VolunteerFactory(name="普通志愿者").user,
        ORG_ADMIN: make_org_admin(other_organization).user,
        STAFF: UserFactory(staff_node=tree.dongcheng, name="东城区中心工作人员"),
        FED: UserFactory(is_federation_admin=True, name="联合会管理员"),
    }
    return World(
        tree=tree,
        users=users,
        organization=organization,
        organization_admin=organization_admin,
        other_organization=other_organization,
        extra=extra,
    )


def _features(tree: SimpleNamespace, organization: Any, organization_admin: Any) -> dict[str, Any]:
    """Objects of the features above floor 2, all in 朝阳区: a member of the organization, its
    project with an activity, and an order placed at 南郎家园社区."""
    from datetime import timedelta

    from django.utils import timezone

    from orders import services as order_services
    from organizations.models import Membership
    from tests.projects.factories import ActivityFactory, ProjectFactory

    member = VolunteerFactory(name="南郎家园队员", residence_node=tree.nanlang)
    membership = Membership.objects.create(
        organization=organization, volunteer=member, role="member", status="approved"
    )
    project = ProjectFactory(organization=organization, title="南郎家园助老")
    activity = ActivityFactory(project=project)
    start = timezone.now() + timedelta(days=1)
    order = order_services.place_order(
        node=tree.nanlang,
        resident=UserFactory(name="李阿姨"),
        details=order_services.OrderDetails(
            category="elderly",
            description="独居老人需要陪同去医院复查",
            address="南郎家园 3 号楼 2 单元 501",
            wanted_from=start,
            wanted_until=start + timedelta(hours=3),
            contact_name="李阿姨",
            contact_phone="13812345678",
            contact_email="resident@example.com",
        ),
    )
    return {
        "member": member,
        "membership": membership,
        "admin_membership": organization_admin.memberships.get(organization=organization),
        "project": project,
        "activity": activity,
        "order": order,
    }
