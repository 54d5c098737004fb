#!/usr/bin/env bash
# Dashboard: rollup vs PostgreSQL's own GROUP BY, incremental rollup, worker memory, page times.
# Sizes (ledger records) come from BENCH_DASHBOARD_RECORDS (default "10000 1000000", so that
# `make bench` stays short); volunteers are 0.44 per record (Beijing: 4.4 M for ~10 M records).
# The Beijing-scale run recorded in docs/benchmarks.md:
#   BENCH_DASHBOARD_RECORDS="10000 1000000 10000000" make bench
# BENCH_DASHBOARD_REQUESTS (default 200) requests per page. Runs on the bench database that
# scripts/bench.sh prepared (it empties the synthetic tables: never point it at real data).
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=${BENCH_DASHBOARD_RECORDS:-"10000 1000000"}
requests=${BENCH_DASHBOARD_REQUESTS:-200}
results=$(mktemp)
for records in $sizes; do
  volunteers=$(( records * 44 / 100 ))
  echo "dashboard bench: $records records, $volunteers volunteers" >&2
  .venv/bin/python scripts/bench.d/dashboard_bench.py "$records" "$volunteers" "$requests" >> "$results"
done
.venv/bin/python scripts/bench.d/dashboard_report.py "$results" "$requests" "## Dashboard: statistics rollup and pages (\`scripts/bench.d/20-dashboard.sh\`)"
rm -f "$results"
# The Beijing-scale run, recorded once (it takes long): see its own command line inside.
recorded=scripts/bench.d/20-dashboard.recorded.md
if [ -e "$recorded" ]; then echo; cat "$recorded"; fi
