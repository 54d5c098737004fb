# ruff: noqa: S608 - SQL is built from table names and expressions in this module;
# every value is a query parameter.
"""The statistics rollup: approved ledger entries → summary tables, set-based, in SQL.

Two entry points, one module:
- `run_rollup()` (incremental, the beat task every few minutes) re-aggregates only the buckets
  the ledger marked in `hours.TouchedBucket` (node, month, category) since the last run and
  applies the *difference* to the node statistics;
- `run_rollup(full=True)` (`manage.py rollup_hours --full`) rebuilds everything.

Every batch is one transaction holding a PostgreSQL advisory lock (`pg_try_advisory_xact_lock`),
so two runs never overlap (the second returns at once, `skipped`), and a worker killed halfway
rolls the whole batch back; the touched rows it consumed are deleted in the same transaction,
each only if its `touched_at` is still the one read (a concurrent approval re-marks the bucket),
so a rerun after a crash or a redelivery starts from the same state and reaches the same values.

Nothing is loaded into Python: each step is INSERT … SELECT / DELETE over keys, grouped by
integer ids, dates and the category code — distribution-friendly keys, no sequences read across
tables, no correlated subquery over the ledger — so the statements run unchanged on a ledger
partitioned by month (the range predicates on `service_date` prune partitions) or distributed by
Citus. Levels above the deepest node are derived from `HoursFact` and `Presence`, never from the
ledger. The same SQL runs on SQLite (the embedded default) through a few dialect expressions;
only the full rebuild's one GROUPING SETS statement has a per-level loop as its SQLite twin.

**Why the incremental run is cheap.** A year's distinct volunteers at the city level cannot be
re-counted from a few touched buckets: recounting would scan the whole year. Instead the run
keeps the invariant `NodeStat = derive(HoursFact, Presence)` and applies deltas:
- sums (hours, person-times, activities): new minus old fact rows of the touched buckets;
- distinct volunteers: only a presence row that appeared or disappeared can move a count, and it
  moves the count of a (node, period, category) key only if the volunteer has no *other*
  presence row under that key — looked up among that volunteer's own rows (Presence's primary
  key leads with `volunteer_id`), so the cost follows the size of the change, not of the year
  (`_volunteer_coverage`);
both rolled up to every level, period and category in one grouping and written in one upsert
(`_apply_deltas`).
`manage.py verify_rollup` recomputes buckets straight from the ledger to prove the invariant.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from .models import HoursFact, Presence, RollupState, SourceChange, VolunteerTotal

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: "dashboard rollup" (any constant unique to this lock).
LOCK_KEY = 20_24_0808
CACHE_VERSION_KEY = "dashboard:version"
BATCH_SIZE = 20_000
WORK_MEM = "256MB"  # per sort or hash of a rollup statement (SET LOCAL: this transaction only)
# Processes counting distinct volunteers side by side in a full rebuild (`_volunteer_counts`):
# the database machine's cores (two here: a third range made it slower, 1.9 s against 1.6 s).
VOLUNTEER_PARTS = 2

LEDGER = "hours_servicerecord"
TOUCHED = "hours_touchedbucket"
NODES = "civilization_stations_practicenode"
FACT = "dashboard_hours_fact"
PRESENCE = "dashboard_presence"
NODE_STAT = "dashboard_node_stat"
VOLUNTEER_TOTAL = "dashboard_volunteer_total"
STARRED = "dashboard_starred"
ORG_TABLES = ("dashboard_org_month", "dashboard_org_year")
SOURCE_CHANGE = "dashboard_source_change"
SCOPES = tuple(SourceChange.Scope.values)

LEVELS = ("s", "i", "c", "x")  # station, institute, center, city (node 0)
# Every NodeStat row is one of these: (level, period kind, all categories?).
COMBOS = tuple(
    (level, kind, all_categories)
    for level in LEVELS
    for kind in ("M", "Y")
    for all_categories in (False, True)
)
# The columns that identify a node of each level in the base summaries (a station row also
# carries its institute and center, so grouping by them costs nothing and lets PostgreSQL
# share one sort between the levels of a GROUPING SETS chain).
LEVEL_COLUMNS = {
    "s": ("center_id", "institute_id", "station_id"),
    "i": ("center_id", "institute_id"),
    "c": ("center_id",),
    "x": (),
}
LEVEL_NODE = {"s": "station_id", "i": "institute_id", "c": "center_id", "x": None}


@dataclass(frozen=True)
class RollupResult:
    kind: str
    buckets: int
    batches: int
    duration_ms: int
    skipped: bool = False
    steps: dict[str, int] = field(default_factory=dict)  # milliseconds per step


_steps: dict[str, int] = {}


@contextmanager
def _step(name: str) -> Iterator[None]:
    """Time a step of the run (reported by `rollup_hours` and the benchmark)."""
    started = time.monotonic()
    yield
    _steps[name] = _steps.get(name, 0) + int((time.monotonic() - started) * 1000)


# --- dialect ----------------------------------------------------------------------------------


def _pg() -> bool:
    return connection.vendor == "postgresql"


# First day of the month / year of a date column. On PostgreSQL `date_trunc` on a date goes
# through timestamptz and time zone rules (~0.5 µs a row, a second per million ledger rows);
# date minus the day number is plain arithmetic.
def month_of(col: str) -> str:
    if _pg():
        return f"({col} - date_part('day', {col})::int + 1)"
    return f"date({col}, 'start of month')"


def year_of(col: str) -> str:
    if _pg():
        return f"({col} - date_part('doy', {col})::int + 1)"
    return f"date({col}, 'start of year')"


def plus(col: str, unit: str) -> str:
    """col + 1 month / 1 year, as a date."""
    return f"({col} + interval '1 {unit}')::date" if _pg() else f"date({col}, '+1 {unit}')"


def _temp(
    cursor,
    name: str,
    select_sql: str,
    params: list | tuple | None = None,
    *,
    columns: str = "",
    analyze: bool = True,
) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    if columns:  # names for unnamed expressions (SQLite takes no column list on CREATE … AS)
        select_sql = f"WITH named ({columns}) AS ({select_sql}) SELECT * FROM named"
    cursor.execute(f"CREATE TEMP TABLE {name} AS {select_sql}", params or [])
    if _pg() and analyze:
        # Temporary tables get no statistics of their own: without them the planner guesses,
        # and may scan a whole summary table where an index lookup per row was right. A table
        # only aggregated or joined with other temporary tables is planned well enough from
        # its size alone (`analyze=False`): its ANALYZE cost more than any plan it changed.
        cursor.execute(f"ANALYZE {name}")


@contextmanager
def _local_setting(cursor, name: str, value: str) -> Iterator[None]:
    """A PostgreSQL setting for the statements inside the block (this transaction only: SET
    LOCAL), back to the default after it; nothing on SQLite."""
    if not _pg():
        yield
        return
    cursor.execute(f"SET LOCAL {name} = {value}")
    yield
    cursor.execute(f"SET LOCAL {name} TO DEFAULT")


def _small_statistics_sample(cursor) -> AbstractContextManager[None]:
    """ANALYZE with a tenth of the default sample (3,000 rows) inside the block: the rollup's
    tables are analysed for their sizes and rough distributions, which the planner needs as well
    from the smaller sample, at a tenth of the cost."""
    return _local_setting(cursor, "default_statistics_target", "10")


# --- the base summaries, straight from the ledger ---------------------------------------------

DEEPEST = "COALESCE(r.station_id, r.institute_id, r.center_id)"
ACTIVITIES = (
    "COUNT(DISTINCT CASE WHEN r.reverses_id IS NULL THEN r.activity_id END)"
    " + COUNT(DISTINCT CASE WHEN r.reverses_id IS NULL THEN r.shift_id END)"
    " + COUNT(DISTINCT CASE WHEN r.reverses_id IS NULL THEN r.order_id END)"
)
NODE_KEYS = f"{DEEPEST}, r.center_id, COALESCE(r.institute_id, 0), COALESCE(r.station_id, 0)"
FACT_COLS = (
    "node_id, center_id, institute_id, station_id, month, year, category, organization_id,"
    " half_hours, person_times, activities"
)
# A presence row's place and volunteer (its key and the place columns that go with it).
PRESENCE_PLACE = "node_id, center_id, institute_id, station_id, month, year, category, volunteer_id"
PRESENCE_COLS = f"{PRESENCE_PLACE}, half_hours, person_times"
STAT_COLS = "node_id, kind, period, category, half_hours, person_times, volunteers, activities"


def _key_columns(model) -> str:
    """A summary model's primary key columns, in the key's order."""
    return ", ".join(f.column for f in model._meta.pk_fields)


LEDGER_COLUMNS = (
    "center_id, institute_id, station_id, service_date, category, organization_id, activity_id,"
    " shift_id, order_id, reverses_id, volunteer_id, half_hours, person_times, status"
)


# A month touched in this many districts or more is read whole (through the ledger's BRIN index
# on the service date: the month's pages once); below it, district by district through the
# (center_id, service_date) B-tree. Rows of one month lie together on disk, interleaved across
# districts, so reading a busy month district by district would read its pages 17 times.
WHOLE_MONTH_CENTERS = 4


def _touched_ledger() -> str:
    """FROM clause: the ledger rows of the touched buckets (as `r`, with their bucket month as
    `r.month`), reached through month or (center, month) ranges — the partition key of a
    ledger partitioned by month — then matched to the exact buckets. On PostgreSQL each range
    is a LATERAL subquery behind OFFSET 0: as a plain join the planner cannot see how few rows a
    range holds and scans the whole ledger instead."""
    columns = ", ".join(f"x.{c.strip()}" for c in LEDGER_COLUMNS.split(","))
    match = f"""JOIN rollup_touched t ON t.node_id = {DEEPEST} AND t.month = r.month
                    AND t.category = r.category"""
    if not _pg():
        return f"""(SELECT {columns}, cm.month AS month FROM {LEDGER} x
                    JOIN rollup_cm cm ON x.center_id = cm.center_id
                         AND x.service_date >= cm.month AND x.service_date < cm.month_end) r
                   {match}"""
    busy = f"""(SELECT month FROM rollup_cm GROUP BY month
                HAVING COUNT(*) >= {WHOLE_MONTH_CENTERS})"""
    return f"""(SELECT r.* FROM (SELECT DISTINCT month, month_end FROM rollup_cm
                                 WHERE month IN {busy}) mm
                CROSS JOIN LATERAL (
                    SELECT {columns}, mm.month AS month FROM {LEDGER} x
                    WHERE x.service_date >= mm.month AND x.service_date < mm.month_end
                    OFFSET 0) r
                UNION ALL
                SELECT r.* FROM (SELECT * FROM rollup_cm WHERE month NOT IN {busy}) cm
                CROSS JOIN LATERAL (
                    SELECT {columns}, cm.month AS month FROM {LEDGER} x
                    WHERE x.center_id = cm.center_id AND x.service_date >= cm.month
                          AND x.service_date < cm.month_end OFFSET 0) r) r
               {match}"""


def _fact_select(source: str, month: str) -> str:
    """Fact rows (deepest node × month × category × organization) of the approved entries of
    `source` (a FROM clause with the ledger as `r`). Two stages: first one row per slot (activity, shift or order) — a hash
    aggregate into few groups — then the distinct slots are counted over those few rows, so
    the ledger is never sorted for COUNT(DISTINCT)."""
    return f"""
        SELECT s.node_id, s.center_id, s.institute_id, s.station_id, s.month,
               {year_of("s.month")}, s.category, s.organization_id,
               SUM(s.half_hours), SUM(s.person_times),
               COUNT(DISTINCT CASE WHEN s.original = 1 THEN s.activity_id END)
               + COUNT(DISTINCT CASE WHEN s.original = 1 THEN s.shift_id END)
               + COUNT(DISTINCT CASE WHEN s.original = 1 THEN s.order_id END)
        FROM (SELECT {DEEPEST} AS node_id, r.center_id AS center_id,
                     COALESCE(r.institute_id, 0) AS institute_id,
                     COALESCE(r.station_id, 0) AS station_id, {month} AS month,
                     r.category AS category, COALESCE(r.organization_id, 0) AS organization_id,
                     r.activity_id AS activity_id, r.shift_id AS shift_id,
                     r.order_id AS order_id,
                     CASE WHEN r.reverses_id IS NULL THEN 1 ELSE 0 END AS original,
                     SUM(r.half_hours) AS half_hours, SUM(r.person_times) AS person_times
              FROM {source}
              WHERE r.status = 'approved'
              GROUP BY {NODE_KEYS}, {month}, r.category, COALESCE(r.organization_id, 0),
                       r.activity_id, r.shift_id, r.order_id,
                       CASE WHEN r.reverses_id IS NULL THEN 1 ELSE 0 END) s
        GROUP BY s.node_id, s.center_id, s.institute_id, s.station_id, s.month, s.category,
                 s.organization_id"""


def _presence_select(source: str, month: str) -> str:
    # Net person-times > 0: a volunteer whose only entry was reversed did not serve there.
    return f"""
        SELECT p.node_id, p.center_id, p.institute_id, p.station_id, p.month,
               {year_of("p.month")}, p.category, p.volunteer_id, p.half_hours, p.person_times
        FROM (SELECT {DEEPEST} AS node_id, r.center_id AS center_id,
                     COALESCE(r.institute_id, 0) AS institute_id,
                     COALESCE(r.station_id, 0) AS station_id, {month} AS month,
                     r.category AS category, r.volunteer_id AS volunteer_id,
                     SUM(r.half_hours) AS half_hours, SUM(r.person_times) AS person_times
              FROM {source}
              WHERE r.status = 'approved'
              GROUP BY {NODE_KEYS}, {month}, r.category, r.volunteer_id
              HAVING SUM(r.person_times) > 0) p"""


# --- levels: how a base row maps to the NodeStat key of a combo --------------------------------


def _key(level: str, kind: str, all_categories: bool, alias: str) -> tuple[str, str, str, str]:
    """(node expression, period expression, category expression, row filter) of a base
    summary row (`alias`) for one combo."""
    column = LEVEL_NODE[level]
    node = f"{alias}.{column}" if column else "0"
    cond = f"{alias}.{column} <> 0" if level in ("s", "i") else "1 = 1"
    period = f"{alias}.month" if kind == "M" else f"{alias}.year"
    category = "''" if all_categories else f"{alias}.category"
    return node, period, category, cond


def _group_by(*exprs: str) -> str:
    """GROUP BY the non-constant expressions (PostgreSQL refuses a literal there)."""
    return ", ".join(e for e in exprs if e not in ("0", "''"))


# --- the full rebuild ---------------------------------------------------------------------------


Aggregate = str | Callable[[int], str]


def _combo_select(table: str, aggregates: dict[str, Aggregate], extra: tuple[str, ...] = ()) -> str:
    """(node_id, kind, period, category, *extra, *aggregates) for every combo over a base
    summary table or subquery (alias `t`), grouped also by the `extra` columns. An aggregate
    given as a function of the combo's index in COMBOS differs by combo. On PostgreSQL one
    GROUPING SETS statement: it sorts the table once per chain of nested sets (four sorts for the
    sixteen combos) instead of once per combo; an aggregate that differs by combo is computed in
    every set in all its variants, and each set keeps its own. SQLite has no GROUPING SETS:
    there it is a UNION ALL of one GROUP BY per combo, the same rows."""

    def variant(expr: Aggregate, i: int) -> str:
        return expr(i) if callable(expr) else expr

    extras = "".join(f"t.{c} AS {c}, " for c in extra)
    if not _pg():
        parts = []
        for i, combo in enumerate(COMBOS):
            node, period, category, cond = _key(*combo, "t")
            values = ", ".join(f"{variant(e, i)} AS {name}" for name, e in aggregates.items())
            parts.append(
                f"SELECT {node} AS node_id, '{combo[1]}' AS kind, {period} AS period,"
                f" {category} AS category, {extras}{values} FROM {table} t WHERE {cond}"
                f" GROUP BY {_group_by(node, period, category, *(f't.{c}' for c in extra))}"
            )
        return " UNION ALL ".join(parts)
    args = ("center_id", "institute_id", "station_id", "month", "year", "category")
    sets, keep = [], []
    cases: dict[str, list[str]] = {"node": [], "kind": [], "period": [], "category": []}
    picks: dict[str, list[str]] = {name: [] for name, e in aggregates.items() if callable(e)}
    for i, (level, kind, all_categories) in enumerate(COMBOS):
        columns = (
            *LEVEL_COLUMNS[level],
            "month" if kind == "M" else "year",
            *(() if all_categories else ("category",)),
        )
        # GROUPING(...) sets a bit for each argument the row is NOT grouped by.
        mask = sum(1 << (len(args) - 1 - j) for j, a in enumerate(args) if a not in columns)
        sets.append(f"({', '.join((*columns, *extra))})")
        node, period, category, cond = _key(level, kind, all_categories, "g")
        cases["node"].append(f"WHEN {mask} THEN {node}")
        cases["kind"].append(f"WHEN {mask} THEN '{kind}'")
        cases["period"].append(f"WHEN {mask} THEN {period}")
        cases["category"].append(f"WHEN {mask} THEN {category}")
        keep.append(f"(g.grp = {mask} AND {cond})")
        for name in picks:
            picks[name].append(f"WHEN {mask} THEN g.{name}_{i}")
    values = ", ".join(
        ", ".join(f"{e(i)} AS {name}_{i}" for i in range(len(COMBOS)))
        if callable(e)
        else f"{e} AS {name}"
        for name, e in aggregates.items()
    )
    names = ", ".join(
        (
            *(f"g.{name}" for name in extra),
            *(
                f"CASE g.grp {' '.join(picks[name])} END AS {name}"
                if name in picks
                else f"g.{name}"
                for name in aggregates
            ),
        )
    )
    return f"""
        SELECT CASE g.grp {" ".join(cases["node"])} END AS node_id,
               CASE g.grp {" ".join(cases["kind"])} END AS kind,
               CASE g.grp {" ".join(cases["period"])} END AS period,
               CASE g.grp {" ".join(cases["category"])} END AS category, {names}
        FROM (SELECT {", ".join(f"t.{a} AS {a}" for a in args)}, {extras}
                     GROUPING({", ".join(f"t.{a}" for a in args)}) AS grp, {values}
              FROM {table} t GROUP BY GROUPING SETS ({", ".join(sets)})) g
        WHERE {" OR ".join(keep)}"""


SUMS = {
    "half_hours": "SUM(t.half_hours)",
    "person_times": "SUM(t.person_times)",
    "activities": "SUM(t.activities)",
}


def _derive_all(cursor) -> None:
    """Every NodeStat row from the two base summaries (full rebuild)."""
    _temp(cursor, "rollup_sums", _combo_select(FACT, SUMS), analyze=False)
    _temp(cursor, "rollup_vcount", _volunteer_counts(cursor), analyze=False)
    cursor.execute(
        f"""INSERT INTO {NODE_STAT} ({STAT_COLS})
        SELECT s.node_id, s.kind, s.period, s.category, s.half_hours, s.person_times,
               COALESCE(v.volunteers, 0), s.activities
        FROM rollup_sums s
        LEFT JOIN rollup_vcount v ON v.node_id = s.node_id AND v.kind = s.kind
             AND v.period = s.period AND v.category = s.category"""
    )


def _volunteer_counts(cursor) -> str:
    """Distinct volunteers of every NodeStat key, from Presence (full rebuild).

    COUNT(DISTINCT) under GROUPING SETS runs in one process, and it is the rebuild's longest
    step. Distinct counts over disjoint sets of volunteers add up, so on PostgreSQL Presence is
    cut into `VOLUNTEER_PARTS` ranges of volunteers of about equal size (the bounds read off the
    histogram of the ANALYZE just made), each counted in its own branch of a UNION ALL, which
    PostgreSQL runs side by side (Parallel Append: the leader and a worker), and a key's counts
    are summed: 1.6 s instead of 2.9 s at a million presence rows on two cores."""
    count = {"volunteers": "COUNT(DISTINCT t.volunteer_id)"}
    bounds = _volunteer_bounds(cursor) if _pg() else []
    if not bounds:
        return _combo_select(PRESENCE, count)
    ranges = [
        f"volunteer_id < {bounds[0]}",
        *(f"volunteer_id >= {lo} AND volunteer_id < {hi}" for lo, hi in pairwise(bounds)),
        f"volunteer_id >= {bounds[-1]}",
    ]
    parts = [
        f"SELECT * FROM ({_combo_select(f'(SELECT * FROM {PRESENCE} WHERE {r})', count)}) p"
        for r in ranges
    ]
    return f"""SELECT node_id, kind, period, category,
                      CAST(SUM(volunteers) AS bigint) AS volunteers
               FROM ({" UNION ALL ".join(parts)}) c GROUP BY node_id, kind, period, category"""


def _volunteer_bounds(cursor) -> list[int]:
    """Volunteer ids cutting Presence into ranges of about equal size; none without statistics
    or parallel workers (`max_parallel_workers_per_gather` = 0)."""
    cursor.execute(
        """SELECT s.histogram_bounds::text::bigint[],
                  current_setting('max_parallel_workers_per_gather')::int
           FROM pg_stats s
           WHERE s.schemaname = 'public' AND s.tablename = %s AND s.attname = 'volunteer_id'""",
        [PRESENCE],
    )
    row = cursor.fetchone()
    if not row or not row[0] or row[1] < 1:
        return []
    histogram, workers = row
    parts = min(VOLUNTEER_PARTS, workers + 1, len(histogram) - 1)
    return sorted(
        {int(histogram[round(i * (len(histogram) - 1) / parts)]) for i in range(1, parts)}
    )


@contextmanager
def _bulk_load(cursor, tables: tuple[str, ...]) -> Iterator[None]:
    """Empty the base summaries and load them without their indexes and primary keys, then
    build them once (a sort each) — far cheaper than maintaining them row by row for millions of
    rows.
    Only the rollup reads these tables, so their exclusive lock until commit blocks no page."""
    if not _pg():
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        yield
        return
    cursor.execute(f"TRUNCATE {', '.join(tables)}")
    cursor.execute(
        """SELECT c.relname, i.relname, pg_get_indexdef(i.oid), con.conname,
                  pg_get_constraintdef(con.oid)
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           JOIN pg_class c ON c.oid = x.indrelid
           LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid
           WHERE c.relname = ANY(%s) AND c.relkind = 'r'
                 AND c.relnamespace = 'public'::regnamespace""",
        [list(tables)],
    )
    definitions = cursor.fetchall()
    for table, index, _indexdef, constraint, _condef in definitions:
        if constraint:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
        else:
            cursor.execute(f'DROP INDEX "{index}"')
    yield
    with _step("indexes"):
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, _index, indexdef, constraint, condef in definitions:
            if constraint:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {condef}')
            else:
                cursor.execute(indexdef)


def _ledger_months(cursor) -> list[date]:
    """First days of the months from the ledger's first to its last service date, found through
    the (center_id, service_date) index: a MIN and a MAX per center, not a scan."""
    cursor.execute(
        f"""SELECT MIN(x.lo), MAX(x.hi) FROM (
                SELECT (SELECT MIN(r.service_date) FROM {LEDGER} r WHERE r.center_id = n.id) AS lo,
                       (SELECT MAX(r.service_date) FROM {LEDGER} r WHERE r.center_id = n.id) AS hi
                FROM {NODES} n WHERE n.level = 'center') x"""
    )
    lo, hi = cursor.fetchone()
    if lo is None:
        return []
    months, month = [], date(lo.year, lo.month, 1)
    while month <= hi:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _load_base_summaries(cursor) -> None:
    """Fact and presence rows of the whole ledger. On PostgreSQL month by month, each month read
    through the ledger's BRIN index on the service date: every aggregate fits in memory (one
    statement over ten million rows spills its hash table to disk), and the rows of a month are
    written together, so an incremental run later finds this month's rows side by side."""
    if not _pg():
        month, ledger = month_of("r.service_date"), f"{LEDGER} r"
        with _step("fact"):
            cursor.execute(f"INSERT INTO {FACT} ({FACT_COLS}) {_fact_select(ledger, month)}")
        with _step("presence"):
            cursor.execute(
                f"INSERT INTO {PRESENCE} ({PRESENCE_COLS}) {_presence_select(ledger, month)}"
            )
        return
    for month in _ledger_months(cursor):
        end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        # The month's rows, through the BRIN index on the service date (constants, so the
        # planner sees the range). Read twice: keeping them for both summaries (a materialised
        # CTE) was slower than reading the pages again from the cache.
        ledger = f"""(SELECT {LEDGER_COLUMNS} FROM {LEDGER}
                      WHERE service_date >= '{month:%Y-%m-%d}'
                            AND service_date < '{end:%Y-%m-%d}') r"""
        month_sql = f"CAST('{month:%Y-%m-%d}' AS date)"
        with _step("fact"):
            cursor.execute(f"INSERT INTO {FACT} ({FACT_COLS}) {_fact_select(ledger, month_sql)}")
        with _step("presence"):
            cursor.execute(
                f"INSERT INTO {PRESENCE} ({PRESENCE_COLS}) {_presence_select(ledger, month_sql)}"
            )


