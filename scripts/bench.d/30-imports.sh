#!/usr/bin/env bash
# Bulk import: 100,000 volunteers from XLSX (rows/s, peak memory) next to a plain COPY of the
# same rows; N service records through the COPY path next to a plain COPY of the same file and
# the ledger's own write cost. Sizes: BENCH_IMPORTS_VOLUNTEERS (default 100000) and
# BENCH_IMPORTS_RECORDS (default 1000000; the recorded run used 10000000:
#   BENCH_IMPORTS_RECORDS=10000000 bash scripts/bench.d/30-imports.sh
# ). Runs on the bench database that scripts/bench.sh prepared (it truncates the volunteer,
# organization, project and ledger tables: never point it at real data).
set -euo pipefail
cd "$(dirname "$0")/../.."
volunteers=${BENCH_IMPORTS_VOLUNTEERS:-100000}
records=${BENCH_IMPORTS_RECORDS:-1000000}
py=.venv/bin/python
bench=scripts/bench.d/30-imports-bench.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=$work/results.jsonl
echo "imports bench: $volunteers volunteers, $records records" >&2
$py $bench setup >> "$results"
$py $bench volunteers-file "$volunteers" "$work/volunteers.xlsx" >> "$results"
$py $bench volunteers-copy "$work/volunteers.xlsx" >> "$results"
$py $bench volunteers-import "$work/volunteers.xlsx" >> "$results"
$py $bench records-file "$records" "$work/records.csv" >> "$results"
$py $bench records-copy "$work/records.csv" >> "$results"
$py $bench records-import "$work/records.csv" >> "$results"
$py $bench ledger-write >> "$results"
$py scripts/bench.d/30-imports-report.py "$results"
# The 10 M-record run, recorded once by hand (it takes long): see its command line above.
recorded=scripts/bench.d/30-imports.recorded.md
if [ -e "$recorded" ]; then echo; cat "$recorded"; fi
