"""The COPY path for large service-record files (PostgreSQL): a district's history, millions of
rows. The file goes into a staging table with COPY, is checked set-based in SQL with the same
rules as the row path (`ServiceRecordResource.apply_row`), and the valid rows go into the ledger
with one `INSERT … SELECT`; the rest become the error report (行号, 列, 错误说明).

**Same rules, same words.** Whatever depends on a cell's text alone (hours, dates, categories,
practice-node codes, activity ids) is decided once per *distinct* value in Python by the very
functions the row path calls (`parse_hours`, `parse_date`, `parse_choice`, `node_by_code`,
`activities_for_records`, `hours.services.check_entry_timing` for "not ended", "future" and
the deadline) and joined back as a small lookup table. What depends on the database (the
volunteer and membership, 记录编号 already imported, repeats within the file) is a join. The cap
per volunteer and activity is a running sum; the rare (volunteer, activity) whose sum passes
the cap is settled row by row in file order, exactly as the row path would (a refused row does
not count for the next). The messages come from the resource's own helpers.

**Steps**, all in one transaction (a dry run or a cancel rolls everything back, the staging
tables included): COPY → lookups → one CREATE TABLE AS that checks every row → cap →
INSERT … SELECT into the ledger, `ImportedRecord` and `TouchedBucket` (approved rows) → the
error report. A UTF-8 or GB 18030 CSV is fed to COPY as it is (PostgreSQL parses the CSV); a
file PostgreSQL's CSV reader refuses (ragged rows, blank rows, mixed line ends) and XLSX go
through Python's reader into the same COPY, so both give the row path's cells and line numbers.
The cancel flag is read between the steps."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core.choices import ServiceCategory
from hours.models import ServiceRecord, TouchedBucket
from hours.services import cap_error, check_entry_timing, slot_length_half_hours

from .models import ImportedRecord, ImportJob
from .resources import (
    NEW,
    SKIP,
    UPDATE,
    activities_for_records,
    closed_volunteer,
    history_flag,
    ledger_error,
    member_organization_ids,
    missing_title,
    node_by_code,
    parse_choice,
    parse_date,
    parse_hours,
    record_id_differs,
    record_id_problem,
    repeated_record_id,
    unknown_activity,
    unknown_volunteer,
)
from .scope import ImportContext

log = logging.getLogger(__name__)

# Every character Python's str.strip() removes: the row path strips cells with it, so SQL trims
# the same set (btrim's default is the space alone).
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
PG_ENCODINGS = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "gb18030": "GB18030"}
ROLES = {
    "ext": "记录编号",
    "vol": "志愿者编号",
    "hrs": "时长（小时）",
    "act": "活动编号",
    "dt": "服务日期",
    "ttl": "活动名称",
    "cat": "服务类别",
    "nod": "服务阵地代码",
    "plc": "服务地点",
    "cnt": "服务内容",
}


class _Tables:
    """Names of this run's temporary tables (dropped at commit, gone on rollback)."""

    def __init__(self, job_pk: int) -> None:
        self.stage = f"imp_stage_{job_pk}"
        self.checked = f"imp_checked_{job_pk}"
        self.hours = f"imp_hours_{job_pk}"
        self.dates = f"imp_dates_{job_pk}"
        self.categories = f"imp_categories_{job_pk}"
        self.nodes = f"imp_nodes_{job_pk}"
        self.activities = f"imp_activities_{job_pk}"


class _Clock:
    """Logs how long each step took (the benchmark reads these lines)."""

    def __init__(self, job_pk: int) -> None:
        self.job_pk = job_pk
        self.last = time.monotonic()

    def __call__(self, step: str) -> None:
        now = time.monotonic()
        log.info("import job %s: %s %.2f s", self.job_pk, step, now - self.last)
        self.last = now


def _message(exc: ValidationError) -> str:
    return exc.messages[0]