def _full_rebuild(cursor) -> None:
    cursor.execute(f"DELETE FROM {NODE_STAT}")  # read by pages: plain MVCC delete, no lock
    with _bulk_load(cursor, (FACT, PRESENCE, VOLUNTEER_TOTAL)):
        _load_base_summaries(cursor)
        if _pg():
            # Statistics for the planner (the tables were empty a moment ago), for the
            # incremental runs' plans (those that matter are pinned by their shape): 0.05 s
            # instead of 0.26 s at a million presence rows with the default sample.
            with _small_statistics_sample(cursor):
                cursor.execute(f"ANALYZE {FACT}, {PRESENCE}")
        # Counted before the indexes exist: the grouping sorts its input anyway.
        with _step("node_stats"):
            _derive_all(cursor)
        with _step("volunteer_totals"):
            # SUM over an integer (Presence's half-hours) adds in bigint; over a bigint
            # PostgreSQL adds in numeric, slower and twice the memory.
            totals = f"SELECT volunteer_id, SUM(half_hours) FROM {PRESENCE} GROUP BY volunteer_id"
            if _pg():
                # Millions of groups: CREATE TABLE AS may run in parallel where INSERT … SELECT
                # may not, and sorting in parallel workers beats one hash table this size (its
                # every probe a cache miss) — 4.6 s against 7.2 s at 3.6 M volunteers, even with
                # the copy into the table after. The planner prefers the serial hash, so it is
                # told not to hash for this statement.
                with _local_setting(cursor, "enable_hashagg", "off"):
                    _temp(cursor, "rollup_totals", totals, analyze=False)
                totals = "SELECT * FROM rollup_totals"
            cursor.execute(f"INSERT INTO {VOLUNTEER_TOTAL} (volunteer_id, half_hours) {totals}")
            if _pg():
                cursor.execute(f"ANALYZE {VOLUNTEER_TOTAL}")
    with _step("organizations"):
        _org_months(cursor)
        _org_years(cursor)


