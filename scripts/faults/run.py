"""`make faults`: fault scenarios against the real stack, on a private PostgreSQL cluster and a
private Redis that this script starts, stops and restarts itself (the machine's shared
PostgreSQL and Redis are never touched), with gunicorn and a Celery worker with beat on them.

  (a) Redis stopped while pages are served and orders placed: pages answer 200, orders are stored,
      the task a page enqueued waits in the outbox and runs once Redis is back.
  (b) The Celery worker killed (SIGKILL, whole process group) in the middle of a full rollup: the
      half-done run leaves nothing behind, and the next run's figures verify
      (`manage.py verify_rollup --all` exits 0).
  (c) PostgreSQL restarted while requests are in flight: they fail cleanly (the Chinese 503 page,
      no stack trace, no half-written order) and the same gunicorn processes recover.
  (d) Backup and restore: pg_dump (custom format) of the database, pg_restore into a new one,
      every table's row count equal, the ledger's immutability trigger present, figures verify.

The server runs as in production (DEBUG=0, keys made for the run) except that the per-IP limit
on placing orders is lifted (RATE_LIMIT_OVERRIDES): every simulated resident comes from 127.0.0.1.

Prints PASS/FAIL per scenario with what was observed and exits 1 if any failed. Bounded: every
wait has a deadline; the whole run takes about four minutes. Logs stay in /tmp/vh-faults.* when
a scenario fails (removed otherwise; FAULTS_KEEP=1 keeps them).

    scripts/faults/run.py            # or: make faults
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv" / "bin"
PG_BIN = Path(os.environ.get("FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
STATION = "110105001024"  # 朝阳区 建外街道 南郎家园社区
UNAVAILABLE = "服务暂时不可用"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], bool], seconds: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if predicate():
                return True
        except Exception:  # noqa: S110 - what is waited for may fail while it comes up
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(step)


# --- private services ----------------------------------------------------------------------


class PrivatePostgres:
    """A throwaway cluster under the work folder. initdb and pg_ctl refuse to run as root, so as
    root they run as the `postgres` user (runuser)."""

    def __init__(self, work: Path) -> None:
        self.dir = work / "pg"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}"

    def _run(self, *cmd: str, timeout: float = 120) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(  # noqa: S603 - fixed local binaries
            [*prefix, *cmd], check=True, capture_output=True, text=True, timeout=timeout
        )

    def init(self) -> None:
        self.dir.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
            "-c fsync=off -c shared_buffers=64MB -c max_connections=60"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-l", str(self.dir / "server.log"),
            "-o", options, "-w", "start",
        )  # fmt: skip

    def restart(self) -> float:
        started = time.monotonic()
        # -l: the restarted server must not inherit (and hold open) this process's pipes.
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-l", str(self.dir / "server.log"),
            "-m", "fast", "-w", "restart",
        )  # fmt: skip
        return time.monotonic() - started

    def stop(self) -> None:
        if (self.dir / "postmaster.pid").exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-m", "fast", "-w", "stop")

    def psql(self, database: str, sql: str) -> str:
        return subprocess.run(  # noqa: S603
            [str(PG_BIN / "psql"), f"{self.url}/{database}", "-XAtq", "-c", sql],
            check=True, capture_output=True, text=True, timeout=120,
        ).stdout.strip()  # fmt: skip


class PrivateRedis:
    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = work / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--logfile", str(self.log)],
        )  # fmt: skip
        if not wait_until(lambda: self.cli("ping") == "PONG", 10, 0.1):
            raise RuntimeError("the private Redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def cli(self, *args: str) -> str:
        return subprocess.run(  # noqa: S603
            [REDIS_CLI, "-p", str(self.port), *args], capture_output=True, text=True, timeout=10
        ).stdout.strip()


class Service:
    """A child process in its own process group (so a SIGKILL reaches all of it)."""

    def __init__(self, name: str, cmd: list[str], log: Path) -> None:
        self.name, self.cmd, self.log = name, cmd, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        handle = open(self.log, "a", encoding="utf-8")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(  # noqa: S603
            self.cmd, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def pids(self) -> set[int]:
        """The process and its children (gunicorn: master and workers)."""
        if self.process is None:
            return set()
        found = {self.process.pid}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.add(int(stat.parent.name))
        return found


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int  # 0: no HTTP answer at all
    body: str = ""
    location: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Requests as behind the production TLS proxy (X-Forwarded-Proto), cookies by hand."""

    def __init__(self, base: str, session: str = "") -> None:
        self.base, self.session = base, session
        self.csrf = secrets.token_hex(16)
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, method: str, path: str, data: dict | None = None) -> Answer:
        cookies = f"csrftoken={self.csrf}" + (f"; sessionid={self.session}" if self.session else "")
        headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": cookies,
            "Referer": f"https://{self.base.split('://', 1)[1]}{path}",
        }
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf}).encode()
        url = self.base + path  # always http://127.0.0.1:<port>/…
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return Answer(response.status, response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            return Answer(
                error.code,
                error.read().decode("utf-8", "replace"),
                error.headers.get("Location", ""),
            )
        except (urllib.error.URLError, OSError):
            return Answer(0)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Answer:
        return self.request("POST", path, data)


_phones = iter(range(1, 10**8))


def order_form() -> dict[str, str]:
    from django.utils import timezone

    start = timezone.localtime() + timedelta(days=2)
    return {
        "category": "elderly",
        "description": "故障演练：帮忙更换灯泡",
        "address": "南郎家园 5 号楼 101",
        "wanted_from": start.strftime("%Y-%m-%dT%H:%M"),
        "wanted_until": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "contact_name": "王奶奶",
        "contact_phone": f"136{next(_phones):08d}",
    }


def is_clean_503(answer: Answer) -> bool:
    return answer.status == 503 and UNAVAILABLE in answer.body and "Traceback" not in answer.body


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Stack:
    work: Path
    pg: PrivatePostgres
    redis: PrivateRedis
    web: Service
    worker: Service
    base: str
    admin_session: str = ""
    notes: dict = field(default_factory=dict)

    def manage(self, *args: str, timeout: float = 600, check: bool = True):
        return subprocess.run(  # noqa: S603
            [str(VENV / "python"), "manage.py", *args],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=check,
        )  # fmt: skip

    def anonymous(self) -> Browser:
        return Browser(self.base)

    def admin(self) -> Browser:
        return Browser(self.base, self.admin_session)


def fresh_db() -> None:
    """The driver's own connection may have been cut (database restarted): start a new one."""
    from django.db import connection

    connection.close()


@dataclass
class Result:
    name: str
    ok: bool
    lines: list[str]


def scenario_redis_down(stack: Stack) -> Result:
    from core.models import OutboxMessage
    from dashboard.models import RollupState
    from orders.models import Order

    lines: list[str] = []
    anon, admin = stack.anonymous(), stack.admin()
    pages = ["/", f"/stations/{STATION}/", f"/stations/{STATION}/orders/new/", "/projects/"]
    before = [anon.get(p).status for p in pages] + [admin.get("/dashboard/").status]
    orders_before = Order.objects.count()

    stack.redis.stop()
    stopped = time.monotonic()
    health = admin.get("/healthz")
    lines.append(f"/healthz with Redis stopped: {health.status} {health.body.strip()}")
    statuses: Counter = Counter()
    placed = refused = 0
    refresh = None
    while time.monotonic() - stopped < 15:
        for page in pages:
            statuses[anon.get(page).status] += 1
        statuses[admin.get("/dashboard/").status] += 1
        answer = anon.post(f"/stations/{STATION}/orders/new/", order_form())
        if answer.status == 302 and answer.location.startswith("/orders/track/"):
            placed += 1
        else:
            refused += 1
        if refresh is None:
            refresh = admin.post("/dashboard/refresh/", {"next": "/dashboard/"})
    fresh_db()
    stored = Order.objects.count() - orders_before
    waiting = list(OutboxMessage.objects.values_list("task", "task_id"))
    state = RollupState.objects.get(pk=1)
    requested = state.refresh_requested_at
    lines.append(
        f"during {time.monotonic() - stopped:.0f} s without Redis: pages {dict(statuses)}, "
        f"orders placed {placed} (refused {refused}), stored {stored}; "
        f"dashboard refresh answered {refresh.status if refresh else '—'}"
    )
    lines.append(f"outbox during the outage: {sorted({t for t, _id in waiting})}")
    refresh_ids = [str(i) for t, i in waiting if t == "dashboard.tasks.rollup_incremental"]

    stack.redis.start()
    restarted = time.monotonic()

    def drained() -> bool:
        fresh_db()
        return not OutboxMessage.objects.exists()

    def refreshed() -> bool:
        log = (stack.work / "worker.log").read_text(encoding="utf-8", errors="replace")
        return bool(refresh_ids) and all(f"[{i}] succeeded" in log for i in refresh_ids)

    relayed = wait_until(lambda: drained() and refreshed(), 150, 1)
    fresh_db()
    state = RollupState.objects.get(pk=1)
    after = admin.get("/healthz")
    lines.append(
        f"Redis back: outbox drained and the refresh task ({', '.join(refresh_ids) or 'none'}) "
        f"ran on the worker {time.monotonic() - restarted:.0f} s later: {relayed}; "
        f"rollup last run {state.last_run_at:%H:%M:%S} ≥ refresh requested "
        f"{requested:%H:%M:%S}: {bool(state.last_run_at and state.last_run_at >= requested)}"
    )
    lines.append(f"/healthz after: {after.status} {after.body.strip()}")
    ok = (
        set(before) == {200}
        and set(statuses) == {200}
        and placed > 0
        and refused == 0
        and stored == placed
        and refresh is not None
        and refresh.status == 302
        and bool(refresh_ids)
        and relayed
        and after.status == 200
    )
    return Result("(a) Redis stopped while pages are served and orders placed", ok, lines)


def rollup_lock_holder(stack: Stack) -> str:
    return stack.pg.psql(
        "vh_faults",
        "SELECT left(regexp_replace(a.query, '\\s+', ' ', 'g'), 70) FROM pg_locks l "
        "JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted LIMIT 1",
    )


def start_worker(stack: Stack) -> bool:
    """Start the worker and wait until it answers a ping."""
    from volunteer_hub.celery import app

    stack.worker.start()
    return wait_until(lambda: bool(app.control.ping(timeout=1)), 60, 1)


def scenario_worker_killed(stack: Stack) -> Result:
    from dashboard.models import RollupState
    from dashboard.tasks import rollup_full

    lines: list[str] = []
    records = int(os.environ.get("FAULTS_RECORDS", "250000"))
    started = time.monotonic()
    stack.manage(
        "generate_load", "--volunteers", str(records * 44 // 100), "--records", str(records)
    )
    stack.manage("rollup_hours", "--full")
    stack.manage("generate_load", "--append", str(records // 20))
    lines.append(
        f"dataset: {records:,} ledger records + {records // 20:,} appended since the last "
        f"full rollup ({time.monotonic() - started:.0f} s to generate and roll up once)"
    )
    fresh_db()
    before = RollupState.objects.get(pk=1)
    run_started = time.monotonic()
    rollup_full.delay()
    if not wait_until(lambda: bool(rollup_lock_holder(stack)), 60, 0.2):
        return Result("(b) worker killed during a full rollup", False, ["the rollup never started"])
    time.sleep(float(os.environ.get("FAULTS_KILL_AFTER", "2")))
    doing = rollup_lock_holder(stack)
    stack.worker.kill(signal.SIGKILL)
    killed = time.monotonic()
    lines.append(
        f"worker process group SIGKILLed {killed - run_started:.1f} s into the run, while "
        f"PostgreSQL ran: {doing or '(between statements)'}…"
    )
    released = wait_until(lambda: not rollup_lock_holder(stack), 300, 0.5)
    fresh_db()
    after_kill = RollupState.objects.get(pk=1)
    unchanged = (after_kill.last_run_at, after_kill.full_done_at) == (
        before.last_run_at,
        before.full_done_at,
    )
    lines.append(
        f"the orphaned transaction ended (advisory lock released) {time.monotonic() - killed:.1f}"
        f" s after the kill: {released}; figures and RollupState untouched (rolled back whole): "
        f"{unchanged}; the killed message waits unacknowledged in Redis: "
        f"{stack.redis.cli('hlen', 'unacked')} (redelivered after the 1 h visibility timeout)"
    )
    ready = start_worker(stack)
    next_started = time.monotonic()
    rollup_full.delay()

    def finished() -> bool:
        fresh_db()
        done = RollupState.objects.get(pk=1).full_done_at
        return done is not None and (before.full_done_at is None or done > before.full_done_at)

    completed = wait_until(finished, 300, 1)
    fresh_db()
    state = RollupState.objects.get(pk=1)
    verify = stack.manage("verify_rollup", "--all", check=False)
    summary = (verify.stdout.strip().splitlines() or ["(no output)"])[-1]
    lines.append(
        f"worker restarted: {ready}; next full run finished: {completed} "
        f"({state.last_duration_ms / 1000:.1f} s of rollup, "
        f"{time.monotonic() - next_started:.0f} s from enqueueing)"
    )
    lines.append(f"verify_rollup --all: exit {verify.returncode}, {summary}")
    ok = released and unchanged and ready and completed and verify.returncode == 0
    return Result("(b) Celery worker killed in the middle of a full rollup", ok, lines)


def scenario_database_restarted(stack: Stack) -> Result:
    from django.db.models import Count, Max

    from orders.models import Order, OrderEvent

    lines: list[str] = []
    web_pids = stack.web.pids()
    last_before = Order.objects.aggregate(last=Max("pk"))["last"] or 0
    answers: list[tuple[float, str, Answer]] = []
    lock = threading.Lock()
    stop = threading.Event()
    started = time.monotonic()

    def client(n: int) -> None:
        anon, admin = stack.anonymous(), stack.admin()
        while not stop.is_set():
            if n % 3 == 0:
                kind, answer = "order", anon.post(f"/stations/{STATION}/orders/new/", order_form())
            elif n % 3 == 1:
                kind, answer = "page", anon.get(f"/stations/{STATION}/")
            else:
                kind, answer = "dashboard", admin.get("/dashboard/")
            with lock:
                answers.append((time.monotonic() - started, kind, answer))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(6)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(5)
        restart_at = time.monotonic() - started
        took = stack.pg.restart()
        health_during = stack.admin().get("/healthz")
        time.sleep(10)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    ended = time.monotonic() - started

    by_status = Counter(a.status for _t, _k, a in answers)
    unclean = [a for _t, _k, a in answers if a.status not in (200, 302) and not is_clean_503(a)]
    failed_at = [t for t, _k, a in answers if a.status not in (200, 302)]
    last_failure = max(failed_at) if failed_at else None
    tail = [a for t, _k, a in answers if t > ended - 3]
    recovered = bool(tail) and all(a.status in (200, 302) for a in tail)
    same_processes = stack.web.pids() == web_pids

    fresh_db()
    tokens = {
        a.location.rstrip("/").rsplit("/", 1)[-1]
        for _t, kind, a in answers
        if kind == "order" and a.status == 302
    }
    orders_503 = sum(1 for _t, kind, a in answers if kind == "order" and a.status == 503)
    new_orders = Order.objects.filter(pk__gt=last_before)
    stored = set(new_orders.values_list("tracking_token", flat=True))
    missing = tokens - stored
    extra = len(stored - tokens)
    placed_events = OrderEvent.objects.filter(kind="placed")
    without_event = new_orders.exclude(pk__in=placed_events.values("order")).count()
    doubled = (
        placed_events.filter(order__in=new_orders)
        .values("order")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    health_after = stack.admin().get("/healthz")
    lines.append(
        f"{len(answers)} requests from 6 clients over {ended:.0f} s; PostgreSQL restarted "
        f"(pg_ctl restart -m fast) at {restart_at:.1f} s, took {took:.1f} s"
    )
    lines.append(
        f"answers: {dict(sorted(by_status.items()))}; not 200/302/clean 503: {len(unclean)}; "
        f"failures between {min(failed_at, default=0):.1f} s and {last_failure or 0:.1f} s"
    )
    lines.append(
        f"/healthz right after the restart: {health_during.status}; after: {health_after.status}"
    )
    lines.append(
        f"recovered (last 3 s all 200/302): {recovered}; same gunicorn processes "
        f"({len(web_pids)}: master and workers) before and after: {same_processes}"
    )
    lines.append(
        f"orders: {len(tokens)} answered 302, all stored: {not missing}; orders without their "
        f"点单 event: {without_event}, with two: {doubled}; stored though answered 503 "
        f"(committed, then the answer failed): {extra} of {orders_503} order 503s"
    )
    example = next((a for _t, _k, a in answers if a.status == 503), None)
    if example is not None:
        text = re.sub(r"<[^>]+>", " ", example.body)
        lines.append("the 503 page says: " + " ".join(text.split())[:160])
    ok = (
        not unclean
        and by_status.get(500, 0) == 0
        and recovered
        and same_processes
        and not missing
        and without_event == 0
        and doubled == 0
        and 0 <= extra <= orders_503
        and health_after.status == 200
    )
    return Result("(c) PostgreSQL restarted while requests are in flight", ok, lines)


def table_counts(stack: Stack, database: str) -> dict[str, int]:
    tables = stack.pg.psql(
        database,
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    ).split()
    # Names read from the catalogue just above, not input.
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM public.\"{t}\"" for t in tables)  # noqa: S608
    rows = stack.pg.psql(database, sql).splitlines()
    return {name: int(count) for name, count in (row.split("|") for row in rows)}


def scenario_backup_restore(stack: Stack) -> Result:
    lines: list[str] = []
    dump = stack.work / "vh_faults.dump"
    started = time.monotonic()
    subprocess.run(  # noqa: S603
        [str(PG_BIN / "pg_dump"), "--format=custom", "--file", str(dump), f"{stack.pg.url}/vh_faults"],
        check=True, timeout=300,
    )  # fmt: skip
    dumped = time.monotonic() - started
    stack.pg.psql("postgres", "CREATE DATABASE vh_faults_restore")
    started = time.monotonic()
    restore = subprocess.run(  # noqa: S603
        [str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error", "--dbname",
         f"{stack.pg.url}/vh_faults_restore", str(dump)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    restored = time.monotonic() - started
    original, copy = table_counts(stack, "vh_faults"), table_counts(stack, "vh_faults_restore")
    differing = sorted(t for t in original.keys() | copy.keys() if original.get(t) != copy.get(t))
    trigger = stack.pg.psql(
        "vh_faults_restore",
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'hours_servicerecord'::regclass "
        "AND NOT tgisinternal",
    )
    verify = subprocess.run(  # noqa: S603
        [str(VENV / "python"), "manage.py", "verify_rollup", "--all"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "DATABASE_URL": f"{stack.pg.url}/vh_faults_restore"},
    )  # fmt: skip
    summary = (verify.stdout.strip().splitlines() or ["(no output)"])[-1]
    lines.append(
        f"pg_dump --format=custom: {dump.stat().st_size / 1e6:.1f} MB in {dumped:.1f} s; "
        f"pg_restore into vh_faults_restore: exit {restore.returncode} in {restored:.1f} s"
    )
    lines.append(
        f"{len(original)} tables, {sum(original.values()):,} rows "
        f"(ledger {original.get('hours_servicerecord', 0):,}); tables whose row count differs: "
        f"{differing or 'none'}"
    )
    lines.append(f"ledger immutability triggers in the copy: {trigger}")
    lines.append(f"verify_rollup --all on the copy: exit {verify.returncode}, {summary}")
    ok = restore.returncode == 0 and not differing and int(trigger) > 0 and verify.returncode == 0
    return Result("(d) Backup and restore of PostgreSQL (pg_dump / pg_restore)", ok, lines)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="vh-faults."))
    work.chmod(0o755)  # the postgres user keeps its cluster in here
    pg, redis = PrivatePostgres(work), PrivateRedis(work)
    web_port = free_port()
    env = {
        "DATABASE_URL": f"{pg.url}/vh_faults",
        "REDIS_URL": redis.url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DOCUMENT_HASH_KEY": secrets.token_urlsafe(32),
        "VAR_DIR": str(work / "var"),
        "LOG_LEVEL": "WARNING",
        "REQUIRE_SERVICES": "0",
        # Every simulated resident comes from 127.0.0.1: the per-IP order limit (10/h) would
        # refuse them after ten. The per-phone limit stays (each order has its own number).
        "RATE_LIMIT_OVERRIDES": "orders.place:ip=1000000/h",
    }
    from cryptography.fernet import Fernet

    env["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "volunteer_hub.settings"
    web = Service(
        "gunicorn",
        [str(VENV / "gunicorn"), "volunteer_hub.wsgi", "--bind", f"127.0.0.1:{web_port}",
         "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--timeout", "60",
         "--access-logfile", str(work / "access.log")],
        work / "gunicorn.log",
    )  # fmt: skip
    worker = Service(
        "worker",
        [str(VENV / "celery"), "-A", "volunteer_hub", "worker", "-B", "--concurrency", "1",
         "-s", str(work / "celerybeat-schedule"), "--loglevel", "INFO"],
        work / "worker.log",
    )  # fmt: skip
    stack = Stack(work, pg, redis, web, worker, f"http://127.0.0.1:{web_port}")
    results: list[Result] = []
    began = time.monotonic()
    try:
        print(f"== private PostgreSQL on port {pg.port}, private Redis on {redis.port}, {work}")
        pg.init()
        pg.start()
        redis.start()
        pg.psql("postgres", "CREATE DATABASE vh_faults")
        stack.manage("migrate", "--noinput", "-v0")
        stack.manage("load_divisions")
        stack.manage("collectstatic", "--noinput", "-v0")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.test import Client

        from tests.factories import UserFactory

        browser = Client()
        browser.force_login(UserFactory(is_federation_admin=True, password=None))
        stack.admin_session = browser.cookies["sessionid"].value
        web.start()
        if not wait_until(lambda: stack.admin().get("/healthz").status == 200, 60):
            raise RuntimeError("gunicorn did not come up")
        if not start_worker(stack):
            raise RuntimeError("the Celery worker did not come up")
        print(f"== gunicorn on 127.0.0.1:{web_port} and a Celery worker with beat are up "
              f"({time.monotonic() - began:.0f} s)")  # fmt: skip
        for scenario in (
            scenario_redis_down,
            scenario_worker_killed,
            scenario_database_restarted,
            scenario_backup_restore,
        ):
            t = time.monotonic()
            try:
                result = scenario(stack)
            except Exception as exc:  # a scenario that crashes is a failed scenario
                result = Result(scenario.__name__, False, [f"crashed: {type(exc).__name__}: {exc}"])
            results.append(result)
            print(
                f"\n{'PASS' if result.ok else 'FAIL'} {result.name} ({time.monotonic() - t:.0f} s)"
            )
            for line in result.lines:
                print(f"  - {line}")
            sys.stdout.flush()
    finally:
        for service in (worker, web):
            service.stop()
        redis.stop()
        try:
            pg.stop()
        except Exception as exc:
            print(f"stopping the private PostgreSQL: {exc}")
    passed = sum(r.ok for r in results)
    print(f"\n{passed} passed, {len(results) - passed} failed ({time.monotonic() - began:.0f} s)")
    ok = bool(results) and passed == len(results)
    if ok and not os.environ.get("FAULTS_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"logs kept in {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
