"""`manage.py backup`: the database and the attachments (MEDIA_ROOT) in one .tar.gz with a manifest."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from disclosure_site.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "备份数据库（PostgreSQL 用 pg_dump，SQLite 用在线备份）和附件目录 MEDIA_ROOT，生成一个 .tar.gz 文件，"
        "内含清单 manifest.json（迁移版本、各表记录数、每个文件的 SHA-256）。网站运行时也可备份。"
    )
    # A backup must still be possible when a system check fails (that is when one may be needed most).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            metavar="PATH",
            help="备份文件的路径，或存放备份的目录（文件名自动带日期时间）；默认 var/backups/。",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="要备份的数据库连接（DATABASES 的别名），默认 default。"
        )

    def handle(self, *args, **options):
        log = self.stdout.write if options["verbosity"] > 0 else (lambda message: None)
        try:
            result = create_backup(options["output"], using=options["database"], log=log)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] == 0:
            self.stdout.write(str(result.path))
