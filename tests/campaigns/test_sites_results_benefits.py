"""Service sites (duty sign-up through the projects rules), people served/output validation,
benefits at the star thresholds, and the wrong role for each write."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from campaigns import services
from campaigns.models import Benefit, ServiceResult, ServiceSite
from hours.models import StarLevel
from hours.services import record_hours
from projects.models import Project
from projects.services import signup_create
from tests.factories import VolunteerFactory
from tests.projects.factories import PostFactory, ShiftFactory, at, in_days

from .conftest import finished_activity, volunteers


@pytest.fixture
def site(cw):
    post = PostFactory(
        area__project__organization=cw.org,
        area__project__node=cw.tree.nanlang,
        area__project__title="国家图书馆学雷锋志愿服务岗",
        area__project__min_age=18,
    )
    project = post.area.project
    site = services.site_create(
        actor=cw.admin,
        project=project,
        name="国家图书馆学雷锋志愿服务站",
        kind=ServiceSite.Kind.LIBRARY,
        address="中关村南大街 33 号",
        opening_hours="周二至周日 9:00—17:00",
        services="咨询引导、图书整理",
    )
    return site, post


def test_site_duty_sign_up_obeys_quota_overlap_and_age(cw, site):
    _site, post = site
    shift = ShiftFactory(post=post, quota=1, starts_at=at(in_days(3), 9))
    first, second = VolunteerFactory(), VolunteerFactory()
    signup_create(volunteer=first, shift=shift)
    with pytest.raises(ValidationError) as full:
        signup_create(volunteer=second, shift=shift)
    assert full.value.code == "full"
    overlapping = ShiftFactory(post=post, quota=5, starts_at=at(in_days(3), 11))
    with pytest.raises(ValidationError) as overlap:
        signup_create(volunteer=first, shift=overlapping)
    assert overlap.value.code == "overlap"
    minor = VolunteerFactory(birth_date=date.today() - timedelta(days=365 * 16))
    with pytest.raises(ValidationError) as age:
        signup_create(volunteer=minor, shift=overlapping)
    assert age.value.code == "age"


def test_a_site_needs_a_large_event_project_its_creator_manages(cw, site):
    with pytest.raises(PermissionDenied):
        services.site_create(
            actor=cw.other_admin,
            project=site[0].project,
            name="x",
            kind="library",
            address="x",
            opening_hours="x",
            services="x",
        )
    with pytest.raises(ValidationError) as exc:
        services.site_create(
            actor=cw.admin,
            project=cw.project,  # activities, not shifts
            name="",
            kind="nowhere",
            address="",
            opening_hours="",
            services="",
        )
    assert {"project", "name", "kind", "address"} <= set(exc.value.message_dict)


def test_only_federation_admins_rate_sites(cw, site, federation_admin, client):
    site_obj, _post = site
    for actor in (cw.admin, cw.center_staff):
        with pytest.raises(PermissionDenied):
            services.site_rate(actor=actor, site=site_obj, rating="gold")
    client.force_login(cw.center_staff)
    assert (
        client.post(
            reverse("campaigns:site_rate", args=[site_obj.pk]), {"rating": "gold"}
        ).status_code
        == 403
    )
    client.force_login(federation_admin)
    client.post(reverse("campaigns:site_rate", args=[site_obj.pk]), {"rating": "gold"})
    site_obj.refresh_from_db()
    assert site_obj.rating == "gold" and site_obj.rated_by == federation_admin


def test_sites_are_searchable_and_on_their_nodes_page(cw, site, client, django_assert_num_queries):
    with django_assert_num_queries(3):
        response = client.get(reverse("campaigns:site_list"), {"q": "图书馆"})
    assert "国家图书馆学雷锋志愿服务站" in response.content.decode()
    response = client.get(reverse("campaigns:site_list"), {"district": cw.tree.dongcheng.code})
    assert "国家图书馆学雷锋志愿服务站" not in response.content.decode()
    assert client.get(reverse("campaigns:site_list"), {"q": "a\x00b"}).status_code == 400
    node_page = client.get(reverse("stations:node", args=[cw.tree.jianwai.code]))
    assert "国家图书馆学雷锋志愿服务站" in node_page.content.decode()


def test_the_site_page_query_count_is_pinned(cw, site, client, django_assert_num_queries):
    site_obj, post = site
    ShiftFactory(post=post, starts_at=at(in_days(3), 9))
    ShiftFactory(post=post, starts_at=at(in_days(4), 9))
    with django_assert_num_queries(2):
        response = client.get(reverse("campaigns:site_detail", args=[site_obj.pk]))
    assert "报名值守" in response.content.decode()
    Project.objects.filter(pk=site_obj.project_id).update(status="draft")
    assert client.get(reverse("campaigns:site_detail", args=[site_obj.pk])).status_code == 404


# --- people served ----------------------------------------------------------------------------


@pytest.fixture
def done(cw):
    people = volunteers(2)
    activity = finished_activity(cw.project, days_ago=1, volunteers=people)
    for v in people:
        record_hours(volunteer=v, hours="3", source="staff", recorded_by=cw.admin, slot=activity)
    return activity


def test_people_served_and_output_are_recorded(cw, done):
    counter = services.counter_create(
        actor=cw.admin, project=cw.project, name="接听热线", unit="条"
    )
    result = services.record_slot_result(
        actor=cw.admin, slot=done, people_served=30, outputs={counter: 120}
    )
    assert result.people_served == 30 and result.values.get().value == 120
    again = services.record_slot_result(actor=cw.admin, slot=done, people_served=35)
    assert again.pk == result.pk and ServiceResult.objects.get().people_served == 35


@pytest.mark.parametrize("value", [-1, "abc", "1.5"])
def test_negative_or_non_integer_values_are_refused(cw, done, value):
    with pytest.raises(ValidationError) as exc:
        services.record_slot_result(actor=cw.admin, slot=done, people_served=value)
    assert "people_served" in exc.value.message_dict
    assert not ServiceResult.objects.exists()


def test_implausible_people_served_is_refused(cw, done, settings):
    settings.CAMPAIGNS_PEOPLE_PER_PERSON_TIME = 50
    services.record_slot_result(actor=cw.admin, slot=done, people_served=100)  # 2 × 50
    with pytest.raises(ValidationError) as exc:
        services.record_slot_result(actor=cw.admin, slot=done, people_served=101)
    assert "合理上限" in exc.value.message_dict["people_served"][0]


def test_implausible_or_negative_output_is_refused(cw, done, settings):
    settings.CAMPAIGNS_OUTPUT_PER_PERSON_TIME = 100
    counter = services.counter_create(
        actor=cw.admin, project=cw.project, name="配送物资", unit="件"
    )
    for bad in (-5, 201):
        with pytest.raises(ValidationError) as exc:
            services.record_slot_result(
                actor=cw.admin, slot=done, people_served=1, outputs={counter: bad}
            )
        assert f"counter_{counter.pk}" in exc.value.message_dict


def test_people_served_without_any_volunteer_is_refused(cw):
    empty = finished_activity(cw.project, days_ago=1)
    with pytest.raises(ValidationError):
        services.record_slot_result(actor=cw.admin, slot=empty, people_served=3)


def test_results_before_the_activity_ends_are_refused(cw):
    future = finished_activity(cw.project, days_ago=-3, volunteers=volunteers(1))
    with pytest.raises(ValidationError) as exc:
        services.record_slot_result(actor=cw.admin, slot=future, people_served=1)
    assert exc.value.code == "not_ended"


def test_the_wrong_role_cannot_record_results_or_counters(cw, done, client):
    for actor in (cw.other_admin, cw.dongcheng_staff):
        with pytest.raises(PermissionDenied):
            services.record_slot_result(actor=actor, slot=done, people_served=1)
        with pytest.raises(PermissionDenied):
            services.counter_create(actor=actor, project=cw.project, name="x", unit="个")
    client.force_login(cw.other_admin)
    url = reverse("campaigns:activity_results", args=[done.pk])
    assert client.post(url, {"people_served": 1}).status_code == 404
    client.force_login(cw.admin)
    response = client.post(url, {"people_served": -3})
    assert response.status_code == 400 and "-3" in response.content.decode()
    assert client.post(url, {"people_served": 12}).status_code == 302


# --- benefits ---------------------------------------------------------------------------------


@pytest.fixture
def benefits(federation_admin):
    one = StarLevel.objects.get(level=1)
    two = StarLevel.objects.get(level=2)
    return [
        services.benefit_save(
            actor=federation_admin,
            name="首都博物馆免费参观",
            provider="首都博物馆",
            min_level=one,
            days="每周三",
        ),
        services.benefit_save(
            actor=federation_admin, name="公园年票", provider="市公园管理中心", min_level=two
        ),
    ]


def _serve(cw, volunteer, hours: str):
    """Approved hours through the ledger's import path (no slot, within the deadline)."""
    record_hours(
        volunteer=volunteer,
        hours=hours,
        source="import",
        recorded_by=cw.admin,
        organization=cw.org,
        node=cw.tree.nanlang,
        category="elderly",
        service_date=date.today() - timedelta(days=1),
        title="历史时长导入",
    )


