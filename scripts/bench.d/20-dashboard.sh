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
# Production settings, as `make load` runs the server: DEBUG off (no query log, no debug template
# engine), keys for this run only, static files collected into a scratch VAR_DIR. The pages are
# requested over HTTPS (the test client's `secure`), as production redirects plain HTTP.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DEBUG=0 VAR_DIR=$work/var
export SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
export FIELD_ENCRYPTION_KEYS=$(.venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export DOCUMENT_HASH_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')
mkdir -p "$VAR_DIR"
.venv/bin/python manage.py collectstatic --noinput -v0
sizes=${BENCH_DASHBOARD_RECORDS:-"10000 1000000"}
requests=${BENCH_DASHBOARD_REQUESTS:-200}
results=$work/results.jsonl
for records in $sizes; do
  volunteers=$(( records * 44 / 100 ))
  echo "dashboard bench: $records records, $volunteers volunteers" >&2
  .venv/bin/python scripts/bench.d/dashboard_bench.py "$records" "$volunteers" "$requests" >> "$results"
done
.venv/bin/python scripts/bench.d/dashboard_report.py "$results" "$requests" "## Dashboard: statistics rollup and pages (\`scripts/bench.d/20-dashboard.sh\`)"
# The Beijing-scale run, recorded once (it takes long): see its own command line inside.
recorded=scripts/bench.d/20-dashboard.recorded.md
if [ -e "$recorded" ]; then echo; cat "$recorded"; fi
