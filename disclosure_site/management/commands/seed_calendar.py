from django.core.management.base import BaseCommand

from disclosure_site.calendar_data import package_days, seed_from_package


class Command(BaseCommand):
    help = "从 chinesecalendar 数据包导入法定节假日和调休上班日（只补充尚未录入的年份，可重复运行）。"

    def handle(self, *args, **options):
        added = seed_from_package()
        covered = sorted(package_days())
        if added:
            self.stdout.write(f"已导入 {len(added)} 个年度的工作日历：{added[0]}–{added[-1]}年。")
        else:
            self.stdout.write("工作日历已是最新，没有需要导入的年度。")
        self.stdout.write(
            f"数据包覆盖 {covered[0]}–{covered[-1]}年；之后的年度请在国务院办公厅发布放假安排通知后，"
            "在管理后台“工作日历”中录入。"
        )
