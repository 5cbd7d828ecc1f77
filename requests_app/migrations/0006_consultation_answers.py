# Online messages (网上留言咨询) and their answers: the website inspection flags a message unanswered for
# more than 3 months (inspection/checks.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("requests_app", "0005_anonymization"),
    ]

    operations = [
        migrations.AddField(
            model_name="consultation",
            name="answered_on",
            field=models.DateField(blank=True, null=True, verbose_name="答复日期"),
        ),
        migrations.AddField(
            model_name="consultation",
            name="question",
            field=models.TextField(blank=True, help_text="网上留言咨询的原文；填写后须在3个月内答复", verbose_name="留言内容"),
        ),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=models.CheckConstraint(
                condition=models.Q(("answered_on__isnull", True), ("answered_on__gte", models.F("on")), _connector="OR"),
                name="consultation_answered_after_asked",
                violation_error_message="答复日期不能早于咨询日期。",
            ),
        ),
    ]
