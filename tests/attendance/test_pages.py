"""The pages: the staff code screen by role, its htmx refresh and settings form, the volunteer's
check-in page reached from the QR code, and rate-limited code guessing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.codes import current_code
from attendance.models import Attendance, CheckinPoint
from attendance.services import get_or_create_point
from hours.models import ServiceRecord
from projects.models import Project
from tests.attendance.conftest import sign_up
from tests.factories import UserFactory, VolunteerFactory
from tests.projects.factories import ActivityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(world):
    """An activity happening now (views use the real clock), with alice confirmed."""
    now = timezone.now()
    activity = ActivityFactory(
        project=world.project,
        title="今日陪伴",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
    )
    sign_up(world.alice, activity)
    return activity


def code_url(slot, kind="activity"):
    return reverse("attendance:staff_code", args=[kind, slot.pk])


def slot_url(slot, kind="activity"):
    return reverse("attendance:slot", args=[kind, slot.pk])


# --- the staff code page ---------------------------------------------------------------------


def test_the_organizations_admin_sees_the_qr_code_and_the_current_code(client, world):
    client.force_login(world.admin)
    response = client.get(code_url(world.activity))

    assert response.status_code == 200
    point = CheckinPoint.objects.get(activity=world.activity)
    code = current_code(point)
    body = response.content.decode()
    assert "<svg" in body and "checkin-qr" in body
    assert f"{code[:3]} {code[3:]}" in body
    assert f"/checkin/activity/{world.activity.pk}/?code=" in response.context["checkin_url"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_htmx_refresh_returns_only_the_code_fragment(client, world):
    client.force_login(world.admin)
    response = client.get(code_url(world.activity), headers={"HX-Request": "true"})

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="checkin-code"')
    assert 'hx-trigger="every 10s"' in body
    assert "<html" not in body


def test_a_shift_has_a_code_page_too(client, world):
    client.force_login(world.admin)
    assert client.get(code_url(world.shift, "shift")).status_code == 200


@pytest.mark.parametrize("who", ["other_admin", "volunteer", "chaoyang_staff", "plain"])
def test_the_code_page_is_404_for_the_wrong_role(client, world, staff_factory, who):
    user = {
        "other_admin": world.other_admin,
        "volunteer": world.alice.user,
        "chaoyang_staff": staff_factory(world.tree.chaoyang),  # not for an organization's project
        "plain": UserFactory(),
    }[who]
    client.force_login(user)
    response = client.get(code_url(world.activity))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert client.get(code_url(world.activity), headers={"HX-Request": "true"}).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in_and_sees_no_code(client, world):
    response = client.get(code_url(world.activity))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not CheckinPoint.objects.exists()


def test_station_staff_run_check_in_for_their_station_project(client, world, staff_factory):
    url = code_url(world.station_activity)
    client.force_login(staff_factory(world.tree.jianwai))
    assert client.get(url).status_code == 200
    client.force_login(staff_factory(world.tree.chaoyang))  # above the publishing node
    assert client.get(url).status_code == 200
    client.force_login(staff_factory(world.tree.dongcheng))  # another district
    assert client.get(url).status_code == 404
    client.force_login(world.admin)  # an organization admin has nothing to do with it
    assert client.get(url).status_code == 404


def test_an_unknown_slot_is_404(client, world):
    client.force_login(world.admin)
    assert (
        client.get(reverse("attendance:staff_code", args=["activity", 999999])).status_code == 404
    )


def test_the_admin_changes_the_windows(client, world):
    client.force_login(world.admin)
    url = reverse("attendance:staff_settings", args=["activity", world.activity.pk])
    response = client.post(url, {"checkin_opens_minutes": "45", "checkout_closes_minutes": "60"})

    assert response.status_code == 302
    point = CheckinPoint.objects.get(activity=world.activity)
    assert (point.checkin_opens_minutes, point.checkout_closes_minutes) == (45, 60)


@pytest.mark.parametrize(
    "data",
    [
        {"checkin_opens_minutes": "-5", "checkout_closes_minutes": "60"},
        {"checkin_opens_minutes": "30", "checkout_closes_minutes": "99999"},
        {"checkin_opens_minutes": "半小时", "checkout_closes_minutes": "60"},
        {"checkin_opens_minutes": "", "checkout_closes_minutes": "60"},
    ],
)
def test_bad_windows_are_refused_and_what_was_typed_is_kept(client, world, data):
    client.force_login(world.admin)
    url = reverse("attendance:staff_settings", args=["activity", world.activity.pk])
    response = client.post(url, data)

    assert response.status_code == 400
    form = response.context["settings_form"]
    assert form.errors
    assert form["checkout_closes_minutes"].value() == data["checkout_closes_minutes"]
    assert 'aria-invalid="true"' in response.content.decode()
    point = CheckinPoint.objects.get(activity=world.activity)
    assert (point.checkin_opens_minutes, point.checkout_closes_minutes) == (30, 120)


def test_another_organizations_admin_cannot_change_the_windows(client, world):
    client.force_login(world.other_admin)
    url = reverse("attendance:staff_settings", args=["activity", world.activity.pk])
    response = client.post(url, {"checkin_opens_minutes": "600", "checkout_closes_minutes": "600"})
    assert response.status_code == 404
    assert not CheckinPoint.objects.filter(checkin_opens_minutes=600).exists()


def test_the_roster_lists_who_checked_in(client, world, live):
    point = get_or_create_point(slot=live)
    client.force_login(world.alice.user)
    client.post(slot_url(live), {"code": current_code(point), "action": "checkin"})
    client.force_login(world.admin)
    response = client.get(code_url(live))
    body = response.content.decode()
    assert world.alice.name in body and world.alice.number in body
    assert response.context["checked_in_count"] == 1


def test_the_manage_list_shows_the_admins_current_slots_only(client, world, live):
    client.force_login(world.admin)
    body = client.get(reverse("attendance:manage")).content.decode()
    assert live.title in body
    assert code_url(live) in body
    assert code_url(world.activity) not in body  # long over
    client.force_login(world.other_admin)
    body = client.get(reverse("attendance:manage")).content.decode()
    assert live.title not in body
    assert "暂无待进行的活动" in body


# --- the volunteer's pages ---------------------------------------------------------------------


def test_scanning_the_qr_code_opens_the_page_with_the_code_filled_in(client, world, live):
    point = get_or_create_point(slot=live)
    code = current_code(point)
    client.force_login(world.alice.user)
    response = client.get(slot_url(live) + f"?code={code}")

    assert response.status_code == 200
    body = response.content.decode()
    assert f'value="{code}"' in body
    assert "确认签到" in body
    assert not Attendance.objects.exists()  # a GET never checks in


def test_checking_in_and_out_through_the_page(client, world, live):
    point = get_or_create_point(slot=live)
    client.force_login(world.alice.user)

    response = client.post(slot_url(live), {"code": current_code(point), "action": "checkin"})
    assert response.status_code == 302
    attendance = Attendance.objects.get()
    assert attendance.is_open
    page = client.get(slot_url(live)).content.decode()
    assert "签到成功" in page and "确认签退" in page

    response = client.post(slot_url(live), {"code": current_code(point), "action": "checkout"})
    assert response.status_code == 302
    attendance.refresh_from_db()
    assert not attendance.is_open
    assert "签退成功" in client.get(slot_url(live)).content.decode()
    assert ServiceRecord.objects.filter(volunteer=world.alice).count() == (
        1 if attendance.half_hours else 0
    )


def test_a_wrong_code_is_explained_and_kept_in_the_field(client, world, live):
    client.force_login(world.alice.user)
    response = client.post(slot_url(live), {"code": "000000", "action": "checkin"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "签到码不正确或已过期" in body
    assert 'value="000000"' in body
    assert not Attendance.objects.exists()


def test_a_waitlisted_volunteer_is_told_why(client, world, live):
    waiting = VolunteerFactory()
    sign_up(waiting, live, status="waitlisted")
    point = get_or_create_point(slot=live)
    client.force_login(waiting.user)
    response = client.post(slot_url(live), {"code": current_code(point), "action": "checkin"})
    assert "候补" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_user_without_a_volunteer_record_is_sent_to_register(client, world, live):
    client.force_login(UserFactory())
    response = client.post(slot_url(live), {"code": "123456", "action": "checkin"})
    assert response.status_code == 200
    assert reverse("volunteers:register") in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_draft_projects_slot_is_404_to_someone_not_signed_up(client, world):
    Project.objects.filter(pk=world.project.pk).update(status=Project.Status.DRAFT)
    client.force_login(VolunteerFactory().user)
    assert client.get(slot_url(world.activity)).status_code == 404
    client.force_login(world.alice.user)  # signed up: sees the page
    assert client.get(slot_url(world.activity)).status_code == 200


def test_the_check_in_list_shows_todays_sign_ups_and_the_history(client, world, live):
    client.force_login(world.alice.user)
    response = client.get(reverse("attendance:home"))
    body = response.content.decode()
    assert live.title in body
    assert slot_url(live) in body
    assert "还没有签到记录" in body


def test_code_guessing_is_rate_limited_per_volunteer(client, world, live):
    point = get_or_create_point(slot=live)
    client.force_login(world.alice.user)
    wrong = "000000" if current_code(point) != "000000" else "111111"
    for _ in range(10):
        response = client.post(slot_url(live), {"code": wrong, "action": "checkin"})
        assert response.status_code == 200
    response = client.post(slot_url(live), {"code": current_code(point), "action": "checkin"})

    assert response.status_code == 429
    assert "尝试次数过多" in response.content.decode()
    assert not Attendance.objects.exists()
    # Another volunteer behind the same address (the venue's Wi-Fi) is not blocked.
    sign_up(world.bob, live)
    client.force_login(world.bob.user)
    response = client.post(slot_url(live), {"code": current_code(point), "action": "checkin"})
    assert response.status_code == 302


def test_the_check_in_page_is_a_fixed_number_of_queries(
    client, world, live, django_assert_num_queries
):
    """Hundreds of volunteers open it at once at a big event: session, user, slot, volunteer,
    attendance, sign-up, check-in point."""
    get_or_create_point(slot=live)
    client.force_login(world.alice.user)
    with django_assert_num_queries(7):
        assert client.get(slot_url(live)).status_code == 200


def test_the_code_refresh_is_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    """Polled every 10 s by every venue screen: session, user, slot, admin membership, point."""
    get_or_create_point(slot=world.activity)
    client.force_login(world.admin)
    with django_assert_num_queries(5):
        response = client.get(code_url(world.activity), headers={"HX-Request": "true"})
    assert response.status_code == 200