# --- the incremental run: deltas of the touched buckets -----------------------------------------


PRESENCE_KEY = ("node_id", "month", "category", "volunteer_id")
IN_TOUCHED = (
    "(f.node_id, f.month, f.category) IN (SELECT node_id, month, category FROM rollup_touched)"
)


def _touched_presence() -> str:
    """FROM … WHERE: the presence rows of the touched buckets (as `f`). On PostgreSQL month by
    month through the BRIN index on the month (the primary key leads with the volunteer), each
    month behind OFFSET 0 so the planner does not trade it for a scan of the whole table."""
    if not _pg():
        return f"{PRESENCE} f WHERE {IN_TOUCHED}"
    return f"""(SELECT DISTINCT month FROM rollup_touched) tm
        CROSS JOIN LATERAL (SELECT * FROM {PRESENCE} x WHERE x.month = tm.month OFFSET 0) f
        WHERE {IN_TOUCHED}"""


def _incremental_batch(cursor) -> None:
    # The scratch tables analysed (`_temp`) take the smallest sample, 300 rows: the planner
    # needs their sizes and rough distributions, and gets the same plans from 300 rows as from
    # 3,000 (the full rebuild's sample, whose histograms also cut Presence into ranges) or the
    # default 30,000 — at a million records the four ANALYZEs of a run took 18 ms with 3,000
    # rows and 5 ms with 300; with the default, ~0.7 s at 100,000 changes.
    with _local_setting(cursor, "default_statistics_target", "1"):
        _incremental_steps(cursor)


