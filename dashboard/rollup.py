# ruff: noqa: S608 - SQL is built from table names and expressions in this module;
# every value is a query parameter.
"""The statistics rollup: approved ledger entries → summary tables, set-based, in SQL.

Two entry points, one code path:
- `run_rollup()` (incremental, the beat task every few minutes) re-aggregates only the buckets
  the ledger marked in `hours.TouchedBucket` (node, month, category) since the last run;
- `run_rollup(full=True)` (`manage.py rollup_hours --full`) rebuilds everything.

Every batch is one transaction holding a PostgreSQL advisory lock (`pg_try_advisory_xact_lock`),
so two runs never overlap (the second returns at once, `skipped`), and a worker killed halfway
rolls the whole batch back; the touched rows it consumed are deleted in the same transaction,
each only if its `touched_at` is still the one read (a concurrent approval re-marks the bucket),
so a rerun after a crash or a redelivery recomputes the same buckets to the same values.

Nothing is loaded into Python: each step is INSERT … SELECT / DELETE over keys, grouped by
integer ids, dates and the category code — distribution-friendly keys, no sequences read across
tables, no correlated subquery over the ledger — so the statements run unchanged on a ledger
partitioned by month (the range predicates on `service_date` prune partitions) or distributed by
Citus. Levels above the deepest node are derived from `HoursFact` and `Presence`, never from the
ledger. The same SQL runs on SQLite (the embedded default) through three dialect expressions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from .models import RollupState

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: "dashboard rollup" (any constant unique to this lock).
LOCK_KEY = 20_24_0808
CACHE_VERSION_KEY = "dashboard:version"
BATCH_SIZE = 20_000

LEDGER = "hours_servicerecord"
TOUCHED = "hours_touchedbucket"
NODES = "civilization_stations_practicenode"
FACT = "dashboard_hours_fact"
PRESENCE = "dashboard_presence"
NODE_STAT = "dashboard_node_stat"

LEVELS = ("s", "i", "c", "x")  # station, institute, center, city (node 0)


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


def month_of(col: str) -> str:
    return f"date_trunc('month', {col})::date" if _pg() else f"date({col}, 'start of month')"


def year_of(col: str) -> str:
    return f"date_trunc('year', {col})::date" if _pg() else f"date({col}, 'start of year')"


def plus(col: str, unit: str) -> str:
    """col + 1 month / 1 year, as a date."""
    return f"({col} + interval '1 {unit}')::date" if _pg() else f"date({col}, '+1 {unit}')"


def _exec(cursor, sql: str, params: list | tuple | None = None) -> int:
    cursor.execute(sql, params or [])
    return cursor.rowcount


def _temp(cursor, name: str, select_sql: str, params: list | tuple | None = None) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMP TABLE {name} AS {select_sql}", params or [])


# --- expressions shared by the full and the incremental path ----------------------------------

DEEPEST = "COALESCE(r.station_id, r.institute_id, r.center_id)"
ACTIVITIES = (
    "COUNT(DISTINCT CASE WHEN r.reverses_id IS NULL THEN r.activity_id END)"
    " + COUNT(DISTINCT CASE WHEN r.reverses_id IS NULL THEN r.shift_id END)"
    " + COUNT(DISTINCT CASE WHEN r.reverses_id IS NULL THEN r.order_id END)"
)


def _fact_select(join: str, month: str) -> str:
    return f"""
        SELECT {DEEPEST}, r.center_id, COALESCE(r.institute_id, 0), {month}, r.category,
               COALESCE(r.organization_id, 0), SUM(r.half_hours), SUM(r.person_times),
               {ACTIVITIES}
        FROM {LEDGER} r {join}
        WHERE r.status = 'approved'
        GROUP BY {DEEPEST}, r.center_id, COALESCE(r.institute_id, 0), {month}, r.category,
                 COALESCE(r.organization_id, 0)"""


def _presence_select(join: str, month: str) -> str:
    # Net person-times > 0: a volunteer whose only entry was reversed did not serve there.
    return f"""
        SELECT {DEEPEST}, r.center_id, COALESCE(r.institute_id, 0), {month}, r.category,
               r.volunteer_id, SUM(r.half_hours), SUM(r.person_times)
        FROM {LEDGER} r {join}
        WHERE r.status = 'approved'
        GROUP BY {DEEPEST}, r.center_id, COALESCE(r.institute_id, 0), {month}, r.category,
                 r.volunteer_id
        HAVING SUM(r.person_times) > 0"""


FACT_COLS = (
    "node_id, center_id, institute_id, month, category, organization_id,"
    " half_hours, person_times, activities"
)
PRESENCE_COLS = (
    "node_id, center_id, institute_id, month, category, volunteer_id, half_hours, person_times"
)
STAT_COLS = "node_id, kind, period, category, half_hours, person_times, volunteers, activities"


def _level_key(level: str, alias: str) -> tuple[str, str]:
    """(key expression, row filter) of a summary row for a level of the hierarchy."""
    return {
        "s": (
            f"{alias}.node_id",
            f"{alias}.node_id <> {alias}.center_id AND {alias}.node_id <> {alias}.institute_id",
        ),
        "i": (f"{alias}.institute_id", f"{alias}.institute_id <> 0"),
        "c": (f"{alias}.center_id", "1 = 1"),
        "x": ("0", "1 = 1"),
    }[level]


def _level_join(level: str, alias: str) -> str:
    return {
        "s": f"{alias}.node_id = np.node_id",
        "i": f"{alias}.institute_id = np.node_id",
        "c": f"{alias}.center_id = np.node_id",
        "x": "np.node_id = 0",
    }[level]


# --- the node statistics, derived from HoursFact and Presence ----------------------------------


def _group_by(*exprs: str) -> str:
    """GROUP BY the non-constant expressions (PostgreSQL refuses a literal there)."""
    return ", ".join(e for e in exprs if e not in ("0", "''"))


def _derive_all(cursor) -> None:
    """Every NodeStat row, grouped straight over the two base summaries (full rebuild)."""
    _temp(
        cursor,
        "rollup_sums",
        "SELECT node_id, kind, period, category, half_hours, person_times, activities"
        f" FROM {NODE_STAT} WHERE 1 = 0",
    )
    _temp(
        cursor,
        "rollup_vcount",
        f"SELECT node_id, kind, period, category, volunteers FROM {NODE_STAT} WHERE 1 = 0",
    )
    for level in LEVELS:
        for kind in ("M", "Y"):
            for all_categories in (False, True):
                key, cond = _level_key(level, "f")
                period = "f.month" if kind == "M" else year_of("f.month")
                cat = "''" if all_categories else "f.category"
                cursor.execute(
                    f"""INSERT INTO rollup_sums
                    SELECT {key}, '{kind}', {period}, {cat}, SUM(f.half_hours),
                           SUM(f.person_times), SUM(f.activities)
                    FROM {FACT} f WHERE {cond}
                    GROUP BY {_group_by(key, period, cat)}"""
                )
                key, cond = _level_key(level, "p")
                period = "p.month" if kind == "M" else year_of("p.month")
                cat = "''" if all_categories else "p.category"
                # COUNT(DISTINCT) under a GROUP BY sorts once per level: ~3x faster here than
                # a hashed SELECT DISTINCT subquery (measured at 1 M records).
                cursor.execute(
                    f"""INSERT INTO rollup_vcount
                    SELECT {key}, '{kind}', {period}, {cat}, COUNT(DISTINCT p.volunteer_id)
                    FROM {PRESENCE} p WHERE {cond}
                    GROUP BY {_group_by(key, period, cat)}"""
                )
    _insert_node_stats(cursor)


def _derive_targets(cursor) -> None:
    """NodeStat rows listed in rollup_np (node, level, kind, period, period_end, category)."""
    _temp(
        cursor,
        "rollup_sums",
        "SELECT node_id, kind, period, category, half_hours, person_times, activities"
        f" FROM {NODE_STAT} WHERE 1 = 0",
    )
    _temp(
        cursor,
        "rollup_vcount",
        f"SELECT node_id, kind, period, category, volunteers FROM {NODE_STAT} WHERE 1 = 0",
    )
    # One pass over each (node, period) range: all its categories at once (GROUP BY category),
    # then once more for all categories together — never one pass per category.
    _temp(
        cursor,
        "rollup_np_ranges",
        "SELECT DISTINCT node_id, lvl, kind, period, period_end FROM rollup_np",
    )
    for level in LEVELS:
        for table, alias, target, aggregates in (
            (
                FACT,
                "f",
                "rollup_sums",
                "SUM(f.half_hours) AS a, SUM(f.person_times) AS b, SUM(f.activities) AS c",
            ),
            (PRESENCE, "p", "rollup_vcount", "COUNT(DISTINCT p.volunteer_id) AS a"),
        ):
            values = "x.a, x.b, x.c" if target == "rollup_sums" else "x.a"
            ranged = f"""FROM rollup_np_ranges np
                JOIN {table} {alias} ON {_level_join(level, alias)}
                     AND {alias}.month >= np.period AND {alias}.month < np.period_end
                WHERE np.lvl = '{level}'"""
            cursor.execute(
                f"""INSERT INTO {target}
                SELECT x.node_id, x.kind, x.period, x.category, {values}
                FROM (SELECT np.node_id, np.kind, np.period, {alias}.category, {aggregates}
                      {ranged}
                      GROUP BY np.node_id, np.kind, np.period, {alias}.category) x
                JOIN rollup_np t ON t.node_id = x.node_id AND t.kind = x.kind
                     AND t.period = x.period AND t.category = x.category"""
            )
            cursor.execute(
                f"""INSERT INTO {target}
                SELECT x.node_id, x.kind, x.period, '', {values}
                FROM (SELECT np.node_id, np.kind, np.period, {aggregates}
                      {ranged}
                      GROUP BY np.node_id, np.kind, np.period) x
                JOIN rollup_np t ON t.node_id = x.node_id AND t.kind = x.kind
                     AND t.period = x.period AND t.category = ''"""
            )
    cursor.execute(
        f"""DELETE FROM {NODE_STAT} WHERE (node_id, kind, period, category) IN
            (SELECT node_id, kind, period, category FROM rollup_np)"""
    )
    _insert_node_stats(cursor)


def _insert_node_stats(cursor) -> None:
    cursor.execute(
        f"""INSERT INTO {NODE_STAT} ({STAT_COLS})
        SELECT s.node_id, s.kind, s.period, s.category, s.half_hours, s.person_times,
               COALESCE(v.volunteers, 0), s.activities
        FROM rollup_sums s
        LEFT JOIN rollup_vcount v ON v.node_id = s.node_id AND v.kind = s.kind
             AND v.period = s.period AND v.category = s.category"""
    )


# --- organizations, volunteers' totals, registry, stars, featured projects ---------------------


def _org_months(cursor, *, full: bool) -> None:
    where = (
        ""
        if full
        else " AND (f.organization_id, f.month) IN (SELECT organization_id, month FROM rollup_orgs)"
    )
    if full:
        cursor.execute("DELETE FROM dashboard_org_month")
    else:
        cursor.execute(
            "DELETE FROM dashboard_org_month WHERE (organization_id, month) IN"
            " (SELECT organization_id, month FROM rollup_orgs)"
        )
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


def _top_organizations(cursor, *, full: bool) -> None:
    years = year_of("m.month")
    if full:
        cursor.execute("DELETE FROM dashboard_top_org")
        year_filter = ""
    else:
        _temp(
            cursor, "rollup_years", f"SELECT DISTINCT {year_of('month')} AS year FROM rollup_orgs"
        )
        cursor.execute(
            "DELETE FROM dashboard_top_org WHERE year IN (SELECT year FROM rollup_years)"
        )
        year_filter = f" AND {years} IN (SELECT year FROM rollup_years)"
    _temp(
        cursor,
        "rollup_org_year",
        f"""SELECT o.node_id AS node_id, m.organization_id AS organization_id,
                   {years} AS year, SUM(m.half_hours) AS half_hours,
                   SUM(m.person_times) AS person_times
            FROM dashboard_org_month m JOIN organizations_organization o
                 ON o.id = m.organization_id
            WHERE 1 = 1{year_filter}
            GROUP BY o.node_id, m.organization_id, {years}""",
    )
    cursor.execute(
        f"""INSERT INTO dashboard_top_org (node_id, year, rank, organization_id, name,
                                           half_hours, person_times)
        SELECT r.node_id, r.year, r.rank, r.organization_id, o.name, r.half_hours,
               r.person_times
        FROM (SELECT a.node_id, a.year, a.organization_id, a.half_hours, a.person_times,
                     ROW_NUMBER() OVER (PARTITION BY a.node_id, a.year
                                        ORDER BY a.half_hours DESC, a.organization_id) AS rank
              FROM ({_ancestors_union("rollup_org_year", ORG_YEAR_COLS)}) a
             ) r
        JOIN organizations_organization o ON o.id = r.organization_id
        WHERE r.rank <= 10"""
    )


ORG_YEAR_COLS = (
    "s.organization_id AS organization_id, s.year AS year, s.half_hours AS half_hours,"
    " s.person_times AS person_times"
)


def _volunteer_totals(cursor, *, full: bool) -> None:
    if full:
        cursor.execute("DELETE FROM dashboard_volunteer_total")
        cursor.execute(
            f"""INSERT INTO dashboard_volunteer_total (volunteer_id, half_hours)
            SELECT volunteer_id, SUM(half_hours) FROM {PRESENCE} GROUP BY volunteer_id"""
        )
        return
    cursor.execute(
        "DELETE FROM dashboard_volunteer_total WHERE volunteer_id IN"
        " (SELECT volunteer_id FROM rollup_vols)"
    )
    cursor.execute(
        f"""INSERT INTO dashboard_volunteer_total (volunteer_id, half_hours)
        SELECT p.volunteer_id, SUM(p.half_hours) FROM {PRESENCE} p
        WHERE p.volunteer_id IN (SELECT volunteer_id FROM rollup_vols)
        GROUP BY p.volunteer_id"""
    )


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


def _stars(cursor) -> None:
    """Star levels as hours.selectors.star_status computes them: the highest threshold reached,
    an awarded-only level (五星) only through an approved nomination in a published batch."""
    true, false = ("TRUE", "FALSE") if _pg() else ("1", "0")
    _temp(
        cursor,
        "rollup_vstar",
        f"""SELECT c.volunteer_id AS volunteer_id, MAX(c.level) AS star FROM (
                SELECT t.volunteer_id, s.level FROM dashboard_volunteer_total t
                JOIN hours_starlevel s ON s.awarded_only = {false}
                     AND s.min_half_hours <= t.half_hours
                UNION ALL
                SELECT n.volunteer_id, s.level FROM hours_starnomination n
                JOIN hours_starawardbatch b ON b.id = n.batch_id
                JOIN hours_starlevel s ON s.id = b.level_id
                WHERE n.status = 'approved' AND b.status = 'published'
                      AND s.awarded_only = {true}
            ) c GROUP BY c.volunteer_id""",
    )
    _temp(
        cursor,
        "rollup_star_nodes",
        """SELECT v.residence_node_id AS node_id, vs.star AS star, COUNT(*) AS n
           FROM rollup_vstar vs JOIN volunteers_volunteer v ON v.id = vs.volunteer_id
           GROUP BY v.residence_node_id, vs.star""",
    )
    cursor.execute("DELETE FROM dashboard_star_count")
    cursor.execute(
        f"""INSERT INTO dashboard_star_count (node_id, star_level, volunteers)
        SELECT a.node_id, a.star, SUM(a.n)
        FROM ({_ancestors_union("rollup_star_nodes", "s.star AS star, s.n AS n")}) a
        GROUP BY a.node_id, a.star"""
    )


def _featured(cursor) -> None:
    true = "TRUE" if _pg() else "1"
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
                   tb.touched_at AS touched_at,
                   CASE n.level WHEN 'center' THEN n.id WHEN 'institute' THEN n.parent_id
                        ELSE p.parent_id END AS center_id,
                   CASE n.level WHEN 'center' THEN 0 WHEN 'institute' THEN n.id
                        ELSE n.parent_id END AS institute_id,
                   CASE n.level WHEN 'station' THEN n.id ELSE 0 END AS station_id
            FROM {TOUCHED} tb JOIN {NODES} n ON n.id = tb.node_id
            LEFT JOIN {NODES} p ON p.id = n.parent_id{limit_sql}""",
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


