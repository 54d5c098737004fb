"""Turn dashboard_bench.py's JSON lines into the Markdown section of docs/benchmarks.md."""

import json
import statistics
import sys


def ratio(run: dict) -> float:
    """Full rollup / equivalent GROUP BY of one run."""
    return run["full_s"] / run["group_by_s"]


def share(run: dict) -> float:
    """Incremental / full rollup of one run, in per cent."""
    return run["incremental_s"] / run["full_s"] * 100


def spread(values: list[float], fmt: str, unit: str = "") -> str:
    """The median, and with several runs their range: `1.25 (1.22–1.39)`."""
    middle = f"{statistics.median(values):{fmt}}{unit}"
    if len(values) == 1:
        return middle
    return f"{middle} ({min(values):{fmt}}–{max(values):{fmt}})"


with open(sys.argv[1], encoding="utf-8") as results:
    rows = [json.loads(line) for line in results if line.strip()]
n, title = sys.argv[2], sys.argv[3]
print(title)
print()
# A recorded section (a "###" title) follows the main one and skips the explanation.
if not title.startswith("###"):
    print("Synthetic ledger from `manage.py generate_load` (real hierarchy; three years of records")
    print("written in time order; volunteers skewed k^-1/2 with at most 500 records each, serving")
    print("mostly in their own street; PostgreSQL COPY). *Equivalent GROUP BY* is one statement in")
    print(
        "which PostgreSQL computes, straight from the ledger, the same node statistics the rollup"
    )
    print(
        "stores — every level (station, street, district, city), month and year, each category and"
    )
    print("all: hours, person-times, exact distinct volunteers, activities — with GROUPING SETS,")
    print("materialised (CREATE TEMP TABLE AS) and checked row for row against the rollup's")
    print("`dashboard_node_stat` (*same rows*). *Station GROUP BY* is the plain station × month ×")
    print(
        "category aggregate, for reference. *Full rollup* is `rollup_hours --full`, which also keeps"
    )
    print(
        "the base summaries and their indexes, organizations, volunteer totals, stars, registrations,"
    )
    print(
        "orders and people served. *Incremental* runs after 1 % new records dated today. Memory is"
    )
    print("the peak RSS of the rollup process (GNU time). Up to a million records the scenario")
    print("(equivalent GROUP BY, full rollup, 1 % new records, incremental) runs three times in a")
    print(
        "row, each on the ledger the one before left (1 % larger): each ratio comes from one run,"
    )
    print("and the table gives the median and, in brackets, the range; the first run after a full")
    print("rebuild on the first day of a month writes every month key new, the later ones update.")
    print()
print(
    "| records | volunteers | generate (s) | station GROUP BY (s) | equivalent GROUP BY (s)"
    " | same rows | full rollup (s) | full / equivalent (target ≤ 1.3) | incremental (s)"
    " | incr. / full (target ≤ 5 %) | rollup peak RSS (MB, target ≤ 500) | verify (sample) |"
)
print("|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|")


for r in rows:
    gen = r.get("generate", {}).get("seconds", "—")
    cycles = r["cycles"]
    ratios = [ratio(c) for c in cycles if c["group_by_s"]]
    shares = [share(c) for c in cycles if c["full_s"]]
    rss = max(max(c["full_rss_mb"], c["incremental_rss_mb"]) for c in cycles)
    same = "yes" if all(c.get("equivalent_matches") for c in cycles) else "NO"
    print(
        f"| {r['ledger_rows']:,} | {r['volunteers']:,} | {gen} | {r['station_group_by_s']} |"
        f" {spread([c['group_by_s'] for c in cycles], '.2f')} | {same} |"
        f" {spread([c['full_s'] for c in cycles], '.2f')} | {spread(ratios, '.2f')} |"
        f" {spread([c['incremental_s'] for c in cycles], '.2f')} |"
        f" {spread(shares, '.1f', ' %')} | {rss} | {r['verify']} |"
    )
for r in rows:
    cycles = r["cycles"]
    if len(cycles) > 1:
        print()
        runs = "; ".join(
            f"{c['ledger_rows']:,} records: full {c['full_s']} s"
            f" ({ratio(c):.2f} × the equivalent {c['group_by_s']} s),"
            f" incremental {c['incremental_s']} s ({share(c):.1f} %)"
            for c in cycles
        )
        print(f"Runs at {r['ledger_rows']:,} records, in order: {runs}.")
    first = cycles[0]
    if first.get("full_steps"):
        print()
        print(f"Full rollup steps at {first['ledger_rows']:,} records: {first['full_steps']}.")
    if first.get("incremental_steps"):
        print()
        print(
            f"Incremental steps at {first['ledger_rows']:,} records (first run):"
            f" {first['incremental_steps']}."
        )
print()
if not title.startswith("###"):
    print(f"Dashboard pages, {n} requests each, signed in as a federation admin (Django test")
    print("client over HTTPS, in-process: middleware, summary-table queries, template; production")
    print("settings: DEBUG off, static files collected, as `make load` serves). *Cold*: the cache")
    print("version is bumped before every request, so each one recomputes from the summary")
    print("tables; *cached*: as served between two rollups. Milliseconds, median / p95.")
    print()
levels = ("city", "center", "institute", "station")
print(
    "| records | "
    + " | ".join(f"{k} cold" for k in levels)
    + " | "
    + " | ".join(f"{k} cached" for k in levels)
    + " |"
)
print("|---:|" + "---|" * 8)
for r in rows:
    p = r["pages"]
    cells = [f"{p[k]['cold'][0]:.1f} / {p[k]['cold'][1]:.1f}" for k in levels]
    cells += [f"{p[k]['cached'][0]:.1f} / {p[k]['cached'][1]:.1f}" for k in levels]
    print(f"| {r['ledger_rows']:,} | " + " | ".join(cells) + " |")
if len(rows) >= 2:
    small, big = rows[0], rows[-1]
    print()
    ratios = ", ".join(
        f"{k} {big['pages'][k]['cold'][1] / small['pages'][k]['cold'][1]:.2f}" for k in levels
    )
    print(
        f"p95 ratio {big['ledger_rows']:,} / {small['ledger_rows']:,} records"
        f" (cold; target ≤ 1.5): {ratios}"
    )
