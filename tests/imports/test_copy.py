"""The COPY path for large service-record files: the same bad-row file gives the same errors and
the same ledger entries as the row path, scope isolation, encodings and ragged files, the cap
settled in file order, and a cancel that leaves nothing (on a real worker)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from hours.models import ServiceRecord, TouchedBucket
from imports import services
from imports.models import ImportedRecord
from tests.factories import VolunteerFactory
from volunteers.models import Volunteer

from .conftest import RECORD_HEADERS, csv_bytes, run_file, xlsx_bytes

HEADERS = [*RECORD_HEADERS, "服务地点", "服务内容"]


def _bad_file_rows(world, ledger) -> list[list[str]]:
    """One row for each way a record can be refused, and a few that pass."""
    a, b = ledger.members
    closed = VolunteerFactory(residence_node=world.tree.nanlang)
    world.org.memberships.create(volunteer=closed, status="approved")
    Volunteer.objects.filter(pk=closed.pk).update(closed_at=timezone.now())
    day = ledger.yesterday.isoformat()
    old = (timezone.localdate() - timedelta(days=60)).isoformat()
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    act = str(ledger.activity.pk)
    node = world.tree.nanlang.code
    ok = ["社区清洁", "社区服务", node, "", ""]
    return [
        ["R1", a.number, "2", act, "", "", "", "", "活动室", "整理"],  # ok (4 of the 6 half-hours)
        ["R2", a.number, "2", act, "", "", "", "", "", ""],  # cap: 4 + 4 > 6
        ["R3", a.number, "1", act, "", "", "", "", "", ""],  # fits after R2 was refused: 4 + 2
        ["R4", b.number, "1", "", "2024.13.01", *ok],  # date format
        ["R5", b.number, "1", "", old, *ok],  # past the deadline
        ["R6", "BJ000", "1", "", day, *ok],  # unknown volunteer
        ["R7", ledger.outsider.number, "1", "", day, *ok],  # another organization's member
        ["R8", b.number, "1", "", day, "社区清洁", "社区服务", "110105999999", "", ""],  # node
        ["R9", b.number, "0.3", "", day, *ok],  # not 0.5 steps
        ["R1", b.number, "1", "", day, *ok],  # id repeated in the file
        ["", b.number, "1", "", day, *ok],  # no id
        ["X" * 65, b.number, "1", "", day, *ok],  # id too long
        ["R10", closed.number, "1", "", day, *ok],  # closed account
        ["R11", b.number.lower(), " 1.5 ", "", day, "", "未知类别", node, "", ""],  # title, cat
        ["R12", b.number, "1", "", future, *ok],  # future date
        ["R13", b.number, "1", "99999999", "", "", "", "", "", ""],  # unknown activity
        ["R14", b.number, "abc", "", "", "", "", "", "", ""],  # several columns at once
        ["R15", b.number, "1", "", day, "社区清洁", "社区服务", node, "广场", "清扫"],  # ok
        ["R16", b.number, "25", "", day, *ok],  # over 24 hours
    ]


def _snapshot() -> list[tuple]:
    return sorted(
        (
            r.import_key.external_id,
            r.volunteer_id,
            r.project_id,
            r.activity_id,
            r.organization_id,
            r.center_id,
            r.institute_id,
            r.station_id,
            r.category,
            r.service_date,
            r.title,
            r.place,
            r.content,
            r.half_hours,
            r.source,
            r.status,
            r.flagged,
            r.flag_reason,
            r.recorded_by_id,
            r.decided_by_id,
            r.import_key.history,
        )
        for r in ServiceRecord.objects.select_related("import_key")
    )


def _run(world, content: bytes, *, copy: bool, settings, user=None, scope=None, **options):
    settings.IMPORTS_COPY_ROWS = 0 if copy else 10**9
    job = run_file(
        user or world.admin_user, scope or f"org:{world.org.pk}", "records", content, **options
    )
    assert job.use_copy is copy
    return job


@pytest.mark.django_db
@pytest.mark.parametrize("approve", [False, True])
def test_the_same_bad_file_gives_the_same_errors_and_entries_through_both_paths(
    world, ledger, settings, approve
):
    content = csv_bytes(HEADERS, _bad_file_rows(world, ledger))
    with transaction.atomic():
        row_job = _run(world, content, copy=False, settings=settings, approve=approve)
        row_entries = _snapshot()
        row_buckets = sorted(TouchedBucket.objects.values_list("node", "month", "category"))
        transaction.set_rollback(True)
    assert not ServiceRecord.objects.exists()

    copy_job = _run(world, content, copy=True, settings=settings, approve=approve)
    assert copy_job.errors == row_job.errors
    assert (copy_job.new_rows, copy_job.skipped_rows, copy_job.error_rows) == (
        row_job.new_rows,
        row_job.skipped_rows,
        row_job.error_rows,
    )
    assert _snapshot() == row_entries
    assert sorted(TouchedBucket.objects.values_list("node", "month", "category")) == row_buckets
    with copy_job.error_report.open("rb") as f:
        copy_report = f.read()
    with row_job.error_report.open("rb") as f:
        assert copy_report == f.read()

    # The rules themselves, so that "the same" is not "the same mistake".
    by_line = {line: (column, message) for line, column, message in copy_job.errors}
    assert by_line[3][0] == "时长（小时）" and "不能超过" in by_line[3][1]
    assert 4 not in by_line, "R3 fits once R2 is refused, as record by record"
    assert by_line[5][0] == "服务日期" and "格式" in by_line[5][1]
    assert by_line[6][0] == "服务日期" and "时限" in by_line[6][1]
    assert by_line[7][0] == by_line[8][0] == "志愿者编号"
    assert by_line[11][0] == "记录编号" and "第 2 行" in by_line[11][1]
    assert "注销" in by_line[14][1]
    assert {c for ln, c, _m in copy_job.errors if ln == 15} == {"服务类别", "活动名称"}
    assert {c for ln, c, _m in copy_job.errors if ln == 18} == {
        "时长（小时）",
        "服务日期",
        "服务类别",
        "服务阵地代码",
        "活动名称",
    }
    assert copy_job.new_rows == 3
    assert sorted(ImportedRecord.objects.values_list("external_id", flat=True)) == [
        "R1",
        "R15",
        "R3",
    ]
    statuses = set(ServiceRecord.objects.values_list("status", flat=True))
    assert statuses == {"approved" if approve else "pending"}
    assert TouchedBucket.objects.exists() is approve


@pytest.mark.django_db
def test_reimporting_through_copy_skips_what_is_there_and_refuses_changed_ids(
    world, ledger, settings
):
    a, b = ledger.members
    rows = [
        ["R1", a.number, "2", str(ledger.activity.pk), "", "", "", "", "", ""],
        [
            "R2",
            b.number,
            "1.5",
            "",
            ledger.yesterday.isoformat(),
            "清洁",
            "社区服务",
            "110105001024",
            "",
            "",
        ],
    ]
    _run(world, csv_bytes(HEADERS, rows), copy=False, settings=settings)
    rows[1][2] = "1"
    rows.append(["R3", a.number, "1", str(ledger.activity.pk), "", "", "", "", "", ""])
    job = _run(world, csv_bytes(HEADERS, rows), copy=True, settings=settings)
    assert (job.new_rows, job.skipped_rows, job.error_rows) == (1, 1, 1)
    assert job.errors[0][:2] == [3, "记录编号"]
    assert ServiceRecord.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("encoding", "shape"),
    [("gbk", "plain"), ("utf-8-sig", "ragged"), ("utf-8", "blank rows"), ("xlsx", "plain")],
)
def test_gbk_ragged_blank_and_xlsx_files_give_the_row_paths_lines(
    world, ledger, settings, encoding, shape
):
    """PostgreSQL's CSV reader takes a clean UTF-8/GBK file as it is; anything it refuses
    (short rows, blank rows) and XLSX go through Python's reader, with the same line numbers."""
    b = ledger.members[1]
    day = ledger.yesterday.isoformat()
    rows = [
        ["G1", b.number, "1", "", day, "社区清洁", "社区服务", "110105001024", "", ""],
        ["G2", b.number, "1", "", "昨天", "社区清洁", "社区服务", "110105001024", "", ""],
    ]
    if encoding == "xlsx":
        content, name = xlsx_bytes(HEADERS, rows), "data.xlsx"
    else:
        content, name = csv_bytes(HEADERS, rows, encoding), "data.csv"
        if shape == "ragged":
            content = content.rstrip(b"\r\n").rsplit(b",", 2)[0] + b"\r\n"  # last row short
        if shape == "blank rows":
            head, _sep, tail = content.partition(b"\r\n")
            content = head + b"\r\n,,,,,,,,,\r\n" + tail
    results = []
    for copy in (False, True):
        with transaction.atomic():
            settings.IMPORTS_COPY_ROWS = 0 if copy else 10**9
            job = run_file(world.admin_user, f"org:{world.org.pk}", "records", content, name=name)
            results.append((job.errors, job.new_rows, _snapshot()))
            transaction.set_rollback(True)
    assert results[0] == results[1]
    assert results[1][0] and results[1][0][0][0] == 3 and results[1][1] == 1


