"""Starred volunteers: the star level each volunteer's hours reach, kept by the rollup beside
the totals (UNLOGGED on PostgreSQL, as the other derived tables: a crash empties them and the
next run rebuilds in full), and the thresholds they were computed with. An empty fingerprint
differs from the configured levels, so the next run fills the table."""

from django.db import migrations, models


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE dashboard_starred SET UNLOGGED")


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0005_room_for_updates'),
    ]

    operations = [
        migrations.CreateModel(
            name='StarredVolunteer',
            fields=[
                ('volunteer_id', models.BigIntegerField(primary_key=True, serialize=False, verbose_name='志愿者')),
                ('star', models.PositiveSmallIntegerField(verbose_name='星级')),
            ],
            options={
                'verbose_name': '星级志愿者',
                'verbose_name_plural': '星级志愿者',
                'db_table': 'dashboard_starred',
            },
        ),
        migrations.AddField(
            model_name='rollupstate',
            name='star_thresholds',
            field=models.CharField(blank=True, max_length=500, verbose_name='星级门槛'),
        ),
        migrations.RunPython(unlogged, migrations.RunPython.noop),
    ]
