import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from disclosure_site.errors import DomainError
from requests_app import retention


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--before 的日期“{text}”无效，请写成 2016-01-31 这样的日期。") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise CommandError(f"--batch-size 应为正整数，而不是“{text}”。")
    return value


class Command(BaseCommand):
    help = (
        "匿名化办结（已答复、已撤回、视为放弃）已超过个人信息保存期限（REQUEST_RETENTION_YEARS，默认10年）的"
        "政府信息公开申请：清除申请人的个人信息，删除身份证明和申请材料文件，统计数字不变。"
        "可重复运行，多台服务器同时运行也不会重复处理。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计将要匿名化的申请和文件，不作任何修改")
        parser.add_argument(
            "--before",
            metavar="YYYY-MM-DD",
            help="只处理此日期之前办结的申请（默认：今天减去保存期限；不能晚于该日期）",
        )
        parser.add_argument("--batch-size", default=str(retention.BATCH_SIZE), help="每个事务处理的件数")

    def handle(self, *args, **options):
        before = _date(options["before"]) if options["before"] else None
        batch_size = _positive(options["batch_size"])
        try:
            result = retention.anonymize_due(before=before, dry_run=options["dry_run"], batch_size=batch_size)
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(result.summary())
