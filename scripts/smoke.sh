#!/usr/bin/env bash
# Boot the embedded default (SQLite, tasks in-process, no Redis) from scratch and check that the
# home page and /healthz answer 200. Used by CI; handy after changing settings.
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL REDIS_URL REQUIRE_SERVICES DATABASE_REPLICA_URL
export VAR_DIR; VAR_DIR=$(mktemp -d)
PORT=${SMOKE_PORT:-8765}
PY=.venv/bin/python
$PY manage.py migrate --noinput -v0
$PY manage.py load_divisions
$PY manage.py seed_demo >/dev/null
$PY manage.py runserver "127.0.0.1:$PORT" --noreload >"$VAR_DIR/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$VAR_DIR"' EXIT
for path in / /healthz /stations/; do
  for _ in $(seq 1 60); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$path" || true)
    [ "$code" = 200 ] && break
    sleep 0.5
  done
  if [ "$code" != 200 ]; then echo "smoke: $path answered $code"; cat "$VAR_DIR/server.log"; exit 1; fi
  echo "smoke: $path 200"
done
curl -s "http://127.0.0.1:$PORT/healthz"; echo