def process_copy(
    job: ImportJob,
    ctx: ImportContext,
    *,
    commit: bool,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Check (commit=False) or import a service-record file through COPY; the same result as
    `services.process_rows`. Raises ImportCancelled (rolled back) or FileError."""
    from .services import ErrorLog, _check_cancel

    progress = on_progress or (lambda n: None)
    t = _Tables(job.pk)
    clock = _Clock(job.pk)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        headers, total = _load(cursor, job, t)
        clock("copy")
        progress(total // 4)
        _check_cancel(job.pk)
        _lookups(cursor, ctx, headers, t)
        clock("lookups")
        _check(cursor, ctx, headers, t)
        clock("check")
        progress(total // 2)
        _check_cancel(job.pk)
        _cap(cursor, t)
        clock("cap")
        progress(total * 3 // 4)
        _check_cancel(job.pk)
        errors = ErrorLog(headers)
        _report(cursor, headers, t, errors)
        clock("report")
        counts = {NEW: 0, UPDATE: 0, SKIP: 0}
        cursor.execute(f"SELECT status, count(*) FROM {t.checked} GROUP BY status")  # noqa: S608
        for status, n in cursor.fetchall():
            if status == "ok":
                counts[NEW] = n
            elif status == "skip":
                counts[SKIP] = n
        rolled_back = not commit or (job.on_error == ImportJob.OnError.ABORT and errors.rows > 0)
        if not rolled_back and counts[NEW]:
            _insert(cursor, ctx, t)
            clock("insert")
        _check_cancel(job.pk)
        progress(total)
        if rolled_back:
            transaction.set_rollback(True)
    clock("commit")
    return {"counts": counts, "errors": errors, "processed": total, "rolled_back": rolled_back}


# --- 1. the file into the staging table ---------------------------------------------------------


def _load(cursor: Any, job: ImportJob, t: _Tables) -> tuple[list[str], int]:
    """COPY the file's data rows into `stage(line, c0…cN)`; returns the headers and the count.
    `line` is the row path's line number (data rows from 2, blank rows not counted)."""
    table, _resource = _read(job)
    headers = table.headers
    columns = ", ".join(f"c{i} text" for i in range(len(headers)))
    cursor.execute(
        f"CREATE TEMP TABLE {t.stage} (line bigint GENERATED BY DEFAULT AS IDENTITY (START 2),"
        f" {columns}) ON COMMIT DROP"
    )
    names = ", ".join(f"c{i}" for i in range(len(headers)))
    if not (job.encoding in PG_ENCODINGS and _copy_csv_as_is(cursor, job, t, names, headers)):
        cursor.execute(f"TRUNCATE {t.stage}")
        with cursor.cursor.copy(f"COPY {t.stage} (line, {names}) FROM STDIN") as copy:
            for line, cells in enumerate(table.rows, 2):
                copy.write_row([line, *cells])
    cursor.execute(f"ANALYZE {t.stage}")
    cursor.execute(f"SELECT count(*) FROM {t.stage}")  # noqa: S608
    return headers, cursor.fetchone()[0]


def _read(job: ImportJob) -> Any:
    from .services import read_table

    return read_table(job, count=False)


def _copy_csv_as_is(cursor: Any, job: ImportJob, t: _Tables, names: str, headers: list) -> bool:
    """PostgreSQL parses the CSV itself (the fast way). False when its reader refuses the file
    or the file has blank rows (Python's reader then feeds COPY, with the row path's lines)."""
    from psycopg import errors as pg_errors

    sql = (
        f"COPY {t.stage} ({names}) FROM STDIN "
        f"(FORMAT csv, HEADER true, ENCODING '{PG_ENCODINGS[job.encoding]}')"
    )
    try:
        with (
            transaction.atomic(),
            job.file.storage.open(job.file.name, "rb") as stream,  # its own handle
            cursor.cursor.copy(sql) as copy,
        ):
            while block := stream.read(1 << 20):
                copy.write(block)
    except pg_errors.DataError:  # ragged rows, bad quoting or bytes, mixed line ends
        return False
    blank = (
        " AND ".join(f"coalesce(btrim(c{i}, %s), '') = ''" for i in range(len(headers))) or "true"
    )
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {t.stage} WHERE {blank})",  # noqa: S608
        [WHITESPACE] * len(headers),
    )
    return not cursor.fetchone()[0]


