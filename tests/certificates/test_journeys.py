"""Browser journey (Playwright + Chromium, the harness of tests/e2e): a volunteer with approved
hours issues a certificate, and a stranger verifies it by typing its number."""

from __future__ import annotations

import pytest

from certificates.models import Certificate
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
