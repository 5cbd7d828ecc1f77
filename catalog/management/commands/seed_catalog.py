from django.core.management.base import BaseCommand

from catalog.categories import seed_categories
from catalog.subjects import seed_subjects
from disclosure_site.models import Organization


class Command(BaseCommand):
    help = "导入国务院公文主题分类，并为尚无公开目录的机构建立标准栏目（可重复运行）。"

    def handle(self, *args, **options):
        subjects = seed_subjects()
        categories = sum(seed_categories(org) for org in Organization.objects.all())
        self.stdout.write(f"主题分类新增 {subjects} 项；公开目录栏目新增 {categories} 个。")
