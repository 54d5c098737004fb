"""Importing service records through the row path: record_hours(source="import"), pending unless
approved, the same caps and deadline as back-filled hours, external ids that never duplicate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hours.models import ServiceRecord, TouchedBucket
from imports.models import ImportedRecord

from .conftest import RECORD_HEADERS, csv_bytes, run_file

pytestmark = pytest.mark.django_db


def _rows(ledger, tree):
    a, b = ledger.members
    day = ledger.yesterday.isoformat()
    return [
        ["R1", a.number, "2", str(ledger.activity.pk), "", "", "", ""],
        ["R2", b.number, "1.5", "", day, "社区清洁", "社区服务", tree.nanlang.code],
    ]


def test_imported_hours_are_pending_import_entries(world, ledger):
    job = run_file(
        world.admin_user,
        f"org:{world.org.pk}",
        "records",
        csv_bytes(RECORD_HEADERS, _rows(ledger, world.tree)),
    )
    assert (job.status, job.new_rows, job.error_rows) == ("done", 2, 0), job.errors
    records = ServiceRecord.objects.order_by("pk")
    assert [(r.source, r.status, r.half_hours) for r in records] == [
        ("import", "pending", 4),
        ("import", "pending", 3),
    ]
    assert records[0].activity == ledger.activity and records[1].organization == world.org
    assert not TouchedBucket.objects.exists()


def test_approving_on_import_marks_the_rollup_buckets(world, ledger):
    job = run_file(
        world.admin_user,
        f"org:{world.org.pk}",
        "records",
        csv_bytes(RECORD_HEADERS, _rows(ledger, world.tree)),
        approve=True,
    )
    assert job.new_rows == 2
    assert set(ServiceRecord.objects.values_list("status", flat=True)) == {"approved"}
    assert (
        TouchedBucket.objects.filter(
            node=world.tree.nanlang, month=ledger.yesterday.replace(day=1)
        ).count()
        == 2
    )


def test_bad_records_are_reported_and_never_half_written(world, ledger):
    a, b = ledger.members
    day = ledger.yesterday.isoformat()
    old = (timezone.localdate() - timedelta(days=60)).isoformat()
    rows = [
        ["R1", a.number, "2", str(ledger.activity.pk), "", "", "", ""],
        ["R2", a.number, "1.5", str(ledger.activity.pk), "", "", "", ""],  # over the 3 h cap
        [
            "R3",
            b.number,
            "1",
            "",
            "2024.13.01",
            "社区清洁",
            "社区服务",
            world.tree.nanlang.code,
        ],  # date format
        [
            "R4",
            b.number,
            "1",
            "",
            old,
            "社区清洁",
            "社区服务",
            world.tree.nanlang.code,
        ],  # past deadline
        [
            "R5",
            "BJ000",
            "1",
            "",
            day,
            "社区清洁",
            "社区服务",
            world.tree.nanlang.code,
        ],  # unknown volunteer
        [
            "R6",
            ledger.outsider.number,
            "1",
            "",
            day,
            "社区清洁",
            "社区服务",
            world.tree.nanlang.code,
        ],  # not a member
        [
            "R7",
            b.number,
            "1",
            "",
            day,
            "社区清洁",
            "社区服务",
            "110105999999",
        ],  # unknown station code
        [
            "R8",
            b.number,
            "0.3",
            "",
            day,
            "社区清洁",
            "社区服务",
            world.tree.nanlang.code,
        ],  # not 0.5 steps
        [
            "R1",
            b.number,
            "1",
            "",
            day,
            "社区清洁",
            "社区服务",
            world.tree.nanlang.code,
        ],  # id repeated
        ["R9", b.number, "1", "", day, "社区清洁", "社区服务", world.tree.nanlang.code],  # fine
    ]
    job = run_file(
        world.admin_user, f"org:{world.org.pk}", "records", csv_bytes(RECORD_HEADERS, rows)
    )
    by_line = {line: (column, message) for line, column, message in job.errors}
    assert by_line[3][0] == "时长（小时）" and "不能超过" in by_line[3][1]
    assert by_line[4][0] == "服务日期" and "格式" in by_line[4][1]
    assert by_line[5][0] == "服务日期" and "时限" in by_line[5][1]
    assert by_line[6][0] == "志愿者编号"
    assert by_line[7][0] == "志愿者编号"
    assert by_line[8][0] == "服务阵地代码"
    assert by_line[9][0] == "时长（小时）"
    assert by_line[10][0] == "记录编号" and "第 2 行" in by_line[10][1]
    assert (job.new_rows, job.error_rows) == (2, 8)
    assert sorted(ImportedRecord.objects.values_list("external_id", flat=True)) == ["R1", "R9"]
    assert ServiceRecord.objects.count() == 2


def test_reimporting_the_same_ledger_file_writes_nothing_twice(world, ledger):
    content = csv_bytes(RECORD_HEADERS, _rows(ledger, world.tree))
    run_file(world.admin_user, f"org:{world.org.pk}", "records", content)
    job = run_file(world.admin_user, f"org:{world.org.pk}", "records", content)
    assert (job.new_rows, job.skipped_rows, job.error_rows) == (0, 2, 0)
    assert ServiceRecord.objects.count() == 2
    changed = _rows(ledger, world.tree)
    changed[1][2] = "1"
    job = run_file(
        world.admin_user, f"org:{world.org.pk}", "records", csv_bytes(RECORD_HEADERS, changed)
    )
    assert job.error_rows == 1 and job.errors[0][1] == "记录编号"


def test_another_organization_cannot_record_on_this_organizations_activity_or_members(
    world, ledger
):
    job = run_file(
        world.other_admin_user,
        f"org:{world.other_org.pk}",
        "records",
        csv_bytes(RECORD_HEADERS, _rows(ledger, world.tree)),
    )
    columns = sorted(c for _line, c, _m in job.errors)
    assert job.new_rows == 0 and "活动编号" in columns and "志愿者编号" in columns
    assert not ServiceRecord.objects.exists()


def test_station_staff_record_only_in_their_subtree(world, ledger):
    rows = [
        [
            "S1",
            ledger.members[0].number,
            "1",
            "",
            ledger.yesterday.isoformat(),
            "社区清洁",
            "社区服务",
            world.tree.nanlang.code,
        ]
    ]
    job = run_file(
        world.other_staff,
        f"node:{world.tree.dongcheng.code}",
        "records",
        csv_bytes(RECORD_HEADERS, rows),
    )
    assert job.error_rows == 1 and job.errors[0][1] == "服务阵地代码"
    job = run_file(
        world.staff,
        f"node:{world.tree.jianwai.code}",
        "records",
        csv_bytes(RECORD_HEADERS, rows),
        approve=True,
    )
    assert job.new_rows == 1
    record = ServiceRecord.objects.get()
    assert (
        record.organization is None
        and record.station == world.tree.nanlang
        and record.status == "approved"
    )
