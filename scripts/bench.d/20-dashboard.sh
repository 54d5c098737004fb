#!/usr/bin/env bash
# Dashboard: rollup vs PostgreSQL's own GROUP BY, incremental rollup, worker memory, page times.
# Sizes (ledger records) come from BENCH_DASHBOARD_RECORDS (default "10000 200000", so that
# `make bench` stays short); volunteers are 0.44 per record (Beijing: 4.4 M for ~10 M records).
# The Beijing-scale run recorded in docs/benchmarks.md:
#   BENCH_DASHBOARD_RECORDS="10000 1000000 10000000" make bench
# BENCH_DASHBOARD_REQUESTS (default 200) requests per page. Runs on the bench database that
# scripts/bench.sh prepared (it empties the synthetic tables: never point it at real data).
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=${BENCH_DASHBOARD_RECORDS:-"10000 200000"}
requests=${BENCH_DASHBOARD_REQUESTS:-200}
results=$(mktemp)
for records in $sizes; do
  volunteers=$(( records * 44 / 100 ))
  echo "dashboard bench: $records records, $volunteers volunteers" >&2
  .venv/bin/python scripts/bench.d/dashboard_bench.py "$records" "$volunteers" "$requests" >> "$results"
done
.venv/bin/python - "$results" "$requests" <<'PY'
import json, sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
n = sys.argv[2]
print("## Dashboard: statistics rollup and pages (`scripts/bench.d/20-dashboard.sh`)")
print()
print("Synthetic ledger from `manage.py generate_load` (real hierarchy, power-law volunteers,")
print("three years of records, PostgreSQL COPY). *GROUP BY* is the query PostgreSQL runs for the")
print("station × month × category figures straight from the ledger (hours, person-times, distinct")
print("volunteers, distinct activities); *full rollup* is `rollup_hours --full`, which also builds")
print("every level above the station, the year figures, exact distinct volunteers at every level,")
print("organizations, stars and registrations. *Incremental* runs after 1 % new records dated")
print("this month. Memory is the peak RSS of the rollup process (GNU time).")
print()
print("| records | volunteers | generate (s) | GROUP BY (s) | full rollup (s) | ratio (target ≤ 1.3) | incremental (s) | incr./full (target ≤ 5 %) | worker peak RSS (MB, target ≤ 500) | verify (sample) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    gen = r.get("generate", {}).get("seconds", "—")
    ratio = r["full_s"] / r["group_by_s"] if r["group_by_s"] else 0
    incr = r["incremental_s"] / r["full_s"] * 100 if r["full_s"] else 0
    rss = max(r["full_rss_mb"], r["incremental_rss_mb"])
    print(f"| {r['ledger_rows']:,} | {r['volunteers']:,} | {gen} | {r['group_by_s']} | {r['full_s']} | {ratio:.2f} | {r['incremental_s']} | {incr:.1f} % | {rss} | {r['verify']} |")
print()
print(f"Dashboard pages, {n} requests each, signed in as a federation admin (Django test client,")
print("in-process: middleware, summary-table queries, template). *Cold*: the cache version is")
print("bumped before every request, so each one recomputes from the summary tables; *cached*: as")
print("served between two rollups. Milliseconds, median / p95.")
print()
print("| records | city cold | center cold | institute cold | station cold | city cached | center cached | institute cached | station cached |")
print("|---:|---|---|---|---|---|---|---|---|")
for r in rows:
    p = r["pages"]
    cells = [f"{p[k]['cold'][0]:.1f} / {p[k]['cold'][1]:.1f}" for k in ("city", "center", "institute", "station")]
    cells += [f"{p[k]['cached'][0]:.1f} / {p[k]['cached'][1]:.1f}" for k in ("city", "center", "institute", "station")]
    print(f"| {r['ledger_rows']:,} | " + " | ".join(cells) + " |")
if len(rows) >= 2:
    small, big = rows[0], rows[-1]
    print()
    print(f"p95 ratio {big['ledger_rows']:,} / {small['ledger_rows']:,} records (cold; target ≤ 1.5): " + ", ".join(
        f"{k} {big['pages'][k]['cold'][1] / small['pages'][k]['cold'][1]:.2f}" for k in ("city", "center", "institute", "station")))
PY
rm -f "$results"
