"""Bulk-import benchmark helper, run by scripts/bench.d/30-imports.sh (never by `make test`).

Subcommands (each prints one JSON line on stdout; the shell script turns them into Markdown):

  setup                          empty the tables the bench fills, an approved organization
                                 with its admin, a finished activity for the records
  volunteers-file N PATH         write N volunteer rows as XLSX (5 % aged 14–17 with guardian)
  volunteers-import PATH         check (dry run) and import PATH through imports.services as
                                 that organization's admin; rows/s, queries, peak memory
  volunteers-copy PATH           plain COPY of the same rows (read from the same XLSX) into a
                                 scratch table of text columns: the floor
  records-file N PATH            write N service-record rows as CSV for the imported volunteers
                                 (history: dated last year, so the federation admin imports them
                                 as 历史补录 past the deadline)
  records-import PATH            import PATH through the COPY path (imports.copy_records)
  records-copy PATH              plain COPY of the same file into a scratch table
  ledger-write                   the ledger's own write cost: the imported entries inserted
                                 again by one INSERT … SELECT (indexes, FK checks), rolled back

Runs on the database in DATABASE_URL, which must be a scratch database (it truncates tables).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_hub.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files import File  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

VOLUNTEER_HEADERS = [
    "姓名",
    "证件类型",
    "证件号码",
    "手机号",
    "居住地代码",
    "专业技能",
    "本人同意日期",
    "监护人姓名",
    "与监护人关系",
    "监护人手机号",
]
RECORD_HEADERS = [
    "记录编号",
    "志愿者编号",
    "时长（小时）",
    "活动编号",
    "服务日期",
    "活动名称",
    "服务类别",
    "服务阵地代码",
    "服务地点",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def emit(**values) -> None:
    print(json.dumps(values, ensure_ascii=False), flush=True)


def _admin():
    from accounts.models import User

    return User.objects.get(email="bench-admin@example.com")


def _org():
    from organizations.models import Organization

    return Organization.objects.get(name="基准测试志愿服务队")


def setup() -> None:
    from civilization_stations.models import PracticeNode
    from organizations.models import Organization
    from tests.factories import make_org_admin

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE imports_importedrecord, imports_importjob, hours_servicerecord,"
            " hours_touchedbucket, projects_activity, projects_project,"
            " organizations_organization, volunteers_volunteer,"
            " volunteers_volunteernumbersequence CASCADE"
        )
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE 'bench-%%'")
    station = PracticeNode.objects.get(code="110105001024")
    org = Organization.objects.create(
        name="基准测试志愿服务队",
        type=Organization.Type.COMMUNITY_TEAM,
        node=station,
        contact_name="张三",
        contact_phone="13800138000",
        status=Organization.Status.APPROVED,
    )
    membership = make_org_admin(org)
    user = membership.user
    user.email = "bench-admin@example.com"
    user.is_federation_admin = True  # the history import of records runs in the federation scope
    user.save()
    emit(step="setup", organization=org.pk)


def _id_number(born: date, serial: int) -> str:
    from volunteers.documents import check_char

    first17 = f"110105{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_char(first17)


def volunteers_file(n: int, path: str) -> None:
    from openpyxl import Workbook

    rng = random.Random(20240501)  # noqa: S311 - synthetic data
    today = timezone.localdate()
    stations = ["110105001024", "110105001025", "110105001026", "110105001027"]
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(VOLUNTEER_HEADERS)
    for i in range(n):
        minor = i % 20 == 0
        age_years = 15 if minor else 18 + i % 60
        # Unique (birth date, serial) per row: the birth date walks one day per 1,000 rows.
        born = date(today.year - age_years, 1, 1) - timedelta(days=(i // 1000) % 300)
        row = [
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "居民身份证",
            _id_number(born, i),
            f"13{rng.randrange(10**9):09d}",
            stations[i % len(stations)],
            "急救、外语" if i % 3 == 0 else "",
            "2024-05-01",
            "",
            "",
            "",
        ]
        if minor:
            row[7:10] = ["王芳", "母子", "13900139000"]
        sheet.append(row)
    book.save(path)
    emit(step="volunteers-file", rows=n, mb=round(os.path.getsize(path) / 1e6, 1))


def _run_import(path: str, kind: str, scope_key: str, **options) -> dict:
    from imports import services
    from imports.models import ImportJob
    from imports.scope import get_scope

    settings.IMPORTS_ASYNC_ROWS = 10**9  # inline: this process is the worker
    settings.IMPORTS_MAX_UPLOAD_MB = 4096  # the 10 M-record file is ~1 GB
    user = _admin()
    upload = File(open(path, "rb"), name=Path(path).name)  # streamed, as an upload is  # noqa: SIM115
    started = time.monotonic()
    job = services.start_import(
        user=user, scope=get_scope(user, scope_key), kind=kind, upload=upload, **options
    )
    check_s = time.monotonic() - started
    assert job.status == ImportJob.Status.CHECKED, (job.status, job.message, job.errors[:5])
    started, cpu = time.monotonic(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        job = services.confirm_import(job=job, user=user)
    import_s, cpu_s = time.monotonic() - started, time.process_time() - cpu
    assert job.status == ImportJob.Status.DONE and not job.message, (job.status, job.message)
    return {
        "rows": job.total_rows,
        "new": job.new_rows,
        "errors": job.error_rows,
        "check_s": round(check_s, 2),
        "import_s": round(import_s, 2),
        "cpu_s": round(cpu_s, 2),
        "rows_per_s": round(job.total_rows / import_s),
        "queries": len(queries),
        "use_copy": job.use_copy,
        "peak_mb": peak_mb(),
    }


def volunteers_import(path: str) -> None:
    settings.DEBUG = True  # CaptureQueriesContext counts queries
    result = _run_import(path, "volunteers", f"org:{_org().pk}")
    emit(step="volunteers-import", **result)


def _copy_text_rows(table: str, width: int, rows) -> tuple[int, float]:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cols = ", ".join(f"c{i} text" for i in range(width))
        cursor.execute(f"CREATE UNLOGGED TABLE {table} ({cols})")
    started = time.monotonic()
    n = 0
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            n += 1
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return n, seconds


def volunteers_copy(path: str) -> None:
    """The same rows, read from the same XLSX the same way, COPYed as text: the floor."""
    from imports.files import open_table

    with open(path, "rb") as stream:
        started = time.monotonic()
        table = open_table(stream, path)
        n, _copy_s = _copy_text_rows("bench_copy_volunteers", len(table.headers), table.rows)
        seconds = time.monotonic() - started
    emit(step="volunteers-copy", rows=n, seconds=round(seconds, 2), rows_per_s=round(n / seconds))


def records_file(n: int, path: str) -> None:
    from volunteers.models import Volunteer

    numbers = list(Volunteer.objects.order_by("pk").values_list("number", flat=True))
    if not numbers:
        raise SystemExit("records-file: import the volunteers first")
    stations = ["110105001024", "110105001025", "110105001026", "110105001027"]
    start = date(timezone.localdate().year - 1, 1, 1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(RECORD_HEADERS)
        for i in range(n):
            writer.writerow(
                [
                    f"H{i:09d}",
                    numbers[i % len(numbers)],
                    ("1", "1.5", "2", "3", "4")[i % 5],
                    "",
                    (start + timedelta(days=i % 360)).isoformat(),
                    "社区环境清洁",
                    ("社区服务", "助老服务", "生态环保")[i % 3],
                    stations[i % len(stations)],
                    "社区广场",
                ]
            )
    emit(step="records-file", rows=n, mb=round(os.path.getsize(path) / 1e6, 1))


class _Steps(logging.Handler):
    """Collects the COPY path's step times (imports.copy_records logs them)."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[dict[str, float]] = [{}]

    def emit(self, record: logging.LogRecord) -> None:
        _job, step, seconds = record.args
        self.runs[-1][step] = round(seconds, 2)
        if step == "commit":
            self.runs.append({})


