"""The daily reminder of the yearly report's deadline (annual_reports.reminders), for cron or a timer:

    manage.py report_reminders [--days 15]

Safe to run several times a day and on several servers: each organization is reminded once a day.
"""

from django.core.management.base import BaseCommand, CommandError

from annual_reports import reminders


class Command(BaseCommand):
    help = (
        "年度报告发布期限提醒：上一年度报告尚未发布、且距发布期限（部门1月31日、本级政府3月31日）"
        "不超过指定天数或已经逾期的机构，向其经办人和机关负责人发送提醒邮件；每个机构每天最多提醒一次。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=reminders.DEFAULT_DAYS,
            help=f"距发布期限不超过多少天开始提醒（默认{reminders.DEFAULT_DAYS}天）",
        )

    def handle(self, *args, days, **options):
        if days < 0:
            raise CommandError("--days 不能为负数。")
        result = reminders.run(days=days)
        self.stdout.write(
            f"{result.year}年度报告：{len(result.due)}个机构尚未发布且临近或已过发布期限；"
            f"本次提醒{len(result.reminded)}个机构，发出{result.mails}封邮件；今天已提醒过的{result.already}个。"
        )
        for name in result.unreachable:
            self.stdout.write(f"无人可提醒（没有填写电子邮箱的经办人或机关负责人）：{name}")
