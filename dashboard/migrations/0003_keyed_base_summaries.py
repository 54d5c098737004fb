"""The base summaries lose their surrogate ids: the bucket is the primary key (volunteer first
for Presence, which gets a BRIN index on the month for reading a bucket's rows), and Presence's
hours are integers, the category code is compared byte by byte (collation "C",
PostgreSQL); the volunteer totals lose their index on the hours. Tables are derived data: recreated empty, and the next run rebuilds them
(NodeStat keeps serving the pages meanwhile)."""

import django.db.models.fields.composite
from django.db import migrations, models

BRIN = "presence_month_brin"


def unlogged_brin_rebuild(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # As in 0002: derived data, no WAL; a crash empties them and the rollup rebuilds.
        for table in ("dashboard_hours_fact", "dashboard_presence"):
            schema_editor.execute(f"ALTER TABLE {table} SET UNLOGGED")
            # The category is a code (ASCII): compared byte by byte, not by the database's
            # linguistic collation — the full rebuild sorts ten million presence rows by it
            # four times, and byte order lets PostgreSQL sort with abbreviated keys.
            schema_editor.execute(
                f'ALTER TABLE {table} ALTER COLUMN category TYPE varchar(20) COLLATE "C"'
            )
        # Rows are written month by month (full rebuild) or for recent months (incremental):
        # a month's rows lie together, and a BRIN index finds them for a few kilobytes.
        schema_editor.execute(
            f"CREATE INDEX {BRIN} ON dashboard_presence USING brin (month)"
            " WITH (pages_per_range = 32)"
        )
    apps.get_model("dashboard", "RollupState").objects.filter(pk=1).update(needs_full=True)


def drop_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {BRIN}")


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0002_delta_rollup_results_and_outputs")]

    operations = [
        migrations.DeleteModel(name="HoursFact"),
        migrations.DeleteModel(name="Presence"),
        migrations.CreateModel(
            name="HoursFact",
            fields=[
                (
                    "pk",
                    django.db.models.fields.composite.CompositePrimaryKey(
                        "node_id",
                        "month",
                        "category",
                        "organization_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("node_id", models.BigIntegerField(verbose_name="阵地")),
                ("center_id", models.BigIntegerField(verbose_name="实践中心")),
                ("institute_id", models.BigIntegerField(default=0, verbose_name="实践所")),
                ("station_id", models.BigIntegerField(default=0, verbose_name="实践站")),
                ("month", models.DateField(verbose_name="月份")),
                ("year", models.DateField(verbose_name="年度")),
                ("category", models.CharField(max_length=20, verbose_name="服务类别")),
                ("organization_id", models.BigIntegerField(default=0, verbose_name="记录组织")),
                ("half_hours", models.BigIntegerField(default=0, verbose_name="时长（半小时）")),
                ("person_times", models.BigIntegerField(default=0, verbose_name="人次")),
                ("activities", models.IntegerField(default=0, verbose_name="活动数")),
            ],
            options={
                "verbose_name": "服务时长汇总（站）",
                "verbose_name_plural": "服务时长汇总（站）",
                "db_table": "dashboard_hours_fact",
                "indexes": [
                    models.Index(fields=["organization_id", "month"], name="fact_org_month")
                ],
            },
        ),
        migrations.CreateModel(
            name="Presence",
            fields=[
                (
                    "pk",
                    django.db.models.fields.composite.CompositePrimaryKey(
                        "volunteer_id",
                        "month",
                        "node_id",
                        "category",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("node_id", models.BigIntegerField(verbose_name="阵地")),
                ("center_id", models.BigIntegerField(verbose_name="实践中心")),
                ("institute_id", models.BigIntegerField(default=0, verbose_name="实践所")),
                ("station_id", models.BigIntegerField(default=0, verbose_name="实践站")),
                ("month", models.DateField(verbose_name="月份")),
                ("year", models.DateField(verbose_name="年度")),
                ("category", models.CharField(max_length=20, verbose_name="服务类别")),
                ("volunteer_id", models.BigIntegerField(verbose_name="志愿者")),
                ("half_hours", models.IntegerField(default=0, verbose_name="时长（半小时）")),
                ("person_times", models.IntegerField(default=0, verbose_name="人次")),
            ],
            options={
                "verbose_name": "服务志愿者（去重用）",
                "verbose_name_plural": "服务志愿者（去重用）",
                "db_table": "dashboard_presence",
            },
        ),
        migrations.RemoveIndex(model_name="volunteertotal", name="volunteer_total_hours"),
        migrations.RunPython(unlogged_brin_rebuild, drop_brin),
    ]
