"""Top organizations read at request time from `OrganizationYear` (organization × year, with
its place) through an index per level, instead of a ranking materialised per node and year
(`TopOrganization`): an incremental run rewrote every node's ranking of the years it touched,
reading all their organization months (30 of 360 ms at a million records); now it rewrites only
the years of the organizations that served. An organization registered at another node is
marked (scope `organizations`, PostgreSQL) and its years rewritten with the new place. The new
table is filled by a full rebuild, which the next run does (`needs_full`)."""

from django.db import migrations, models


TRIGGER = "organizations_organization_organizations_changed"


def rebuild(apps, schema_editor):
    apps.get_model("dashboard", "RollupState").objects.filter(pk=1).update(needs_full=True)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF node_id ON organizations_organization"
            " FOR EACH STATEMENT EXECUTE FUNCTION dashboard_source_changed('organizations')"
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON organizations_organization")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0009_source_change_marks"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrganizationYear",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "organization_id",
                        "year",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("organization_id", models.BigIntegerField(verbose_name="组织")),
                ("year", models.DateField(verbose_name="年度")),
                ("center_id", models.BigIntegerField(default=0, verbose_name="区中心")),
                ("institute_id", models.BigIntegerField(default=0, verbose_name="街乡所")),
                ("station_id", models.BigIntegerField(default=0, verbose_name="村居站")),
                ("half_hours", models.BigIntegerField(default=0, verbose_name="时长（半小时）")),
                ("person_times", models.BigIntegerField(default=0, verbose_name="人次")),
            ],
            options={
                "verbose_name": "组织年度统计",
                "verbose_name_plural": "组织年度统计",
                "db_table": "dashboard_org_year",
            },
        ),
        migrations.DeleteModel(
            name="TopOrganization",
        ),
        migrations.AddIndex(
            model_name="organizationyear",
            index=models.Index(
                fields=["year", "-half_hours", "organization_id"], name="org_year_city"
            ),
        ),
        migrations.AddIndex(
            model_name="organizationyear",
            index=models.Index(
                fields=["center_id", "year", "-half_hours", "organization_id"],
                name="org_year_center",
            ),
        ),
        migrations.AddIndex(
            model_name="organizationyear",
            index=models.Index(
                fields=["institute_id", "year", "-half_hours", "organization_id"],
                name="org_year_institute",
            ),
        ),
        migrations.AlterField(
            model_name="sourcechange",
            name="scope",
            field=models.CharField(
                choices=[
                    ("registry", "注册登记"),
                    ("featured", "精品项目"),
                    ("orders", "服务订单"),
                    ("results", "服务成效"),
                    ("stars", "星级评定"),
                    ("organizations", "组织所属阵地"),
                ],
                default="registry",
                max_length=20,
                verbose_name="范围",
            ),
        ),
        migrations.RunPython(install, uninstall),
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]
