"""The public directory, an organization's page (pending ones hidden), "my organizations", and
the panels other apps show (a node's page, the volunteer's profile)."""

from __future__ import annotations

import pytest

from organizations.models import Membership
from tests.factories import OrganizationFactory, VolunteerFactory, make_org_admin

from .conftest import login

LIST = "/organizations/"


@pytest.fixture
def directory(tree):
    """Organizations across both districts, in every state."""
    return {
        "nanlang": OrganizationFactory(name="南郎家园助老队", node=tree.nanlang, type="social"),
        "jianwai": OrganizationFactory(name="建外青年志愿者", node=tree.jianwai, type="university"),
        "jiqing": OrganizationFactory(name="吉庆里环保队", node=tree.jiqing, type="social"),
        "duofu": OrganizationFactory(name="多福巷助老队", node=tree.duofu, type="social"),
        "pending": OrganizationFactory(name="待审核的队伍", node=tree.nanlang, status="pending"),
        "rejected": OrganizationFactory(name="被驳回的队伍", node=tree.nanlang, status="rejected"),
        "changes": OrganizationFactory(
            name="需修改的队伍", node=tree.nanlang, status="changes_requested"
        ),
    }


def names_in(response):
    html = response.content.decode()
    return {
        name
        for name in [
            "南郎家园助老队",
            "建外青年志愿者",
            "吉庆里环保队",
            "多福巷助老队",
            "待审核的队伍",
            "被驳回的队伍",
            "需修改的队伍",
        ]
        if name in html
    }


def test_the_directory_lists_approved_organizations_only(client, directory):
    response = client.get(LIST)
    assert response.status_code == 200
    assert names_in(response) == {
        "南郎家园助老队",
        "建外青年志愿者",
        "吉庆里环保队",
        "多福巷助老队",
    }
    assert "朝阳区 › 建外街道 › 南郎家园社区居委会" in response.content.decode()


def test_the_directory_searches_by_name(client, directory):
    assert names_in(client.get(LIST, {"q": "助老"})) == {"南郎家园助老队", "多福巷助老队"}


def test_the_directory_filters_by_type(client, directory):
    assert names_in(client.get(LIST, {"type": "university"})) == {"建外青年志愿者"}


def test_the_directory_filters_by_district_street_and_community(client, tree, directory):
    chaoyang = client.get(LIST, {"district": tree.chaoyang.code})
    jianwai = client.get(LIST, {"district": tree.chaoyang.code, "street": tree.jianwai.code})
    nanlang = client.get(
        LIST,
        {
            "district": tree.chaoyang.code,
            "street": tree.jianwai.code,
            "community": tree.nanlang.code,
        },
    )
    both = client.get(LIST, {"district": tree.dongcheng.code, "type": "social", "q": "助老"})

    assert names_in(chaoyang) == {"南郎家园助老队", "建外青年志愿者", "吉庆里环保队"}
    assert names_in(jianwai) == {"南郎家园助老队", "建外青年志愿者"}
    assert names_in(nanlang) == {"南郎家园助老队"}
    assert names_in(both) == {"多福巷助老队"}
    # The street select lists the chosen district's streets (no JavaScript needed).
    assert (
        f'<option value="{tree.jianwai.code}" selected>建外街道</option>'
        in jianwai.content.decode()
    )


def test_a_street_of_another_district_is_refused_not_ignored_silently(client, tree, directory):
    response = client.get(LIST, {"district": tree.dongcheng.code, "street": tree.jianwai.code})
    assert response.status_code == 200
    assert "所选阵地不在可选范围内，请重新选择。" in response.content.decode()


def test_an_empty_result_says_so(client, directory):
    html = client.get(LIST, {"q": "没有这个组织"}).content.decode()
    assert "没有找到符合条件的志愿服务组织" in html


def test_the_directory_is_paginated_and_keeps_the_filters(client, tree):
    for n in range(25):
        OrganizationFactory(name=f"朝阳队{n:02d}", node=tree.nanlang)
    first = client.get(LIST, {"q": "朝阳队"}).content.decode()
    second = client.get(LIST, {"q": "朝阳队", "page": 2}).content.decode()

    assert first.count("朝阳队") - first.count('value="朝阳队"') >= 20
    assert "朝阳队19" in first and "朝阳队20" not in first
    assert "朝阳队20" in second and "朝阳队24" in second and "朝阳队19" not in second
    assert "q=%E6%9C%9D%E9%98%B3%E9%98%9F&amp;page=2" in first


@pytest.mark.parametrize(
    ("params", "queries"),
    [
        ({}, 4),  # count, page, lineage, districts
        # + validating and listing the chosen district and street
        ({"district": "110105", "street": "110105001", "type": "social"}, 8),
    ],
)
def test_the_directory_s_query_count_does_not_grow_with_the_page(
    client, tree, directory, params, queries, django_assert_num_queries
):
    for n in range(20):
        team_parent = directory["jianwai"]
        OrganizationFactory(name=f"分队{n}", node=tree.beilang, parent=team_parent, type="social")
    with django_assert_num_queries(queries):
        response = client.get(LIST, params)
    assert response.status_code == 200


# An organization's page ----------------------------------------------------------------------


