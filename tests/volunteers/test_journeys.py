"""Browser journeys (Playwright + Chromium, the harness of tests/e2e): real-name registration
with the htmx district → street select, a refused form, the profile and the data copy; and a
staff member revealing a number. Every page is checked with axe-core and for CSP errors."""

from __future__ import annotations

import pytest

from tests.e2e import conftest as e2e
from tests.factories import UserFactory, VolunteerFactory
from volunteers.models import PersonalDataAccess, Volunteer

# The browser harness's fixtures, shared from tests/e2e.
site, viewport = e2e.site, e2e.viewport
fast_password_hasher = e2e._fast_password_hasher

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
RAW = "11010519491231002X"


def test_a_new_volunteer_registers_under_real_name(site, tree):
    user = UserFactory(name="韩梅梅")
    site.login_as(user)
    site.visit("/me/")
    site.click_link("去实名注册", within="main")
    site.expect_heading("志愿者实名注册")

    site.fill("姓名", "韩梅梅")
    site.page.get_by_label("居住的区").select_option(label="朝阳区")
    # htmx swaps in the streets of 朝阳区.
    streets = site.page.get_by_label("居住的街道（乡镇）")
    streets.locator("option", has_text="建外街道").wait_for(state="attached")
    assert streets.locator("option", has_text="东华门街道").count() == 0
    streets.select_option(label="建外街道")
    site.fill("证件号码", "110105194912310021")  # wrong check digit
    site.page.get_by_label("急救", exact=True).check()
    site.page.get_by_label("助老服务", exact=True).check()
    site.page.get_by_label("我已阅读并同意", exact=False).check()
    site.click_button("提交实名注册", within="main")

    site.expect_text("身份证号校验位不正确")
    assert site.page.get_by_label("姓名", exact=True).input_value() == "韩梅梅"
    assert site.page.get_by_label("证件号码", exact=True).input_value() == ""
    assert site.page.get_by_label("急救", exact=True).is_checked()
    assert site.page.get_by_label("居住的街道（乡镇）").input_value() == "110105001"

    site.fill("证件号码", "11010519491231002x")
    site.click_button("提交实名注册", within="main")
    volunteer = Volunteer.objects.get(user=user)
    site.expect_path("/me/").expect_text(f"您的志愿者编号是 {volunteer.number}")
    site.expect_text("110105********002X").expect_text("朝阳区 · 建外街道")

    site.click_link("查看和导出我的数据", within="main")
    site.expect_heading("我的数据").expect_text("个人信息访问记录")
    assert RAW not in site.page.content()


def test_a_staff_member_reveals_a_number_once(site, tree, staff_factory):
    volunteer = VolunteerFactory(name="张晓明", document_number=RAW, residence_node=tree.jianwai)
    staff = staff_factory(tree.jianwai)
    site.login_as(staff)
    site.visit("/volunteers/")
    site.click_link(volunteer.number, within="main")
    site.expect_heading("张晓明").expect_text("110105********002X")
    site.click_button("查看完整证件号码", within="main")
    site.expect_text(RAW).expect_text("完整证件号码只在本次显示")
    site.visit(f"/volunteers/{volunteer.number}/")
    assert RAW not in site.page.content()
    assert PersonalDataAccess.objects.filter(volunteer=volunteer, accessed_by=staff).count() == 1
