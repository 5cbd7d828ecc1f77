from django.core.management.base import BaseCommand

from requests_app import reminders


class Command(BaseCommand):
    help = (
        "依申请公开的每日处理：逾期未补正、未缴费的申请按视为放弃办结，更新未办结申请的答复期限，"
        "并向承办人发送即将到期和已超期的提醒邮件。可重复运行，多台服务器同时运行也不会重复处理。"
    )

    def handle(self, *args, **options):
        result = reminders.run()
        self.stdout.write(
            f"视为放弃办结 {result.ended} 件；更新答复期限 {result.refreshed} 件；"
            f"提醒 {result.reminded} 件申请，发出 {result.mails} 封邮件。"
        )
