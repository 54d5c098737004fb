"""Browser journeys (Playwright + Chromium, the harness of tests/e2e): the organization's admin
puts the code screen up, a volunteer scans it (opens the QR link) and checks in and out on a
phone-sized page. Every page is checked with axe-core and for CSP errors."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from attendance.models import Attendance
from tests.attendance.conftest import sign_up
from tests.e2e import conftest as e2e
from tests.factories import OrganizationFactory, VolunteerFactory, make_org_admin
from tests.projects.factories import ActivityFactory, ProjectFactory

# The browser harness's fixtures, shared from tests/e2e.
site, viewport = e2e.site, e2e.viewport


pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_checks_in_and_out_from_the_venue_screen(postgres, site, tree):
    org = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    admin = make_org_admin(org).user
    now = timezone.now()
    activity = ActivityFactory(
        project=ProjectFactory(organization=org, title="社区助老服务"),
        title="今日陪伴",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
    )
    volunteer = VolunteerFactory(name="李晓华")
    sign_up(volunteer, activity)

    site.login_as(admin)
    site.visit("/checkin/manage/")
    site.click_link("打开签到码")
    site.expect_heading("今日陪伴")
    site.expect_text(re.compile(r"\d{3} \d{3}"))
    assert site.page.locator("svg.checkin-qr").count() == 1
    qr_link = site.page.locator("#checkin-code a").get_attribute("href")
    assert f"/checkin/activity/{activity.pk}/?code=" in qr_link
    site.logout()

    # What the phone's camera opens (the QR code holds SITE_URL; the test server has its own).
    site.login_as(volunteer.user)
    site.visit(qr_link.removeprefix(settings.SITE_URL))
    site.expect_text("今日陪伴")
    site.click_button("确认签到", within="main")
    site.expect_text("签到成功")
    assert Attendance.objects.get(volunteer=volunteer).is_open

    # At the end of the shift the volunteer scans again: the page now offers 签退.
    site.visit(qr_link.removeprefix(settings.SITE_URL))
    site.click_button("确认签退", within="main")
    site.expect_text("签退成功")
    assert not Attendance.objects.get(volunteer=volunteer).is_open
    site.visit("/checkin/")
    site.expect_text("签到记录")
    site.expect_text("今日陪伴")


def test_a_wrong_code_is_explained_on_the_phone(postgres, site, tree):
    org = OrganizationFactory(node=tree.nanlang)
    now = timezone.now()
    activity = ActivityFactory(
        project=ProjectFactory(organization=org),
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
    )
    volunteer = VolunteerFactory()
    sign_up(volunteer, activity)

    site.login_as(volunteer.user)
    site.visit(f"/checkin/activity/{activity.pk}/")
    site.fill("签到码", "12345")
    site.click_button("确认签到", within="main")
    site.expect_text("签到码不正确或已过期")
    assert site.page.get_by_label("签到码").input_value() == "12345"
    assert not Attendance.objects.exists()
