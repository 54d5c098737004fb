"""Send the dashboard's reads to a PostgreSQL read replica when DATABASE_REPLICA_URL is set.

Only the `dashboard` app's summary tables are read from the replica: they change only when the
rollup commits, so replication lag shows at worst slightly older figures (the page says when they
were last updated). Everything else, and every write, stays on the primary."""

from __future__ import annotations

from typing import Any

from django.conf import settings


class DashboardReplicaRouter:
    route_app_labels = {"dashboard"}

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = getattr(settings, "DASHBOARD_READ_DATABASE", None)
        if alias and model._meta.app_label in self.route_app_labels:
            return alias
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica copies the primary's schema; never migrate it directly.
        return db == "default"
