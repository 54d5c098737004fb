"""Whole journeys through the site as a person makes them, at desktop and phone size."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.models import User
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Lang-jia-yuan-2024"


def test_a_resident_signs_up_logs_in_by_mobile_browses_and_turns_on_elder_mode(site, tree):
    # Sign up with mobile and email from the home page.
    site.visit("/")
    site.click_link("注册成为志愿者", within="main")
    site.expect_heading("注册")
    site.fill_form(
        {
            "姓名或昵称": "韩梅梅",
            "电话号码": "139 1234 5678",
            "电子邮件": "hanmeimei@example.com",
            "密码": NEW_PASSWORD,
            "密码（重复）": NEW_PASSWORD,
        }
    )
    site.click_button("注册", within="main")
    assert site.signed_in
    user = User.objects.get(email="hanmeimei@example.com")
    assert (user.phone, user.name) == ("13912345678", "韩梅梅")

    # Log out, then back in with the mobile number.
    site.logout()
    site.login("13912345678", NEW_PASSWORD)
    site.expect_path("/")

    # Browse the hierarchy: district → street → community.
    site.click_link("实践阵地", within="header")
    site.expect_heading("新时代文明实践阵地")
    site.click_link("朝阳区", within="main")
    site.expect_heading("朝阳区")
    site.click_link("建外街道", within="main")
    site.expect_heading("建外街道")
    site.click_link("南郎家园社区居委会", within="main")
    site.expect_heading("南郎家园社区居委会").expect_path("/stations/110105001024/")
    site.expect_text("建外街道", within="nav[aria-label=breadcrumb]")

    # Search for a station by part of its name.
    site.visit("/stations/")
    site.fill("按名称或代码搜索实践阵地", "郎家园")
    site.click_button("搜索", within="main")
    site.expect_heading("郎家园")
    site.expect_text("南郎家园社区居委会").expect_text("北郎家园社区居委会")
    site.click_link("北郎家园社区居委会", within="main")
    site.expect_heading("北郎家园社区居委会")

    # 长辈模式: turned on from the footer, it stays on across pages and sign-ins.
    site.click_button("长辈模式", within="footer")
    assert "elder-mode" in site.page.get_attribute("body", "class")
    assert site.page.get_by_role("button", name="长辈模式").get_attribute("aria-pressed") == "true"
    site.expect_heading("北郎家园社区居委会")  # it came back to the same page
    site.visit("/stations/")
    assert "elder-mode" in site.page.get_attribute("body", "class")
    user.refresh_from_db()
    assert user.elder_mode
    site.logout().login("hanmeimei@example.com", NEW_PASSWORD)
    assert "elder-mode" in site.page.get_attribute("body", "class")


def test_an_unknown_station_code_shows_a_helpful_404(site, tree):
    site.visit("/stations/999999999999/", status=404)
    site.expect_text(re.compile("不存在|找不到|没有找到"))


def test_a_volunteer_who_forgot_the_password_resets_it_by_email(site, tree):
    UserFactory(phone="13912340000", email="forgetful@example.com", name="健忘的人")
    site.visit("/accounts/login/")
    site.click_link("忘记密码？", within="main")
    site.fill("电子邮件", "forgetful@example.com")
    site.click_button("重置我的密码", within="main")
    site.expect_path("/accounts/password/reset/done/")
    link = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[-1].body
    )
    assert link, mail.outbox[-1].body
    site.visit(link.group(1))  # the emailed link, on the live server
    site.fill("新密码", NEW_PASSWORD)
    site.fill("新密码（重复）", NEW_PASSWORD)
    site.click_button(re.compile("修改密码|设置密码|Change Password"), within="main")
    site.login("13912340000", NEW_PASSWORD)
