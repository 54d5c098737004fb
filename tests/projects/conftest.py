"""Fixtures for projects: an organization with its admin, a recruiting project, volunteers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import OrganizationFactory, VolunteerFactory, make_org_admin
from tests.projects.factories import ActivityFactory, ProjectFactory


@pytest.fixture
def org(tree):
    return OrganizationFactory(node=tree.nanlang, name="南郎家园志愿服务队")


@pytest.fixture
def org_admin(org):
    """The user who administers `org`."""
    return make_org_admin(org).user


@pytest.fixture
def other_org_admin(tree):
    return make_org_admin(OrganizationFactory(node=tree.duofu, name="多福巷志愿服务队")).user


@pytest.fixture
def project(org):
    return ProjectFactory(organization=org)


@pytest.fixture
def activity(project):
    return ActivityFactory(project=project, quota=2)


@pytest.fixture
def volunteer(db):
    return VolunteerFactory(email="v@example.com")


@pytest.fixture
def roles(tree, org_admin, other_org_admin, staff_factory, federation_admin, volunteer):
    """Everyone who might try a write, keyed by who they are."""
    return SimpleNamespace(
        org_admin=org_admin,
        other_org_admin=other_org_admin,
        volunteer=volunteer.user,
        chaoyang_staff=staff_factory(tree.chaoyang),
        dongcheng_staff=staff_factory(tree.dongcheng),
        federation_admin=federation_admin,
    )


@pytest.fixture(autouse=True)
def _hierarchy(request):
    """Organizations need a node: load the small hierarchy for every database test here."""
    if (
        "db" in request.fixturenames
        or "transactional_db" in request.fixturenames
        or request.node.get_closest_marker("django_db")
    ):
        request.getfixturevalue("tree")
