"""Profile the incremental rollup statement by statement, on a scratch database (not in CI).

Runs `run_rollup()` N times on the same pending changes: each run in a fresh database session
(as the beat task's would be), inside a transaction that is rolled back, so the touched buckets
stay pending and every run does the same work. Prints each run's steps and WAL written, then
the statements by median time. With `--explain-ms`, PostgreSQL's auto_explain logs the plans
(with timing) of the statements slower than that to the server log.

    createdb … && manage.py migrate && manage.py load_divisions
    manage.py generate_load --reset --volunteers 440000 --records 1000000
    manage.py rollup_hours --full && manage.py generate_load --append 10000
    DATABASE_URL=… .venv/bin/python scripts/profile_rollup.py --runs 7

docs/architecture.md ("Measured") quotes its output. Rolled-back writes leave dead rows behind:
`--vacuum` vacuums the summary tables first, so that long series of runs stay comparable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_hub.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from dashboard import rollup  # noqa: E402


class RolledBack(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=25, help="statements to list")
    parser.add_argument("--explain-ms", type=int, help="log plans of slower statements")
    parser.add_argument("--vacuum", action="store_true", help="vacuum the summaries first")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("profile_rollup needs PostgreSQL (DATABASE_URL)")
    if args.vacuum:
        rollup._vacuum_summaries()  # what a full rebuild ends with
    timings: dict[tuple[int, str], list[float]] = defaultdict(list)
    for run in range(args.runs):
        connection.close()
        with connection.cursor() as cursor:
            if args.explain_ms is not None:
                cursor.execute("LOAD 'auto_explain'")
                cursor.execute(f"SET auto_explain.log_min_duration = {int(args.explain_ms)}")
                cursor.execute("SET auto_explain.log_analyze = on")
            cursor.execute("SELECT pg_current_wal_lsn()")
            lsn = cursor.fetchone()[0]
        statements: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context, statements=statements):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append(((time.perf_counter() - started) * 1000, sql))

        try:
            with transaction.atomic(), connection.execute_wrapper(timed):
                result = rollup.run_rollup()
                raise RolledBack
        except RolledBack:
            pass
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [lsn])
            wal_kb = int(cursor.fetchone()[0]) // 1024
        print(f"run {run}: {result.duration_ms} ms, WAL {wal_kb} kB, {result.steps}")
        for i, (ms, sql) in enumerate(statements):
            timings[(i, " ".join(sql.split())[:100])].append(ms)
    medians = {key: statistics.median(values) for key, values in timings.items()}
    print(f"{len(medians)} statements, {sum(medians.values()):.0f} ms in all (medians)")
    for (i, sql), ms in sorted(medians.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"{ms:8.1f} ms  #{i:<3} {sql}")


if __name__ == "__main__":
    main()
