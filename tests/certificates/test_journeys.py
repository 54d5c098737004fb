"""Browser journeys (Playwright + Chromium, the harness of tests/e2e): a volunteer with approved
hours issues a certificate, and a stranger verifies it by typing its number; a benefit provider
checks a volunteer's current star level the same way."""

from __future__ import annotations

import pytest

from certificates.models import Certificate
from certificates.services import issue_certificate
from hours.models import StarLevel
from tests.certificates.test_verification_star import give_hours
from tests.e2e import conftest as e2e

# The browser harness's fixtures, shared from tests/e2e.
site, viewport = e2e.site, e2e.viewport


pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_issues_a_certificate_that_anyone_can_verify(postgres, site, world):
    site.login_as(world.alice.user)
    site.visit("/me/")
    site.click_link("出具或下载证明")
    site.expect_heading("志愿服务证明")
    site.fill("起始日期", "2026-02-01")
    site.fill("截止日期", "2026-03-31")
    site.click_button("出具证明", within="main")
    site.expect_text("志愿服务证明已出具")
    certificate = Certificate.objects.get()
    site.expect_text(certificate.display_number)
    site.logout()

    site.visit("/")
    site.click_link("证明核验")
    site.fill("证明编号", certificate.display_number.lower())
    site.click_button("核验", within="main")
    site.expect_text("核验通过")
    site.expect_text("李*华")
    site.expect_text("5.5 小时")

    site.visit("/certificates/verify/")
    last = certificate.display_number[-1]
    site.fill("证明编号", certificate.display_number[:-1] + ("0" if last != "0" else "1"))
    site.click_button("核验", within="main")
    site.expect_text("校验位不符")


def test_a_benefit_provider_checks_a_volunteers_star_level(postgres, site, world):
    # A transactional test starts from flushed tables: put back the thresholds the data
    # migration seeds (100 and 300 hours).
    for level, name, hours in ((1, "一星志愿者", 100), (2, "二星志愿者", 300)):
        StarLevel.objects.get_or_create(
            level=level, defaults={"name": name, "min_half_hours": hours * 2}
        )
    certificate = issue_certificate(volunteer=world.alice)
    give_hours(world, world.alice, "290")  # 300 hours in all: 二星
    site.visit("/certificates/verify/")
    site.fill("证明编号", certificate.display_number)
    site.click_button("核验", within="main")
    site.expect_text("核验通过")
    site.expect_text("持证志愿者当前星级")
    site.expect_text("二星志愿者")
    site.expect_text("核验时间")