def _incremental_steps(cursor) -> None:
    fact_cols = ", ".join(f"f.{c.strip()}" for c in FACT_COLS.split(","))
    presence_cols = ", ".join(f"f.{c.strip()}" for c in PRESENCE_COLS.split(","))
    with _step("old_buckets"):
        _temp(
            cursor,
            "rollup_old_fact",
            f"SELECT {fact_cols} FROM {FACT} f WHERE {IN_TOUCHED}",
            analyze=False,
        )
        _temp(
            cursor,
            "rollup_old_pres",
            f"SELECT {presence_cols} FROM {_touched_presence()}",
            analyze=False,
        )
    _temp(
        cursor,
        "rollup_cm",
        f"SELECT DISTINCT center_id, month, {plus('month', 'month')} AS month_end"
        " FROM rollup_touched",
    )
    with _step("bucket_facts"):
        # The touched buckets' ledger rows, read once for both summaries. Analysed: without
        # statistics the planner takes `status = 'approved'` to keep 0.5 % of them and sorts
        # for the groupings below where hashing is right (20,000 rows: 25 → 16 ms each).
        _temp(
            cursor,
            "rollup_ledger",
            f"SELECT {', '.join(f'r.{c.strip()}' for c in LEDGER_COLUMNS.split(','))},"
            f" r.month AS month FROM {_touched_ledger()}",
        )
        ledger = "rollup_ledger r"
        _temp(
            cursor,
            "rollup_new_fact",
            _fact_select(ledger, "r.month"),
            columns=FACT_COLS,
            analyze=False,
        )
        # Facts are few (one per bucket and organization): replace them.
        cursor.execute(
            f"DELETE FROM {FACT} WHERE (node_id, month, category) IN"
            " (SELECT node_id, month, category FROM rollup_touched)"
        )
        cursor.execute(f"INSERT INTO {FACT} ({FACT_COLS}) SELECT {FACT_COLS} FROM rollup_new_fact")
        _presence_diff(cursor, ledger)
    with _step("deltas"):
        _volunteer_coverage(cursor)
        _apply_deltas(cursor)
    with _step("bucket_facts"):
        # Written after the volunteer deltas looked the old rows up: before this write every
        # page of the table is all-visible (vacuumed), so the look-up is index-only throughout.
        _write_presence(cursor)
    with _step("organizations"):
        _temp(
            cursor,
            "rollup_orgs",
            "SELECT DISTINCT organization_id, month FROM (SELECT organization_id, month"
            " FROM rollup_old_fact UNION ALL SELECT organization_id, month FROM rollup_new_fact) o"
            " WHERE organization_id <> 0",
        )
        _org_months(cursor, of="rollup_orgs")
        _temp(
            cursor,
            "rollup_org_years",
            f"SELECT DISTINCT organization_id, {year_of('month')} AS year FROM rollup_orgs",
            analyze=False,
        )
        _org_years(cursor, of="rollup_org_years")
    with _step("volunteer_totals"):
        _volunteer_total_deltas(cursor)


def _presence_diff(cursor, ledger: str) -> None:
    """Presence rows are many (every person in every touched bucket), and most of a busy
    bucket's rows do not change when a few entries arrive: write only the difference —
    `rollup_pdiff` holds each added, removed or changed row with its old and new figures. The
    new rows (from the touched buckets' `ledger` rows) are joined with the old as they are
    computed, not kept in a scratch table first. The old rows keep theirs (`rollup_old_pres`):
    read inside this statement, they led the planner to read the presence rows month by month
    once for every touched bucket — seven seconds instead of 20 ms."""
    match = " AND ".join(f"o.{c} = n.{c}" for c in PRESENCE_KEY)
    place = ", ".join(f"COALESCE(n.{c}, o.{c}) AS {c}" for c in PRESENCE_PLACE.split(", "))
    # One full join of old and new rows: a key's place columns are the same on both sides;
    # hashed (23 ms against 55 ms for a merge join's two sorts at 24,000 new rows and 17,000
    # old ones).
    with _local_setting(cursor, "enable_mergejoin", "off"):
        _temp(
            cursor,
            "rollup_pdiff",
            f"""WITH n ({PRESENCE_COLS}) AS ({_presence_select(ledger, "r.month")})
                SELECT {place},
                       o.half_hours AS old_half_hours, o.person_times AS old_person_times,
                       n.half_hours AS new_half_hours, n.person_times AS new_person_times
                FROM n FULL JOIN rollup_old_pres o ON {match}
                WHERE o.volunteer_id IS NULL OR n.volunteer_id IS NULL
                      OR o.half_hours <> n.half_hours OR o.person_times <> n.person_times""",
        )


def _write_presence(cursor) -> None:
    """Apply `rollup_pdiff` to Presence (after the volunteer deltas have read the old rows): a
    changed row updated in place (one index look-up, where a delete and then an insert took
    two: 64 → 57 ms at 10,000 new records), a removed one deleted, an added one inserted."""
    key = ", ".join(PRESENCE_KEY)
    match = " AND ".join(f"p.{c} = d.{c}" for c in PRESENCE_KEY)
    cursor.execute(
        f"""UPDATE {PRESENCE} AS p SET half_hours = d.new_half_hours,
               person_times = d.new_person_times
        FROM rollup_pdiff d
        WHERE d.old_half_hours IS NOT NULL AND d.new_half_hours IS NOT NULL AND {match}"""
    )
    cursor.execute(
        f"DELETE FROM {PRESENCE} WHERE ({key}) IN"
        f" (SELECT {key} FROM rollup_pdiff WHERE new_half_hours IS NULL)"
    )
    cursor.execute(
        f"""INSERT INTO {PRESENCE} ({PRESENCE_COLS})
        SELECT {PRESENCE_PLACE}, new_half_hours, new_person_times FROM rollup_pdiff
        WHERE old_half_hours IS NULL ORDER BY {_key_columns(Presence)}"""
    )


