"""`manage.py inspect_site`: the website inspection checks (inspection/checks.py), for cron and monitoring.

Prints the findings grouped by check and exits with 1 when there is any (0 when the site passes, 2 for a
bad argument). A run over every organization also keeps the link check's result for the dashboard panel.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from disclosure_site.models import Organization
from inspection import checks


class Command(BaseCommand):
    help = "网站检查（政府网站检查指标）：失效链接、空白栏目、栏目未按期更新、发布日期、逾期未答复的申请和咨询。发现问题时退出码为1。"

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="ID", help="只检查这个机构及其下属机构（机构编号）。")
        parser.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（默认 text）。")

    def handle(self, *args, **options):
        organization = None
        if options["organization"] is not None:
            raw = str(options["organization"]).strip()
            if not (raw.isascii() and raw.isdigit()):
                raise CommandError(f"机构编号“{raw}”无效：应为数字。", returncode=2)
            organization = Organization.objects.filter(pk=int(raw)).first()
            if organization is None:
                raise CommandError(f"机构编号 {raw} 不存在。", returncode=2)
        now = timezone.now()
        scope = checks.subtree_ids(organization) if organization else None
        results = checks.run(scope, now=now)
        if organization is None:
            checks.store_link_result(next(r for r in results if r.key == "links"), now=now)
        total = sum(len(r.findings) for r in results)
        if options["format"] == "json":
            self.stdout.write(json.dumps(_as_json(results, now, organization), ensure_ascii=False, indent=2))
        else:
            self._write_text(results, now, organization, total)
        if total:
            raise SystemExit(1)

    def _write_text(self, results, now, organization, total) -> None:
        local = timezone.localtime(now)
        scope = f"{organization.name}及其下属机构" if organization else "全部机构"
        self.stdout.write(f"网站检查（政府网站检查指标）：{scope}，{local:%Y-%m-%d %H:%M}")
        for result in results:
            self.stdout.write("")
            self.stdout.write(f"== {result.title}：{len(result.findings) or '无'}{' 项' if result.findings else ''} ==")
            for finding in result.findings:
                who = f"{finding.organization}｜" if finding.organization else ""
                self.stdout.write(f"[{finding.severity_label}] {who}{finding.object}：{finding.message}")
                self.stdout.write(f"    处理：{finding.admin_url}")
            for note in result.notes:
                self.stdout.write(f"说明：{note}")
        self.stdout.write("")
        if total:
            errors = sum(1 for r in results for f in r.findings if f.severity == checks.ERROR)
            self.stdout.write(f"共发现 {total} 项（问题 {errors} 项，提示 {total - errors} 项）。")
        else:
            self.stdout.write("未发现问题。")


def _as_json(results, now, organization) -> dict:
    return {
        "checked_at": timezone.localtime(now).isoformat(),
        "organization_id": organization.pk if organization else None,
        "total": sum(len(r.findings) for r in results),
        "checks": [
            {
                "key": r.key,
                "title": r.title,
                "notes": r.notes,
                "findings": [
                    {
                        "kind": f.kind,
                        "severity": f.severity,
                        "organization_id": f.organization_id,
                        "organization": f.organization,
                        "object": f.object,
                        "object_id": f.object_id,
                        "message": f.message,
                        "admin_url": f.admin_url,
                    }
                    for f in r.findings
                ],
            }
            for r in results
        ],
    }
