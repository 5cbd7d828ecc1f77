from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.import_export import FORMATS, export_items
from catalog.models import Item

from .import_items import find_organization


class Command(BaseCommand):
    help = "把一个机构的信息条目导出为 CSV（UTF-8，带 BOM）或 XLSX 文件，列与导入相同，可再导入。"

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="机构编号或名称")
        parser.add_argument("--format", choices=FORMATS, help="文件格式；省略时按输出文件的扩展名决定")
        parser.add_argument("-o", "--output", required=True, help="输出文件")

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        output = Path(options["output"])
        format = options["format"] or output.suffix.lower().lstrip(".")
        if format not in FORMATS:
            raise CommandError("请用 --format csv 或 --format xlsx 指定格式，或让输出文件以 .csv、.xlsx 结尾。")
        items = Item.objects.filter(organization=organization)
        output.write_bytes(export_items(items, format))
        self.stdout.write(f"已把{organization.name}的 {items.count()} 条信息导出到 {output}。")