def _apply_deltas(cursor) -> None:
    """Apply the batch's changes to NodeStat in one statement: the new minus the old fact rows of
    the touched buckets (hours, person-times, activities) and the changed presence rows with
    their coverage masks (`_volunteer_coverage`), rolled up to every combo by one grouping.

    A changed presence row moves a combo's distinct count by its sign unless the combo's bit is
    set in its mask (covered); fact rows carry no sign, so they move no count. A bucket whose
    figures did not change still yields a (zero) row, so a key seen for the first time gets its
    NodeStat row, as the full rebuild would give it; other unmoved keys are skipped. Deltas are
    summed as integers (a bigint sum is numeric on PostgreSQL: slower); one fact row's figures
    fit. In key order, as every write by key here: neighbouring keys share pages (−18 %)."""
    place = "center_id, institute_id, station_id, month, year, category"
    changes = f"""(SELECT {place}, CAST(half_hours AS integer) AS half_hours,
                          CAST(person_times AS integer) AS person_times,
                          CAST(activities AS integer) AS activities, 0 AS s, 0 AS m
                   FROM rollup_new_fact
                   UNION ALL
                   SELECT {place}, -CAST(half_hours AS integer), -CAST(person_times AS integer),
                          -CAST(activities AS integer), 0, 0
                   FROM rollup_old_fact
                   UNION ALL
                   SELECT {place}, 0, 0, 0, s, m FROM rollup_pcov)"""
    # First summed per station bucket, each combo's move of the distinct count in a column of
    # its own (`v0`…`v15`: the signs of the changed rows whose bit is clear): the grouping below
    # computes every combo's figures for each of its input rows, and this leaves one row per
    # bucket (a third of the rows summed per bucket and mask: −20 ms at 10,000 new records).
    moves = ", ".join(
        f"CAST(SUM(CASE WHEN (m & {1 << i}) = 0 THEN s ELSE 0 END) AS integer) AS v{i}"
        for i in range(len(COMBOS))
    )
    changes = f"""(SELECT {place}, CAST(SUM(half_hours) AS integer) AS half_hours,
                          CAST(SUM(person_times) AS integer) AS person_times,
                          CAST(SUM(activities) AS integer) AS activities, {moves}
                   FROM {changes} c GROUP BY {place})"""
    deltas = _combo_select(
        changes,
        {
            "half_hours": "SUM(t.half_hours)",
            "person_times": "SUM(t.person_times)",
            "volunteers": lambda i: f"SUM(t.v{i})",
            "activities": "SUM(t.activities)",
        },
    )
    cursor.execute(
        f"""INSERT INTO {NODE_STAT} ({STAT_COLS})
        SELECT d.node_id, d.kind, d.period, d.category, d.half_hours, d.person_times,
               d.volunteers, d.activities
        FROM ({deltas}) d
        WHERE d.half_hours <> 0 OR d.person_times <> 0 OR d.volunteers <> 0
              OR d.activities <> 0
              OR NOT EXISTS (SELECT 1 FROM {NODE_STAT} n WHERE n.node_id = d.node_id
                             AND n.kind = d.kind AND n.period = d.period
                             AND n.category = d.category)
        ORDER BY d.node_id, d.kind, d.period, d.category
        ON CONFLICT (node_id, kind, period, category) DO UPDATE SET
            half_hours = {NODE_STAT}.half_hours + excluded.half_hours,
            person_times = {NODE_STAT}.person_times + excluded.person_times,
            volunteers = {NODE_STAT}.volunteers + excluded.volunteers,
            activities = {NODE_STAT}.activities + excluded.activities"""
    )


def _volunteer_coverage(cursor) -> None:
    """Distinct volunteers: +1 for a key a volunteer enters, −1 for one they leave.

    Before = stay ∪ removed rows, after = stay ∪ added rows, where *stay* are the volunteer's
    presence rows the batch did not add or remove. A (key, volunteer) pair changes only when
    it is not covered by a stay row; then it moves by [covered by added] − [covered by removed].
    The work follows the size of the change: the changed rows, and their volunteers' own rows.
    """
    cols = PRESENCE_PLACE
    _temp(
        cursor,
        "rollup_pchg",
        f"""SELECT {cols}, CASE WHEN old_half_hours IS NULL THEN 1 ELSE -1 END AS s
            FROM rollup_pdiff WHERE old_half_hours IS NULL OR new_half_hours IS NULL""",
    )
    # The *stay* rows: those volunteers' presence rows in the same years as they were before
    # this batch (Presence is written after this step), the rows it removes excepted (on
    # PostgreSQL one index range per volunteer and year: a join would scan the whole table).
    removed = " AND ".join(f"a.{c} = p.{c}" for c in PRESENCE_KEY)
    p_cols = ", ".join(f"p.{c}" for c in cols.split(", "))
    not_removed = f"NOT EXISTS (SELECT 1 FROM rollup_pchg a WHERE a.s = -1 AND {removed})"
    if _pg():
        # One index scan per year over the year's volunteers (PostgreSQL walks the array in
        # key order, so neighbouring volunteers share index pages), reading only the key's
        # columns: an index-only scan where the table is vacuumed (the full rebuild ends with a
        # VACUUM, autovacuum keeps it so) — 0.7 s against 1.8 s with a heap visit per row, at
        # 780,000 rows. The node's place comes from the hierarchy (a few thousand rows), looked
        # up once per node (the LATERAL subquery is memoized; as a plain join the parent was
        # looked up again for each of 200,000 rows at ten million records: −80 ms).
        p_cols = (
            "p.node_id, pl.center_id, pl.institute_id, pl.station_id, p.month, p.year,"
            " p.category, p.volunteer_id"
        )
        stay_source = f"""(SELECT year, array_agg(volunteer_id) AS volunteers
                           FROM (SELECT DISTINCT volunteer_id, year FROM rollup_pchg) d
                           GROUP BY year) c
            CROSS JOIN LATERAL (
                SELECT x.volunteer_id, x.month, x.node_id, x.category, c.year AS year
                FROM {PRESENCE} x
                WHERE x.volunteer_id = ANY(c.volunteers) AND x.month >= c.year
                      AND x.month < {plus("c.year", "year")} OFFSET 0) p
            CROSS JOIN LATERAL ({_places_select()} WHERE n.id = p.node_id OFFSET 0) pl
            WHERE {not_removed}"""
    else:
        stay_source = f"""{PRESENCE} p WHERE p.volunteer_id IN (SELECT volunteer_id
            FROM rollup_pchg) AND p.year IN (SELECT year FROM rollup_pchg) AND {not_removed}"""
    stay = f"SELECT {p_cols} FROM {stay_source}"
    # For each changed row and combo one bit of its mask `m`: is its (key, volunteer) already
    # counted — by a stay row (then the count does not move), or by another changed row of the
    # same sign that comes first in key order (then that row carries the move)? One join of the
    # changes with their volunteers' other rows (a handful each); each combo's move is then a
    # plain sum of the signs of the rows whose bit is clear (`_apply_deltas`), with no grouping
    # by volunteer. A volunteer moving between two stations of one street is +1 −1 = 0 there.
    group = ", ".join(f"a.{c}" for c in cols.split(", "))
    flags = []
    for i, combo in enumerate(COMBOS):
        node, period, category, _cond = _key(*combo, "a")
        st_node, st_period, st_category, st_cond = _key(*combo, "st")
        same = f"{st_cond} AND {st_node} = {node} AND {st_period} = {period}"
        if not combo[2]:
            same += f" AND {st_category} = {category}"
        flags.append(f"MAX(CASE WHEN {same} THEN {1 << i} ELSE 0 END)")
    _temp(
        cursor,
        "rollup_pcov",
        f"""SELECT {group}, a.s, {" + ".join(flags)} AS m
            FROM rollup_pchg a LEFT JOIN (
                SELECT {cols}, 0 AS s FROM ({stay}) pstay
                UNION ALL
                SELECT {cols}, s FROM rollup_pchg) st
            ON st.volunteer_id = a.volunteer_id AND st.year = a.year
               AND (st.s = 0 OR (st.s = a.s AND (st.month < a.month
                    OR (st.month = a.month AND (st.node_id < a.node_id
                        OR (st.node_id = a.node_id AND st.category < a.category))))))
            GROUP BY {group}, a.s""",
        analyze=False,
    )


