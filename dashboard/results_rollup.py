# ruff: noqa: S608 - SQL is built from table names and expressions in this module;
# every value is a query parameter.
"""People served (服务对象人次) and service output per node at every level × month and year.

Organizers report one result per activity, shift or service order (`campaigns.ServiceResult`,
with its `OutputValue`s), not one per person, so results are few next to the ledger (Beijing's
3,000-odd activities a month): a rollup that finds a results change mark (`SourceChange`; every
run on SQLite, and a full rebuild) recomputes them whole, set-based. A result counts at
the node of its project (or of its order), its ancestors and the city (0), under the project's
or order's service category. The campaigns app sits on the same floor; its tables are read by
name, as the orders' are.
"""

from __future__ import annotations

from .rollup import _ancestors_union, _temp, month_of, year_of

RESULTS = "campaigns_serviceresult"


def rollup_results(cursor) -> None:
    cursor.execute("DELETE FROM dashboard_result_stat")
    cursor.execute("DELETE FROM dashboard_output_stat")
    _temp(
        cursor,
        "rollup_result_rows",
        f"""SELECT COALESCE(p.node_id, o.node_id) AS node_id,
                   COALESCE(p.category, o.category) AS category,
                   {month_of("sr.service_date")} AS month,
                   {year_of("sr.service_date")} AS year,
                   sr.people_served AS people_served, sr.id AS result_id
            FROM {RESULTS} sr
            LEFT JOIN projects_project p ON p.id = sr.project_id
            LEFT JOIN orders_order o ON o.id = sr.order_id
            WHERE COALESCE(p.node_id, o.node_id) IS NOT NULL""",
    )
    cols = (
        "s.category AS category, s.month AS month, s.year AS year, s.people_served AS people_served"
    )
    _temp(cursor, "rollup_result_all", _ancestors_union("rollup_result_rows", cols))
    branches = []
    for kind, period in (("M", "a.month"), ("Y", "a.year")):
        for category in ("a.category", "''"):
            group = ", ".join(e for e in ("a.node_id", period, category) if e != "''")
            branches.append(
                f"""SELECT a.node_id, '{kind}', {period}, {category}, SUM(a.people_served),
                           COUNT(*)
                    FROM rollup_result_all a GROUP BY {group}"""
            )
    cursor.execute(
        "INSERT INTO dashboard_result_stat (node_id, kind, period, category, people_served,"
        " reports) " + " UNION ALL ".join(branches)
    )
    _temp(
        cursor,
        "rollup_output_rows",
        """SELECT r.node_id AS node_id, r.month AS month, r.year AS year, c.name AS name,
                  c.unit AS unit, v.value AS value
           FROM campaigns_outputvalue v
           JOIN campaigns_outputcounter c ON c.id = v.counter_id
           JOIN rollup_result_rows r ON r.result_id = v.result_id""",
    )
    cols = "s.month AS month, s.year AS year, s.name AS name, s.unit AS unit, s.value AS value"
    _temp(cursor, "rollup_output_all", _ancestors_union("rollup_output_rows", cols))
    cursor.execute(
        """INSERT INTO dashboard_output_stat (node_id, kind, period, name, unit, value)
        SELECT a.node_id, 'M', a.month, a.name, a.unit, SUM(a.value) FROM rollup_output_all a
        GROUP BY a.node_id, a.month, a.name, a.unit
        UNION ALL
        SELECT a.node_id, 'Y', a.year, a.name, a.unit, SUM(a.value) FROM rollup_output_all a
        GROUP BY a.node_id, a.year, a.name, a.unit"""
    )
