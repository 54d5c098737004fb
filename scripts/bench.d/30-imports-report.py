"""Turns the JSON lines of 30-imports-bench.py into the "## Bulk import" Markdown section."""

from __future__ import annotations

import json
import os
import sys


def main(path: str) -> None:
    steps = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                row = json.loads(line)
                steps[row["step"]] = row
    vf, vc, vi = steps["volunteers-file"], steps["volunteers-copy"], steps["volunteers-import"]
    rf, rc, ri = steps["records-file"], steps["records-copy"], steps["records-import"]
    lw = steps["ledger-write"]
    print("## Bulk import (`scripts/bench.d/30-imports.sh`)")
    print()
    print(
        f"Volunteers: {vi['rows']:,} rows from one XLSX file ({vf['mb']} MB; 5 % aged 14–17 with"
        " guardian columns), imported by an organization's admin through `imports.services`:"
        " every registration rule, documents encrypted and hashed, approved memberships."
        f" Service records: {ri['rows']:,} rows of CSV ({rf['mb']} MB) imported by the federation"
        " as 历史补录, approved, through the COPY path. Wall-clock times on the shared 2-core"
        f" machine (load average when the report was written: {os.getloadavg()[0]:.2f})."
    )
    print()
    print("| what | rows | seconds | rows/s | notes |")
    print("|---|---:|---:|---:|---|")
    print(
        f"| volunteers: import (confirm step) | {vi['rows']:,} | {vi['import_s']} |"
        f" **{vi['rows_per_s']:,}** | {vi['queries']} queries, {vi['cpu_s']} s CPU in Python,"
        f" peak memory **{vi['peak_mb']} MB** (whole process) |"
    )
    print(
        f"| volunteers: dry run (check step) | {vi['rows']:,} | {vi['check_s']} |"
        f" {round(vi['rows'] / vi['check_s']):,} | the same work, rolled back |"
    )
    print(
        f"| volunteers: plain COPY of the same rows | {vc['rows']:,} | {vc['seconds']} |"
        f" {vc['rows_per_s']:,} | read from the same XLSX, COPY into a text table |"
    )
    split = ", ".join(f"{k} {v} s" for k, v in ri.get("import_steps", {}).items())
    print(
        f"| records: COPY path import | {ri['rows']:,} | {ri['import_s']} |"
        f" **{ri['rows_per_s']:,}** | {split} |"
    )
    check_split = ", ".join(f"{k} {v} s" for k, v in ri.get("check_steps", {}).items())
    print(
        f"| records: COPY path dry run | {ri['rows']:,} | {ri['check_s']} |"
        f" {round(ri['rows'] / ri['check_s']):,} | {check_split} |"
    )
    print(
        f"| records: plain COPY of the same file | {rc['rows']:,} | {rc['seconds']} |"
        f" {rc['rows_per_s']:,} | PostgreSQL's CSV COPY into a text table |"
    )
    print(
        f"| records: the ledger's own write | {lw['rows']:,} | {lw['seconds']} |"
        f" {lw['rows_per_s']:,} | INSERT … SELECT of the same entries into"
        " `hours_servicerecord` with its indexes and foreign-key checks (rolled back) |"
    )


if __name__ == "__main__":
    main(sys.argv[1])