def _incremental_batch(cursor) -> None:
    month_end = plus("month", "month")
    _temp(
        cursor,
        "rollup_cm",
        f"SELECT DISTINCT center_id, month, {month_end} AS month_end FROM rollup_touched",
    )
    in_touched = (
        "(f.node_id, f.month, f.category) IN (SELECT node_id, month, category FROM rollup_touched)"
    )
    _temp(
        cursor,
        "rollup_orgs",
        f"SELECT DISTINCT f.organization_id AS organization_id, f.month AS month FROM {FACT} f"
        f" WHERE f.organization_id <> 0 AND {in_touched}",
    )
    _temp(
        cursor,
        "rollup_vols",
        f"SELECT DISTINCT f.volunteer_id AS volunteer_id FROM {PRESENCE} f WHERE {in_touched}",
    )
    cursor.execute(
        f"DELETE FROM {FACT} WHERE (node_id, month, category) IN"
        " (SELECT node_id, month, category FROM rollup_touched)"
    )
    cursor.execute(
        f"DELETE FROM {PRESENCE} WHERE (node_id, month, category) IN"
        " (SELECT node_id, month, category FROM rollup_touched)"
    )
    # The ledger is reached through (center_id, service_date) ranges (its index, and the
    # partition key of a ledger partitioned by month), then matched to the exact buckets.
    join = f"""JOIN rollup_cm cm ON r.center_id = cm.center_id
                   AND r.service_date >= cm.month AND r.service_date < cm.month_end
               JOIN rollup_touched t ON t.node_id = {DEEPEST} AND t.month = cm.month
                   AND t.category = r.category"""
    cursor.execute(f"INSERT INTO {FACT} ({FACT_COLS}) {_fact_select(join, 'cm.month')}")
    cursor.execute(f"INSERT INTO {PRESENCE} ({PRESENCE_COLS}) {_presence_select(join, 'cm.month')}")
    cursor.execute(
        f"INSERT INTO rollup_orgs SELECT DISTINCT f.organization_id, f.month FROM {FACT} f"
        f" WHERE f.organization_id <> 0 AND {in_touched}"
    )
    cursor.execute(
        f"INSERT INTO rollup_vols SELECT DISTINCT f.volunteer_id FROM {PRESENCE} f WHERE {in_touched}"
    )

    # The NodeStat rows to recompute: each touched bucket's node and ancestors, for its month
    # and its year, for its category and for all categories.
    branches = []
    for level, node_col in (
        ("s", "station_id"),
        ("i", "institute_id"),
        ("c", "center_id"),
        ("x", "0"),
    ):
        cond = f"{node_col} <> 0" if level in ("s", "i") else "1 = 1"
        for kind, period, end in (
            ("M", "month", plus("month", "month")),
            ("Y", year_of("month"), plus(year_of("month"), "year")),
        ):
            for cat in ("category", "''"):
                branches.append(
                    f"SELECT {node_col} AS node_id, '{level}' AS lvl, '{kind}' AS kind,"
                    f" {period} AS period, {end} AS period_end, {cat} AS category"
                    f" FROM rollup_touched WHERE {cond}"
                )
    _temp(cursor, "rollup_np", "SELECT DISTINCT * FROM (" + " UNION ALL ".join(branches) + ") b")
    _derive_targets(cursor)
    _org_months(cursor, full=False)
    _top_organizations(cursor, full=False)
    _volunteer_totals(cursor, full=False)


