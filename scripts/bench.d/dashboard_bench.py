# ruff: noqa: S608 - SQL built from the rollup's own constants; no user input reaches it.
"""Dashboard benchmark helper, run by scripts/bench.d/20-dashboard.sh (never by `make test`).

For each ledger size: generate the synthetic dataset (manage.py generate_load); time the
*equivalent GROUP BY* — one statement in which PostgreSQL computes, straight from the ledger,
the same node statistics the rollup stores (every level, month and year, each category and
all; hours, person-times, distinct volunteers, activities) — and, for reference, the plain
station × month × category GROUP BY; the full rollup (and its worker's peak memory); the
incremental rollup after 1 % new records; a sampled verify_rollup; and the dashboard pages
(200 requests each, cold and cached). Both queries are materialised (CREATE TEMP TABLE AS), so
PostgreSQL computes every output column. Prints one JSON line per size on stdout; the shell
script turns them into Markdown.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_hub.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from civilization_stations.models import PracticeNode  # noqa: E402
from dashboard.rollup import (  # noqa: E402
    FACT_COLS,
    PRESENCE_COLS,
    SUMS,
    WORK_MEM,
    _combo_select,
    _fact_select,
    _presence_select,
    bump_cache_version,
    month_of,
)

PYTHON = sys.executable
MANAGE = str(ROOT / "manage.py")

STATION_GROUP_BY = """
  SELECT COALESCE(station_id, institute_id, center_id) AS node_id,
         date_trunc('month', service_date)::date AS month, category,
         SUM(half_hours) AS half_hours, SUM(person_times) AS person_times,
         COUNT(DISTINCT volunteer_id) AS volunteers, COUNT(DISTINCT activity_id) AS activities
  FROM hours_servicerecord WHERE status = 'approved' GROUP BY 1, 2, 3"""


def equivalent_group_by() -> str:
    """The node statistics in one statement: the base aggregations as CTEs and every level,
    period and category as GROUPING SETS (the same expressions the rollup uses, so the result
    can be checked row for row against dashboard_node_stat)."""
    month, ledger = month_of("r.service_date"), "hours_servicerecord r"
    volunteers = {"volunteers": "COUNT(DISTINCT t.volunteer_id)"}
    return f"""
      WITH bench_fact ({FACT_COLS}) AS ({_fact_select(ledger, month)}),
           bench_presence ({PRESENCE_COLS}) AS ({_presence_select(ledger, month)})
      SELECT s.node_id, s.kind, s.period, s.category, s.half_hours, s.person_times,
             COALESCE(v.volunteers, 0) AS volunteers, s.activities
      FROM ({_combo_select("bench_fact", SUMS)}) s
      LEFT JOIN ({_combo_select("bench_presence", volunteers)}) v
           ON v.node_id = s.node_id AND v.kind = s.kind AND v.period = s.period
              AND v.category = s.category"""


def run(args: list[str]) -> tuple[str, float, int]:
    """Run a manage.py command; (stdout, seconds, peak RSS in MB) via GNU time."""
    started = time.monotonic()
    proc = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        ["/usr/bin/time", "-f", "MAXRSS=%M", PYTHON, MANAGE, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if proc.returncode != 0 and "verify_rollup" not in args:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{' '.join(args)} failed")
    rss = int(re.search(r"MAXRSS=(\d+)", proc.stderr).group(1)) // 1024
    return proc.stdout + proc.stderr, seconds, rss


def rollup_ms(output: str) -> int:
    return int(
        re.search(r"(?:full|incremental): \d+ buckets, \d+ batches, (\d+) ms", output).group(1)
    )


def materialise_seconds(name: str, sql: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute(f"SET work_mem = '{WORK_MEM}'")  # as the rollup sets for itself
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        started = time.monotonic()
        cursor.execute(f"CREATE TEMP TABLE {name} AS {sql}")
        return time.monotonic() - started


def equivalent_matches_rollup() -> bool:
    """The equivalent query's rows are exactly the rollup's NodeStat rows."""
    stored = (
        "SELECT node_id, kind, period, category, half_hours, person_times, volunteers,"
        " activities FROM dashboard_node_stat"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM (SELECT * FROM bench_equivalent EXCEPT {stored}) a)"
            f" + (SELECT COUNT(*) FROM ({stored} EXCEPT SELECT * FROM bench_equivalent) b)"
        )
        return cursor.fetchone()[0] == 0


def page_times(client: Client, url: str, n: int, *, cold: bool) -> tuple[float, float]:
    times = []
    for _ in range(n):
        if cold:
            bump_cache_version()
        started = time.perf_counter()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def pages(n: int) -> dict:
    from accounts.models import User

    admin, _ = User.objects.get_or_create(
        email="bench-admin@example.com",
        defaults={"is_federation_admin": True, "phone": "13900000999", "name": "基准"},
    )
    client = Client()
    client.force_login(admin)
    center = PracticeNode.objects.get(code="110105")
    institute = PracticeNode.objects.filter(parent=center).order_by("code").first()
    station = PracticeNode.objects.filter(parent=institute).order_by("code").first()
    year = time.localtime().tm_year
    urls = {
        "city": f"/dashboard/?period={year}",
        "center": f"/dashboard/{center.code}/?period={year}",
        "institute": f"/dashboard/{institute.code}/?period={year}",
        "station": f"/dashboard/{station.code}/?period={year}",
    }
    out = {}
    for name, url in urls.items():
        client.get(url, secure=True)  # warm the connection and templates
        out[name] = {
            "cold": page_times(client, url, n, cold=True),
            "cached": page_times(client, url, n, cold=False),
        }
    return out


def cycle(records: int) -> dict:
    """Equivalent GROUP BY, full rollup, 1 % new records dated today, incremental rollup."""
    with connection.cursor() as cursor:
        # The load before (or the last cycle) leaves dirty pages that the checkpointer would
        # otherwise write out during the timed statements.
        cursor.execute("CHECKPOINT")
    out: dict = {
        "ledger_rows": ledger_rows(),
        "group_by_s": round(materialise_seconds("bench_equivalent", equivalent_group_by()), 2),
    }
    output, _seconds, rss = run(["rollup_hours", "--full"])
    out["full_s"] = round(rollup_ms(output) / 1000, 2)
    out["full_rss_mb"] = rss
    out["equivalent_matches"] = equivalent_matches_rollup()
    out["full_steps"] = steps_of(output)
    run(["generate_load", "--append", str(max(1, records // 100))])
    output, _seconds, rss = run(["rollup_hours"])
    out["incremental_s"] = round(rollup_ms(output) / 1000, 2)
    out["incremental_rss_mb"] = rss
    out["incremental_steps"] = steps_of(output)
    return out


def steps_of(output: str) -> str:
    steps = re.search(r"steps: (.*)", output)
    return steps.group(1) if steps else ""


def ledger_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM hours_servicerecord")
        return cursor.fetchone()[0]


def main() -> None:
    records = int(sys.argv[1])
    volunteers = int(sys.argv[2])
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    reuse = os.environ.get("BENCH_DASHBOARD_REUSE") == "1"
    result: dict = {"records": records, "volunteers": volunteers}
    if not reuse:
        _out, seconds, rss = run(
            ["generate_load", "--reset", "--volunteers", str(volunteers), "--records", str(records)]
        )
        result["generate"] = {"seconds": round(seconds, 1), "rss_mb": rss}
    result["ledger_rows"] = ledger_rows()
    materialise_seconds("bench_station", STATION_GROUP_BY)  # warm the buffers
    result["station_group_by_s"] = round(materialise_seconds("bench_station", STATION_GROUP_BY), 2)
    # The machines are noisy (±10 % between identical runs): up to a million records the whole
    # scenario runs three times, each ratio from one run; the report gives their median and range.
    cycles = int(os.environ.get("BENCH_DASHBOARD_CYCLES") or (3 if records <= 1_000_000 else 1))
    result["cycles"] = [cycle(records) for _ in range(cycles)]
    out, _seconds, _rss = run(["verify_rollup", "--sample", "100"])
    found = re.search(r"核对 \d+ 个统计桶，\d+ 个统计桶不一致", out)
    result["verify"] = found.group(0) if found else out.strip()[-200:]
    connection.close()
    result["pages"] = pages(requests)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