def _places_select() -> str:
    """(node_id, center_id, institute_id, station_id) of every node, as the base summaries
    carry them: a station under its institute and center, an institute under its center."""
    return f"""SELECT n.id AS node_id,
                      CASE n.level WHEN 'center' THEN n.id WHEN 'institute' THEN n.parent_id
                           ELSE parent.parent_id END AS center_id,
                      CASE n.level WHEN 'institute' THEN n.id WHEN 'station' THEN n.parent_id
                           ELSE 0 END AS institute_id,
                      CASE n.level WHEN 'station' THEN n.id ELSE 0 END AS station_id
               FROM {NODES} n LEFT JOIN {NODES} parent ON parent.id = n.parent_id"""


def _volunteer_total_deltas(cursor) -> None:
    """Apply the batch's hours to the volunteers' totals, and on PostgreSQL to their threshold
    stars and the star counts (SQLite recounts the stars on every run)."""
    upsert = f"""INSERT INTO {VOLUNTEER_TOTAL} (volunteer_id, half_hours)
        SELECT d.volunteer_id,
               SUM(COALESCE(d.new_half_hours, 0) - COALESCE(d.old_half_hours, 0))
        FROM rollup_pdiff d WHERE 1 = 1 GROUP BY d.volunteer_id
        HAVING SUM(COALESCE(d.new_half_hours, 0) - COALESCE(d.old_half_hours, 0)) <> 0
        ORDER BY d.volunteer_id
        ON CONFLICT (volunteer_id) DO UPDATE SET
            half_hours = {VOLUNTEER_TOTAL}.half_hours + excluded.half_hours"""
    no_presence_left = """volunteer_id IN (SELECT volunteer_id FROM rollup_pdiff
                                               WHERE new_half_hours IS NULL)
        AND NOT EXISTS (SELECT 1 FROM {source} k WHERE k.volunteer_id = {table}.volunteer_id)"""
    if not _pg():
        cursor.execute(upsert)
        # A volunteer with no presence left has no total (as after a full rebuild), nor a star.
        for table, source in ((VOLUNTEER_TOTAL, PRESENCE), (STARRED, VOLUNTEER_TOTAL)):
            where = no_presence_left.format(table=table, source=source)
            cursor.execute(f"DELETE FROM {table} WHERE {where}")
        return
    # The new totals come back from the upsert itself, and move their volunteers' stars in the
    # same statement: no second look-up of the totals, no scan of them all for the star count
    # (0.2 s at 3.6 M volunteers). Every part of a WITH statement, the final INSERT included,
    # sees the tables as they were before it, so the risen stars' old levels are read from the
    # starred table itself (one key look-up per risen star, instead of a copy of the stars of
    # every volunteer whose total moved: −7 ms at 10,000 new records); delete and upsert touch
    # different rows, and a star that stays is not rewritten, so `rollup_star_moves` gets
    # exactly the stars that moved.
    _temp(
        cursor,
        "rollup_star_moves",
        "SELECT volunteer_id, star AS old_star, star AS new_star FROM dashboard_starred LIMIT 0",
        analyze=False,
    )
    cursor.execute(
        f"""WITH moved AS ({upsert} RETURNING volunteer_id, half_hours),
             fallen AS (DELETE FROM {STARRED} s USING moved m
                        WHERE s.volunteer_id = m.volunteer_id
                              AND m.half_hours < {_first_threshold()}
                        RETURNING s.volunteer_id, s.star),
             risen AS (INSERT INTO {STARRED} (volunteer_id, star)
                       SELECT m.volunteer_id, {_star_of("m.half_hours")} FROM moved m
                       WHERE m.half_hours >= {_first_threshold()}
                       ON CONFLICT (volunteer_id) DO UPDATE SET star = excluded.star
                       WHERE {STARRED}.star <> excluded.star
                       RETURNING volunteer_id, star)
        INSERT INTO rollup_star_moves (volunteer_id, old_star, new_star)
        SELECT volunteer_id, star, NULL FROM fallen
        UNION ALL
        SELECT r.volunteer_id, b.star, r.star FROM risen r
        LEFT JOIN {STARRED} b ON b.volunteer_id = r.volunteer_id"""
    )
    cursor.execute(
        f"DELETE FROM {VOLUNTEER_TOTAL}"
        f" WHERE {no_presence_left.format(table=VOLUNTEER_TOTAL, source=PRESENCE)}"
    )
    cursor.execute(
        f"""WITH gone AS (
            DELETE FROM {STARRED}
            WHERE {no_presence_left.format(table=STARRED, source=VOLUNTEER_TOTAL)}
            RETURNING volunteer_id, star)
        INSERT INTO rollup_star_moves (volunteer_id, old_star, new_star)
        SELECT volunteer_id, star, NULL FROM gone"""
    )
    _star_count_deltas(cursor)


def _star_count_deltas(cursor) -> None:
    """Move the star counts by the threshold stars that moved (`rollup_star_moves`), in the
    batch's own transaction: −1 where a volunteer's star was, +1 where it is — the star shown
    being the higher of the threshold star and any awarded-only level (五星) — at their
    residence's node, its ancestors and the city. A count that reaches 0 goes, as a recount
    would leave it out. The run recounts them all instead when an award, a residence or a
    threshold changed (`_stars`)."""
    cursor.execute("SELECT EXISTS (SELECT 1 FROM rollup_star_moves)")
    if not cursor.fetchone()[0]:
        return
    # Its size for the planner: a few dozen moves are looked up among the volunteers by key
    # (unanalysed, it guessed 2,000 and read all 440,000 volunteers: 120 ms).
    cursor.execute("ANALYZE rollup_star_moves")
    _temp(
        cursor,
        "rollup_star_node_moves",
        f"""WITH awarded AS ({_awarded_levels()}
                             AND n.volunteer_id IN (SELECT volunteer_id FROM rollup_star_moves)
                             GROUP BY n.volunteer_id)
            SELECT v.residence_node_id AS node_id, c.star AS star, SUM(c.n) AS n
            FROM (SELECT m.volunteer_id, GREATEST(m.old_star, a.level) AS star, -1 AS n
                  FROM rollup_star_moves m LEFT JOIN awarded a USING (volunteer_id)
                  UNION ALL
                  SELECT m.volunteer_id, GREATEST(m.new_star, a.level), 1
                  FROM rollup_star_moves m LEFT JOIN awarded a USING (volunteer_id)) c
            JOIN volunteers_volunteer v ON v.id = c.volunteer_id
            WHERE c.star IS NOT NULL
            GROUP BY v.residence_node_id, c.star""",
        # Analysed, so that the few moves look their ancestors up by key: unanalysed, the
        # planner guessed 1,800 rows and hashed the whole hierarchy three times (11 → 2 ms).
    )
    cursor.execute(
        f"""INSERT INTO dashboard_star_count (node_id, star_level, volunteers)
        SELECT a.node_id, a.star, SUM(a.n)
        FROM ({_ancestors_union("rollup_star_node_moves", "s.star AS star, s.n AS n")}) a
        GROUP BY a.node_id, a.star HAVING SUM(a.n) <> 0
        ON CONFLICT (node_id, star_level) DO UPDATE SET
            volunteers = dashboard_star_count.volunteers + excluded.volunteers"""
    )
    cursor.execute("DELETE FROM dashboard_star_count WHERE volunteers = 0")


# --- organizations, registry, stars, featured projects, results --------------------------------


def _org_months(cursor, *, of: str | None = None) -> None:
    """Each organization's months (hours, person-times, activities) from the facts. All of them
    (a full rebuild), or the months listed in the table `of` (organization_id, month): a run's
    organizations that served."""
    if of is None:
        cursor.execute("DELETE FROM dashboard_org_month")
        where = ""
    else:
        listed = f"IN (SELECT organization_id, month FROM {of})"
        cursor.execute(f"DELETE FROM dashboard_org_month WHERE (organization_id, month) {listed}")
        where = f" AND (f.organization_id, f.month) {listed}"
    cursor.execute(
        f"""INSERT INTO dashboard_org_month (organization_id, month, half_hours, person_times,
                                             activities)
        SELECT f.organization_id, f.month, SUM(f.half_hours), SUM(f.person_times),
               SUM(f.activities)
        FROM {FACT} f WHERE f.organization_id <> 0{where}
        GROUP BY f.organization_id, f.month"""
    )


def _ancestors_union(source: str, value_cols: str) -> str:
    """Rows of `source` (node_id, values…) repeated for the node, its parent, its grandparent
    and the city (0): the hierarchy is three levels deep, so three joins reach every ancestor."""
    return f"""
        SELECT s.node_id, {value_cols} FROM {source} s WHERE s.node_id IS NOT NULL
        UNION ALL
        SELECT n.parent_id, {value_cols} FROM {source} s JOIN {NODES} n ON n.id = s.node_id
        WHERE n.parent_id IS NOT NULL
        UNION ALL
        SELECT p.parent_id, {value_cols} FROM {source} s JOIN {NODES} n ON n.id = s.node_id
        JOIN {NODES} p ON p.id = n.parent_id WHERE p.parent_id IS NOT NULL
        UNION ALL
        SELECT 0, {value_cols} FROM {source} s"""


