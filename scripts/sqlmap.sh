#!/usr/bin/env bash
# A bounded sqlmap scan of the site's forms and query parameters, against a server on 127.0.0.1
# only. Not part of CI (it takes minutes); run it after changing a query or a form. See
# docs/operations.md ("SQL injection scan").
#
#   scripts/sqlmap.sh                          # boots a scratch server (SQLite) and scans it
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/vh_sqlmap scripts/sqlmap.sh
#                                              # the same on a scratch PostgreSQL database (it is
#                                              # migrated and seeded: never point it at real data)
#   SQLMAP_TARGET=http://127.0.0.1:8000 scripts/sqlmap.sh   # scan a server you already run
#   SQLMAP_ONLY=login scripts/sqlmap.sh        # only the targets whose note contains "login"
#
# Exit status: 0 when sqlmap finds no injectable parameter, 1 when it finds one, 2 on a setup error.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v sqlmap >/dev/null || { echo "sqlmap: not installed (apt-get install sqlmap)"; exit 2; }
PY=.venv/bin/python
LEVEL=${SQLMAP_LEVEL:-2}         # 1–5: how many payloads and places (2 adds cookies/headers)
RISK=${SQLMAP_RISK:-1}           # 1–3: 1 sends no heavy queries and no OR-based payloads (they can change data)
TECHNIQUE=${SQLMAP_TECHNIQUE:-BEUST}
PER_TARGET_SECONDS=${SQLMAP_TIMEOUT:-300}
WORK=$(mktemp -d)

cleanup() {
  if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "${SQLMAP_TARGET:-}" ]; then
  BASE=${SQLMAP_TARGET%/}
  case "$BASE" in
    http://127.*|http://localhost*|http://\[::1\]*) ;;
    *) echo "sqlmap: SQLMAP_TARGET must be a server on this machine (127.0.0.1/localhost)"; exit 2 ;;
  esac
else
  PORT=${SQLMAP_PORT:-8766}
  BASE="http://127.0.0.1:$PORT"
  export VAR_DIR="$WORK/var"
  unset REDIS_URL DATABASE_REPLICA_URL REQUIRE_SERVICES
  # The scan sends hundreds of failed logins and sign-ups: lift allauth's limits on this server.
  export RATE_LIMIT_LOGIN="100000/m/ip" RATE_LIMIT_LOGIN_FAILED="100000/m/ip" RATE_LIMIT_SIGNUP="100000/m/ip"
  echo "sqlmap: preparing a scratch server on $BASE (${DATABASE_URL:-SQLite in $VAR_DIR})"
  $PY manage.py migrate --noinput -v0
  $PY manage.py load_divisions >/dev/null
  $PY manage.py seed_demo >/dev/null
  $PY manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 60); do
    curl -s -o /dev/null "$BASE/healthz" && break
    sleep 0.5
  done
fi

# One target a line: METHOD|PATH|POST DATA (with the csrf field if it is a Django form)|NOTE.
# Add a line for each new form or query parameter; a `*` in the path marks an injection point.
TARGETS=(
  "GET|/stations/?q=%E6%9C%9D%E9%98%B3&page=1||station search"
  "GET|/stations/110105*/||station page (code in the path)"
  "POST|/accounts/login/|csrfmiddlewaretoken=x&login=13800000001&password=wrong-pass|login"
  # The passwords differ so no sign-up succeeds (a signed-in client would be sent away from the
  # form); the mobile and email checks against the database still run.
  "POST|/accounts/signup/|csrfmiddlewaretoken=x&name=a&phone=13912345678&email=a%40example.com&password1=Lang-jia-yuan-2024&password2=Lang-jia-yuan-2025|signup"
  "POST|/accounts/password/reset/|csrfmiddlewaretoken=x&email=admin%40example.com|password reset"
  "GET|/organizations/?q=%E6%9C%9D%E9%98%B3||organization directory"
  "GET|/projects/?q=%E5%8A%A9%E8%80%81||project list"
)

found=0
summary=()
for line in "${TARGETS[@]}"; do
  IFS='|' read -r method path data note <<<"$line"
  # SQLMAP_ONLY=login scans only the targets whose note contains that word.
  if [ -n "${SQLMAP_ONLY:-}" ] && [[ "$note" != *"$SQLMAP_ONLY"* ]]; then continue; fi
  url="$BASE$path"
  code=$(curl -s -o /dev/null -w '%{http_code}' "${url//\*/}" || true)
  if [ "$code" = 404 ]; then summary+=("skipped  $note ($path: 404, not on this server)"); continue; fi
  args=(-u "$url" --batch --flush-session --disable-coloring --output-dir="$WORK/out"
        --level="$LEVEL" --risk="$RISK" --technique="$TECHNIQUE" --time-sec=2
        --timeout=30 --retries=2 --answers="follow=N")
  if [ "$method" = POST ]; then
    args+=(--data="$data")
  fi
  if [[ "$data" == *csrfmiddlewaretoken* ]]; then
    # A fresh token per request (sqlmap refuses --threads with --csrf-url).
    args+=(--csrf-token=csrfmiddlewaretoken --csrf-url="$BASE${path%%\?*}" --skip=csrfmiddlewaretoken)
  else
    args+=(--threads=2)
  fi
  echo "sqlmap: $note: $method $path"
  log="$WORK/$(echo "$note" | tr -c 'a-z0-9' '_').log"
  timeout "$PER_TARGET_SECONDS" sqlmap "${args[@]}" >"$log" 2>&1 || true
  if grep -qE "is vulnerable|identified the following injection point" "$log"; then
    found=1
    summary+=("INJECTABLE  $note ($method $path)")
    grep -E "Parameter:|Type:|Title:|Payload:" "$log" | sed 's/^/    /'
  elif grep -q "all tested parameters do not appear to be injectable" "$log"; then
    summary+=("clean    $note ($method $path)")
  else
    reason=$(grep -E 'CRITICAL|ERROR' "$log" | tail -1 || true)
    summary+=("unclear  $note ($method $path): ${reason:-see below}")
    tail -5 "$log" | sed 's/^/    /'
  fi
done

echo
echo "sqlmap summary (level $LEVEL, risk $RISK, techniques $TECHNIQUE):"
printf '  %s\n' "${summary[@]}"
exit "$found"
