from django.core.management.base import BaseCommand

from catalog.publication_counts import recount


class Command(BaseCommand):
    help = (
        "按信息条目重新统计每月、每栏目每年的发布数量（政务公开统计页使用）。数据库触发器平时自动维护这些数字；"
        "在绕过触发器批量写入数据后运行。"
    )

    def handle(self, *args, **options):
        months, columns = recount()
        self.stdout.write(f"已重新统计：{months} 个机构月份、{columns} 个栏目年度。")