def test_an_approved_organization_is_public_with_its_teams(client, org, tree):
    OrganizationFactory(name="南郎家园分队", parent=org, node=tree.nanlang)
    OrganizationFactory(name="未批准的分队", parent=org, node=tree.nanlang, status="pending")
    html = client.get(f"/organizations/{org.pk}/").content.decode()

    assert org.name in html
    assert "南郎家园分队" in html
    assert "未批准的分队" not in html
    assert "登录</a>后可申请加入。" in html


def test_a_pending_organization_is_hidden_from_outsiders(
    client, pending_org, plain_user, other_org_admin, tree, staff_factory
):
    url = f"/organizations/{pending_org.pk}/"
    assert client.get(url).status_code == 404
    client.force_login(plain_user)
    assert client.get(url).status_code == 404
    login(client, other_org_admin)
    assert client.get(url).status_code == 404
    client.force_login(staff_factory(tree.dongcheng))
    assert client.get(url).status_code == 404
    client.force_login(staff_factory(tree.beilang))
    assert client.get(url).status_code == 404


def test_a_pending_organization_is_shown_to_its_admins_and_reviewers(
    client, pending_org, tree, staff_factory
):
    url = f"/organizations/{pending_org.pk}/"
    login(client, pending_org.memberships.get().volunteer)
    admin_view = client.get(url).content.decode()
    client.force_login(staff_factory(tree.jianwai))
    reviewer_view = client.get(url).content.decode()

    assert "该组织尚未通过审核" in admin_view and "管理组织" in admin_view
    assert "该组织尚未通过审核" in reviewer_view
    assert f"/organizations/{pending_org.pk}/review/" in reviewer_view


def test_an_unknown_organization_is_404(client, db):
    assert client.get("/organizations/999999/").status_code == 404


# My organizations ----------------------------------------------------------------------------


def test_my_organizations_lists_what_i_administer_and_belong_to(client, org, other_org, tree):
    volunteer = VolunteerFactory()
    make_org_admin(org, volunteer)
    Membership.objects.create(organization=other_org, volunteer=volunteer, status="pending")
    left = OrganizationFactory(name="已退出的队", node=tree.nanlang)
    Membership.objects.create(organization=left, volunteer=volunteer, status="removed")

    html = login(client, volunteer).get("/organizations/mine/").content.decode()

    assert org.name in html and f"/organizations/{org.pk}/manage/" in html
    assert other_org.name in html and "待审核" in html
    assert "已退出的队" not in html


def test_my_organizations_asks_a_non_volunteer_to_register(client, plain_user):
    client.force_login(plain_user)
    html = client.get("/organizations/mine/").content.decode()
    assert "您还没有完成志愿者实名注册" in html
    assert 'href="/me/"' in html


def test_my_organizations_has_an_empty_state(client, volunteer):
    html = login(client, volunteer).get("/organizations/mine/").content.decode()
    assert "您还没有加入任何组织" in html


# Panels and navigation -----------------------------------------------------------------------


def test_the_node_page_lists_approved_organizations_under_it(client, tree, directory):
    jianwai = client.get(f"/stations/{tree.jianwai.code}/").content.decode()
    duofu = client.get(f"/stations/{tree.duofu.code}/").content.decode()
    beilang = client.get(f"/stations/{tree.beilang.code}/").content.decode()

    assert "南郎家园助老队" in jianwai and "建外青年志愿者" in jianwai
    assert "吉庆里环保队" not in jianwai and "待审核的队伍" not in jianwai
    assert "多福巷助老队" in duofu
    assert "这里还没有通过审核的志愿服务组织。" in beilang


def test_the_node_panel_links_to_the_filtered_directory_when_there_are_more(client, tree):
    for n in range(11):
        OrganizationFactory(name=f"南郎队{n:02d}", node=tree.nanlang)
    html = client.get(f"/stations/{tree.jianwai.code}/").content.decode()
    assert "南郎队09" in html and "南郎队10" not in html
    assert f"/organizations/?district={tree.chaoyang.code}&amp;street={tree.jianwai.code}" in html


def test_the_profile_page_lists_the_volunteer_s_organizations(client, org, volunteer):
    Membership.objects.create(organization=org, volunteer=volunteer, status="approved")
    response = login(client, volunteer).get("/me/")
    assert response.status_code == 200
    assert org.name in response.content.decode()


def test_the_data_export_includes_memberships(org, volunteer):
    from volunteers.privacy import collect_data_export

    Membership.objects.create(organization=org, volunteer=volunteer, status="approved")
    sections = {s.key: s for s in collect_data_export(volunteer)}
    assert sections["memberships"].records[0]["组织"] == org.name


def test_navigation_shows_organizations_and_review_to_the_right_people(
    client, plain_user, tree, staff_factory
):
    anonymous = client.get("/").content.decode()
    client.force_login(plain_user)
    signed_in = client.get("/").content.decode()
    client.force_login(staff_factory(tree.nanlang))
    staff = client.get("/").content.decode()

    assert 'href="/organizations/"' in anonymous and 'href="/organizations/mine/"' not in anonymous
    assert 'href="/organizations/mine/"' in signed_in
    assert 'href="/organizations/review/"' not in signed_in
    assert 'href="/organizations/review/"' in staff
