"""A BRIN index on the ledger's service date (PostgreSQL only).

The ledger grows in time order, so the rows of a month sit together on disk: a BRIN index — a
few kilobytes for tens of millions of rows, next to nothing to maintain on insert — lets the
statistics rollup read one month of the ledger without reading the others, or the same month
once per district as the (center_id, service_date) B-tree would. SQLite (the embedded default)
has no BRIN; its rollups are small.
"""

from django.db import migrations

INDEX = "record_service_date_brin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON hours_servicerecord"
            " USING brin (service_date) WITH (pages_per_range = 32)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("hours", "0003_seed_star_levels")]

    operations = [migrations.RunPython(create, drop)]
