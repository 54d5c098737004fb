"""Owner / member / outsider fixtures for organizations. `org` is an approved organization at the
建外街道 institute; `pending_org` waits for review at the 南郎家园 station below it."""

from __future__ import annotations

import pytest

from tests.factories import OrganizationFactory, VolunteerFactory, make_org_admin


@pytest.fixture
def org(tree):
    return OrganizationFactory(name="建外街道志愿服务队", node=tree.jianwai, type="community_team")


@pytest.fixture
def org_admin(org):
    """The volunteer who administers `org`."""
    return make_org_admin(org)


@pytest.fixture
def pending_org(tree):
    organization = OrganizationFactory(
        name="南郎家园邻里互助队", node=tree.nanlang, status="pending", type="social"
    )
    make_org_admin(organization)
    return organization


@pytest.fixture
def other_org(tree):
    return OrganizationFactory(name="东华门志愿服务队", node=tree.donghuamen)


@pytest.fixture
def other_org_admin(other_org):
    """An admin of another organization (in another district)."""
    return make_org_admin(other_org)


@pytest.fixture
def volunteer(db):
    return VolunteerFactory(name="李志愿")


def login(client, who):
    """Sign in a user, or the account of a volunteer."""
    client.force_login(getattr(who, "user", None) or who)
    return client
