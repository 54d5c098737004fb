#!/usr/bin/env bash
# Load: the recorded `make load` run (scripts/load/run.sh writes 40-load.recorded.md; it drops and
# recreates its own scratch database, so make bench only prints what it recorded).
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "## Load: check-ins at an event start, dashboards, orders (\`scripts/bench.d/40-load.sh\`)"
echo
cat <<'TEXT'
`make load` (scripts/load/run.sh) prepares a scratch database (`vh_load`, dropped and created
again), starts gunicorn and a Celery worker with beat on PostgreSQL and Redis, and runs locust
headless (scripts/load/locustfile.py): a shift change at one station, where each of 500
volunteers with confirmed sign-ups checks in to the activity that is starting (下午场) with the
code on the venue screen and checks out of the one that just ended (上午场, whose check-out writes
the two-hour ledger entry), while the two screens poll their code pages, a federation admin views
the city, center, institute and station dashboards, and residents place orders at the station.
It then checks the database (scripts/load/report.py) and records the section below. A check-out
minutes after a check-in writes no ledger entry (a stay under 16 minutes rounds to 0 hours), hence
the two activities.
TEXT
echo
recorded=scripts/bench.d/40-load.recorded.md
if [ -e "$recorded" ]; then
  cat "$recorded"
else
  echo "Not recorded yet: run \`make load\`."
fi