def records_import(path: str) -> None:
    settings.DEBUG = False
    settings.IMPORTS_COPY_ROWS = 1
    steps = _Steps()
    logger = logging.getLogger("imports.copy_records")
    logger.addHandler(steps)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    result = _run_import(path, "records", "fed", history=True, approve=True)
    check, run = steps.runs[0], steps.runs[1]
    emit(step="records-import", check_steps=check, import_steps=run, **result)


def ledger_write() -> None:
    """The ledger's own cost of taking the same rows: the imported entries inserted once more
    by one INSERT … SELECT (its indexes and foreign-key checks included), then rolled back."""
    from hours.models import ServiceRecord

    fields = [f.column for f in ServiceRecord._meta.concrete_fields if f.column != "id"]
    columns = ", ".join(fields)
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO hours_servicerecord ({columns})"  # noqa: S608 - fixed names
            f" SELECT {columns} FROM hours_servicerecord WHERE source = 'import'"
        )
        n = cursor.rowcount
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign-key checks, now
        seconds = time.monotonic() - started
        transaction.set_rollback(True)
    emit(step="ledger-write", rows=n, seconds=round(seconds, 2), rows_per_s=round(n / seconds))


def records_copy(path: str) -> None:
    """PostgreSQL's own COPY of the same CSV file into a table of text columns."""
    width = len(RECORD_HEADERS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_records")
        cols = ", ".join(f"c{i} text" for i in range(width))
        cursor.execute(f"CREATE UNLOGGED TABLE bench_copy_records ({cols})")
    started = time.monotonic()
    with (
        open(path, "rb") as f,
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy("COPY bench_copy_records FROM STDIN (FORMAT csv, HEADER true)") as copy,
    ):
        while block := f.read(1 << 20):
            copy.write(block)
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_copy_records")
        n = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_copy_records")
    emit(step="records-copy", rows=n, seconds=round(seconds, 2), rows_per_s=round(n / seconds))


COMMANDS = {
    "setup": setup,
    "volunteers-file": lambda n, p: volunteers_file(int(n), p),
    "volunteers-import": volunteers_import,
    "volunteers-copy": volunteers_copy,
    "records-file": lambda n, p: records_file(int(n), p),
    "records-import": records_import,
    "records-copy": records_copy,
    "ledger-write": ledger_write,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