def test_benefits_are_shown_exactly_at_the_star_threshold(cw, benefits, client):
    below, at_threshold = VolunteerFactory(), VolunteerFactory()
    for _ in range(4):
        _serve(cw, below, "24")
        _serve(cw, at_threshold, "24")
    _serve(cw, below, "3.5")  # 99.5 hours
    _serve(cw, at_threshold, "4")  # 100 hours
    client.force_login(below.user)
    body = client.get(reverse("campaigns:my_benefits")).content.decode()
    assert "尚未达到星级" in body
    assert body.index("首都博物馆免费参观") > body.index("达到更高星级后可享受")
    client.force_login(at_threshold.user)
    body = client.get(reverse("campaigns:my_benefits")).content.decode()
    assert body.index("首都博物馆免费参观") < body.index("达到更高星级后可享受")
    assert body.index("公园年票") > body.index("达到更高星级后可享受")
    me = client.get(reverse("volunteers:me")).content.decode()
    assert "首都博物馆免费参观" in me and "公园年票" not in me


def test_inactive_benefits_are_not_shown(cw, benefits, federation_admin, client):
    b = benefits[0]
    services.benefit_save(
        actor=federation_admin,
        benefit=b,
        name=b.name,
        provider=b.provider,
        min_level=b.min_level,
        is_active=False,
    )
    volunteer = VolunteerFactory()
    client.force_login(volunteer.user)
    assert "首都博物馆免费参观" not in client.get(reverse("campaigns:my_benefits")).content.decode()


def test_only_federation_admins_keep_the_benefit_list(cw, benefits, client):
    level = StarLevel.objects.get(level=1)
    for actor in (cw.admin, cw.center_staff):
        with pytest.raises(PermissionDenied):
            services.benefit_save(actor=actor, name="x", provider="y", min_level=level)
        client.force_login(actor)
        response = client.post(
            reverse("campaigns:benefits_manage"),
            {"name": "x", "provider": "y", "min_level": level.pk},
        )
        assert response.status_code == 403
    assert Benefit.objects.count() == 2


def test_the_benefit_form_refuses_blank_fields_and_keeps_input(benefits, federation_admin, client):
    client.force_login(federation_admin)
    response = client.post(
        reverse("campaigns:benefits_manage"), {"name": "图书馆延长借阅", "provider": ""}
    )
    assert response.status_code == 400
    assert "图书馆延长借阅" in response.content.decode()
    assert Benefit.objects.count() == 2
