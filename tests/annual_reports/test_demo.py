"""The demo a new user sees after `make run`: last year's reports published for every organization and the
government level (one corrected), this year's as drafts, built from the catalog and applications demo."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command

from annual_reports import building
from annual_reports.models import Report, ReportStatus
from disclosure_site.models import Organization

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _cell(report: Report, table: str, row: str, column: str):
    for section in report.snapshot["sections"]:
        if section.get("table", {}).get("key") == table:
            for block in section["table"]["blocks"]:
                for line in block["rows"]:
                    if line["label"] == row:
                        return next(c["value"] for c in line["cells"] if c["column"] == column)
    raise KeyError((table, row, column))


@time_machine.travel(NOW, tick=False)
def test_demo_publishes_last_years_reports_and_drafts_this_years():
    out = io.StringIO()
    call_command("load_demo", "--allow-production", stdout=out)

    organizations = set(Organization.objects.filter(is_active=True).values_list("name", flat=True))
    published = Report.objects.filter(year=2025, status=ReportStatus.PUBLISHED)
    assert set(published.values_list("organization__name", flat=True)) == organizations
    government = published.get(organization__name="清河县人民政府")
    assert government.scope == "subtree"
    assert _cell(government, "B", "一、本年新收政府信息公开申请数量", "总计") > 0
    assert _cell(government, "A", "行政许可", "本年处理决定数量") > 0
    corrected = published.filter(organization__name="清河县财政局").order_by("revision")
    assert [r.revision for r in corrected] == [1, 2]
    assert "原报告误将元作为万元填报" in corrected[1].snapshot["correction_note"]
    for report in published:
        assert report.snapshot["failures"] == [] and report.snapshot["missing"] == []

    drafts = Report.objects.filter(year=2026)
    assert set(drafts.values_list("status", flat=True)) == {ReportStatus.DRAFT}
    assert set(drafts.values_list("organization__name", flat=True)) == organizations
    assert all(building.assemble(draft)["failures"] == [] for draft in drafts)
    assert "2025年度已发布 11 份（另有更正后的新版本 1 份），2026年度草稿 11 份" in out.getvalue()

    count = Report.objects.count()
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    assert Report.objects.count() == count


@time_machine.travel(NOW, tick=False)
def test_demo_reports_have_data_whatever_the_app_order(monkeypatch):
    configs = list(apps.get_app_configs())
    ours = next(c for c in configs if c.name == "annual_reports")
    reordered = [ours, *(c for c in configs if c is not ours)]
    monkeypatch.setattr(apps, "get_app_configs", lambda: reordered)

    call_command("load_demo", "--allow-production", stdout=io.StringIO())

    government = Report.objects.get(year=2025, organization__name="清河县人民政府")
    assert _cell(government, "B", "一、本年新收政府信息公开申请数量", "总计") > 0
    assert _cell(government, "A", "行政规范性文件", "本年制发件数") > 0
