"""The four whole journeys of the product, each from the first click to the last, at desktop and
phone size, on the live server (PostgreSQL): a volunteer from sign-up to a verified certificate;
a service order from 点单 to 评单; the federation dashboard from the city down to a station and
out to a spreadsheet; a station's import of volunteers with a bad row.

Every person in a journey has their own browser context (`site`, `another_site(...)`); every page
anyone reaches is checked with axe-core and for CSP violations, JS errors and 5xx responses.
Setup through factories covers only what no one in the journey would do (an organization that
exists already, an activity its admin published last week)."""

from __future__ import annotations

import csv
import importlib
import io
import re
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.apps import apps as django_apps
from django.db.models import F
from django.utils import timezone

from attendance.models import Attendance
from certificates.models import Certificate
from dashboard.rollup import run_rollup
from hours.models import ServiceRecord
from orders.models import Order
from organizations.models import Membership
from projects.models import Activity, SignUp
from tests.dashboard.conftest import add
from tests.factories import OrganizationFactory, VolunteerFactory, make_org_admin
from tests.imports.conftest import valid_id, xlsx_bytes
from tests.projects.factories import ActivityFactory, ProjectFactory
from volunteers.models import Volunteer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Lang-jia-yuan-2024"
CODE = re.compile(r"\d{3} \d{3}")


def seed_star_levels() -> None:
    """The star thresholds are data seeded by a migration; a flushed test database lost them."""
    importlib.import_module("hours.migrations.0003_seed_star_levels").seed(django_apps, None)


def read_checkin_code(staff) -> str:
    """What the volunteer reads off the venue screen (the page staff keep open)."""
    staff.reload()
    shown = staff.page.locator("#checkin-code .code-digits").inner_text()
    match = CODE.search(shown)
    assert match, shown
    return match.group(0)


def two_hours_pass(activity: Activity) -> None:
    """The activity runs its course. A journey cannot wait two hours, so the clock of everything
    that happened in this activity moves back instead: its schedule, the sign-up and the check-in
    all shift by the same amount, so that it started two hours ago and ends in five minutes. The
    check-out that follows is a real one, at the real time, through the page."""
    now = timezone.now()
    shift = activity.starts_at - now + timedelta(hours=2)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=F("starts_at") - shift, ends_at=F("ends_at") - shift
    )
    SignUp.objects.filter(activity=activity).update(created_at=F("created_at") - shift)
    Attendance.objects.filter(signup__activity=activity).update(
        checked_in_at=F("checked_in_at") - shift
    )


