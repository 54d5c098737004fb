"""Demo statistics: roll the demo ledger and orders up so the dashboard has figures at once."""

from dashboard.rollup import run_rollup


def seed() -> list[str]:
    result = run_rollup(full=True)
    return [f"dashboard: statistics rolled up ({result.duration_ms} ms)"]
