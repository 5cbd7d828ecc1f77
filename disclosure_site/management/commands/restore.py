"""`manage.py restore ARCHIVE`: an archive of `manage.py backup` into an empty database and media directory."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from disclosure_site.backup import BackupError, human_size, restore_backup


class Command(BaseCommand):
    help = (
        "从 manage.py backup 生成的备份文件恢复数据库和附件。只恢复到空数据库和空的附件目录；"
        "先完整校验备份（SHA-256），校验不通过或目标不空时拒绝，不做任何改动。"
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", metavar="ARCHIVE", help="备份文件（.tar.gz）的路径。")
        parser.add_argument(
            "--media-root",
            metavar="PATH",
            help="附件恢复到的目录（须为空目录或尚不存在），默认为设置中的 MEDIA_ROOT。",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="恢复到的数据库连接（DATABASES 的别名），默认 default。"
        )

    def handle(self, *args, **options):
        log = self.stdout.write if options["verbosity"] > 0 else (lambda message: None)
        try:
            result = restore_backup(
                options["archive"], using=options["database"], media_root=options["media_root"], log=log
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：{result.tables} 张表共 {result.records} 条记录，附件 {result.media_files} 个"
                f"（{human_size(result.media_bytes)}），用时 {result.seconds:.1f} 秒。"
            )
        )
        self.stdout.write(
            f"备份时间 {manifest['created_at']}，程序版本 {manifest['project']['version']}，"
            f"Django {manifest['django_version']}。"
        )
        if options["verbosity"] > 1:
            for label, entry in manifest["records"].items():
                self.stdout.write(f"  {label:<45} {entry['count']:>8}")
