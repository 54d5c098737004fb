"""A service site gets its own node (the project's node or one below it). Existing sites take
their project's node, which is where their path came from."""

import django.db.models.deletion
from django.db import migrations, models


def sites_at_their_projects_node(apps, schema_editor):
    ServiceSite = apps.get_model("campaigns", "ServiceSite")
    for site in ServiceSite.objects.select_related("project").only("pk", "project__node_id"):
        ServiceSite.objects.filter(pk=site.pk).update(node_id=site.project.node_id)


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0001_campaigns_sites_results_benefits_rollup"),
        ("civilization_stations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicesite",
            name="node",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="service_sites",
                to="civilization_stations.practicenode",
                verbose_name="所在阵地",
            ),
        ),
        migrations.RunPython(sites_at_their_projects_node, migrations.RunPython.noop),
    ]
