"""Fixtures for the import tests: an organization with its admin, station staff, and helpers that
build CSV/XLSX files in memory and run an upload through the page."""

from __future__ import annotations

import csv
import io
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import OrganizationFactory, _id_number, make_org_admin

VOLUNTEER_HEADERS = ["姓名", "证件类型", "证件号码", "手机号", "居住地代码", "本人同意日期"]


def valid_id(n: int, born: date = date(1990, 1, 1), sex: str = "F") -> str:
    return _id_number(born, sex, 1000 + n)


def csv_bytes(headers: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(
    client: Client, *, scope: str, kind: str, content: bytes, name: str = "data.csv", **extra
):
    data = {
        "scope": scope,
        "kind": kind,
        "file": SimpleUploadedFile(name, content),
        "on_error": extra.pop("on_error", "skip"),
        **extra,
    }
    return client.post("/imports/", data)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(tree, federation_admin, staff_factory):
    org = OrganizationFactory(node=tree.nanlang, name="南郎家园志愿服务队")
    other_org = OrganizationFactory(node=tree.nanlang, name="另一支服务队")
    admin = make_org_admin(org)
    other_admin = make_org_admin(other_org)
    return SimpleNamespace(
        tree=tree,
        org=org,
        other_org=other_org,
        admin_user=admin.user,
        other_admin_user=other_admin.user,
        staff=staff_factory(tree.jianwai),
        other_staff=staff_factory(tree.dongcheng),
        fed=federation_admin,
    )


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


RECORD_HEADERS = [
    "记录编号",
    "志愿者编号",
    "时长（小时）",
    "活动编号",
    "服务日期",
    "活动名称",
    "服务类别",
    "服务阵地代码",
]


def run_file(
    user,
    scope_key: str,
    kind: str,
    content: bytes,
    *,
    name: str = "data.csv",
    confirm: bool = True,
    **options,
):
    """Upload through the service (as the page does) and confirm; returns the job."""
    from imports import services
    from imports.scope import get_scope

    job = services.start_import(
        user=user,
        scope=get_scope(user, scope_key),
        kind=kind,
        upload=SimpleUploadedFile(name, content),
        **options,
    )
    if confirm and job.status == "checked" and (job.new_rows or job.updated_rows):
        job = services.confirm_import(job=job, user=user)
    return job


@pytest.fixture
def ledger(world):
    """A finished activity (yesterday, 3 hours) of world.org's project with two members, and a
    member of the other organization."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from tests.factories import VolunteerFactory
    from tests.hours.conftest import make_activity, make_project

    yesterday = timezone.localdate() - timedelta(days=1)
    project = make_project(organization=world.org, node=world.tree.nanlang)
    starts = timezone.make_aware(datetime.combine(yesterday, time(9)))
    activity = make_activity(project, starts_at=starts, hours=3)
    members = [VolunteerFactory(residence_node=world.tree.nanlang) for _ in range(2)]
    for v in members:
        world.org.memberships.create(volunteer=v, status="approved")
    outsider = VolunteerFactory(residence_node=world.tree.nanlang)
    world.other_org.memberships.create(volunteer=outsider, status="approved")
    return SimpleNamespace(
        activity=activity, members=members, outsider=outsider, yesterday=yesterday
    )
