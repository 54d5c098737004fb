"""Registry change marks (PostgreSQL): a statement-level trigger on each table the registry
counts — volunteers (new, deleted, residence or closing changed), organizations and projects
(new, deleted, status or node changed) — writes one mark in the changing transaction; the rollup
recounts the registry only when it finds marks (a recount reads 4.4 M registrations). Any way of
writing is seen: the services, bulk creates, `update()`, raw SQL. On SQLite (the embedded default,
small data) the rollup recounts on every run and no trigger is installed."""

import django.utils.timezone
from django.db import migrations, models

TRIGGERS = {
    "volunteers_volunteer": "residence_node_id, closed_at",
    "organizations_organization": "status, node_id",
    "projects_project": "status, node_id",
}
FUNCTION = "dashboard_registry_changed"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO dashboard_registry_change (changed_at) VALUES (now());
                RETURN NULL;
            END $$"""
    )
    for table, columns in TRIGGERS.items():
        schema_editor.execute(
            f"CREATE TRIGGER {table}_registry_changed"
            f" AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    # The registry as it stands was counted without marks: recount it on the next run.
    schema_editor.execute("INSERT INTO dashboard_registry_change (changed_at) VALUES (now())")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_registry_changed ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0006_starred_volunteers"),
        ("volunteers", "0003_open_registrations_by_residence_index"),
        ("organizations", "0002_review_history_and_submission_time"),
        ("projects", "0001_projects_activities_shifts_signups"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegistryChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "changed_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="变更时间"
                    ),
                ),
            ],
            options={
                "verbose_name": "登记变更标记",
                "verbose_name_plural": "登记变更标记",
                "db_table": "dashboard_registry_change",
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
