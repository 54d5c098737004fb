# A separate migration (transaction) from the data fill, so PostgreSQL has no pending trigger
# events when the column becomes NOT NULL.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0002_site_node"),
    ]

    operations = [
        migrations.AlterField(
            model_name="servicesite",
            name="node",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="service_sites",
                to="civilization_stations.practicenode",
                verbose_name="所在阵地",
            ),
        ),
    ]
