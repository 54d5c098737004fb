"""Editing a campaign (name, period, description, coverage) and a service site (name, type, node,
address, opening hours, services): the creation rules hold, enrolled projects' figures never
vanish silently, and every wrong role is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from campaigns import services
from campaigns.models import Campaign, ServiceSite
from campaigns.rollup import run_campaign_rollup
from campaigns.selectors import campaign_data
from hours.services import record_hours
from tests.campaigns.conftest import library_site
from tests.factories import UserFactory, VolunteerFactory
from tests.projects.factories import PostFactory

from .conftest import finished_activity, volunteers


def _fields(campaign: Campaign, **changes) -> dict:
    data = {
        "name": campaign.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "covered_nodes": list(campaign.covered_nodes.all()),
        "description": campaign.description,
    }
    data.update(changes)
    return data


def _post_data(campaign: Campaign, **changes) -> dict:
    data = _fields(campaign, **changes)
    data["covered_nodes"] = [n.code for n in data["covered_nodes"]]
    data["starts_on"] = data["starts_on"].isoformat()
    data["ends_on"] = data["ends_on"].isoformat()
    return data


def _enrol(cw, campaign=None, project=None, approve=True):
    enrolment = services.enrol_project(
        actor=cw.admin, campaign=campaign or cw.campaign, project=project or cw.project
    )
    if approve:
        services.decide_enrolment(actor=cw.center_staff, enrolment=enrolment, approve=True)
    return enrolment


# --- campaigns: the owner edits -------------------------------------------------------------


def test_the_owner_edits_name_description_and_a_longer_period(cw, client):
    run_campaign_rollup()
    client.force_login(cw.center_staff)
    url = reverse("campaigns:edit", args=[cw.campaign.pk])
    form = client.get(url).content.decode()
    # Date inputs take ISO dates, whatever the locale's display format.
    assert f'value="{cw.campaign.starts_on.isoformat()}"' in form
    assert f'value="{cw.tree.jianwai.code}"' in form and "checked" in form
    response = client.post(
        url,
        _post_data(
            cw.campaign,
            name="学雷锋志愿服务月（延长）",
            description="三月五日前后集中开展",
            ends_on=cw.campaign.ends_on + timedelta(days=5),
            covered_nodes=[cw.tree.jianwai, cw.tree.chaowai],
        ),
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(pk=cw.campaign.pk)
    assert campaign.name == "学雷锋志愿服务月（延长）"
    assert campaign.description == "三月五日前后集中开展"
    assert campaign.ends_on == cw.campaign.ends_on + timedelta(days=5)
    assert set(campaign.covered_nodes.all()) == {cw.tree.jianwai, cw.tree.chaowai}
    # The change makes the next incremental rollup recompute the campaign.
    assert run_campaign_rollup().campaigns == 1


def test_the_create_page_offers_the_centers_streets_by_code(cw, client):
    client.force_login(cw.center_staff)
    url = reverse("campaigns:create")
    form = client.get(url).content.decode()
    assert f'value="{cw.tree.jianwai.code}"' in form
    assert f'value="{cw.tree.dongcheng.code}"' not in form
    response = client.post(
        url,
        {
            "name": "春运志愿服务",
            "starts_on": cw.today.isoformat(),
            "ends_on": (cw.today + timedelta(days=40)).isoformat(),
            "covered_nodes": [cw.tree.jianwai.code, cw.tree.chaowai.code],
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="春运志愿服务")
    assert campaign.owner_node == cw.tree.chaoyang
    assert set(campaign.covered_nodes.all()) == {cw.tree.jianwai, cw.tree.chaowai}


def test_the_detail_page_links_to_the_edit_form_only_for_the_owner(cw, client):
    url = reverse("campaigns:detail", args=[cw.campaign.pk])
    edit = reverse("campaigns:edit", args=[cw.campaign.pk])
    assert edit not in client.get(url).content.decode()
    for user in (cw.admin, cw.dongcheng_staff):
        client.force_login(user)
        assert edit not in client.get(url).content.decode()
    client.force_login(cw.center_staff)
    assert edit in client.get(url).content.decode()


def test_editing_checks_what_creation_checks(cw):
    with pytest.raises(ValidationError) as exc:
        services.campaign_update(
            actor=cw.center_staff,
            campaign=cw.campaign,
            **_fields(
                cw.campaign,
                name="  ",
                ends_on=cw.campaign.starts_on - timedelta(days=1),
                covered_nodes=[],
            ),
        )
    assert set(exc.value.message_dict) == {"name", "ends_on", "covered_nodes"}
    with pytest.raises(ValidationError) as exc:
        services.campaign_update(
            actor=cw.center_staff,
            campaign=cw.campaign,
            **_fields(cw.campaign, covered_nodes=[cw.tree.jianwai, cw.tree.dongcheng]),
        )
    assert "只能覆盖本阵地" in exc.value.message_dict["covered_nodes"][0]
    cw.campaign.refresh_from_db()
    assert cw.campaign.name == "学雷锋志愿服务月"


def test_a_federation_admin_editing_a_centers_campaign_keeps_it_in_that_center(
    cw, federation_admin
):
    with pytest.raises(ValidationError) as exc:
        services.campaign_update(
            actor=federation_admin,
            campaign=cw.campaign,
            **_fields(cw.campaign, covered_nodes=[cw.tree.dongcheng]),
        )
    assert "covered_nodes" in exc.value.message_dict
    services.campaign_update(
        actor=federation_admin,
        campaign=cw.campaign,
        **_fields(cw.campaign, covered_nodes=[cw.tree.chaoyang]),
    )
    assert list(cw.campaign.covered_nodes.all()) == [cw.tree.chaoyang]


def test_the_edit_page_keeps_what_was_typed_on_error(cw, client):
    client.force_login(cw.center_staff)
    response = client.post(
        reverse("campaigns:edit", args=[cw.campaign.pk]),
        _post_data(cw.campaign, name="春运志愿服务", covered_nodes=[cw.tree.dongcheng]),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="春运志愿服务"' in body
    cw.campaign.refresh_from_db()
    assert cw.campaign.name == "学雷锋志愿服务月"


def test_coverage_cannot_be_narrowed_away_from_an_enrolled_project(cw):
    _enrol(cw, approve=False)  # pending counts too: the owner has yet to decide it
    with pytest.raises(ValidationError) as exc:
        services.campaign_update(
            actor=cw.center_staff,
            campaign=cw.campaign,
            **_fields(cw.campaign, covered_nodes=[cw.tree.chaowai]),
        )
    assert "南郎家园助老" in exc.value.message_dict["covered_nodes"][0]
    # Narrowing to a node that still covers the project is fine.
    services.campaign_update(
        actor=cw.center_staff,
        campaign=cw.campaign,
        **_fields(cw.campaign, covered_nodes=[cw.tree.nanlang]),
    )
    assert list(cw.campaign.covered_nodes.all()) == [cw.tree.nanlang]


def test_a_rejected_enrolment_does_not_hold_the_coverage(cw):
    enrolment = _enrol(cw, approve=False)
    services.decide_enrolment(
        actor=cw.center_staff, enrolment=enrolment, approve=False, note="与主题不符"
    )
    services.campaign_update(
        actor=cw.center_staff,
        campaign=cw.campaign,
        **_fields(cw.campaign, covered_nodes=[cw.tree.chaowai]),
    )
    assert list(cw.campaign.covered_nodes.all()) == [cw.tree.chaowai]


# --- shortening the period --------------------------------------------------------------------


@pytest.fixture
def served(cw):
    """An approved project with 3 hours and 20 people served 15 days ago, inside the period
    (which started 20 days ago)."""
    _enrol(cw)
    (alice,) = volunteers(1)
    activity = finished_activity(cw.project, days_ago=15, volunteers=[alice])
    # Checked in and out (staff entries this old would be past the recording deadline).
    record_hours(volunteer=alice, hours="3", source="checkin", slot=activity)
    services.record_slot_result(actor=cw.admin, slot=activity, people_served=20)
    run_campaign_rollup()
    assert campaign_data(cw.campaign).totals.person_times == 1
    return activity


def test_shortening_the_period_past_counted_figures_needs_confirmation(cw, served):
    later = cw.today - timedelta(days=10)
    with pytest.raises(ValidationError) as exc:
        services.campaign_update(
            actor=cw.center_staff, campaign=cw.campaign, **_fields(cw.campaign, starts_on=later)
        )
    assert exc.value.code == "period_drops_figures"
    message = exc.value.messages[0]
    assert "1 条服务记录（3.0 小时，1 人次）" in message
    assert "1 条服务成效（服务对象 20 人次）" in message
    cw.campaign.refresh_from_db()
    assert cw.campaign.starts_on == cw.today - timedelta(days=20)

    services.campaign_update(
        actor=cw.center_staff,
        campaign=cw.campaign,
        confirm_period=True,
        **_fields(cw.campaign, starts_on=later),
    )
    run_campaign_rollup()
    totals = campaign_data(Campaign.objects.get(pk=cw.campaign.pk)).totals
    assert (totals.person_times, totals.people_served) == (0, 0)


def test_shortening_that_leaves_nothing_out_needs_no_confirmation(cw, served):
    services.campaign_update(
        actor=cw.center_staff,
        campaign=cw.campaign,
        **_fields(cw.campaign, starts_on=cw.today - timedelta(days=16)),
    )
    run_campaign_rollup()
    assert campaign_data(Campaign.objects.get(pk=cw.campaign.pk)).totals.person_times == 1


def test_the_edit_page_asks_for_confirmation_then_saves(cw, served, client):
    client.force_login(cw.center_staff)
    url = reverse("campaigns:edit", args=[cw.campaign.pk])
    data = _post_data(cw.campaign, starts_on=cw.today - timedelta(days=10))
    assert 'name="confirm_period"' not in client.get(url).content.decode()
    response = client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "将不再计入" in body and 'name="confirm_period"' in body
    assert client.post(url, {**data, "confirm_period": "on"}).status_code == 302
    assert Campaign.objects.get(pk=cw.campaign.pk).starts_on == cw.today - timedelta(days=10)


# --- campaigns: the wrong role ----------------------------------------------------------------


def test_only_the_owner_edits_a_campaign(cw, client, staff_factory, federation_admin):
    federation_campaign = services.campaign_create(
        actor=federation_admin,
        name="春运志愿服务",
        starts_on=cw.today,
        ends_on=cw.today,
        covered_nodes=[cw.tree.chaoyang],
    )
    institute_staff = staff_factory(cw.tree.jianwai)
    plain = VolunteerFactory().user
    cases = [
        (plain, cw.campaign),
        (cw.admin, cw.campaign),  # the organization whose project may enrol
        (cw.other_admin, cw.campaign),
        (cw.dongcheng_staff, cw.campaign),  # another center
        (institute_staff, cw.campaign),  # below the owning center
        (cw.center_staff, federation_campaign),  # a center, on the federation's campaign
    ]
    for user, campaign in cases:
        with pytest.raises(PermissionDenied):
            services.campaign_update(
                actor=user, campaign=campaign, **_fields(campaign, name="改名")
            )
        client.force_login(user)
        url = reverse("campaigns:edit", args=[campaign.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, _post_data(campaign, name="改名")).status_code == 404
    client.logout()
    response = client.post(
        reverse("campaigns:edit", args=[cw.campaign.pk]), _post_data(cw.campaign, name="改名")
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert set(Campaign.objects.values_list("name", flat=True)) == {
        "学雷锋志愿服务月",
        "春运志愿服务",
    }


def test_a_center_edits_its_own_campaign_not_another_centers(cw, staff_factory):
    dongcheng_campaign = services.campaign_create(
        actor=cw.dongcheng_staff,
        name="东城区文明引导",
        starts_on=cw.today,
        ends_on=cw.today,
        covered_nodes=[cw.tree.donghuamen],
    )
    with pytest.raises(PermissionDenied):
        services.campaign_update(
            actor=cw.center_staff,
            campaign=dongcheng_campaign,
            **_fields(dongcheng_campaign, name="改名"),
        )
    services.campaign_update(
        actor=cw.dongcheng_staff,
        campaign=dongcheng_campaign,
        **_fields(dongcheng_campaign, name="东城区文明引导月"),
    )
    assert Campaign.objects.get(pk=dongcheng_campaign.pk).name == "东城区文明引导月"


# --- service sites ----------------------------------------------------------------------------


@pytest.fixture
def street_site(cw):
    """A site of a large-event project serving all of 建外街道, standing at the street."""
    post = PostFactory(
        area__project__organization=cw.org,
        area__project__node=cw.tree.jianwai,
        area__project__title="建外街道学雷锋志愿服务岗",
    )
    return library_site(cw.admin, post.area.project, services="咨询引导、图书整理")


def _site_data(site: ServiceSite, **changes) -> dict:
    data = {
        "name": site.name,
        "kind": site.kind,
        "node": site.node,
        "address": site.address,
        "opening_hours": site.opening_hours,
        "services": site.services,
    }
    data.update(changes)
    return data


def test_a_site_starts_at_its_projects_node(cw, street_site):
    assert street_site.node == cw.tree.jianwai and street_site.node_path == cw.tree.jianwai.path


def test_the_projects_manager_edits_the_site_and_moves_it_below_the_projects_node(
    cw, street_site, client
):
    client.force_login(cw.admin)
    detail = reverse("campaigns:site_detail", args=[street_site.pk])
    url = reverse("campaigns:site_edit", args=[street_site.pk])
    assert url in client.get(detail).content.decode()
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "南郎家园社区书屋学雷锋志愿服务岗",
            "kind": ServiceSite.Kind.STATION,
            "node": cw.tree.nanlang.code,
            "address": "南郎家园 5 号楼一层",
            "opening_hours": "每天 8:30—20:30",
            "services": "借阅指导、老年人智能手机帮办",
        },
    )
    assert response.status_code == 302
    site = ServiceSite.objects.get(pk=street_site.pk)
    assert (site.name, site.kind, site.node, site.node_path) == (
        "南郎家园社区书屋学雷锋志愿服务岗",
        "station",
        cw.tree.nanlang,
        cw.tree.nanlang.path,
    )
    assert (site.address, site.opening_hours) == ("南郎家园 5 号楼一层", "每天 8:30—20:30")
    # Listed on its new node's page, not on a neighbour's.
    nanlang = client.get(reverse("stations:node", args=[cw.tree.nanlang.code])).content.decode()
    beilang = client.get(reverse("stations:node", args=[cw.tree.beilang.code])).content.decode()
    assert "南郎家园社区书屋学雷锋志愿服务岗" in nanlang
    assert "南郎家园社区书屋学雷锋志愿服务岗" not in beilang


def test_a_site_cannot_move_outside_its_projects_node(cw, street_site):
    for node in (cw.tree.jiqing, cw.tree.chaoyang, cw.tree.dongcheng):
        with pytest.raises(ValidationError) as exc:
            services.site_update(
                actor=cw.admin, site=street_site, **_site_data(street_site, node=node)
            )
        assert "node" in exc.value.message_dict
    assert ServiceSite.objects.get(pk=street_site.pk).node == cw.tree.jianwai


def test_bad_site_input_is_refused_and_nothing_changes(cw, street_site, client):
    with pytest.raises(ValidationError) as exc:
        services.site_update(
            actor=cw.admin,
            site=street_site,
            **_site_data(
                street_site, name=" ", kind="palace", address="", opening_hours="", node=None
            ),
        )
    assert {"name", "kind", "address", "opening_hours", "node"} <= set(exc.value.message_dict)
    client.force_login(cw.admin)
    response = client.post(
        reverse("campaigns:site_edit", args=[street_site.pk]),
        {
            "name": "新名字",
            "kind": "library",
            "node": cw.tree.dongcheng.code,  # not among the choices
            "address": "",
            "opening_hours": "全天",
            "services": "咨询",
        },
    )
    assert response.status_code == 400
    assert 'value="新名字"' in response.content.decode()
    assert ServiceSite.objects.get(pk=street_site.pk).name == "建外街道图书馆学雷锋志愿服务站"


def test_only_the_projects_managers_edit_a_site(cw, street_site, client, federation_admin):
    services.site_rate(actor=federation_admin, site=street_site, rating="gold")
    plain = VolunteerFactory().user
    # Staff of the site's own district manage station projects, not an organization's.
    for user in (plain, cw.other_admin, cw.dongcheng_staff, cw.center_staff, federation_admin):
        with pytest.raises(PermissionDenied):
            services.site_update(
                actor=user, site=street_site, **_site_data(street_site, name="改名")
            )
        client.force_login(user)
        url = reverse("campaigns:site_edit", args=[street_site.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "改名"}).status_code == 404
    client.logout()
    response = client.post(reverse("campaigns:site_edit", args=[street_site.pk]), {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    site = ServiceSite.objects.get(pk=street_site.pk)
    assert site.name == "建外街道图书馆学雷锋志愿服务站" and site.rating == "gold"


def test_station_staff_edit_the_site_of_their_station_project(cw, staff_factory):
    post = PostFactory(
        area__project__organization=None,
        area__project__publisher_node=cw.tree.jianwai,
        area__project__node=cw.tree.jianwai,
        area__project__title="建外街道文明实践所值守",
    )
    jianwai_staff = staff_factory(cw.tree.jianwai)
    site = services.site_create(
        actor=jianwai_staff,
        project=post.area.project,
        name="建外街道新时代文明实践所服务岗",
        kind=ServiceSite.Kind.STATION,
        address="建外街道",
        opening_hours="工作日",
        services="政策咨询",
    )
    services.site_update(
        actor=cw.center_staff,  # above the publishing node
        site=site,
        **_site_data(site, opening_hours="工作日 9:00—17:00"),
    )
    with pytest.raises(PermissionDenied):
        services.site_update(actor=cw.dongcheng_staff, site=site, **_site_data(site))
    with pytest.raises(PermissionDenied):
        services.site_update(
            actor=UserFactory(staff_node=cw.tree.chaowai), site=site, **_site_data(site)
        )
    assert ServiceSite.objects.get(pk=site.pk).opening_hours == "工作日 9:00—17:00"
