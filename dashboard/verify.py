# ruff: noqa: S608 - SQL is built from table names and expressions in this module;
# every value is a query parameter.
"""Check the summary tables against the ledger itself: every figure of a NodeStat row is
recomputed straight from `hours_servicerecord` (not through HoursFact/Presence), with the
same definitions as the rollup, and any bucket that differs is reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection

from civilization_stations.models import PracticeNode

from .models import NodeStat
from .rollup import ACTIVITIES, DEEPEST, LEDGER, _group_by, month_of, plus, year_of

LEVEL_COLUMN = {"station": "r.station_id", "institute": "r.institute_id", "center": "r.center_id"}


@dataclass(frozen=True)
class Difference:
    key: tuple
    stored: tuple | None
    expected: tuple | None


def _direct(
    level_col: str | None,
    kind: str,
    all_categories: bool,
    where: str = "",
    params: list | None = None,
) -> dict[tuple, tuple]:
    """(node, kind, period, category) -> (half_hours, person_times, volunteers, activities)."""
    key = level_col or "0"
    period = month_of("r.service_date") if kind == "M" else year_of("r.service_date")
    cat = "''" if all_categories else "r.category"
    level_filter = f" AND {level_col} IS NOT NULL" if level_col else ""
    base = f"FROM {LEDGER} r WHERE r.status = 'approved'{level_filter}{where}"
    group = _group_by(key, period, cat)
    out: dict[tuple, list] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key}, {period}, {cat}, SUM(r.half_hours), SUM(r.person_times)"
            f" {base} GROUP BY {group}",
            params or [],
        )
        for node, per, c, hh, pt in cursor.fetchall():
            out[(int(node), kind, _day(per), c)] = [int(hh), int(pt), 0, 0]
        month = month_of("r.service_date")
        cursor.execute(
            f"""SELECT k, per, c, COUNT(DISTINCT v) FROM (
                    SELECT {key} AS k, {period} AS per, {cat} AS c, r.volunteer_id AS v
                    {base}
                    GROUP BY {_group_by(key, period, cat)}, r.volunteer_id, {DEEPEST},
                             {month}, r.category
                    HAVING SUM(r.person_times) > 0) x
                GROUP BY k, per, c""",
            params or [],
        )
        for node, per, c, n in cursor.fetchall():
            out.setdefault((int(node), kind, _day(per), c), [0, 0, 0, 0])[2] = int(n)
        cursor.execute(
            f"""SELECT k, per, c, SUM(a) FROM (
                    SELECT {key} AS k, {period} AS per, {cat} AS c, {ACTIVITIES} AS a
                    {base}
                    GROUP BY {_group_by(key, period, cat)}, {DEEPEST}, {month}, r.category,
                             COALESCE(r.organization_id, 0)) x
                GROUP BY k, per, c""",
            params or [],
        )
        for node, per, c, n in cursor.fetchall():
            out.setdefault((int(node), kind, _day(per), c), [0, 0, 0, 0])[3] = int(n)
    return {k: tuple(v) for k, v in out.items()}


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _stored(rows) -> dict[tuple, tuple]:
    return {
        (r.node_id, r.kind, r.period, r.category): (
            r.half_hours,
            r.person_times,
            r.volunteers,
            r.activities,
        )
        for r in rows
    }


def verify_all() -> tuple[int, list[Difference]]:
    """Every bucket of every level (a full pass over the ledger per level: for tests and
    small data; use a sample on a big ledger)."""
    expected: dict[tuple, tuple] = {}
    for level_col in (*LEVEL_COLUMN.values(), None):
        for kind in ("M", "Y"):
            for all_categories in (False, True):
                expected.update(_direct(level_col, kind, all_categories))
    stored = _stored(NodeStat.objects.using("default").all())
    return len(expected), _compare(expected, stored)


def verify_sample(size: int) -> tuple[int, list[Difference]]:
    """`size` random stored buckets, plus the buckets of the `size` latest approved entries
    (so a bucket the rollup never wrote is caught too), each recomputed from the ledger."""
    rows = list(NodeStat.objects.using("default").order_by("?")[:size])
    keys = {(r.node_id, r.kind, r.period, r.category) for r in rows}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {DEEPEST}, r.service_date, r.category FROM {LEDGER} r"
            " WHERE r.status = 'approved' ORDER BY r.id DESC LIMIT %s",
            [size],
        )
        for node_id, day, category in cursor.fetchall():
            keys.add((int(node_id), "M", _day(day).replace(day=1), category))
    levels = dict(
        PracticeNode.objects.filter(id__in={k[0] for k in keys}).values_list("id", "level")
    )
    expected: dict[tuple, tuple] = {}
    for node_id, kind, period, category in keys:
        level_col = LEVEL_COLUMN[levels[node_id]] if node_id else None
        end = plus("CAST(%s AS date)", "month" if kind == "M" else "year")
        where = (
            (f" AND {level_col} = %s" if level_col else "")
            + (f" AND r.service_date >= %s AND r.service_date < {end}")
            + (" AND r.category = %s" if category else "")
        )
        params = (
            ([node_id] if level_col else []) + [period, period] + ([category] if category else [])
        )
        found = _direct(level_col, kind, category == "", where, params)
        expected[(node_id, kind, period, category)] = found.get(
            (node_id, kind, period, category), (0, 0, 0, 0)
        )
    stored = _stored(
        r
        for r in NodeStat.objects.using("default").filter(node_id__in={k[0] for k in keys})
        if (r.node_id, r.kind, r.period, r.category) in keys
    )
    missing_ok = {k: v for k, v in expected.items() if k in stored or v != (0, 0, 0, 0)}
    return len(keys), _compare(missing_ok, stored)


def _compare(expected: dict[tuple, tuple], stored: dict[tuple, tuple]) -> list[Difference]:
    differences = []
    for key in sorted(set(expected) | set(stored), key=str):
        if expected.get(key) != stored.get(key):
            differences.append(Difference(key, stored.get(key), expected.get(key)))
    return differences