# --- 2. lookups: each distinct cell value decided once by the row path's own functions ------------


def _cell(headers: list[str], role: str) -> str:
    """The SQL of a role's cell, stripped as the row path strips it ('' for a missing column)."""
    name = ROLES[role]
    if name not in headers:
        return "''"
    return f"coalesce(btrim(s.c{headers.index(name)}, %(ws)s), '')"


def _distinct_values(cursor: Any, t: _Tables, headers: list[str]) -> dict[str, list[str]]:
    """The distinct stripped values of the cells decided in Python, in one scan of the staging
    table (GROUPING SETS). Dates, categories and nodes only of rows without an activity id (as
    the row path reads them only then)."""
    act = _cell(headers, "act")
    exprs = {
        "hrs": _cell(headers, "hrs"),
        "act": act,
        "dt": f"CASE WHEN {act} = '' THEN {_cell(headers, 'dt')} END",
        "cat": f"CASE WHEN {act} = '' THEN {_cell(headers, 'cat')} END",
        "nod": f"CASE WHEN {act} = '' THEN {_cell(headers, 'nod')} END",
    }
    roles = list(exprs)
    select = ", ".join(f"{expr} AS {role}" for role, expr in exprs.items())
    sets = ", ".join(f"({role})" for role in roles)
    cursor.execute(
        f"SELECT {', '.join(roles)}, {', '.join(f'GROUPING({r})' for r in roles)}"  # noqa: S608
        f" FROM (SELECT {select} FROM {t.stage} s) v GROUP BY GROUPING SETS ({sets})",
        {"ws": WHITESPACE},
    )
    found: dict[str, list[str]] = {role: [] for role in roles}
    for row in cursor.fetchall():
        values, grouping = row[: len(roles)], row[len(roles) :]
        for role, value, not_grouped in zip(roles, values, grouping, strict=True):
            if not not_grouped and value is not None:
                found[role].append(value)
    return found


