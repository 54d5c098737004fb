"""The Django admin for campaigns: federation admins browse, filter and search; benefits and site
ratings are written through the services; enrolment decisions and the rest are read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import Benefit, Enrolment, ServiceSite
from hours.models import StarLevel
from tests.campaigns.conftest import library_site
from tests.factories import UserFactory
from tests.projects.factories import PostFactory

from .conftest import finished_activity, volunteers


@pytest.fixture
def fed_staff(db):
    """A federation admin with admin access (is_staff) but no Django model permissions."""
    return UserFactory(is_federation_admin=True, is_staff=True, name="联合会管理员")


@pytest.fixture
def enrolment(cw):
    return services.enrol_project(actor=cw.admin, campaign=cw.campaign, project=cw.project)


@pytest.fixture
def site(cw):
    post = PostFactory(area__project__organization=cw.org, area__project__node=cw.tree.jianwai)
    return library_site(cw.admin, post.area.project)


def _admin(name: str, *args) -> str:
    return reverse(f"admin:campaigns_{name}", args=args)


def test_federation_admins_browse_filter_and_search_every_model(
    cw, client, fed_staff, enrolment, site
):
    activity = finished_activity(cw.project, days_ago=1, volunteers=volunteers(1))
    services.record_slot_result(actor=cw.admin, slot=activity, people_served=3)
    services.benefit_save(
        actor=fed_staff,
        name="公园年票",
        provider="市公园管理中心",
        min_level=StarLevel.objects.get(level=1),
    )
    client.force_login(fed_staff)
    assert "主题活动与站点" in client.get(reverse("admin:index")).content.decode()
    pages = [
        (_admin("campaign_changelist"), {"q": "学雷锋", "owner": "center"}, "学雷锋志愿服务月"),
        (_admin("enrolment_changelist"), {"status": "pending"}, "南郎家园助老"),
        (_admin("servicesite_changelist"), {"kind": "library", "q": "图书馆"}, "建外街道图书馆"),
        (_admin("outputcounter_changelist"), {}, ""),
        (_admin("serviceresult_changelist"), {"subject": "activity"}, "南郎家园助老"),
        (_admin("benefit_changelist"), {"is_active__exact": "1"}, "公园年票"),
    ]
    for url, query, text in pages:
        response = client.get(url, query)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    detail = client.get(_admin("campaign_change", cw.campaign.pk)).content.decode()
    assert "建外街道" in detail  # coverage, a computed field
    assert reverse("campaigns:edit", args=[cw.campaign.pk]) in detail


def test_staff_who_are_not_federation_admins_see_none_of_it(cw, client, enrolment):
    staff = UserFactory(is_staff=True, staff_node=cw.tree.chaoyang)
    client.force_login(staff)
    assert "主题活动与站点" not in client.get(reverse("admin:index")).content.decode()
    for name in ("campaign", "enrolment", "servicesite", "benefit"):
        assert client.get(_admin(f"{name}_changelist")).status_code == 403


def test_enrolment_decisions_cannot_be_made_in_the_admin(cw, client, fed_staff, enrolment):
    client.force_login(fed_staff)
    url = _admin("enrolment_change", enrolment.pk)
    page = client.get(url)
    assert page.status_code == 200
    assert reverse("campaigns:manage", args=[cw.campaign.pk]) in page.content.decode()
    response = client.post(url, {"status": "approved", "note": ""})
    assert response.status_code == 403
    assert Enrolment.objects.get().status == Enrolment.Status.PENDING
    delete = client.post(_admin("enrolment_delete", enrolment.pk), {"post": "yes"})
    assert delete.status_code == 403 and Enrolment.objects.exists()
    assert client.post(_admin("campaign_change", cw.campaign.pk), {"name": "x"}).status_code == 403


def test_site_ratings_go_through_the_service(cw, client, fed_staff, site):
    client.force_login(fed_staff)
    response = client.post(
        _admin("servicesite_changelist"),
        {"action": "rate_gold", "_selected_action": [site.pk]},
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.rating == "gold" and site.rated_by == fed_staff and site.rated_at is not None
    response = client.post(_admin("servicesite_change", site.pk), {"rating": "silver"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.rating == "silver" and site.name == "建外街道图书馆学雷锋志愿服务站"
    response = client.post(_admin("servicesite_change", site.pk), {"rating": "platinum"})
    assert response.status_code == 200  # the form refuses it
    assert ServiceSite.objects.get(pk=site.pk).rating == "silver"


def test_benefits_are_added_and_edited_through_the_service(client, fed_staff):
    client.force_login(fed_staff)
    level = StarLevel.objects.get(level=3)
    response = client.post(
        _admin("benefit_add"),
        {"name": "首都博物馆免费参观", "provider": "首都博物馆", "min_level": level.pk},
    )
    assert response.status_code == 302
    benefit = Benefit.objects.get()
    assert benefit.min_level == level and not benefit.is_active  # the box was left unticked
    refused = client.post(
        _admin("benefit_change", benefit.pk),
        {"name": "", "provider": "首都博物馆", "min_level": level.pk, "is_active": "on"},
    )
    assert refused.status_code == 200
    assert Benefit.objects.get().name == "首都博物馆免费参观"
