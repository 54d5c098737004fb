"""Duty sign-up at a site goes through the activity rules (skills, insurance, recruiting, quota)
from the site's own page; people served by a service order are checked like an activity's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import ServiceResult
from projects.models import Project, SignUp
from projects.services import signup_create
from tests.campaigns.conftest import library_site
from tests.factories import VolunteerFactory
from tests.projects.factories import PostFactory, ShiftFactory, at, in_days

# --- duty shifts at a site ------------------------------------------------------------------


@pytest.fixture
def duty(cw):
    post = PostFactory(
        area__project__organization=cw.org,
        area__project__node=cw.tree.jianwai,
        area__project__status=Project.Status.RECRUITING,
        quota=1,
    )
    site = library_site(cw.admin, post.area.project)
    shift = ShiftFactory(post=post, quota=1, starts_at=at(in_days(4), 9))
    return site, post, shift


def test_a_volunteer_signs_up_for_duty_from_the_sites_page(cw, duty, client):
    site, _post, shift = duty
    first, second = VolunteerFactory(), VolunteerFactory()
    signup_url = reverse("projects:shift_signup", args=[shift.pk])
    client.force_login(first.user)
    page = client.get(reverse("campaigns:site_detail", args=[site.pk])).content.decode()
    assert signup_url in page
    assert client.post(signup_url, {"note": ""}).status_code == 302
    assert SignUp.objects.get(shift=shift).volunteer == first
    client.force_login(second.user)
    response = client.post(signup_url, {"note": ""})
    assert "名额已满" in response.content.decode()  # offered the waitlist, not a place
    assert SignUp.objects.filter(shift=shift, volunteer=second).count() == 0


def test_duty_needs_the_posts_skills_and_the_projects_insurance(cw, duty):
    _site, post, shift = duty
    post.required_skills = ["first_aid"]
    post.save()
    with pytest.raises(ValidationError) as exc:
        signup_create(volunteer=VolunteerFactory(), shift=shift)
    assert exc.value.code == "skills"
    post.required_skills = []
    post.save()
    Project.objects.filter(pk=post.area.project_id).update(insurance_required=True)
    uninsured = VolunteerFactory(insurance_valid_until=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        signup_create(volunteer=uninsured, shift=shift)
    assert exc.value.code == "insurance"
    insured = VolunteerFactory(insurance_valid_until=timezone.localdate() + timedelta(days=30))
    assert signup_create(volunteer=insured, shift=shift).status == SignUp.Status.CONFIRMED


def test_no_duty_sign_up_once_the_project_stops_recruiting(cw, duty):
    _site, post, shift = duty
    Project.objects.filter(pk=post.area.project_id).update(status=Project.Status.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        signup_create(volunteer=VolunteerFactory(), shift=shift)
    assert exc.value.code == "not_recruiting"


# --- people served by a service order -----------------------------------------------------------


@pytest.fixture
def done_order(people, place, advance):
    """Served by the 南郎家园 team's two members (2.5 h and 2 h), reported done by its admin."""
    return advance(place(), "done")


def test_the_handling_organization_records_people_served_by_an_order(people, tree, done_order):
    result = services.record_order_result(actor=people.admin, order=done_order, people_served=3)
    assert (result.order_id, result.people_served, result.project_id) == (done_order.pk, 3, None)
    assert result.center_id == tree.chaoyang.pk
    again = services.record_order_result(actor=people.admin, order=done_order, people_served=4)
    assert again.pk == result.pk and ServiceResult.objects.get().people_served == 4


@pytest.mark.parametrize("value", [-1, "many", "2.5"])
def test_an_orders_people_served_must_be_a_whole_non_negative_number(people, done_order, value):
    with pytest.raises(ValidationError) as exc:
        services.record_order_result(actor=people.admin, order=done_order, people_served=value)
    assert "people_served" in exc.value.message_dict
    assert not ServiceResult.objects.exists()


def test_an_orders_people_served_must_be_plausible_against_its_hours(people, done_order, settings):
    settings.CAMPAIGNS_PEOPLE_PER_PERSON_TIME = 10
    services.record_order_result(actor=people.admin, order=done_order, people_served=20)
    with pytest.raises(ValidationError) as exc:  # two person-times × 10
        services.record_order_result(actor=people.admin, order=done_order, people_served=21)
    assert "合理上限" in exc.value.message_dict["people_served"][0]
    assert ServiceResult.objects.get().people_served == 20


def test_only_the_handling_organization_records_an_orders_result(
    people, place, advance, done_order, client
):
    outsiders = [people.rival_admin, people.far_admin, people.far_staff, people.members[0].user]
    for actor in outsiders:
        with pytest.raises(PermissionDenied):
            services.record_order_result(actor=actor, order=done_order, people_served=1)
    accepted = advance(place(), "accepted")
    with pytest.raises(PermissionDenied):  # not served yet
        services.record_order_result(actor=people.admin, order=accepted, people_served=1)
    url = reverse("campaigns:order_results", args=[done_order.pk])
    for actor in outsiders:
        client.force_login(actor)
        assert client.post(url, {"people_served": 1}).status_code == 404
    client.force_login(people.admin)
    assert client.get(reverse("campaigns:order_results", args=[accepted.pk])).status_code == 404
    response = client.post(url, {"people_served": -2})
    assert response.status_code == 400 and "不能为负数" in response.content.decode()
    assert client.post(url, {"people_served": 2}).status_code == 302
    assert ServiceResult.objects.get().people_served == 2