def _fill(cursor: Any, table: str, columns: str, rows: list[list[Any]]) -> None:
    cursor.execute(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")
    names = ", ".join(c.split()[0] for c in columns.split(", "))
    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(f"ANALYZE {table}")


def _timing(ctx: ImportContext, *, slot: Any = None, service_date: Any = None) -> str | None:
    try:
        check_entry_timing(
            source=ServiceRecord.Source.IMPORT,
            slot=slot,
            service_date=service_date,
            today=ctx.today,
            deadline_exempt=ctx.history,
        )
    except ValidationError as exc:
        return _message(ledger_error(exc, with_activity=slot is not None))
    return None


def _lookups(cursor: Any, ctx: ImportContext, headers: list[str], t: _Tables) -> None:
    distinct = _distinct_values(cursor, t, headers)

    rows = []
    for value in distinct["hrs"]:
        try:
            rows.append([value, parse_hours(value), None])
        except ValidationError as exc:
            rows.append([value, None, _message(exc)])
    _fill(cursor, t.hours, "v text, half int, err text", rows)

    rows = []
    for value in distinct["dt"]:
        try:
            day = parse_date(value, "服务日期")
        except ValidationError as exc:
            rows.append([value, None, _message(exc), None])
        else:
            rows.append([value, day, None, _timing(ctx, service_date=day)])
    _fill(cursor, t.dates, "v text, d date, err text, timing text", rows)

    rows = []
    for value in distinct["cat"]:
        try:
            rows.append([value, parse_choice(value, ServiceCategory, "服务类别"), None])
        except ValidationError as exc:
            rows.append([value, None, _message(exc)])
    _fill(cursor, t.categories, "v text, code text, err text", rows)

    rows = []
    for value in distinct["nod"]:
        try:
            node = node_by_code(value, "服务阵地代码", ctx)
        except ValidationError as exc:
            rows.append([value, None, None, None, _message(exc)])
        else:
            center, institute, station = _node_ids(node, ctx)
            rows.append([value, center, institute, station, None])
    _fill(
        cursor, t.nodes, "v text, center bigint, institute bigint, station bigint, err text", rows
    )

    values = [v for v in distinct["act"] if v]
    activities = activities_for_records(values, ctx)
    rows = []
    for value in values:
        activity = activities[value]
        if activity is None:
            rows.append([value] + [None] * 13 + [_message(unknown_activity(value))])
            continue
        project = activity.project
        center, institute, station = _node_ids(project.node, ctx)
        rows.append(
            [
                value,
                activity.pk,
                project.pk,
                project.organization_id,
                project.category,
                timezone.localtime(activity.starts_at).date(),
                f"{project.title} · {activity.title}".strip()[:200],
                activity.place.strip()[:200],
                project.work_content.strip(),
                center,
                institute,
                station,
                slot_length_half_hours(activity),
                _timing(ctx, slot=activity),
                None,
            ]
        )
    _fill(
        cursor,
        t.activities,
        "v text, activity_id bigint, project_id bigint, organization_id bigint, category text, "
        "d date, title text, place text, content text, center bigint, institute bigint, "
        "station bigint, cap int, timing text, err text",
        rows,
    )


def _node_ids(node: Any, ctx: ImportContext) -> tuple[int | None, int | None, int | None]:
    """(center, institute, station) ids of a node, as record_hours denormalises them (its
    ancestors looked up through the run's node cache)."""
    codes = node.path.strip("/").split("/")
    ids = {}
    for code in codes:
        ancestor = ctx.node_by_code(code)
        if ancestor is not None:
            ids[code] = ancestor.pk
    return (
        ids[codes[0]],
        ids.get(codes[1]) if len(codes) > 1 else None,
        ids.get(codes[2]) if len(codes) > 2 else None,
    )


# --- 3. every row checked in one statement -------------------------------------------------------


def _check(cursor: Any, ctx: ImportContext, headers: list[str], t: _Tables) -> None:
    def cell(role: str) -> str:
        return _cell(headers, role)

    member_join, member_ok = "", "true"
    if ctx.organization is not None:
        member_join = (
            "LEFT JOIN (SELECT DISTINCT volunteer_id FROM organizations_membership"
            " WHERE organization_id = ANY(%(orgs)s) AND status = 'approved') m"
            " ON m.volunteer_id = v.id"
        )
        member_ok = "m.volunteer_id IS NOT NULL"
    sql = f"""
CREATE TEMP TABLE {t.checked} ON COMMIT DROP AS
WITH cells AS (
    SELECT s.line, {cell("ext")} AS ext, {cell("vol")} AS vol, {cell("hrs")} AS hrs,
           {cell("act")} AS act, {cell("dt")} AS dt, {cell("ttl")} AS ttl, {cell("cat")} AS cat,
           {cell("nod")} AS nod, {cell("plc")} AS plc, {cell("cnt")} AS cnt
    FROM {t.stage} s
),
firsts AS (
    SELECT ext, min(line) AS first_line FROM cells
    WHERE ext <> '' AND char_length(ext) <= 64
    GROUP BY ext HAVING count(*) > 1
),
joined AS (
    SELECT c.line, c.ext, c.vol, c.act,
        (c.ext = '' OR char_length(c.ext) > 64) AS ext_bad,
        CASE WHEN f.first_line < c.line THEN f.first_line END AS repeat_of,
        v.id AS volunteer_id, v.name AS volunteer_name,
        CASE WHEN v.id IS NULL OR NOT ({member_ok}) THEN 'unknown'
             WHEN v.closed_at IS NOT NULL THEN 'closed' END AS vol_err,
        h.half, h.err AS hrs_err,
        a.activity_id, a.project_id, a.cap, a.err AS act_err,
        d.err AS dt_err, k.err AS cat_err, n.err AS nod_err,
        (c.act = '' AND c.ttl = '') AS ttl_missing,
        CASE WHEN c.act <> '' THEN a.timing ELSE d.timing END AS timing,
        CASE WHEN c.act <> '' THEN a.organization_id ELSE %(org)s::bigint END AS organization_id,
        CASE WHEN c.act <> '' THEN a.center ELSE n.center END AS center_id,
        CASE WHEN c.act <> '' THEN a.institute ELSE n.institute END AS institute_id,
        CASE WHEN c.act <> '' THEN a.station ELSE n.station END AS station_id,
        CASE WHEN c.act <> '' THEN a.category ELSE k.code END AS category,
        CASE WHEN c.act <> '' THEN a.d ELSE d.d END AS service_date,
        left(CASE WHEN c.ttl <> '' THEN c.ttl ELSE coalesce(a.title, '') END, 200) AS title,
        left(CASE WHEN c.plc <> '' THEN c.plc ELSE coalesce(a.place, '') END, 200) AS place,
        CASE WHEN c.cnt <> '' THEN c.cnt ELSE coalesce(a.content, '') END AS content,
        r.id AS prev_id,
        coalesce(r.volunteer_id = v.id AND r.half_hours = h.half
                 AND (c.act <> '' OR r.service_date = d.d)
                 AND r.activity_id IS NOT DISTINCT FROM a.activity_id, false) AS prev_same
    FROM cells c
    LEFT JOIN firsts f ON f.ext = c.ext
    LEFT JOIN volunteers_volunteer v ON c.vol <> '' AND v.number = upper(c.vol)
    {member_join}
    LEFT JOIN {t.hours} h ON h.v = c.hrs
    LEFT JOIN {t.activities} a ON c.act <> '' AND a.v = c.act
    LEFT JOIN {t.dates} d ON c.act = '' AND d.v = c.dt
    LEFT JOIN {t.categories} k ON c.act = '' AND k.v = c.cat
    LEFT JOIN {t.nodes} n ON c.act = '' AND n.v = c.nod
    LEFT JOIN imports_importedrecord i ON i.scope = %(scope)s AND i.external_id = c.ext
    LEFT JOIN hours_servicerecord r ON r.id = i.record_id
)
SELECT j.*,
    CASE WHEN j.ext_bad OR j.repeat_of IS NOT NULL OR j.vol_err IS NOT NULL
              OR j.hrs_err IS NOT NULL OR j.act_err IS NOT NULL OR j.dt_err IS NOT NULL
              OR j.cat_err IS NOT NULL OR j.nod_err IS NOT NULL OR j.ttl_missing THEN 'error'
         WHEN j.prev_id IS NOT NULL THEN CASE WHEN j.prev_same THEN 'skip' ELSE 'error' END
         WHEN j.timing IS NOT NULL THEN 'error'
         ELSE 'ok' END AS status,
    NULL::text AS cap_err
FROM joined j"""  # noqa: S608 - table names are ours, values are parameters
    cursor.execute(
        sql,
        {
            "ws": WHITESPACE,
            "orgs": member_organization_ids(ctx),
            "org": ctx.organization.pk if ctx.organization else None,
            "scope": ctx.scope.key,
        },
    )
    cursor.execute(f"ANALYZE {t.checked}")


# --- 4. the cap: a running sum; passing groups settled row by row as the row path would ----------


def _cap(cursor: Any, t: _Tables) -> None:
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {t.checked}"  # noqa: S608
        " WHERE status = 'ok' AND activity_id IS NOT NULL)"
    )
    if not cursor.fetchone()[0]:
        return
    # One volunteer's entries are written one at a time (as record_hours locks them), so a
    # concurrent back-fill cannot pass the cap alongside this import.
    cursor.execute(
        "SELECT id FROM volunteers_volunteer WHERE id IN"  # noqa: S608
        f" (SELECT volunteer_id FROM {t.checked} WHERE status = 'ok'"
        " AND activity_id IS NOT NULL) ORDER BY id FOR UPDATE"
    )
    cursor.execute(
        f"""
WITH pairs AS (
    SELECT DISTINCT volunteer_id, activity_id FROM {t.checked}
    WHERE status = 'ok' AND activity_id IS NOT NULL
),
existing AS (
    SELECT p.volunteer_id, p.activity_id, coalesce(sum(r.half_hours), 0) AS half
    FROM pairs p LEFT JOIN hours_servicerecord r
      ON r.volunteer_id = p.volunteer_id AND r.activity_id = p.activity_id
     AND r.status IN ('approved', 'pending')
    GROUP BY p.volunteer_id, p.activity_id
),
running AS (
    SELECT c.line, c.volunteer_id, c.activity_id, c.half, c.cap, c.volunteer_name,
           e.half AS existing,
           e.half + sum(c.half) OVER (PARTITION BY c.volunteer_id, c.activity_id
                                      ORDER BY c.line) AS total
    FROM {t.checked} c JOIN existing e USING (volunteer_id, activity_id)
    WHERE c.status = 'ok'
),
over AS (SELECT DISTINCT volunteer_id, activity_id FROM running WHERE total > cap)
SELECT r.line, r.volunteer_id, r.activity_id, r.half, r.cap, r.volunteer_name, r.existing
FROM running r JOIN over o USING (volunteer_id, activity_id)
ORDER BY r.line"""  # noqa: S608
    )
    recorded: dict[tuple[int, int], int] = {}
    lines, messages = [], []
    for line, volunteer, activity, half, cap, name, existing in cursor.fetchall():
        so_far = recorded.setdefault((volunteer, activity), existing)
        if so_far + half > cap:
            exc = cap_error(name=name, cap=cap, existing=so_far, half_hours=half)
            lines.append(line)
            messages.append(_message(exc))
        else:
            recorded[(volunteer, activity)] = so_far + half
    if lines:
        cursor.execute(
            f"UPDATE {t.checked} c SET status = 'error', cap_err = u.message"  # noqa: S608
            " FROM unnest(%s::bigint[], %s::text[]) AS u(line, message) WHERE c.line = u.line",
            [lines, messages],
        )