def test_a_volunteer_from_sign_up_to_a_verified_certificate(site, another_site, tree):
    seed_star_levels()
    org = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    org_admin = make_org_admin(org).user
    # Published last week by the organization; starts in twenty minutes, so sign-up is still open
    # and check-in (30 minutes before the start) already is.
    starts = timezone.now() + timedelta(minutes=20)
    activity = ActivityFactory(
        project=ProjectFactory(organization=org, title="社区助老服务"),
        title="今日陪伴",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2, minutes=5),
    )

    # An account (allauth), then the real-name record with a valid ID number.
    site.visit("/")
    site.click_link("注册成为志愿者", within="main")
    site.fill_form(
        {
            "姓名或昵称": "韩梅梅",
            "电话号码": "13912345678",
            "电子邮件": "hanmeimei@example.com",
            "密码": PASSWORD,
            "密码（重复）": PASSWORD,
        }
    )
    site.click_button("注册", within="main")
    assert site.signed_in
    site.visit("/me/")
    site.click_link("去实名注册", within="main")
    site.fill("姓名", "韩梅梅")
    site.select("居住的区", "朝阳区")
    streets = site.page.get_by_label("居住的街道（乡镇）")
    streets.locator("option", has_text="建外街道").wait_for(state="attached")
    streets.select_option(label="建外街道")
    site.fill("证件号码", "11010519491231002X")
    site.check("助老服务")
    site.page.get_by_label("我已阅读并同意", exact=False).check()
    site.click_button("提交实名注册", within="main")
    volunteer = Volunteer.objects.get(user__email="hanmeimei@example.com")
    site.expect_path("/me/").expect_text(f"您的志愿者编号是 {volunteer.number}")

    # She asks to join the organization; its admin, at their own computer, lets her in.
    site.visit("/organizations/")
    site.click_link("南郎家园志愿服务队", within="main")
    site.click_button("申请加入", within="main")
    site.expect_text("您的加入申请正在等待组织管理员审核")

    admin = another_site("org-admin")
    admin.login_as(org_admin)
    admin.visit("/organizations/mine/")
    admin.click_link("管理", within="main")
    admin.click_link(re.compile("^加入申请"), within="main")
    admin.click_button("同意 韩梅梅 加入", within="main")
    admin.expect_text("已同意 韩梅梅 加入")

    site.reload().expect_text("您是本组织的成员")

    # She signs up for today's activity.
    site.visit("/projects/")
    site.click_link("社区助老服务", within="main")
    site.click_button("报名", within="main")
    site.expect_text("报名成功")
    assert SignUp.objects.get(volunteer=volunteer).status == SignUp.Status.CONFIRMED

    # At the venue the admin puts the code screen up; she types the code on her phone.
    admin.visit("/checkin/manage/")
    admin.click_link("打开签到码", within="main")
    admin.expect_heading("今日陪伴")
    site.visit("/checkin/")
    site.click_link(re.compile("今日陪伴"), within="main")
    site.fill("签到码", read_checkin_code(admin))
    site.click_button("确认签到", within="main")
    site.expect_text("签到成功")

    two_hours_pass(activity)

    site.visit("/checkin/")
    site.click_link(re.compile("今日陪伴"), within="main")
    site.fill("签到码", read_checkin_code(admin))
    site.click_button("确认签退", within="main")
    site.expect_text("签退成功，本次计入服务时长 2.0 小时")
    record = ServiceRecord.objects.get(volunteer=volunteer)
    assert (record.status, record.hours) == ("approved", 2)

    # Her hours and how far the first star is, in 长辈模式, which stays on after signing in again.
    site.click_button("长辈模式", within="footer")
    site.visit("/me/hours/")
    site.expect_heading("我的服务记录")
    site.expect_text("2.0 小时").expect_text("今日陪伴").expect_text("已确认")
    site.expect_text("距一星志愿者（100.0 小时）").expect_text("还需 98.0 小时")
    assert site.page.locator("#star-progress").get_attribute("value") == "2"
    site.logout().login("hanmeimei@example.com", PASSWORD)
    site.visit("/me/hours/")
    assert "elder-mode" in (site.page.get_attribute("body", "class") or "")

    # The certificate: issued, downloaded as a PDF, and verified by anyone from its number.
    site.visit("/me/")
    site.click_link("出具或下载证明", within="main")
    site.click_button("出具证明", within="main")
    site.expect_text("志愿服务证明已出具")
    certificate = Certificate.objects.get(volunteer=volunteer)
    pdf = site.download("下载 PDF")
    assert pdf.name == f"志愿服务证明-{certificate.display_number}.pdf", pdf.name
    assert pdf.content.startswith(b"%PDF-"), pdf.content[:20]
    site.logout()

    site.visit("/")
    site.click_link("证明核验")
    site.fill("证明编号", certificate.display_number)
    site.click_button("核验", within="main")
    site.expect_text("核验通过").expect_text("韩*梅").expect_text("2.0 小时")