@contextmanager
def _bulk_load(cursor, tables: tuple[str, ...]) -> Iterator[None]:
    """Empty the base summaries and load them without their indexes, then build the indexes
    once (a sort each) — far cheaper than maintaining them row by row for millions of rows.
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
           WHERE c.relname = ANY(%s) AND NOT x.indisprimary AND c.relkind = 'r'
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
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for table, _index, indexdef, constraint, condef in definitions:
        if constraint:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {condef}')
        else:
            cursor.execute(indexdef)
    cursor.execute(f"ANALYZE {', '.join(tables)}")


def _full_rebuild(cursor) -> None:
    cursor.execute(f"DELETE FROM {NODE_STAT}")  # read by pages: plain MVCC delete, no lock
    month = month_of("r.service_date")
    loaded = time.monotonic()
    with _bulk_load(cursor, (FACT, PRESENCE)):
        with _step("fact"):
            cursor.execute(f"INSERT INTO {FACT} ({FACT_COLS}) {_fact_select('', month)}")
        with _step("presence"):
            cursor.execute(
                f"INSERT INTO {PRESENCE} ({PRESENCE_COLS}) {_presence_select('', month)}"
            )
    _steps["indexes"] = (
        int((time.monotonic() - loaded) * 1000) - _steps["fact"] - _steps["presence"]
    )
    with _step("node_stats"):
        _derive_all(cursor)
    with _step("organizations"):
        _org_months(cursor, full=True)
        _top_organizations(cursor, full=True)
    with _step("volunteer_totals"):
        _volunteer_totals(cursor, full=True)


def _finish(cursor, *, kind: str, buckets: int, started: float) -> None:
    with _step("registry"):
        _registry(cursor)
    with _step("stars"):
        _stars(cursor)
    with _step("featured_and_orders"):
        _featured(cursor)
        _orders(cursor)
    now = timezone.now()
    state, _ = RollupState.objects.get_or_create(pk=1)
    state.last_run_at = now
    state.last_kind = kind
    state.buckets = buckets
    state.last_duration_ms = int((time.monotonic() - started) * 1000)
    if kind == "full":
        state.full_done_at = now
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


def run_rollup(*, full: bool = False, batch_size: int = BATCH_SIZE) -> RollupResult:
    """Bring the summary tables up to date. Returns what was done (`skipped` when another run
    holds the lock). Idempotent: a second run right after finds nothing touched and changes no
    figure (a full rebuild recomputes the same rows)."""
    started = time.monotonic()
    kind = "full" if full else "incremental"
    buckets = batches = 0
    _steps.clear()
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if not _lock(cursor):
                log.info("rollup %s skipped: another run holds the lock", kind)
                return RollupResult(kind, buckets, batches, 0, skipped=True)
            if _pg():
                # The aggregations are hash-based; give this transaction room to avoid spilling.
                cursor.execute("SET LOCAL work_mem = '128MB'")
            n = _snapshot_touched(cursor, None if full else batch_size)
            if full:
                _full_rebuild(cursor)
            elif n:
                with _step("buckets"):
                    _incremental_batch(cursor)
            _consume_touched(cursor)
            buckets += n
            batches += 1
            last = full or n < batch_size
            if last:
                _finish(cursor, kind=kind, buckets=buckets, started=started)
        if last:
            break
    duration = int((time.monotonic() - started) * 1000)
    log.info(
        "rollup %s: %d buckets in %d batches, %d ms (%s)", kind, buckets, batches, duration, _steps
    )
    return RollupResult(kind, buckets, batches, duration, steps=dict(_steps))


def request_refresh() -> None:
    """A federation admin asked for fresh figures: note it and enqueue the incremental run
    after the current transaction commits."""
    from .tasks import rollup_incremental

    RollupState.objects.update_or_create(pk=1, defaults={"refresh_requested_at": timezone.now()})
    transaction.on_commit(lambda: rollup_incremental.delay())
