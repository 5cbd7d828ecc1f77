from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog.filters import is_id
from disclosure_site.errors import DomainError
from disclosure_site.models import Organization
from requests_app.ledger import import_ledger


def find_organization(value: str) -> Organization:
    """An organization by id, full name or short name."""
    matches = Organization.objects.filter(pk=int(value)) if is_id(value) else Organization.objects.none()
    if not matches:
        matches = Organization.objects.filter(name=value) or Organization.objects.filter(short_name=value)
    if len(matches) != 1:
        raise CommandError(f"找不到机构“{value}”。" if not matches else f"有多个机构名为“{value}”，请改用机构编号。")
    return matches[0]


class Command(BaseCommand):
    help = (
        "从 CSV 或 XLSX 文件导入依申请公开台账（列名见 README“依申请公开台账”）。"
        "默认只检查不写入；加 --commit 正式导入，任何一行有问题都不会写入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV（UTF-8 或 GBK 编码）或 .xlsx 文件")
        parser.add_argument("--organization", required=True, help="导入到哪个机构：机构编号或名称")
        parser.add_argument(
            "--user", required=True, help="导入人的用户名（须为该机构的经办人或机关负责人，或系统管理员）"
        )
        parser.add_argument("--commit", action="store_true", help="正式导入（默认只检查，不写入）")

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"找不到用户“{options['user']}”。") from None
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件“{path}”。")
        try:
            with path.open("rb") as file:
                report = import_ledger(
                    file, organization=organization, by=user, dry_run=not options["commit"], name=path.name
                )
        except DomainError as error:
            raise CommandError(str(error)) from None
        for column in report.ignored_columns:
            self.stdout.write(f"忽略不属于台账的列“{column}”。")
        for note in report.notes:
            self.stdout.write(note)
        if report.errors:
            for row_error in report.errors:
                self.stderr.write(str(row_error))
            raise CommandError(f"发现 {len(report.errors)} 处问题，没有写入任何申请。")
        if report.dry_run:
            self.stdout.write(
                f"检查通过：{len(report.rows)} 行可以导入{organization.name}的台账，未写入。加 --commit 正式导入。"
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入 {report.created} 件申请到{organization.name}的台账。"))