# --- 5. the error report ---------------------------------------------------------------------------


def _report(cursor: Any, headers: list[str], t: _Tables, errors: Any) -> None:
    """Every refused row, in file order, with the row path's columns and messages."""
    cells = ", ".join(f"coalesce(btrim(s.c{i}, %(ws)s), '')" for i in range(len(headers)))
    sql = (
        "SELECT c.line, c.ext, c.vol, c.act, c.ext_bad, c.repeat_of, c.vol_err, c.hrs_err,"  # noqa: S608
        " c.act_err, c.dt_err, c.cat_err, c.nod_err, c.ttl_missing, c.prev_id, c.prev_same,"
        f" c.timing, c.cap_err, {cells} FROM {t.checked} c JOIN {t.stage} s ON s.line = c.line"
        " WHERE c.status = 'error' ORDER BY c.line"
    )
    with connection.connection.cursor(name=f"imp_errors_{t.stage}") as rows:
        rows.execute(sql.replace("%(ws)s", "%s"), [WHITESPACE] * len(headers))
        while batch := rows.fetchmany(5000):
            for row in batch:
                line, cells_of = row[0], list(row[17:])
                errors.add(line, _row_errors(*row[1:17]), cells_of)


def _row_errors(
    ext: str,
    vol: str,
    act: str,
    ext_bad: bool,
    repeat_of: int | None,
    vol_err: str | None,
    hrs_err: str | None,
    act_err: str | None,
    dt_err: str | None,
    cat_err: str | None,
    nod_err: str | None,
    ttl_missing: bool,
    prev_id: int | None,
    prev_same: bool,
    timing: str | None,
    cap_err: str | None,
) -> ValidationError:
    """The row path's ValidationError for a refused row: the parse errors of every column in
    the order `apply_row` collects them; else the one refusal of the ledger step."""
    found: dict[str, list[str]] = {}
    if ext_bad:
        found["记录编号"] = [record_id_problem(ext)]
    elif repeat_of is not None:
        found["记录编号"] = [repeated_record_id(repeat_of)]
    if vol_err == "unknown":
        found["志愿者编号"] = unknown_volunteer(vol).messages
    elif vol_err == "closed":
        found["志愿者编号"] = closed_volunteer().messages
    if hrs_err:
        found["时长（小时）"] = [hrs_err]
    if act:
        if act_err:
            found["活动编号"] = [act_err]
    else:
        for column, message in (
            ("服务日期", dt_err),
            ("服务类别", cat_err),
            ("服务阵地代码", nod_err),
        ):
            if message:
                found[column] = [message]
        if ttl_missing:
            found["活动名称"] = [missing_title()]
    if found:
        return ValidationError(found)
    if prev_id is not None and not prev_same:
        return record_id_differs()
    if timing:
        return ValidationError({"活动编号" if act else "服务日期": [timing]})
    return ValidationError({"时长（小时）": [cap_err or ""]})


