from django.core.management.base import BaseCommand

from catalog.publishing import publish_due


class Command(BaseCommand):
    help = "发布已到定时发布时间的信息（可每分钟运行；多台服务器同时运行也不会重复发布）。"

    def handle(self, *args, **options):
        published = publish_due()
        if published:
            self.stdout.write(f"已发布 {len(published)} 条定时信息。")
