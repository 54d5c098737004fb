"""A federation admin reads the dashboard in a real browser: the charts draw under the CSP (no
inline script), the page passes axe-core, and the table drills down to a district."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.rollup import run_rollup
from tests.dashboard.conftest import add
from tests.e2e import conftest as e2e
from tests.factories import UserFactory, VolunteerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The browser fixtures of tests/e2e, shared here.
viewport = e2e.viewport
site = e2e.site
_fast_password_hasher = e2e._fast_password_hasher


def test_a_federation_admin_reads_the_city_and_drills_down(postgres, site, tree):
    admin = UserFactory(is_federation_admin=True, name="联合会管理员")
    staff = UserFactory(staff_node=tree.chaoyang)
    for i, node in enumerate([tree.nanlang, tree.beilang, tree.jiqing, tree.duofu]):
        add(VolunteerFactory(), node=node, day=date(2026, 1 + i, 10), hours=2 + i, actor=staff)
    run_rollup(full=True)

    site.login_as(admin)
    site.visit("/dashboard/?period=2026")
    site.expect_heading("北京市")
    # ECharts drew the trend (SVG renderer) from the page's JSON block.
    site.page.wait_for_selector("[data-chart=trend] svg")
    site.expect_text("朝阳区")
    site.click_link("朝阳区", within="main table")
    site.expect_heading("朝阳区").expect_path("/dashboard/110105/")
    site.page.wait_for_selector("[data-chart=categories] svg")
    site.page.screenshot(path="test-results/dashboard-chaoyang.png", full_page=True)
    site.assert_clean()
