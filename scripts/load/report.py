"""`make load`, last step: check the database after the locust run and write the Markdown section
(scripts/bench.d/40-load.recorded.md). Exits 1 when a check fails.

Checks: every volunteer's check-in to 下午场 recorded exactly once (one Attendance per sign-up),
all within one minute; every check-out of 上午场 closed with exactly one ledger entry (no
volunteer with two); every order the locust run placed stored once with its 点单 event; no
request failed (locust) and no 5xx in gunicorn's access log.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_hub.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402

from attendance.models import Attendance  # noqa: E402
from core.models import OutboxMessage  # noqa: E402
from hours.models import ServiceRecord  # noqa: E402
from orders.models import Order, OrderEvent  # noqa: E402
from projects.models import SignUp  # noqa: E402

# gunicorn's default access log: ... "GET /path HTTP/1.1" 200 ...
ACCESS_RE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


def percentile(times: dict[float, int], count: int, percent: float) -> float:
    """As locust computes it from its histogram of rounded response times."""
    wanted = int(count * percent)
    seen = 0
    for value in sorted(times, reverse=True):
        seen += times[value]
        if count - seen <= wanted:
            return value
    return 0.0


def read_stats(path: str) -> list[dict]:
    """Locust's final statistics (--json-file), one entry per request name, plus "all"."""
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    total: dict = {"name": "**all**", "num_requests": 0, "num_failures": 0, "times": {}}
    for entry in entries:
        entry["times"] = {float(k): v for k, v in entry["response_times"].items()}
        total["num_requests"] += entry["num_requests"]
        total["num_failures"] += entry["num_failures"]
        for value, n in entry["times"].items():
            total["times"][value] = total["times"].get(value, 0) + n
    total["start_time"] = min(e["start_time"] for e in entries)
    total["last_request_timestamp"] = max(e["last_request_timestamp"] for e in entries)
    total["max_response_time"] = max(e["max_response_time"] for e in entries)
    return [*sorted(entries, key=lambda e: e["name"]), total]


def row(entry: dict) -> str:
    count = entry["num_requests"]
    window = max(entry["last_request_timestamp"] - entry["start_time"], 1.0)
    p50, p95, p99 = (percentile(entry["times"], count, p) for p in (0.5, 0.95, 0.99))
    return (
        f"| {entry['name']} | {count:,} | {entry['num_failures']} | {count / window:.1f} | "
        f"{p50:,.0f} | {p95:,.0f} | {p99:,.0f} | {entry['max_response_time']:,.0f} |"
    )


def access_log_statuses(path: str) -> list[tuple[str, str, str]]:
    """(method, path, status) of every request gunicorn answered."""
    answered = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            match = ACCESS_RE.search(line)
            if match:
                answered.append((match["method"], match["path"], match["status"]))
    return answered


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("data", "stats", "access-log", "started", "run-time", "out", "loadavg"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()
    data = json.loads(Path(args.data).read_text(encoding="utf-8"))
    n = len(data["volunteers"])
    checkin, checkout = data["checkin_activity"], data["checkout_activity"]
    stats = read_stats(args.stats)
    total = stats[-1]
    answered = access_log_statuses(args.access_log)
    results: list[tuple[str, str, bool]] = []

    # 下午场: one Attendance per sign-up, all within a minute.
    signups = SignUp.objects.filter(activity_id=checkin).count()
    arrivals = Attendance.objects.filter(signup__activity_id=checkin)
    span = arrivals.aggregate(first=Min("checked_in_at"), last=Max("checked_in_at"))
    recorded = arrivals.count()
    distinct = arrivals.values("signup").distinct().count()
    seconds = (span["last"] - span["first"]).total_seconds() if recorded else 0.0
    results.append(
        (
            "check-ins to 下午场 (starting)",
            f"{recorded} of {signups} confirmed sign-ups, {distinct} distinct "
            f"(duplicates: {recorded - distinct})",
            recorded == distinct == signups == n,
        )
    )
    rate = recorded / seconds if seconds else float(recorded)
    results.append(
        (
            "first to last check-in",
            f"{seconds:.1f} s ({rate:.1f} check-ins/s; target: {n} within 60 s)",
            recorded == n and seconds <= 60,
        )
    )

    # 上午场: every attendance closed by the volunteer, one ledger entry each.
    closed = Attendance.objects.filter(
        signup__activity_id=checkout, checked_out_at__isnull=False, checkout="volunteer"
    )
    with_record = closed.filter(record__isnull=False).count()
    entries = ServiceRecord.objects.filter(activity_id=checkout)
    twice = entries.values("volunteer").annotate(c=Count("id")).filter(c__gt=1).count()
    wrong_hours = entries.exclude(half_hours=4, status="approved", source="checkin").count()
    results.append(
        (
            "check-outs of 上午场 (just ended)",
            f"{closed.count()} of {n} closed, {with_record} with a ledger entry; "
            f"{entries.count()} ledger entries, {twice} volunteers with more than one, "
            f"{wrong_hours} not 2.0 h approved",
            closed.count() == with_record == entries.count() == n and not twice and not wrong_hours,
        )
    )

    # Orders: one stored per placement the server answered with its redirect.
    placed = sum(
        1
        for method, path, status in answered
        if method == "POST" and path.endswith("/orders/new/") and status == "302"
    )
    orders = Order.objects.count()
    events = OrderEvent.objects.filter(kind="placed").values("order").annotate(c=Count("id"))
    odd = sum(1 for e in events if e["c"] != 1) + (orders - len(events))
    results.append(
        (
            "orders placed",
            f"{orders} stored for {placed} placements answered 302; "
            f"{odd} without exactly one 点单 event",
            orders == placed and odd == 0,
        )
    )

    five_xx = sum(1 for _m, _p, status in answered if status.startswith("5"))
    results.append(
        (
            "errors",
            f"{total['num_failures']} failed requests (locust), "
            f"{five_xx} HTTP 5xx in gunicorn's access log",
            total["num_failures"] == 0 and five_xx == 0,
        )
    )
    waiting = OutboxMessage.objects.count()
    results.append(("task outbox after the run", f"{waiting} waiting", waiting == 0))

    ok = all(passed for _n, _t, passed in results)
    server = connection.cursor().connection.info.server_version
    lines = [
        f"### Recorded run, {args.started[:10]} (`make load`)",
        "",
        "```sh",
        f"LOAD_VOLUNTEERS={n} LOAD_RUN_TIME={args.run_time} make load   # scripts/load/run.sh",
        "```",
        "",
        f"{os.cpu_count()} cores shared with other engineers' work (load average "
        f"{args.loadavg}, before / after the run), PostgreSQL {server // 10000}.{server % 100}, "
        f"Python {platform.python_version()}, gunicorn {args.workers} workers × {args.threads} "
        "threads (gthread), a Celery worker with beat, DEBUG=0. Rate limits as in production "
        "except `RATE_LIMIT_OVERRIDES=attendance.code:ip=1000000/15m,orders.place:ip=1000000/h` "
        "(every simulated user comes from 127.0.0.1; the per-volunteer and per-phone limits "
        f"are unchanged). Started {args.started}.",
        "",
        "| request | count | failures | req/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *(row(entry) for entry in stats),
        "",
        "req/s: requests over that request's own active window (first to last), so the burst of",
        "check-ins shows its rate; for **all**, over the whole run.",
        "",
        "| database check after the run | result | |",
        "|---|---|---|",
        *(
            f"| {name} | {text} | {'✅' if passed else '❌ FAILED'} |"
            for name, text, passed in results
        ),
    ]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
