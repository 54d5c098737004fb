# Volunteer Hub. `make run` serves the site with demo data; `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint fmt migrate messages security e2e sqlmap smoke bench load faults lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c constraints.txt ".[dev]"
	touch $(STAMP)

install: $(STAMP)

messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

migrate: install
	$(PY) manage.py migrate --noinput

# Serve http://$(HOST):$(PORT) with the Beijing hierarchy and demo data. With REDIS_URL set, a
# Celery worker with beat runs beside it (stopped with the server).
run: messages migrate
	$(PY) manage.py load_divisions
	$(PY) manage.py seed_demo
	@if [ -n "$$REDIS_URL" ]; then \
		echo "Starting a Celery worker with beat (REDIS_URL is set)"; \
		$(VENV)/bin/celery -A volunteer_hub worker -B --loglevel=INFO --concurrency=2 & \
		trap "kill $$! 2>/dev/null" EXIT INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT); \
	else \
		$(PY) manage.py runserver $(HOST):$(PORT); \
	fi

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Static security analysis of the application code: fails on any high-severity finding.
security: install
	$(PY) -m bandit -c pyproject.toml -r . -q --severity-level high
	@echo "bandit: no high-severity findings"

# Everything CI checks. Set DATABASE_URL/REDIS_URL for PostgreSQL and Redis (as .ci/run does).
test: lint messages security
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	$(PY) -m pytest $(PYTEST_ARGS)

# Only the browser journeys (Playwright + /usr/bin/chromium); screenshots of failures in test-results/.
e2e: install
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

# A bounded sqlmap scan of a local server (not in CI; see docs/operations.md).
sqlmap: install
	scripts/sqlmap.sh

# Boot the embedded default (SQLite, no Redis) in a scratch folder and check / and /healthz.
smoke: install
	scripts/smoke.sh

# Benchmarks on PostgreSQL (not timed tests): every scripts/bench.d/*.sh in order; the results
# are written to docs/benchmarks.md. BENCH_DATABASE_URL defaults to a scratch database.
bench: messages
	scripts/bench.sh

# Load test (not in CI, ~3 min): locust against gunicorn + a Celery worker on a scratch database
# (vh_load, dropped and recreated), then database checks; writes scripts/bench.d/40-load.recorded.md.
load: messages
	$(PY) -m pip install --quiet -c constraints.txt ".[load]"
	scripts/load/run.sh

# Fault scenarios (not in CI, ~4 min) on a private PostgreSQL cluster and a private Redis that the
# script starts and stops itself: prints pass/fail per scenario (docs/operations.md).
faults: messages
	$(PY) scripts/faults/run.py

# Regenerate the pinned versions after changing pyproject.toml.
lock:
	rm -rf /tmp/vh-lock && $(PYTHON) -m venv /tmp/vh-lock
	/tmp/vh-lock/bin/pip install --quiet --upgrade "pip>=24" && /tmp/vh-lock/bin/pip install --quiet ".[dev,load]"
	/tmp/vh-lock/bin/pip freeze --exclude-editable | grep -v "^volunteer-hub" > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
