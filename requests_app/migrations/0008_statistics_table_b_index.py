"""A covering partial index for table B on the statistics page (issue 7): the whole government's rows
of received, carried-over, open and ended applications are read from it alone on PostgreSQL."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0007_statistics_covering_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="inforequest",
            index=models.Index(
                condition=models.Q(("received_on__isnull", False)),
                fields=["received_on"],
                include=("ended_on", "outcome", "organization", "id"),
                name="inforequest_table_b",
            ),
        ),
    ]