def _org_years(cursor, *, of: str | None = None) -> None:
    """Each organization's years (hours, person-times) from its months, with the place it is
    registered at — the pages rank any node's organizations from them at request time
    (`selectors._top_organizations`). All of them (a full rebuild), or the years listed in the
    table `of` (organization_id, year): a run's organizations that served, or those that moved
    to another node."""
    years = year_of("m.month")
    if of is None:
        cursor.execute("DELETE FROM dashboard_org_year")
        source = "dashboard_org_month m"
    else:
        cursor.execute(
            "DELETE FROM dashboard_org_year WHERE (organization_id, year) IN"
            f" (SELECT organization_id, year FROM {of})"
        )
        # Each year a range of the months' key (organization_id, month).
        source = f"""{of} y JOIN dashboard_org_month m ON m.organization_id = y.organization_id
                     AND m.month >= y.year AND m.month < {plus("y.year", "year")}"""
    cursor.execute(
        f"""INSERT INTO dashboard_org_year (organization_id, year, center_id, institute_id,
                                            station_id, half_hours, person_times)
        SELECT m.organization_id, {years}, pl.center_id, pl.institute_id, pl.station_id,
               SUM(m.half_hours), SUM(m.person_times)
        FROM {source}
        JOIN organizations_organization o ON o.id = m.organization_id
        JOIN ({_places_select()}) pl ON pl.node_id = o.node_id
        GROUP BY m.organization_id, {years}, pl.center_id, pl.institute_id, pl.station_id"""
    )


def _moved_organizations(cursor) -> None:
    """Organizations registered at another node since their years were written (marked): their
    years again, with the new place."""
    _temp(
        cursor,
        "rollup_moved_orgs",
        f"""SELECT y.organization_id AS organization_id, y.year AS year
            FROM dashboard_org_year y
            JOIN organizations_organization o ON o.id = y.organization_id
            JOIN ({_places_select()}) pl ON pl.node_id = o.node_id
            WHERE y.center_id <> pl.center_id OR y.institute_id <> pl.institute_id
                  OR y.station_id <> pl.station_id""",
        analyze=False,
    )
    _org_years(cursor, of="rollup_moved_orgs")


def _registry(cursor) -> None:
    """Registered volunteers (by residence; closed accounts excluded), approved organizations
    and public projects, per node and all its ancestors."""
    public = "('recruiting', 'in_progress', 'finished')"
    _temp(
        cursor,
        "rollup_reg",
        f"""SELECT residence_node_id AS node_id, COUNT(*) AS volunteers, 0 AS organizations,
                   0 AS projects
            FROM volunteers_volunteer WHERE closed_at IS NULL GROUP BY residence_node_id
            UNION ALL
            SELECT node_id, 0, COUNT(*), 0 FROM organizations_organization
            WHERE status = 'approved' GROUP BY node_id
            UNION ALL
            SELECT node_id, 0, 0, COUNT(*) FROM projects_project
            WHERE status IN {public} GROUP BY node_id""",
    )
    cursor.execute("DELETE FROM dashboard_node_registry")
    cursor.execute(
        f"""INSERT INTO dashboard_node_registry (node_id, volunteers, organizations, projects)
        SELECT a.node_id, SUM(a.volunteers), SUM(a.organizations), SUM(a.projects)
        FROM ({_ancestors_union("rollup_reg", "s.volunteers AS volunteers, s.organizations AS organizations, s.projects AS projects")}) a
        GROUP BY a.node_id"""
    )


def _sql_bool(value: bool) -> str:
    """A boolean literal: PostgreSQL's, or SQLite's 1/0."""
    if _pg():
        return "TRUE" if value else "FALSE"
    return "1" if value else "0"


def _star_of(half_hours: str) -> str:
    """The threshold star level a total reaches (NULL below the first)."""
    return f"""(SELECT MAX(s.level) FROM hours_starlevel s
                WHERE s.awarded_only = {_sql_bool(False)} AND s.min_half_hours <= {half_hours})"""


def _first_threshold() -> str:
    return f"""(SELECT MIN(s.min_half_hours) FROM hours_starlevel s
                WHERE s.awarded_only = {_sql_bool(False)})"""


def _awarded_levels() -> str:
    """SELECT volunteer_id, level … WHERE …: the awarded-only level (五星) each volunteer holds
    through an approved nomination in a published batch; the caller may add conditions, then
    GROUP BY n.volunteer_id."""
    return f"""SELECT n.volunteer_id AS volunteer_id, MAX(s.level) AS level
               FROM hours_starnomination n
               JOIN hours_starawardbatch b ON b.id = n.batch_id
               JOIN hours_starlevel s ON s.id = b.level_id
               WHERE n.status = 'approved' AND b.status = 'published'
                     AND s.awarded_only <> {_sql_bool(False)}"""


def _star_thresholds(cursor) -> str:
    """The threshold levels as a short text ("level:half-hours,…"), to notice a change."""
    cursor.execute(
        f"SELECT level, min_half_hours FROM hours_starlevel WHERE awarded_only = {_sql_bool(False)}"
        " ORDER BY level"
    )
    return ",".join(f"{level}:{half_hours}" for level, half_hours in cursor.fetchall())


def _starred_all(cursor) -> None:
    """Every volunteer's threshold star from their total (full rebuild, changed thresholds)."""
    cursor.execute(f"DELETE FROM {STARRED}")
    cursor.execute(
        f"""INSERT INTO {STARRED} (volunteer_id, star)
        SELECT t.volunteer_id, {_star_of("t.half_hours")} FROM {VOLUNTEER_TOTAL} t
        WHERE t.half_hours >= {_first_threshold()}"""
    )


def _stars(cursor, *, full: bool, computed_with: str, changed: bool) -> str:
    """Star levels as hours.selectors.star_status computes them: the highest threshold reached,
    an awarded-only level (五星) only through an approved nomination in a published batch.
    The threshold stars are kept in `StarredVolunteer` as totals move (PostgreSQL incremental
    runs, `_volunteer_total_deltas`); recomputed from every total on a full rebuild, on SQLite,
    and when the thresholds differ from those the stored stars were `computed_with`. The counts
    per node are recounted then, or when an award or a residence may have `changed` (marked);
    otherwise the incremental batches moved them with the stars (`_star_count_deltas`). Returns
    the thresholds used."""
    thresholds = _star_thresholds(cursor)
    if full or not _pg() or computed_with != thresholds:
        _starred_all(cursor)
    elif not changed:
        return thresholds
    _temp(
        cursor,
        "rollup_vstar",
        f"""SELECT c.volunteer_id AS volunteer_id, MAX(c.level) AS star FROM (
                SELECT volunteer_id, star AS level FROM {STARRED}
                UNION ALL
                {_awarded_levels()} GROUP BY n.volunteer_id
            ) c GROUP BY c.volunteer_id""",
    )
    _temp(
        cursor,
        "rollup_star_nodes",
        """SELECT v.residence_node_id AS node_id, vs.star AS star, COUNT(*) AS n
           FROM rollup_vstar vs JOIN volunteers_volunteer v ON v.id = vs.volunteer_id
           GROUP BY v.residence_node_id, vs.star""",
        analyze=False,
    )
    cursor.execute("DELETE FROM dashboard_star_count")
    cursor.execute(
        f"""INSERT INTO dashboard_star_count (node_id, star_level, volunteers)
        SELECT a.node_id, a.star, SUM(a.n)
        FROM ({_ancestors_union("rollup_star_nodes", "s.star AS star, s.n AS n")}) a
        GROUP BY a.node_id, a.star"""
    )
    return thresholds


def _featured(cursor) -> None:
    true = _sql_bool(True)
    cursor.execute("DELETE FROM dashboard_featured_project")
    cursor.execute(
        f"""INSERT INTO dashboard_featured_project (project_id, node_path, title,
                                                    organization_name, is_gold,
                                                    is_city_demonstration)
        SELECT p.id, p.node_path, p.title, COALESCE(o.name, ''), p.is_gold,
               p.is_city_demonstration
        FROM projects_project p LEFT JOIN organizations_organization o
             ON o.id = p.organization_id
        WHERE (p.is_gold = {true} OR p.is_city_demonstration = {true})
              AND p.status IN ('recruiting', 'in_progress', 'finished')"""
    )


