"""Turn dashboard_bench.py's JSON lines into the Markdown section of docs/benchmarks.md."""

import json
import sys

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
    print("the peak RSS of the rollup process (GNU time).")
    print()
print(
    "| records | volunteers | generate (s) | station GROUP BY (s) | equivalent GROUP BY (s)"
    " | same rows | full rollup (s) | full / equivalent (target ≤ 1.3) | incremental (s)"
    " | incr. / full (target ≤ 5 %) | rollup peak RSS (MB, target ≤ 500) | verify (sample) |"
)
print("|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|")
for r in rows:
    gen = r.get("generate", {}).get("seconds", "—")
    ratio = r["full_s"] / r["group_by_s"] if r["group_by_s"] else 0
    incr = r["incremental_s"] / r["full_s"] * 100 if r["full_s"] else 0
    rss = max(r["full_rss_mb"], r["incremental_rss_mb"])
    same = "yes" if r.get("equivalent_matches") else "NO"
    print(
        f"| {r['ledger_rows']:,} | {r['volunteers']:,} | {gen} | {r['station_group_by_s']} |"
        f" {r['group_by_s']} | {same} | {r['full_s']} | {ratio:.2f} | {r['incremental_s']} |"
        f" {incr:.1f} % | {rss} | {r['verify']} |"
    )
for r in rows:
    if r.get("full_steps"):
        print()
        print(f"Full rollup steps at {r['ledger_rows']:,} records: {r['full_steps']}.")
    if r.get("incremental_steps"):
        print()
        print(f"Incremental steps at {r['ledger_rows']:,} records: {r['incremental_steps']}.")
print()
if not title.startswith("###"):
    print(f"Dashboard pages, {n} requests each, signed in as a federation admin (Django test")
    print("client, in-process: middleware, summary-table queries, template). *Cold*: the cache")
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
