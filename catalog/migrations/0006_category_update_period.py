# How often a column must get a new item (政府网站检查指标, 2019): news columns within 2 weeks, notices and
# policy documents within 6 months. Existing columns get the period their name shows they need; the rest
# stay unchecked (blank) until staff set one in the category admin.

from django.db import migrations, models

NEWS_WORDS = ("动态", "要闻", "新闻", "资讯")
NOTICE_AND_POLICY_WORDS = ("通知", "公告", "政策文件", "规范性文件", "规章", "政府文件", "部门文件")
NEWS_DAYS = 14
NOTICE_AND_POLICY_DAYS = 180


def set_default_periods(apps, schema_editor):
    # Only columns without a period: running this twice, or after staff chose one, changes nothing.
    Category = apps.get_model("catalog", "Category")
    unset = Category.objects.filter(update_period_days__isnull=True).exclude(kind="root")
    for words, days in ((NEWS_WORDS, NEWS_DAYS), (NOTICE_AND_POLICY_WORDS, NOTICE_AND_POLICY_DAYS)):
        condition = models.Q(pk__in=[])
        for word in words:
            condition |= models.Q(name__contains=word)
        unset.filter(condition, update_period_days__isnull=True).update(update_period_days=days)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0005_search_vocabulary_bits"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="update_period_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="网站检查时，本栏目（含下级栏目）最近一条信息距今不得超过的天数：工作动态类栏目填 14，"
                "通知公告、政策文件类栏目填 180；留空表示不检查更新（如机构职能等长期不变的栏目）。",
                null=True,
                verbose_name="更新周期（天）",
            ),
        ),
        migrations.RunPython(set_default_periods, migrations.RunPython.noop),
    ]
