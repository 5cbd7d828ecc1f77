"""The yearly report's sections 五 and 六 are pre-filled from the year's published plan: completed,
delayed and open tasks with their reasons, as the public sees them; staff edit the text."""

from __future__ import annotations

import datetime as dt

import pytest

from annual_reports import workflow as report_workflow
from disclosure_site.models import Organization
from workplans import report_text, workflow

from .conftest import task

D = dt.date
TODAY = D(2026, 11, 20)


def published(plan, number, by, reviewer, org, **fields):
    values = {"on": D(2026, 10, 1), "state": "in_progress", "text": "进展", "today": TODAY}
    values.update(fields)
    progress = workflow.record_progress(task(plan, number), organization=org, by=by, **values)
    return workflow.publish_progress(progress, by=reviewer)


@pytest.fixture
def reported(plan, county, clerk, outsider, gov_reviewer):
    published(plan, 1, clerk, gov_reviewer, county.finance, state="done", percent=100, text="已细化到项级科目")
    published(plan, 2, outsider, gov_reviewer, county.education, state="delayed", reason="等待省级统一平台上线")
    published(plan, 3, clerk, gov_reviewer, county.finance, percent=60)
    workflow.record_progress(  # not reviewed: the report does not take it
        task(plan, 3), organization=county.finance, by=clerk, on=D(2026, 11, 1), state="done", text="x", today=TODAY
    )
    return plan


def test_a_departments_report_speaks_of_the_tasks_it_leads(reported, county, clerk):
    report = report_workflow.create(county.finance, year=2026, by=clerk, today=TODAY)
    other, problems = report.narrative["other"], report.narrative["problems"]
    assert "落实2026年度政务公开工作要点情况：《测试县人民政府2026年政务公开工作要点》确定的相关任务2项" in other
    assert "已完成1项，正在推进1项，延期0项，尚未开始0项" in other
    assert "已完成的任务：第1项“推进预决算信息公开，细化到功能分类项级科目”。" in other
    assert "正在推进的任务：第3项“公开民生资金分配和使用情况”（完成60%）。" in other
    assert "尚未完成的任务1项：第3项“公开民生资金分配和使用情况”（推进中）。【待填写：改进措施和完成时限】" in problems
    assert "延期" not in problems.split("尚未完成")[0]


def test_the_government_level_report_takes_every_task_with_the_reasons_for_delays(reported, county, sysadmin):
    report = report_workflow.create(county.government, year=2026, by=sysadmin, today=TODAY)
    problems = report.narrative["problems"]
    assert (
        "政务公开工作要点中有1项任务延期：第2项“做好教育领域政策解读和回应关切”（牵头单位：测试县教育局），延期原因：等待省级统一平台上线。"
        in problems
    )
    assert "相关任务3项" in report.narrative["other"]
    assert report.facts[report_text.TOPIC_PROGRESS] in report.narrative["other"]
    # The known facts of the format come first, the plan's after them.
    assert report.narrative["other"].index("信息处理费") < report.narrative["other"].index("落实2026年度")


def test_all_tasks_done_is_said_plainly(plan, county, clerk, outsider, gov_reviewer):
    for number, by, org in ((1, clerk, county.finance), (2, outsider, county.education), (3, clerk, county.finance)):
        published(plan, number, by, gov_reviewer, org, state="done")
    facts = report_text.facts(county.government.get_descendants(include_self=True), 2026)
    assert facts[report_text.TOPIC_PROBLEMS] == "2026年度政务公开工作要点确定的任务均已完成。"


def test_without_a_published_plan_the_report_is_as_before(draft_plan, county, clerk):
    report = report_workflow.create(county.finance, year=2026, by=clerk, today=TODAY)
    assert "政务公开工作要点" not in report.narrative["other"]
    assert report_text.facts(Organization.objects.filter(pk=county.finance.pk), 2026) == {
        report_text.TOPIC_PROGRESS: "",
        report_text.TOPIC_PROBLEMS: "",
    }


def test_staff_text_is_kept_when_the_report_is_rebuilt(reported, county, clerk):
    report = report_workflow.create(county.finance, year=2026, by=clerk, today=TODAY)
    report_workflow.update_draft(report, by=clerk, narrative={**report.narrative, "other": "本单位自行撰写的内容。"})
    report_workflow.build(report, by=clerk, today=TODAY)
    report.refresh_from_db()
    assert report.narrative["other"] == "本单位自行撰写的内容。"


def test_the_text_takes_three_queries(reported, county, django_assert_num_queries):
    organizations = county.government.get_descendants(include_self=True)
    with django_assert_num_queries(3):
        report_text.facts(organizations, 2026)
