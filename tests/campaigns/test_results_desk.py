"""The results desk lists what ended lately and whose people served the user may report: their
projects' activities and duty shifts, the orders their organization handled. It is reached from
/me/ (project managers), the navigation (station staff) and the campaign and site pages."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from campaigns import services
from tests.factories import VolunteerFactory
from tests.hours.conftest import make_shift

from .conftest import finished_activity, volunteers


def _desk(client) -> str:
    response = client.get(reverse("campaigns:results_desk"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_manager_sees_their_ended_slots_with_what_is_reported(cw, client):
    reported = finished_activity(cw.project, days_ago=2, volunteers=volunteers(1))
    services.record_slot_result(actor=cw.admin, slot=reported, people_served=17)
    waiting = finished_activity(cw.project, days_ago=1, volunteers=volunteers(1))
    waiting.title = "周五助老"
    waiting.save()
    future = finished_activity(cw.project, days_ago=-2)
    future.title = "还没开始的活动"
    future.save()
    old = finished_activity(cw.project, days_ago=40)
    old.title = "很久以前的活动"
    old.save()
    shift = make_shift(cw.project, starts_at=timezone.now() - timedelta(days=3, hours=5))
    others = finished_activity(cw.other_project, days_ago=1)
    others.title = "别人的活动"
    others.save()

    client.force_login(cw.admin)
    body = _desk(client)
    assert reverse("campaigns:activity_results", args=[reported.pk]) in body
    assert reverse("campaigns:activity_results", args=[waiting.pk]) in body
    assert reverse("campaigns:shift_results", args=[shift.pk]) in body
    assert "17" in body and "未填报" in body
    assert body.index("周五助老") < body.index(reverse("campaigns:shift_results", args=[shift.pk]))
    for absent in ("还没开始的活动", "很久以前的活动", "别人的活动"):
        assert absent not in body


def test_the_desk_lists_the_orders_the_organization_handled(people, place, advance, client):
    order = advance(place(), "done")
    client.force_login(people.admin)
    assert reverse("campaigns:order_results", args=[order.pk]) in _desk(client)
    client.force_login(people.rival_admin)
    assert reverse("campaigns:order_results", args=[order.pk]) not in _desk(client)


def test_someone_who_manages_nothing_gets_an_empty_desk(cw, client):
    finished_activity(cw.project, days_ago=1, volunteers=volunteers(1))
    for user in (VolunteerFactory().user, cw.other_admin, cw.dongcheng_staff):
        client.force_login(user)
        assert "没有你可以填报" in _desk(client)
    client.logout()
    response = client.get(reverse("campaigns:results_desk"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_desk_query_count_is_pinned(cw, client, django_assert_num_queries):
    for days in (1, 2, 3):
        finished_activity(cw.project, days_ago=days, volunteers=volunteers(1))
    make_shift(cw.project, starts_at=timezone.now() - timedelta(days=2, hours=5))
    client.force_login(cw.admin)
    client.get(reverse("campaigns:results_desk"))
    # session, user; activities, shifts, orders (none here, so no lookup of their results)
    with django_assert_num_queries(5):
        _desk(client)


def test_managers_find_the_desk_on_their_page_and_staff_in_the_navigation(cw, client):
    desk = reverse("campaigns:results_desk")
    client.force_login(cw.admin.volunteer.user)
    assert desk in client.get(reverse("volunteers:me")).content.decode()
    member = VolunteerFactory()
    client.force_login(member.user)
    assert desk not in client.get(reverse("volunteers:me")).content.decode()
    client.force_login(cw.center_staff)
    assert desk in client.get(reverse("campaigns:list")).content.decode()
