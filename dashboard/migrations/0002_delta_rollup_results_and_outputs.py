"""The delta rollup: base summaries carry their station and year (so every level and period is
a plain column), lose the range indexes only the old incremental run used, become UNLOGGED on
PostgreSQL, and a rebuild is forced; people served and service output get summary tables."""

import datetime

from django.db import migrations, models


def empty_base_summaries(apps, schema_editor):
    # The base summaries are derived data: empty them (their new columns have no values) and
    # make the next run — whatever its kind — rebuild everything from the ledger. NodeStat keeps
    # serving the pages meanwhile.
    apps.get_model("dashboard", "HoursFact").objects.all().delete()
    apps.get_model("dashboard", "Presence").objects.all().delete()
    apps.get_model("dashboard", "RollupState").objects.filter(pk=1).update(needs_full=True)


BASE_SUMMARIES = ("dashboard_hours_fact", "dashboard_presence", "dashboard_volunteer_total")


def set_unlogged(apps, schema_editor, *, logged: bool = False):
    # Derived data, rebuilt by the rollup: no WAL to write for millions of rows. Crash
    # recovery empties unlogged tables; the rollup then notices and rebuilds in full. Pages
    # read only the (logged) node statistics, so a read replica misses nothing.
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in BASE_SUMMARIES:
        schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")


def set_logged(apps, schema_editor):
    set_unlogged(apps, schema_editor, logged=True)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0001_summary_tables")]

    operations = [
        migrations.AddField(
            model_name="rollupstate",
            name="needs_full",
            field=models.BooleanField(default=False, verbose_name="需全量重建"),
        ),
        migrations.RunPython(empty_base_summaries, migrations.RunPython.noop),
        migrations.RunPython(set_unlogged, set_logged),
        migrations.RemoveIndex(model_name="hoursfact", name="fact_institute_month"),
        migrations.RemoveIndex(model_name="hoursfact", name="fact_center_month"),
        migrations.RemoveIndex(model_name="hoursfact", name="fact_month"),
        migrations.RemoveIndex(model_name="presence", name="presence_volunteer"),
        migrations.RemoveIndex(model_name="presence", name="presence_institute_month"),
        migrations.RemoveIndex(model_name="presence", name="presence_center_month"),
        migrations.RemoveIndex(model_name="presence", name="presence_month"),
        migrations.AddField(
            model_name="hoursfact",
            name="station_id",
            field=models.BigIntegerField(default=0, verbose_name="实践站"),
        ),
        migrations.AddField(
            model_name="hoursfact",
            name="year",
            field=models.DateField(default=datetime.date(2000, 1, 1), verbose_name="年度"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="presence",
            name="station_id",
            field=models.BigIntegerField(default=0, verbose_name="实践站"),
        ),
        migrations.AddField(
            model_name="presence",
            name="year",
            field=models.DateField(default=datetime.date(2000, 1, 1), verbose_name="年度"),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="presence",
            index=models.Index(fields=["volunteer_id", "month"], name="presence_volunteer"),
        ),
        migrations.RemoveConstraint(model_name="presence", name="presence_bucket"),
        migrations.AddConstraint(
            model_name="presence",
            constraint=models.UniqueConstraint(
                fields=("month", "node_id", "category", "volunteer_id"), name="presence_bucket"
            ),
        ),
        migrations.CreateModel(
            name="ResultStat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("node_id", models.BigIntegerField(verbose_name="阵地")),
                ("kind", models.CharField(choices=[("M", "月"), ("Y", "年")], max_length=1, verbose_name="周期")),
                ("period", models.DateField(verbose_name="周期起始日")),
                ("category", models.CharField(blank=True, max_length=30, verbose_name="服务类别")),
                ("people_served", models.BigIntegerField(default=0, verbose_name="服务对象人次")),
                ("reports", models.IntegerField(default=0, verbose_name="填报次数")),
            ],
            options={
                "verbose_name": "服务成效统计",
                "verbose_name_plural": "服务成效统计",
                "db_table": "dashboard_result_stat",
                "constraints": [
                    models.UniqueConstraint(fields=("node_id", "kind", "period", "category"), name="result_stat_bucket")
                ],
            },
        ),
        migrations.CreateModel(
            name="OutputStat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("node_id", models.BigIntegerField(verbose_name="阵地")),
                ("kind", models.CharField(choices=[("M", "月"), ("Y", "年")], max_length=1, verbose_name="周期")),
                ("period", models.DateField(verbose_name="周期起始日")),
                ("name", models.CharField(max_length=50, verbose_name="指标名称")),
                ("unit", models.CharField(max_length=10, verbose_name="单位")),
                ("value", models.BigIntegerField(default=0, verbose_name="数量")),
            ],
            options={
                "verbose_name": "服务产出统计",
                "verbose_name_plural": "服务产出统计",
                "db_table": "dashboard_output_stat",
                "constraints": [
                    models.UniqueConstraint(fields=("node_id", "kind", "period", "name", "unit"), name="output_stat_bucket")
                ],
            },
        ),
    ]