def test_a_service_order_from_placing_to_rating(site, another_site, tree, staff_factory):
    org = OrganizationFactory(name="南郎家园邻里互助队", node=tree.nanlang)
    org_admin = make_org_admin(org).user
    member = VolunteerFactory(name="李晓华")
    Membership.objects.create(organization=org, volunteer=member, status="approved")
    station_staff = staff_factory(tree.nanlang)
    tomorrow = timezone.localdate() + timedelta(days=1)

    # 点单: a resident, without an account, finds her community's station and asks for help.
    site.visit("/stations/")
    site.click_link("朝阳区", within="main")
    site.click_link("建外街道", within="main")
    site.click_link("南郎家园社区居委会", within="main")
    site.click_link("我要点单", within="main")
    site.select("服务类别", "助老服务")
    site.fill_form(
        {
            "需求描述": "独居老人需要陪同去医院复查",
            "服务地址": "南郎家园 3 号楼 2 单元 501",
            "期望服务开始时间": f"{tomorrow:%Y-%m-%d}T09:00",
            "期望服务结束时间": f"{tomorrow:%Y-%m-%d}T12:00",
            "联系人": "王阿姨",
            "手机号码": "13812345678",
        }
    )
    site.click_button("提交订单", within="main")
    site.expect_text("订单已提交")
    tracking_link = site.page.get_by_label("查询链接", exact=True).input_value()
    order = Order.objects.get()
    assert tracking_link.endswith(f"/orders/track/{order.tracking_token}/"), tracking_link

    # 派单: the station's staff find it in their inbox and send it to the neighbourhood team.
    staff = another_site("station-staff")
    staff.login_as(station_staff)
    staff.click_link("订单收件箱", within="header")
    staff.click_link(f"#{order.pk}", within="main")
    staff.expect_text("独居老人需要陪同去医院复查")
    staff.page.get_by_label("派给组织").select_option(
        label="南郎家园邻里互助队（南郎家园社区居委会）"
    )
    staff.click_button("派单", within="main")
    staff.expect_text("已派单")

    # 接单 and done: the team's admin takes it, serves, and records who served and how long.
    admin = another_site("org-admin")
    admin.login_as(org_admin)
    admin.click_link("我的订单", within="header")
    admin.click_link("可接订单", within="main")
    admin.click_link(f"#{order.pk}", within="main")
    admin.click_button("接单", within="main")
    admin.expect_text("接单成功")
    admin.click_button("开始服务", within="main")
    admin.expect_text("已开始服务")
    admin.fill("第 1 行志愿者编号", member.number)
    admin.fill("第 1 行服务时长", "2.5")
    admin.click_button("完成服务并记录时长", within="main")
    admin.expect_text("服务已完成")
    record = ServiceRecord.objects.get(volunteer=member)
    assert (record.hours, record.order_id, record.status) == (Decimal("2.5"), order.pk, "approved")

    # 评单: the resident opens her tracking link again and rates the service.
    site.visit(tracking_link.removeprefix(site.base_url))
    site.expect_text("已完成").expect_text("1 名志愿者，共 2.5 小时")
    site.check("非常满意")
    site.fill("评价内容（选填）", "小李很耐心，谢谢！")
    site.click_button("提交评价", within="main")
    site.expect_text("感谢您的评价").expect_text("非常满意：小李很耐心，谢谢！")
    order.refresh_from_db()
    assert (order.state, order.rating) == (Order.State.RATED, 5)


