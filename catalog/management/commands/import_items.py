from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog.filters import is_id
from catalog.import_export import import_items
from disclosure_site.errors import DomainError
from disclosure_site.models import Organization


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
        "从 CSV 或 XLSX 文件导入信息条目（列名见 README“信息条目的导入与导出”）。"
        "先用 --dry-run 检查；正式导入时任何一行有问题都不会写入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV（UTF-8 或 GBK 编码）或 .xlsx 文件")
        parser.add_argument("--organization", required=True, help="导入到哪个机构：机构编号或名称")
        parser.add_argument(
            "--user", required=True, help="导入人的用户名（须为该机构的经办人或机关负责人，或系统管理员）"
        )
        parser.add_argument("--publish", action="store_true", help="导入为已发布（默认导入为草稿）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

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
                report = import_items(
                    file,
                    organization=organization,
                    by=user,
                    publish=options["publish"],
                    dry_run=options["dry_run"],
                    name=path.name,
                )
        except DomainError as error:
            raise CommandError(str(error)) from None
        for column in report.ignored_columns:
            self.stdout.write(f"忽略不属于导入的列“{column}”。")
        for note in report.notes:
            self.stdout.write(note)
        if report.errors:
            for row_error in report.errors:
                self.stderr.write(str(row_error))
            raise CommandError(f"发现 {len(report.errors)} 处问题，没有写入任何信息。")
        if report.dry_run:
            self.stdout.write(
                f"试运行通过：{len(report.rows)} 行可以导入{organization.name}（{report.status_label}），未写入。"
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已导入 {len(report.created)} 条信息到{organization.name}，状态为“{report.status_label}”。"
                )
            )
