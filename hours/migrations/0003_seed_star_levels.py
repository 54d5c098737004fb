"""Star-level thresholds as data: 100 / 300 / 600 / 1000 / 1500 hours → 一星 … 五星 (national rule
and current Beijing practice). Beijing's 五星 is awarded in a yearly batch, not automatic."""

from django.db import migrations

LEVELS = [
    (1, "一星志愿者", 100, False),
    (2, "二星志愿者", 300, False),
    (3, "三星志愿者", 600, False),
    (4, "四星志愿者", 1000, False),
    (5, "五星志愿者", 1500, True),
]


def seed(apps, schema_editor):
    StarLevel = apps.get_model("hours", "StarLevel")
    for level, name, hours, awarded_only in LEVELS:
        StarLevel.objects.update_or_create(
            level=level,
            defaults={"name": name, "min_half_hours": hours * 2, "awarded_only": awarded_only},
        )


def unseed(apps, schema_editor):
    StarLevel = apps.get_model("hours", "StarLevel")
    StarLevel.objects.filter(level__in=[row[0] for row in LEVELS], batches__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("hours", "0002_ledger_immutability_trigger")]

    operations = [migrations.RunPython(seed, unseed)]
