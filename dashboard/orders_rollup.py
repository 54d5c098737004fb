# ruff: noqa: S608 - SQL is built from table names and expressions in this module;
# every value is a query parameter.
"""Service-order statistics (点单 → 派单 → 接单 → 评单) per node at every level × month.

Orders are few next to service records (thousands a month city-wide), so a rollup that finds
an orders change mark (`SourceChange`; every run on SQLite, and a full rebuild) recomputes them
whole, set-based: each order is repeated for its node's ancestors and the city
(0), then counted per (node, month). Medians (minutes to dispatch, to take, to complete) use
PostgreSQL's `percentile_cont`; the embedded SQLite default leaves them empty.
"""

from __future__ import annotations

from .rollup import _ancestors_union, _pg, _temp

ORDERS = "orders_order"


def rollup_orders(cursor) -> None:
    cursor.execute("DELETE FROM dashboard_order_stat")
    if _pg():
        month = "date_trunc('month', o.created_at AT TIME ZONE 'Asia/Shanghai')::date"

        def minutes(a: str, b: str) -> str:
            return f"EXTRACT(EPOCH FROM ({b} - {a})) / 60.0"
    else:
        month = "date(o.created_at, '+8 hours', 'start of month')"

        def minutes(a: str, b: str) -> str:
            return f"(julianday({b}) - julianday({a})) * 1440.0"

    _temp(
        cursor,
        "rollup_order_rows",
        f"""SELECT o.node_id AS node_id, {month} AS month,
                   CASE WHEN o.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS dispatched,
                   CASE WHEN o.accepted_at IS NOT NULL THEN 1 ELSE 0 END AS taken,
                   CASE WHEN o.done_at IS NOT NULL THEN 1 ELSE 0 END AS done,
                   CASE WHEN o.rating IS NOT NULL THEN 1 ELSE 0 END AS rated,
                   COALESCE(o.rating, 0) AS rating,
                   {minutes("o.created_at", "o.dispatched_at")} AS to_dispatch,
                   {minutes("COALESCE(o.dispatched_at, o.created_at)", "o.accepted_at")}
                       AS to_take,
                   {minutes("o.accepted_at", "o.done_at")} AS to_complete
            FROM {ORDERS} o""",
    )
    cols = (
        "s.month AS month, s.dispatched AS dispatched, s.taken AS taken, s.done AS done,"
        " s.rated AS rated, s.rating AS rating, s.to_dispatch AS to_dispatch,"
        " s.to_take AS to_take, s.to_complete AS to_complete"
    )
    if _pg():
        medians = (
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY a.to_dispatch),"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY a.to_take),"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY a.to_complete)"
        )
    else:
        medians = "NULL, NULL, NULL"
    cursor.execute(
        f"""INSERT INTO dashboard_order_stat (node_id, month, placed, dispatched, taken, done,
                rated, rating_sum, minutes_to_dispatch, minutes_to_take, minutes_to_complete)
        SELECT a.node_id, a.month, COUNT(*), SUM(a.dispatched), SUM(a.taken), SUM(a.done),
               SUM(a.rated), SUM(a.rating), {medians}
        FROM ({_ancestors_union("rollup_order_rows", cols)}) a
        GROUP BY a.node_id, a.month"""
    )
