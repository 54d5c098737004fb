"""Child teams (分队): created by an approved organization's admins within its node, approved with
it, managed by its admins."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from organizations.access import is_org_admin
from organizations.models import Membership, Organization
from organizations.services import create_team, remove_member, update_organization
from tests.factories import OrganizationFactory, VolunteerFactory

from .conftest import login


def team_data(tree, **overrides):
    data = {
        "name": "南郎家园分队",
        "district": tree.chaoyang.code,
        "street": tree.jianwai.code,
        "community": tree.nanlang.code,
        "contact_name": "赵队长",
        "contact_phone": "13811112222",
        "contact_email": "",
        "description": "",
    }
    data.update(overrides)
    return data


def new_team_url(org):
    return f"/organizations/{org.pk}/manage/teams/new/"


def test_an_admin_creates_a_team_that_is_approved_at_once(client, org, org_admin, tree):
    login(client, org_admin)
    form = client.get(new_team_url(org)).content.decode()
    response = client.post(new_team_url(org), team_data(tree))

    team = Organization.objects.get(name="南郎家园分队")
    assert response.status_code == 302
    assert (team.parent, team.status, team.type, team.node) == (
        org,
        "approved",
        org.type,
        tree.nanlang,
    )
    assert team.created_by == org_admin.user
    # The picker only offers the organization's own street.
    assert "朝外街道" not in form and "东城区" not in form
    public = client.get(f"/organizations/{org.pk}/").content.decode()
    assert "南郎家园分队" in public
    assert "南郎家园分队" in client.get("/organizations/").content.decode()


def test_a_team_s_node_lies_within_the_organization_s(client, org, org_admin, tree):
    response = login(client, org_admin).post(
        new_team_url(org),
        team_data(tree, street=tree.chaowai.code, community=tree.jiqing.code),
    )
    assert response.status_code == 200
    assert "所选阵地不在可选范围内" in response.content.decode()
    with pytest.raises(ValidationError) as info:
        create_team(
            organization=org,
            creator=org_admin.user,
            name="吉庆里分队",
            node=tree.jiqing,
            contact_name="赵",
            contact_phone="13811112222",
        )
    assert "分队所属阵地须在“建外街道”范围内。" in info.value.messages
    assert not org.teams.exists()


def test_bad_team_input_is_refused_in_chinese(client, org, org_admin, tree):
    response = login(client, org_admin).post(
        new_team_url(org), team_data(tree, name="", contact_phone="010-123")
    )
    html = response.content.decode()
    assert "请填写分队名称。" in html
    assert "请输入有效的手机号码或固定电话" in html
    assert 'value="赵队长"' in html
    assert not org.teams.exists()


def test_two_teams_of_one_organization_cannot_share_a_name(org, org_admin, tree):
    kwargs = {
        "organization": org,
        "creator": org_admin.user,
        "name": "南郎家园分队",
        "node": tree.nanlang,
        "contact_name": "赵",
        "contact_phone": "13811112222",
    }
    create_team(**kwargs)
    with pytest.raises(ValidationError, match="该组织已有同名分队"):
        create_team(**kwargs)


def test_an_organization_under_review_cannot_create_teams(client, pending_org, tree):
    admin = pending_org.memberships.get().volunteer
    response = login(client, admin).get(new_team_url(pending_org), follow=True)
    assert "组织通过审核后才能建立分队。" in response.content.decode()
    with pytest.raises(ValidationError, match="通过审核后才能建立分队"):
        create_team(
            organization=pending_org,
            creator=admin.user,
            name="分队",
            node=tree.nanlang,
            contact_name="赵",
            contact_phone="13811112222",
        )


def test_teams_do_not_have_teams(org, org_admin, tree):
    team = OrganizationFactory(parent=org, node=tree.nanlang)
    with pytest.raises(ValidationError, match="分队下不能再建立分队"):
        create_team(
            organization=team,
            creator=org_admin.user,
            name="孙分队",
            node=tree.nanlang,
            contact_name="赵",
            contact_phone="13811112222",
        )


def test_other_organizations_admins_and_members_cannot_create_teams(
    client, org, other_org_admin, tree
):
    member = VolunteerFactory()
    Membership.objects.create(organization=org, volunteer=member, status="approved")
    for person in (other_org_admin, member):
        login(client, person)
        assert client.post(new_team_url(org), team_data(tree)).status_code == 404
        with pytest.raises(ValidationError, match="只有组织管理员可以建立分队"):
            create_team(
                organization=org,
                creator=person.user,
                name="分队",
                node=tree.nanlang,
                contact_name="赵",
                contact_phone="13811112222",
            )
    assert not org.teams.exists()


def test_the_organization_s_admins_manage_its_teams(client, org, org_admin, tree):
    team = OrganizationFactory(name="北郎家园分队", parent=org, node=tree.beilang)
    joined = Membership.objects.create(
        organization=team, volunteer=VolunteerFactory(name="队员丙"), status="approved"
    )
    assert is_org_admin(org_admin.user, team)

    login(client, org_admin)
    console = client.get(f"/organizations/{org.pk}/manage/").content.decode()
    members = client.get(f"/organizations/{team.pk}/manage/members/").content.decode()

    assert "北郎家园分队" in console
    assert "队员丙" in members
    # A team needs no admin of its own: its organization's admins manage it.
    team_admin = Membership.objects.create(
        organization=team, volunteer=VolunteerFactory(), role="admin", status="approved"
    )
    remove_member(membership=team_admin, admin=org_admin.user)
    remove_member(membership=joined, admin=org_admin.user)
    assert not team.memberships.approved().exists()


def test_a_team_s_admin_cannot_manage_the_parent_organization(client, org, tree):
    team = OrganizationFactory(parent=org, node=tree.nanlang)
    team_admin = VolunteerFactory()
    Membership.objects.create(
        organization=team, volunteer=team_admin, role="admin", status="approved"
    )
    login(client, team_admin)
    assert client.get(f"/organizations/{team.pk}/manage/").status_code == 200
    assert client.get(f"/organizations/{org.pk}/manage/").status_code == 404


def test_a_team_may_be_renamed_and_moved_within_the_organization(org, org_admin, tree):
    team = OrganizationFactory(name="旧名分队", parent=org, node=tree.nanlang)
    update_organization(
        organization=team,
        editor=org_admin.user,
        name="新名分队",
        type="social",
        node=tree.beilang,
        contact_name="赵",
        contact_phone="13811112222",
    )
    team.refresh_from_db()
    assert (team.name, team.node, team.type, team.status) == (
        "新名分队",
        tree.beilang,
        org.type,
        "approved",
    )


def test_an_approved_organization_keeps_its_name_type_and_node(client, org, org_admin, tree):
    with pytest.raises(ValidationError, match="不能自行修改名称、类型和所属阵地"):
        update_organization(
            organization=org,
            editor=org_admin.user,
            name="改个名字",
            type=org.type,
            node=org.node,
            contact_name="王",
            contact_phone="13700000000",
        )
    # The edit page locks those fields and still saves the contact details.
    login(client, org_admin)
    response = client.post(
        f"/organizations/{org.pk}/manage/edit/",
        {"name": "改个名字", "contact_name": "新联系人", "contact_phone": "010-65001234"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.contact_name, org.contact_phone) == (
        "建外街道志愿服务队",
        "新联系人",
        "010-65001234",
    )
