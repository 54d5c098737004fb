"""The people and objects the access matrix and the bad-input tests act with.

Five roles, each an *outsider* to the objects under test except the federation admin: the objects
(an organization, its projects, …) live in 朝阳区 under 南郎家园社区; the organization admin runs
another organization (in 东城区) and the station staff work for another district (东城区).
A feature adds its objects to `World` (a field and a line in `world()`), then rows that use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from tests.factories import OrganizationFactory, UserFactory, VolunteerFactory, make_org_admin

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


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(tree) -> World:
    organization = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    organization_admin = make_org_admin(organization)
    other_organization = OrganizationFactory(name="多福巷志愿服务队", node=tree.duofu)
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
    )
