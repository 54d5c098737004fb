#!/usr/bin/env bash
# make bench: run each benchmark in scripts/bench.d/ (in name order) against a scratch PostgreSQL
# database and Redis, and write their Markdown sections to docs/benchmarks.md.
# Each bench.d script prints its own Markdown section (starting with "## ") on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/volunteer_hub_bench}
export DATABASE_URL=$BENCH_DATABASE_URL
export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}
export DEBUG=1
dbname=${DATABASE_URL##*/}
psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$dbname'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U postgres "$dbname"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py load_divisions >/dev/null
out=$(mktemp)
{
  echo "# Benchmarks"
  echo
  echo "Produced by \`make bench\` (scripts/bench.sh → scripts/bench.d/*.sh) on $(date -u +%Y-%m-%d),"
  echo "on this machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, PostgreSQL $(psql "$DATABASE_URL" -tAc 'SHOW server_version') (shared_buffers $(psql "$DATABASE_URL" -tAc 'SHOW shared_buffers')),"
  echo "Python $(.venv/bin/python -c 'import platform; print(platform.python_version())'). Ratios are measured within one run;"
  echo "absolute times vary between runs on these shared machines. To compare machines, two"
  echo "reference timings taken at the start of this run: Python \`sum(range(100))\`"
  echo "$(.venv/bin/python -m timeit -n 200000 'sum(range(100))' | sed 's/.*: //; s/ per loop//') (best of 5), PostgreSQL"
  echo "\`SELECT sum(i) FROM generate_series(1, 10000000) i\` $(psql "$DATABASE_URL" -tAc '\timing on' -c 'SELECT sum(i) FROM generate_series(1, 10000000) i' | sed -n 's/^Time: \([0-9.]*\) ms.*/\1 ms/p')."
  echo
  for script in scripts/bench.d/*.sh; do
    [ -e "$script" ] || continue
    echo "Running $script" >&2
    bash "$script"
    echo
  done
} > "$out"
mv "$out" docs/benchmarks.md
echo "wrote docs/benchmarks.md" >&2
