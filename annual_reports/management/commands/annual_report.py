"""Build or export a yearly report from the shell, through the same functions as the back office.

    manage.py annual_report build  --org 统一社会信用代码 --year 2025
    manage.py annual_report export --org 统一社会信用代码 --year 2025 --format pdf [--output 文件]

build starts the year's draft (or rebuilds the open draft) and lists what still stops its submission;
export writes the latest published revision, or the draft (marked 草稿) when none is published.
Publication stays with the office head in the back office.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from disclosure_site.errors import DomainError
from disclosure_site.models import Organization

from ... import building, exports, workflow
from ...models import Report, ReportStatus


class Command(BaseCommand):
    help = "生成或导出政府信息公开工作年度报告"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["build", "export"])
        parser.add_argument("--org", required=True, help="机构的统一社会信用代码")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--format", default="pdf", choices=sorted(exports.FORMATS), dest="kind")
        parser.add_argument("--output", help="导出文件路径（默认为当前目录下的报告标题）")
        parser.add_argument("--scope", choices=["own", "subtree"], help="统计范围（新建报告时）")

    def handle(self, *args, action, org, year, kind, output, scope, **options):
        try:
            organization = Organization.objects.get(credit_code=org.strip().upper())
        except Organization.DoesNotExist:
            raise CommandError(f"没有统一社会信用代码为 {org} 的机构。") from None
        try:
            if action == "build":
                self._build(organization, year, scope)
            else:
                self._export(organization, year, kind, output)
        except DomainError as error:
            raise CommandError(str(error)) from None

    def _build(self, organization, year, scope):
        report = (
            Report.objects.filter(organization=organization, year=year).exclude(status=ReportStatus.PUBLISHED).first()
        )
        if report is None:
            if Report.objects.filter(organization=organization, year=year).exists():
                raise CommandError(f"{organization}{year}年度的年度报告已发布；如需修改，请在管理后台发起更正。")
            report = workflow.create(organization, year=year, by=None, scope=scope)
        else:
            report = workflow.build(report, by=None)
        document = building.assemble(report)
        self.stdout.write(f"{report}：{report.get_status_display()}，第{report.revision}版，统计已更新。")
        for message in document["failures"]:
            self.stdout.write(f"勾稽关系未通过：{message}")
        if document["missing"]:
            self.stdout.write("待填报：" + "、".join(document["missing"]))
        if not document["failures"] and not document["missing"]:
            self.stdout.write("统计表已通过全部勾稽关系检查。")

    def _export(self, organization, year, kind, output):
        reports = Report.objects.filter(organization=organization, year=year)
        report = reports.filter(status=ReportStatus.PUBLISHED).order_by("-revision").first() or reports.first()
        if report is None:
            raise CommandError(f"{organization}{year}年度还没有年度报告，请先运行 build。")
        draft = not report.is_published
        document = report.snapshot if not draft else building.assemble(report)
        content, _type, name = exports.export(document, kind, draft=draft)
        path = Path(output) if output else Path.cwd() / name
        path.write_bytes(content)
        self.stdout.write(f"已导出{'草稿' if draft else '已发布的报告'}：{path}")
