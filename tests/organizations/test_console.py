"""The admin console's overview and edit page, and the Django admin for federation admins."""

from __future__ import annotations

from organizations.models import Organization
from tests.factories import OrganizationFactory, UserFactory, make_org_admin

from .conftest import login


def test_the_overview_shows_counts_status_and_teams(client, org, org_admin, tree):
    OrganizationFactory(name="北郎家园分队", parent=org, node=tree.beilang)
    html = login(client, org_admin).get(f"/organizations/{org.pk}/manage/").content.decode()
    assert "北郎家园分队" in html
    assert "（其中管理员 1 名）" in html
    assert f"/organizations/{org.pk}/manage/teams/new/" in html


def test_a_rejected_organization_shows_the_reason_and_cannot_be_edited(client, tree):
    rejected = OrganizationFactory(status="rejected", review_note="材料不实", node=tree.nanlang)
    admin = make_org_admin(rejected)
    login(client, admin)

    overview = client.get(f"/organizations/{rejected.pk}/manage/").content.decode()
    response = client.get(f"/organizations/{rejected.pk}/manage/edit/", follow=True)

    assert "材料不实" in overview
    assert "已驳回的组织不能修改" in response.content.decode()


def test_editing_a_pending_registration_keeps_it_pending(client, pending_org, tree):
    admin = pending_org.memberships.get().volunteer
    response = login(client, admin).post(
        f"/organizations/{pending_org.pk}/manage/edit/",
        {
            "name": "南郎家园邻里互助会",
            "type": "social",
            "district": tree.chaoyang.code,
            "street": tree.jianwai.code,
            "community": tree.beilang.code,
            "contact_name": "王老师",
            "contact_phone": "13700000000",
        },
    )
    assert response.status_code == 302
    pending_org.refresh_from_db()
    assert (pending_org.name, pending_org.node, pending_org.status) == (
        "南郎家园邻里互助会",
        tree.beilang,
        Organization.Status.PENDING,
    )


def test_the_edit_page_refreshes_the_picker_without_javascript(client, pending_org, tree):
    admin = pending_org.memberships.get().volunteer
    response = login(client, admin).post(
        f"/organizations/{pending_org.pk}/manage/edit/",
        {
            "name": "改过的名字",
            "district": tree.chaoyang.code,
            "street": tree.chaowai.code,
            "refresh_nodes": "1",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "吉庆里社区居委会" in html
    assert 'value="改过的名字"' in html
    pending_org.refresh_from_db()
    assert pending_org.name == "南郎家园邻里互助队"


def test_federation_admins_use_the_django_admin(client, org, org_admin):
    superuser = UserFactory(is_staff=True, is_superuser=True, is_federation_admin=True)
    client.force_login(superuser)
    for url in [
        "/admin/organizations/organization/",
        f"/admin/organizations/organization/{org.pk}/change/",
        "/admin/organizations/membership/",
        "/admin/organizations/organizationreview/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    members = client.get("/admin/organizations/membership/").content.decode()
    assert org_admin.number in members
