"""Browser journeys (Playwright + Chromium, the harness of tests/e2e): a center runs a campaign
from creation to figures, with an organization enrolling and reporting people served; a site's
manager edits the site."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Enrolment, ServiceResult
from campaigns.rollup import run_campaign_rollup
from hours.services import record_hours
from tests.campaigns.conftest import library_site
from tests.e2e import conftest as e2e
from tests.projects.factories import PostFactory

from .conftest import finished_activity, volunteers

# The browser harness's fixtures, shared from tests/e2e.
site, viewport = e2e.site, e2e.viewport

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_center_runs_a_campaign_an_organization_takes_part_in(postgres, site, cw):
    people = volunteers(2)
    activity = finished_activity(cw.project, days_ago=1, volunteers=people)
    for volunteer in people:
        record_hours(
            volunteer=volunteer, hours="3", source="staff", recorded_by=cw.admin, slot=activity
        )
    today = timezone.localdate()

    site.login_as(cw.center_staff)
    site.visit("/campaigns/")
    site.click_link("创建主题活动", within="main")
    site.fill_form(
        {
            "活动名称": "爱满京城学雷锋志愿服务月",
            "开始日期": (today - timedelta(days=10)).isoformat(),
            "结束日期": (today + timedelta(days=20)).isoformat(),
        }
    )
    site.page.get_by_label(cw.tree.jianwai.name).check()
    site.click_button("创建", within="main")
    site.expect_text("主题活动已创建")
    campaign = Campaign.objects.get(name="爱满京城学雷锋志愿服务月")
    site.logout()

    # The organization enrols its project, then reports the people its activity served.
    site.login_as(cw.admin)
    site.visit(f"/campaigns/{campaign.pk}/")
    site.click_link("报名我的项目", within="main")
    site.page.get_by_label("报名项目").select_option(label=cw.project.title)
    site.click_button("提交报名", within="main")
    site.expect_text("等待主办方审核")
    site.visit("/me/")
    site.click_link("去填报服务成效")
    site.expect_heading("服务成效填报")
    site.click_link("填报", within="main")
    site.fill("服务对象人次", "45")
    site.click_button("保存", within="main")
    site.expect_text("服务成效已保存")
    assert ServiceResult.objects.get(activity=activity).people_served == 45
    site.logout()

    # The owner approves, and after the rollup the public page shows the figures.
    site.login_as(cw.center_staff)
    site.visit(f"/campaigns/{campaign.pk}/")
    site.click_link("审核报名", within="main")
    site.click_button("提交", within="main")
    site.expect_text("已处理")
    assert Enrolment.objects.get().status == Enrolment.Status.APPROVED
    run_campaign_rollup()
    site.visit(f"/campaigns/{campaign.pk}/")
    site.expect_text("6.0")  # hours
    site.expect_text("45")  # people served

    # Shortening the period past the activity needs a confirmation, then takes the figures out.
    site.click_link("编辑主题活动", within="main")
    site.fill("开始日期", today.isoformat())
    site.click_button("保存", within="main")
    site.expect_text("将不再计入")
    site.page.get_by_label("确认调整期间").check()
    site.click_button("保存", within="main")
    site.expect_text("主题活动已保存")
    assert Campaign.objects.get(pk=campaign.pk).starts_on == today


def test_a_sites_manager_edits_where_and_when_it_opens(postgres, site, cw):
    post = PostFactory(
        area__project__organization=cw.org,
        area__project__node=cw.tree.jianwai,
        area__project__status="recruiting",
    )

    service_site = library_site(cw.admin, post.area.project)
    site.login_as(cw.admin)
    site.visit("/sites/")
    site.click_link("建外街道图书馆学雷锋志愿服务站", within="main")
    site.click_link("编辑站点信息", within="main")
    site.page.get_by_label("所在阵地").select_option(value=cw.tree.nanlang.code)
    site.fill("开放时间", "每天 8:30—20:30")
    site.click_button("保存", within="main")
    site.expect_text("站点信息已保存")
    site.expect_text("每天 8:30—20:30")
    service_site.refresh_from_db()
    assert service_site.node == cw.tree.nanlang
    site.visit(f"/stations/{cw.tree.nanlang.code}/")
    site.expect_text("建外街道图书馆学雷锋志愿服务站")
