#!/usr/bin/env bash
# make load: a locust run against gunicorn on PostgreSQL and Redis with a Celery worker, then a
# check of the database. Bounded: setup ≈ 1 min, locust LOAD_RUN_TIME (75 s), checks seconds.
#
#   scripts/load/run.sh                       # 500 volunteers, scratch database vh_load
#   LOAD_VOLUNTEERS=200 LOAD_RUN_TIME=45s scripts/load/run.sh
#
# LOAD_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/vh_load) is DROPPED and created
# again: its name must start with vh_load. LOAD_REDIS_URL (default redis://127.0.0.1:6379/12) is
# flushed. The server runs as in production (DEBUG=0, throwaway keys) except for the per-IP rate
# limits of check-in codes and orders, raised with RATE_LIMIT_OVERRIDES because every simulated
# user comes from 127.0.0.1; the per-volunteer and per-phone limits stay as in production.
# Results: scripts/bench.d/40-load.recorded.md (docs/benchmarks.md via make bench). Logs (gunicorn,
# worker, locust) stay in /tmp/vh-load.* when a check fails, or with LOAD_KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PY=.venv/bin/python

export DATABASE_URL=${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/vh_load}
export REDIS_URL=${LOAD_REDIS_URL:-redis://127.0.0.1:6379/12}
export LOAD_VOLUNTEERS=${LOAD_VOLUNTEERS:-500}
RUN_TIME=${LOAD_RUN_TIME:-75s}
WEB_WORKERS=${LOAD_WEB_WORKERS:-3}
WEB_THREADS=${LOAD_WEB_THREADS:-4}
dbname=${DATABASE_URL##*/}
case "$dbname" in
  vh_load*) ;;
  *) echo "LOAD_DATABASE_URL must name a scratch database starting with vh_load (it is dropped)" >&2; exit 2 ;;
esac

work=$(mktemp -d /tmp/vh-load.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

# Production-like server: DEBUG off, keys for this run only.
export DEBUG=0 LOG_LEVEL=WARNING VAR_DIR=$work/var CACHE_KEY_PREFIX=vhload
export SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')
export FIELD_ENCRYPTION_KEYS=$($PY -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export DOCUMENT_HASH_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(32))')
export RATE_LIMIT_OVERRIDES="attendance.code:ip=1000000/15m,orders.place:ip=1000000/h"
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

echo "== $(date +%T) setup: $dbname (dropped and created), Redis ${REDIS_URL}, $work" >&2
dropdb -h 127.0.0.1 -U postgres --if-exists "$dbname"
createdb -h 127.0.0.1 -U postgres "$dbname"
redis-cli -u "$REDIS_URL" flushdb >/dev/null
$PY manage.py migrate --noinput -v0
$PY manage.py load_divisions >/dev/null
$PY manage.py collectstatic --noinput -v0
# A ledger for the dashboards to show (synthetic, COPY), rolled up once.
$PY manage.py generate_load --volunteers 9000 --records 20000 >/dev/null
$PY manage.py rollup_hours --full >/dev/null
$PY scripts/load/setup_data.py > "$work/data.json"

echo "== $(date +%T) gunicorn ($WEB_WORKERS workers × $WEB_THREADS threads) and a Celery worker with beat on 127.0.0.1:$port" >&2
.venv/bin/gunicorn volunteer_hub.wsgi --bind "127.0.0.1:$port" --workers "$WEB_WORKERS" \
  --threads "$WEB_THREADS" --worker-class gthread --timeout 60 --backlog 2048 \
  --access-logfile "$work/access.log" --error-logfile "$work/gunicorn.log" > "$work/gunicorn.out" 2>&1 &
pids+=($!)
.venv/bin/celery -A volunteer_hub worker -B -s "$work/celerybeat-schedule" --concurrency 1 \
  --loglevel WARNING > "$work/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  curl -fsS -H "X-Forwarded-Proto: https" "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS -H "X-Forwarded-Proto: https" "http://127.0.0.1:$port/healthz" >&2; echo >&2

echo "== $(date +%T) locust: $LOAD_VOLUNTEERS volunteers at a shift change, dashboards, orders, for $RUN_TIME" >&2
users=$($PY -c "import json; d=json.load(open('$work/data.json')); print(len(d['volunteers']) + 2 + ${LOAD_DASHBOARD_USERS:-10} + ${LOAD_RESIDENTS:-10})")
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
LOAD_DATA="$work/data.json" timeout 300 .venv/bin/locust -f scripts/load/locustfile.py --headless \
  --host "http://127.0.0.1:$port" --users "$users" --spawn-rate 50 --run-time "$RUN_TIME" \
  --stop-timeout 10 --json-file "$work/locust" --only-summary --loglevel WARNING > "$work/locust.out" 2>&1 \
  || echo "locust exited non-zero (failures are counted below)" >&2
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 2  # let the last responses' transactions land
cleanup
pids=()

echo "== $(date +%T) checks" >&2
$PY scripts/load/report.py --data "$work/data.json" --stats "$work/locust.json" \
  --access-log "$work/access.log" --started "$started" --run-time "$RUN_TIME" \
  --workers "$WEB_WORKERS" --threads "$WEB_THREADS" --loadavg "$load_before / $load_after" \
  --out scripts/bench.d/40-load.recorded.md
# Passed (set -e stops above otherwise): the logs are not needed any more.
[ -n "${LOAD_KEEP:-}" ] || rm -rf "$work"
