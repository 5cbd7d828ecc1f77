"""Covering partial indexes for the statistics page's reply times (issue 7): the year's answered
applications and the events that move a deadline are read from these indexes alone on PostgreSQL."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0006_consultation_answers"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="inforequest",
            index=models.Index(
                condition=models.Q(("received_on__isnull", False), ("status", "answered")),
                fields=["ended_on"],
                include=("received_on", "organization", "id"),
                name="inforequest_answered",
            ),
        ),
        migrations.AddIndex(
            model_name="requestevent",
            index=models.Index(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "consultation_ended",
                            "consultation_started",
                            "correction_received",
                            "extended",
                            "fee_notice",
                            "fee_paid",
                            "later_date",
                        ],
                    )
                ),
                fields=["info_request"],
                include=("id", "kind", "on", "days", "due_on", "at"),
                name="requestevent_clock",
            ),
        ),
    ]