@pytest.mark.django_db
def test_another_organization_reaches_nothing_through_copy(world, ledger, settings):
    rows = [
        ["O1", ledger.members[0].number, "1", str(ledger.activity.pk), "", "", "", "", "", ""],
        [
            "O2",
            ledger.members[1].number,
            "1",
            "",
            ledger.yesterday.isoformat(),
            "清洁",
            "社区服务",
            "110105001024",
            "",
            "",
        ],
    ]
    job = _run(
        world,
        csv_bytes(HEADERS, rows),
        copy=True,
        settings=settings,
        user=world.other_admin_user,
        scope=f"org:{world.other_org.pk}",
    )
    assert job.new_rows == 0
    assert {c for _line, c, _m in job.errors} == {"活动编号", "志愿者编号"}
    assert not ServiceRecord.objects.exists()
    # Station staff of another district cannot record at this station either.
    job = _run(
        world,
        csv_bytes(HEADERS, rows[1:]),
        copy=True,
        settings=settings,
        user=world.other_staff,
        scope=f"node:{world.tree.dongcheng.code}",
    )
    assert job.new_rows == 0 and job.errors[0][1] == "服务阵地代码"
    assert not ServiceRecord.objects.exists()


@pytest.mark.django_db
def test_on_sqlite_or_below_the_threshold_the_row_path_runs(world, ledger, settings):
    settings.IMPORTS_COPY_ROWS = 5
    rows = [["T1", ledger.members[0].number, "1", str(ledger.activity.pk), "", "", "", "", "", ""]]
    job = run_file(world.admin_user, f"org:{world.org.pk}", "records", csv_bytes(HEADERS, rows))
    assert not job.use_copy and job.new_rows == 1
    assert services.use_copy_path(kind="records", rows=6) is (connection.vendor == "postgresql")
    assert services.use_copy_path(kind="volunteers", rows=10**6) is False