def _orders(cursor) -> None:
    from .orders_rollup import rollup_orders

    rollup_orders(cursor)


def _results(cursor) -> None:
    from .results_rollup import rollup_results

    rollup_results(cursor)


# --- the run -----------------------------------------------------------------------------------


def _lock(cursor) -> bool:
    if not _pg():
        return True
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
    return bool(cursor.fetchone()[0])


def _snapshot_touched(cursor, limit: int | None) -> int:
    limit_sql = f" ORDER BY tb.touched_at LIMIT {int(limit)}" if limit else ""
    _temp(
        cursor,
        "rollup_touched",
        f"""SELECT tb.node_id AS node_id, tb.month AS month, tb.category AS category,
                   tb.touched_at AS touched_at, pl.center_id AS center_id
            FROM {TOUCHED} tb JOIN ({_places_select()}) pl ON pl.node_id = tb.node_id
            {limit_sql}""",
    )
    cursor.execute("SELECT COUNT(*) FROM rollup_touched")
    return int(cursor.fetchone()[0])


def _consume_touched(cursor) -> None:
    # Only rows still carrying the touched_at we read: an approval that committed meanwhile
    # moved it forward, and its bucket is recomputed by the next run.
    cursor.execute(
        f"""DELETE FROM {TOUCHED} WHERE (node_id, month, category, touched_at) IN
            (SELECT node_id, month, category, touched_at FROM rollup_touched)"""
    )


def _changed_sources(cursor, *, full: bool) -> set[str]:
    """The scopes whose sources may have changed since the last run (`SourceChange.Scope`). On
    PostgreSQL the marks the source tables' triggers wrote (migrations 0007, 0009), consumed in
    this transaction: a mark committing meanwhile is not seen, stays, and its change is taken
    by the next run; a change whose mark is consumed here committed before this statement, so
    the recount below sees it. Every scope on a full rebuild, and on SQLite (no triggers)."""
    if not _pg():
        return set(SCOPES)
    cursor.execute(
        f"WITH consumed AS (DELETE FROM {SOURCE_CHANGE} RETURNING scope)"
        " SELECT DISTINCT scope FROM consumed"
    )
    marked = {scope for (scope,) in cursor.fetchall()}
    return set(SCOPES) if full else marked


def _finish(cursor, *, kind: str, buckets: int, started: float) -> None:
    state, _ = RollupState.objects.get_or_create(pk=1)
    changed = _changed_sources(cursor, full=kind == "full")
    with _step("registry"):
        if "registry" in changed:
            _registry(cursor)
    with _step("stars"):
        state.star_thresholds = _stars(
            cursor,
            full=kind == "full",
            computed_with=state.star_thresholds,
            # Counted by residence: a move or a closed account changes them too.
            changed=bool(changed & {"stars", "registry"}),
        )
    with _step("featured_orders_results"):
        if "featured" in changed:
            _featured(cursor)
        if "organizations" in changed and kind != "full":
            _moved_organizations(cursor)
        if "orders" in changed:
            _orders(cursor)
        if "results" in changed:
            _results(cursor)
    now = timezone.now()
    state.last_run_at = now
    state.last_kind = kind
    state.buckets = buckets
    state.last_duration_ms = int((time.monotonic() - started) * 1000)
    if kind == "full":
        state.full_done_at = now
        state.needs_full = False
    state.save()
    transaction.on_commit(bump_cache_version)


def bump_cache_version() -> None:
    """Pages cache their figures under this version: a finished rollup invalidates them all."""
    cache.set(CACHE_VERSION_KEY, time.time_ns(), None)


def cache_version() -> int:
    version = cache.get(CACHE_VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(CACHE_VERSION_KEY, version, None)
        version = cache.get(CACHE_VERSION_KEY, version)
    return int(version)


def _needs_full() -> bool:
    """The state asks for a rebuild, or the base summaries were lost while the node statistics
    were not: on PostgreSQL the base summaries are UNLOGGED (derived data, no WAL to write),
    and crash recovery empties unlogged tables — deltas applied to the surviving NodeStat rows
    would then be wrong, so the run rebuilds instead."""
    if RollupState.objects.filter(pk=1, needs_full=True).exists():
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {NODE_STAT}) AND NOT EXISTS (SELECT 1 FROM {FACT})"
        )
        return bool(cursor.fetchone()[0])


def _vacuum_summaries() -> None:
    """After a full rebuild (committed): VACUUM the tables it rewrote, as autovacuum would some
    minutes later. Their rows were all written by one transaction; until vacuumed, the first
    reader of every page looks their writer up and rewrites the page's hint bits, and no page
    is marked all-visible, so the incremental runs' look-ups by volunteer cannot be index-only.
    About 1.5 s at ten million presence rows. Skipped inside an outer transaction (VACUUM
    cannot run in one: tests, a caller's atomic block)."""
    if not _pg() or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in (*ORG_TABLES, PRESENCE, FACT, VOLUNTEER_TOTAL, NODE_STAT, STARRED):
            cursor.execute(f"VACUUM {table}")


# The keys a full rebuild builds anew (`_bulk_load`) that the incremental runs look rows up by.
WARM_KEYS = {
    model._meta.db_table: _key_columns(model) for model in (Presence, VolunteerTotal, HoursFact)
}


def _warm_keys() -> None:
    """After a full rebuild (committed, vacuumed): read the keys it built into the shared
    buffers. CREATE INDEX writes an index past them, so the first incremental run after the
    nightly rebuild would fetch every index page it looks a volunteer up in from the operating
    system, one at a time; read here in key order, each key is one pass (an index-only scan of
    the whole key: every page all-visible after the VACUUM, no table page read). The beat's
    later runs keep the pages they use in the buffers. Skipped where `_vacuum_summaries` is."""
    if not _pg() or connection.in_atomic_block:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in warm_key_statements(cursor):
            cursor.execute(statement)


def warm_key_statements(cursor) -> list[str]:
    """Set this transaction up to read whole keys in order (no table scan, no sort, one
    process) and return the statements that read them."""
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        cursor.execute(f"SET LOCAL {setting} = off")
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    return [
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} ORDER BY {key}) k"
        for table, key in WARM_KEYS.items()
    ]


def run_rollup(*, full: bool = False, batch_size: int = BATCH_SIZE) -> RollupResult:
    """Bring the summary tables up to date. Returns what was done (`skipped` when another run
    holds the lock). Idempotent: a second run right after finds nothing touched and changes no
    figure (a full rebuild recomputes the same rows). An incremental run turns into a full one
    when the state says the summaries must be rebuilt (after a schema change)."""
    started = time.monotonic()
    full = full or _needs_full()
    kind = "full" if full else "incremental"
    buckets = batches = 0
    _steps.clear()
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if not _lock(cursor):
                log.info("rollup %s skipped: another run holds the lock", kind)
                return RollupResult(kind, buckets, batches, 0, skipped=True)
            if _pg():
                # The aggregations are hash- and sort-based; room to avoid spilling to disk.
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
                # The commit does not wait for its WAL to reach the disk. Safe for derived data:
                # a server crash in the next moment can lose only this whole transaction — the
                # figures and the touched marks it consumed together — so the next run redoes
                # it (and a crash empties the unlogged base summaries anyway: a full rebuild).
                cursor.execute("SET LOCAL synchronous_commit = off")
                if not full:
                    # An incremental run is a few dozen statements of well under a second, on
                    # estimates from whole summary tables: compiling them (JIT) cost more than
                    # it saved — 0.2 s for the star levels alone.
                    cursor.execute("SET LOCAL jit = off")
            n = _snapshot_touched(cursor, None if full else batch_size)
            if full:
                _full_rebuild(cursor)
            elif n:
                _incremental_batch(cursor)
            _consume_touched(cursor)
            buckets += n
            batches += 1
            last = full or n < batch_size
            if last:
                _finish(cursor, kind=kind, buckets=buckets, started=started)
        if last:
            break
    if full:
        with _step("vacuum"):
            _vacuum_summaries()
        with _step("warm_keys"):
            _warm_keys()
    duration = int((time.monotonic() - started) * 1000)
    log.info(
        "rollup %s: %d buckets in %d batches, %d ms (%s)", kind, buckets, batches, duration, _steps
    )
    return RollupResult(kind, buckets, batches, duration, steps=dict(_steps))


def request_refresh() -> None:
    """A federation admin asked for fresh figures: note it and enqueue the incremental run
    after the current transaction commits."""
    from core.outbox import enqueue

    from .tasks import rollup_incremental

    RollupState.objects.update_or_create(pk=1, defaults={"refresh_requested_at": timezone.now()})
    enqueue(rollup_incremental)