def test_a_federation_admin_drills_down_to_a_station_and_exports_the_table(
    site, tree, staff_factory, federation_admin
):
    today = timezone.localdate()
    staff = staff_factory(tree.chaoyang)
    org = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    served = [
        (tree.nanlang, "elderly", 3),
        (tree.nanlang, "environment", 1.5),
        (tree.nanlang, "elderly", 2),
        (tree.beilang, "elderly", 4),
        (tree.jiqing, "culture", 2.5),
        (tree.duofu, "elderly", 6),
    ]
    for node, category, hours in served:
        add(
            VolunteerFactory(residence_node=node),
            node=node,
            day=today,
            hours=hours,
            category=category,
            organization=org if node == tree.nanlang else None,
            actor=staff,
        )
    run_rollup(full=True)  # what the worker's periodic rollup does

    site.login_as(federation_admin)
    site.click_link("统计看板", within="header")
    site.expect_heading("北京市")
    site.click_link("朝阳区", within="main table")
    site.expect_heading("朝阳区").expect_path("/dashboard/110105/")
    site.click_link("建外街道", within="main table")
    site.expect_heading("建外街道")

    # The institute's table of stations, and the same table as CSV.
    shown = site.table("section[aria-labelledby=table-heading] table")
    exported = site.download("导出 CSV")
    assert exported.name.endswith(".csv"), exported.name
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row[1:] for row in rows] == shown, (rows, shown)  # the file adds the code column
    names = [row[0] for row in shown[1:]]
    assert names[:2] == ["南郎家园社区居委会", "北郎家园社区居委会"], names  # by hours
    assert Decimal(shown[1][1]) == Decimal("6.5"), shown

    # Down to the station: its table is by service category; the Excel file says the same.
    site.click_link("南郎家园社区居委会", within="main table")
    site.expect_heading("南郎家园社区居委会").expect_path("/dashboard/110105001024/")
    shown = site.table("section[aria-labelledby=table-heading] table")
    by_category = {row[0]: (Decimal(row[1]), int(row[2])) for row in shown[1:]}
    assert by_category == {"助老服务": (5, 2), "生态环保": (Decimal("1.5"), 1)}, shown
    exported = site.download("导出 Excel")
    assert exported.name.endswith(".xlsx"), exported.name
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [row[1:] for row in rows] == shown, (rows, shown)


def test_station_staff_import_volunteers_with_a_bad_row(site, tree, staff_factory):
    station_staff = staff_factory(tree.nanlang)
    headers = ["姓名", "证件类型", "证件号码", "手机号", "居住地代码", "本人同意日期"]
    rows = [
        ["张三", "居民身份证", valid_id(0), "13800138000", tree.nanlang.code, "2024-05-01"],
        [
            "王五",
            "居民身份证",
            "110105194912310021",
            "13800138001",
            tree.nanlang.code,
            "2024-05-01",
        ],
        ["李四", "居民身份证", valid_id(1), "13800138002", tree.nanlang.code, "2024-05-01"],
    ]
    spreadsheet = xlsx_bytes(headers, rows)

    def upload(on_error: str) -> None:
        site.visit("/imports/")
        site.expect_heading("批量导入导出")
        site.select("导入内容", "志愿者")
        site.attach("文件", "南郎家园志愿者.xlsx", spreadsheet)
        site.check(on_error)
        site.click_button("上传并校验", within="main")
        # The dry run: nothing written, the bad row named by line, column and reason.
        site.expect_heading("导入志愿者").expect_text("待确认")
        assert site.table("#job-status table") == [
            ["行号", "列", "错误说明"],
            ["3", "证件号码", "身份证号校验位不正确"],
        ]
        assert not Volunteer.objects.filter(name__in=["张三", "李四", "王五"]).exists()

    # First with "any bad row stops the whole file": nothing can be imported.
    site.login_as(station_staff)
    upload("有任何一行出错则整个文件都不导入")
    site.expect_text("请修改错误后重新上传")
    assert site.page.get_by_role("button", name=re.compile("确认导入")).count() == 0
    site.click_button("放弃，不导入", within="main")
    site.expect_text("已取消")
    assert not Volunteer.objects.filter(name__in=["张三", "李四", "王五"]).exists()

    # Then importing the good rows and keeping the error report to fix the bad one.
    upload("导入通过校验的行，其余行生成错误报告")
    site.click_button("确认导入 2 行", within="main")
    site.expect_text("导入完成")
    assert sorted(Volunteer.objects.values_list("name", flat=True)) == ["张三", "李四"]
    report = site.download("CSV", within="#job-status")
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["行号", "列", "错误说明"], lines[0]
    assert lines[1][:3] == ["3", "证件号码", "身份证号校验位不正确"], lines[1]
    assert "110105194912310021" in lines[1], lines[1]
