"""Turn dashboard_bench.py's JSON lines into the Markdown section of docs/benchmarks.md."""

import json
import sys

with open(sys.argv[1], encoding="utf-8") as results:
    rows = [json.loads(line) for line in results if line.strip()]
n, title = sys.argv[2], sys.argv[3]
print(title)
print()
print("Synthetic ledger from `manage.py generate_load` (real hierarchy, power-law volunteers,")
print("three years of records, PostgreSQL COPY). *GROUP BY* is the query PostgreSQL runs for the")
print("station × month × category figures straight from the ledger (hours, person-times, distinct")
print("volunteers, distinct activities); *full rollup* is `rollup_hours --full`, which also builds")
print("every level above the station, the year figures, exact distinct volunteers at every level,")
print("organizations, stars and registrations. *Incremental* runs after 1 % new records dated")
print("this month. Memory is the peak RSS of the rollup process (GNU time).")
print()
print(
    "| records | volunteers | generate (s) | GROUP BY (s) | full rollup (s) | ratio (target ≤ 1.3)"
    " | incremental (s) | incr./full (target ≤ 5 %) | rollup peak RSS (MB, target ≤ 500)"
    " | verify (sample) |"
)
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    gen = r.get("generate", {}).get("seconds", "—")
    ratio = r["full_s"] / r["group_by_s"] if r["group_by_s"] else 0
    incr = r["incremental_s"] / r["full_s"] * 100 if r["full_s"] else 0
    rss = max(r["full_rss_mb"], r["incremental_rss_mb"])
    print(
        f"| {r['ledger_rows']:,} | {r['volunteers']:,} | {gen} | {r['group_by_s']} |"
        f" {r['full_s']} | {ratio:.2f} | {r['incremental_s']} | {incr:.1f} % | {rss} |"
        f" {r['verify']} |"
    )
for r in rows:
    if r.get("full_steps"):
        print()
        print(f"Full rollup steps at {r['ledger_rows']:,} records: {r['full_steps']}.")
print()
print(f"Dashboard pages, {n} requests each, signed in as a federation admin (Django test client,")
print("in-process: middleware, summary-table queries, template). *Cold*: the cache version is")
print("bumped before every request, so each one recomputes from the summary tables; *cached*: as")
print("served between two rollups. Milliseconds, median / p95.")
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