# --- 6. the valid rows into the ledger ----------------------------------------------------------


def _insert(cursor: Any, ctx: ImportContext, t: _Tables) -> None:
    """INSERT … SELECT of the valid rows: ledger entries (source import, pending unless the
    importer approves), their 记录编号 in ImportedRecord, and TouchedBucket marks for approved
    entries, set-based as the ledger's services mark them."""
    now = timezone.now()
    approved = ctx.approve
    user_id = getattr(ctx.user, "pk", None)
    flag_reason = history_flag() if ctx.history and not approved else ""
    values = {
        "id": "rec_id",
        "volunteer_id": "volunteer_id",
        "project_id": "project_id",
        "activity_id": "activity_id",
        "shift_id": "NULL",
        "order_id": "NULL",
        "organization_id": "organization_id",
        "center_id": "center_id",
        "institute_id": "institute_id",
        "station_id": "station_id",
        "category": "category",
        "service_date": "service_date",
        "title": "title",
        "place": "place",
        "content": "content",
        "half_hours": "half",
        "person_times": "1",
        "source": "%(source)s",
        "status": "%(status)s",
        "flagged": "%(flagged)s",
        "flag_reason": "%(flag_reason)s",
        "reason": "''",
        "reverses_id": "NULL",
        "correction_request_id": "NULL",
        "recorded_by_id": "%(user)s",
        "recorded_at": "%(now)s",
        "decided_by_id": "%(decided_by)s",
        "decided_at": "%(decided_at)s",
        "decision_note": "''",
    }
    fields = [f.column for f in ServiceRecord._meta.concrete_fields]
    missing = set(fields) ^ set(values)
    if missing:
        raise RuntimeError(f"copy_records: ledger columns changed: {sorted(missing)}")
    table = ServiceRecord._meta.db_table
    cursor.execute(
        f"""
WITH ok AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS rec_id, c.*
    FROM {t.checked} c WHERE c.status = 'ok'
),
entries AS (
    INSERT INTO {table} ({", ".join(fields)})
    SELECT {", ".join(values[f] for f in fields)} FROM ok
)
INSERT INTO {ImportedRecord._meta.db_table} (scope, external_id, record_id, job_id, history)
SELECT %(scope)s, ext, rec_id, %(job)s, %(history)s FROM ok""",  # noqa: S608
        {
            "source": ServiceRecord.Source.IMPORT,
            "status": ServiceRecord.Status.APPROVED if approved else ServiceRecord.Status.PENDING,
            "flagged": bool(flag_reason),
            "flag_reason": flag_reason,
            "user": user_id,
            "now": now,
            "decided_by": user_id if approved else None,
            "decided_at": now if approved else None,
            "scope": ctx.scope.key,
            "job": ctx.job.pk if ctx.job else None,
            "history": ctx.history,
        },
    )
    if approved:
        cursor.execute(
            f"""
INSERT INTO {TouchedBucket._meta.db_table} (node_id, month, category, touched_at)
SELECT DISTINCT coalesce(station_id, institute_id, center_id),
       date_trunc('month', service_date)::date, category, %s::timestamptz
FROM {t.checked} WHERE status = 'ok'
ON CONFLICT (node_id, month, category) DO UPDATE SET touched_at = EXCLUDED.touched_at""",  # noqa: S608
            [now],
        )


__all__ = ["process_copy"]
