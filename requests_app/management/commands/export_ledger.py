import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from requests_app.ledger import CSV, FORMATS, ledger_queryset, write_csv, write_xlsx

from .import_ledger import find_organization


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"无法识别日期“{value}”，请写成 2025-03-24。") from None


class Command(BaseCommand):
    help = (
        "把一个机构及其下属机构的依申请公开台账导出为 CSV（UTF-8，带 BOM）或 XLSX 文件，"
        "按收到日期（尚未收到的按提交日期）筛选；列与导入相同，可再导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="机构编号或名称")
        parser.add_argument("--from", dest="date_from", help="起始日期，如 2025-01-01（省略表示不限）")
        parser.add_argument("--to", dest="date_to", help="截止日期，如 2025-12-31（含当天；省略表示不限）")
        parser.add_argument("--format", choices=FORMATS, help="文件格式；省略时按输出文件的扩展名决定")
        parser.add_argument("-o", "--output", required=True, help="输出文件")

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        date_from = _date(options["date_from"]) if options["date_from"] else None
        date_to = _date(options["date_to"]) if options["date_to"] else None
        if date_from and date_to and date_from > date_to:
            raise CommandError("截止日期不能早于起始日期。")
        output = Path(options["output"])
        format = options["format"] or output.suffix.lower().lstrip(".")
        if format not in FORMATS:
            raise CommandError("请用 --format csv 或 --format xlsx 指定格式，或让输出文件以 .csv、.xlsx 结尾。")
        queryset = ledger_queryset(organization, date_from=date_from, date_to=date_to)
        with output.open("wb") as file:
            (write_csv if format == CSV else write_xlsx)(queryset, file)
        self.stdout.write(f"已把{organization.name}的依申请公开台账导出到 {output}。")
