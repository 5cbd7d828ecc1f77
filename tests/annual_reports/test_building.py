"""Building a report: tables from the data, entered values, narrative pre-filled, checks shown."""

from __future__ import annotations

import datetime as dt

import pytest

from annual_reports import building, workflow
from annual_reports.models import Report, Scope
from disclosure_site.errors import DomainError
from requests_app.models import ApplicantType, CaseKind, LegalCase, Outcome

from .conftest import ENTERED, TODAY, application

D = dt.date


def _row(document, table, key):
    for section in document["sections"]:
        if section.get("table", {}).get("key") == table:
            for block in section["table"]["blocks"]:
                for row in block["rows"]:
                    if row["key"] == key:
                        return [cell["value"] for cell in row["cells"]]
    raise KeyError(key)


def test_a_new_report_is_a_built_draft_in_the_default_format(draft):
    assert draft.status == "draft"
    assert draft.format == "2021"
    assert draft.scope == Scope.OWN
    document = building.assemble(draft)
    assert document["title"] == "测试县财政局2025年政府信息公开工作年度报告"
    assert _row(document, "B", "new") == [1, 1, 0, 0, 0, 0, 2]
    assert _row(document, "B", "carried") == [1, 0, 0, 0, 0, 0, 1]
    assert _row(document, "B", "o1") == [1, 0, 0, 0, 0, 0, 1]
    assert _row(document, "B", "o2") == [0, 1, 0, 0, 0, 0, 1]
    assert _row(document, "B", "open") == [1, 0, 0, 0, 0, 0, 1]
    assert _row(document, "A", "licensing") == [12]
    assert _row(document, "A", "fees") == ["1.25"]
    assert document["failures"] == [] and document["missing"] == []


def test_the_narrative_is_prefilled_with_known_facts(draft):
    assert "新收政府信息公开申请2件，上年结转1件；本年度办结2件" in draft.narrative["overview"]
    assert "未发生因政府信息公开引起的行政复议和行政诉讼" in draft.narrative["overview"]
    assert "未收取信息处理费" in draft.narrative["other"]


def test_rebuilding_keeps_the_text_staff_wrote(draft, clerk):
    workflow.update_draft(draft, by=clerk, narrative={"overview": "我们自己写的总体情况。"})
    application(draft.organization, received=D(2025, 6, 1))
    report = workflow.build(draft, by=clerk, today=TODAY)
    report.refresh_from_db()
    assert report.narrative["overview"] == "我们自己写的总体情况。"
    assert _row(building.assemble(report), "B", "new") == [2, 1, 0, 0, 0, 0, 3]


def test_missing_entered_values_are_listed_and_stop_submission(data_2025, clerk):
    report = workflow.create(data_2025.finance, year=2025, by=clerk, today=TODAY)
    assert building.assemble(report)["missing"] == [
        "行政许可 本年处理决定数量",
        "行政处罚 本年处理决定数量",
        "行政强制 本年处理决定数量",
        "行政事业性收费 本年收费金额（万元）",
    ]
    with pytest.raises(DomainError, match="请先填写：行政许可 本年处理决定数量"):
        workflow.submit(report, by=clerk)
    report.refresh_from_db()
    assert report.status == "draft"


def test_an_application_ended_before_it_was_received_fails_the_column_check(draft, clerk):
    # Bad data: received in 2026 but recorded as ended in 2025 (counts in 三 but in neither 一 nor 二).
    application(draft.organization, ApplicantType.RESEARCH, D(2026, 1, 5), D(2025, 12, 1), Outcome.DISCLOSED)
    report = workflow.build(draft, by=clerk, today=TODAY)
    failures = building.assemble(report)["failures"]
    assert "“科研机构”列：第一项加第二项之和（0）不等于第三项（七）总计加第四项之和（1）。" in failures
    assert "“总计”列：第一项加第二项之和（3）不等于第三项（七）总计加第四项之和（4）。" in failures
    with pytest.raises(DomainError, match="统计表未通过勾稽关系检查"):
        workflow.submit(draft, by=clerk)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_tampered_total_fails_the_row_and_group_checks(draft):
    draft.statistics["requests.outcome.3.1.natural"] = 5  # one row changed without its column and total
    failures = building.assemble(draft)["failures"]
    assert "“自然人”列：第一项加第二项之和（2）不等于第三项（七）总计加第四项之和（7）。" in failures


def test_carried_over_must_equal_last_years_open_at_the_end(draft, clerk, head):
    last_year = Report.objects.create(
        organization=draft.organization,
        year=2024,
        format="2021",
        status="published",
        published_at=dt.datetime(2025, 1, 20, tzinfo=dt.UTC),
        snapshot={"sections": []},
    )
    # The published 2024 report said two applications were carried over (四), the data now says one.
    document = building.assemble(draft)
    assert document["failures"] == []  # a snapshot without table B: nothing to compare
    snapshot = building.assemble(draft)
    for section in snapshot["sections"]:
        if section.get("table", {}).get("key") == "B":
            for row in section["table"]["blocks"][0]["rows"]:
                if row["key"] == "open":
                    row["cells"][0]["value"] = 2
                    row["cells"][6]["value"] = 2
    last_year.snapshot = snapshot
    last_year.save()
    failures = building.assemble(draft)["failures"]
    assert failures == [
        "“自然人”列：本年“二、上年结转政府信息公开申请数量”（1）不等于上年度报告“四、结转下年度继续办理”（2）。",
        "“总计”列：本年“二、上年结转政府信息公开申请数量”（1）不等于上年度报告“四、结转下年度继续办理”（2）。",
    ]
    with pytest.raises(DomainError, match="上年度报告"):
        workflow.submit(draft, by=clerk)


def test_the_government_level_report_sums_its_subtree(county, sysadmin):
    application(county.finance, received=D(2025, 2, 1))
    application(county.treasury, ApplicantType.LEGAL_SERVICE, received=D(2025, 2, 1))
    application(county.town, received=D(2025, 2, 1))
    LegalCase.objects.create(organization=county.education, kind=CaseKind.RECONSIDERATION, filed_on=D(2025, 4, 1))
    report = workflow.create(county.government, year=2025, by=sysadmin, today=TODAY)
    assert report.scope == Scope.SUBTREE
    document = building.assemble(report)
    assert _row(document, "B", "new") == [2, 0, 0, 0, 1, 0, 3]
    assert _row(document, "C", "cases")[3:5] == [1, 1]
    assert "本级政府及所属各机构新收政府信息公开申请3件" in report.narrative["overview"]
    assert workflow.deadline(2025, report.scope) == D(2026, 3, 31)
    assert workflow.deadline(2025, Scope.OWN) == D(2026, 1, 31)


def test_reports_on_2019_use_the_trial_format_and_older_years_the_appended_tables(county, sysadmin):
    trial = workflow.create(county.finance, year=2020, by=sysadmin, today=TODAY)
    legacy = workflow.create(county.education, year=2015, by=sysadmin, today=TODAY)
    assert (trial.format, legacy.format) == ("2019", "legacy")
    titles = [s["title"] for s in building.assemble(legacy)["sections"]]
    assert "附表2 依申请公开情况统计" in titles


def test_entered_values_are_stored_exactly(draft):
    values = building.entered_values(draft)
    assert {k: str(v) for k, v in values.items()} == {
        "licensing": "12.0000",
        "penalty": "3.0000",
        "enforcement": "0.0000",
        "fees": "1.2500",
    }
    assert set(values) == set(ENTERED)