def _wait(job, until, seconds: float = 240):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if until(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job stayed {job.status}")


def _hold_volunteer(pk: int, locked: threading.Event, release: threading.Event) -> None:
    """Another connection holds a volunteer row: the COPY import waits at its cap step (it
    locks the volunteers it records activity hours for), so the cancel surely lands mid-run."""
    try:
        with transaction.atomic():
            Volunteer.objects.select_for_update().get(pk=pk)
            locked.set()
            release.wait(120)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_copy_import_leaves_nothing(live_worker, world, ledger, settings):
    settings.IMPORTS_ASYNC_ROWS = 1
    settings.IMPORTS_COPY_ROWS = 0
    a, b = ledger.members
    day = ledger.yesterday.isoformat()
    rows = [["C1", a.number, "1", str(ledger.activity.pk), "", "", "", "", "", ""]] + [
        [f"C{i}", b.number, "0.5", "", day, "清洁", "社区服务", "110105001024", "", ""]
        for i in range(2, 40)
    ]
    job = run_file(
        world.admin_user, f"org:{world.org.pk}", "records", csv_bytes(HEADERS, rows), confirm=False
    )
    job = _wait(job, lambda j: j.status == "checked")
    assert job.use_copy and job.new_rows == 39
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_volunteer, args=(a.pk, locked, release))
    holder.start()
    try:
        assert locked.wait(30)
        job = services.confirm_import(job=job, user=world.admin_user)
        job = _wait(job, lambda j: j.status == "importing")
        services.cancel_import(job=job, user=world.admin_user)
    finally:
        release.set()
        holder.join(60)
    job = _wait(job, lambda j: j.is_final)
    assert job.status == "cancelled" and "撤销" in job.message
    assert not ServiceRecord.objects.exists()
    assert not ImportedRecord.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'imp\\_%%'")
        assert cursor.fetchone()[0] == 0, "no staging table left behind"


@pytest.mark.django_db
def test_the_page_shows_the_fast_path(world, ledger, settings, login):
    settings.IMPORTS_COPY_ROWS = 0
    rows = [["P1", ledger.members[0].number, "1", str(ledger.activity.pk), "", "", "", "", "", ""]]
    job = run_file(
        world.admin_user, f"org:{world.org.pk}", "records", csv_bytes(HEADERS, rows), confirm=False
    )
    page = login(world.admin_user).get(f"/imports/jobs/{job.pk}/").content.decode()
    assert "COPY" in page and "将新增" in page
