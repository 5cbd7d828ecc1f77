"""The yearly work plan in Chromium, end to end: a clerk of the county government imports the plan from
a Word table (dry run, then confirmation), the office head approves and publishes it, 县财政局 — a lead
unit — records progress (a percentage over 100 first, refused in Chinese), the disclosure office
publishes it, and a citizen reads the progress from the home page, filters the tasks, and reads and
downloads the statistics. The public pages pass axe."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from disclosure_site.calendar_data import seed_from_package
from requests_app.models import Outcome, Status
from tests.requests_app.factories import InfoRequestFactory
from tests.workplans.conftest import staff
from tests.workplans.files import docx_bytes
from workplans.models import Plan, PlanStatus, Progress, ReviewStatus

from . import axe
from .test_admin_clerk import log_in

pytestmark = pytest.mark.browser

FIRST_TASK = "推进预决算信息公开，细化到功能分类项级科目"


@pytest.fixture
def people(county, clerk):
    """The county's clerk, head and reviewer (the disclosure office); 县财政局's clerk is `clerk`."""
    from disclosure_site.models import Role

    seed_from_package({2025, 2026, 2027})
    return {
        "gov_clerk": staff("gov_clerk", county.government, Role.CLERK),
        "gov_head": staff("gov_head", county.government, Role.HEAD),
        "gov_reviewer": staff("gov_reviewer", county.government, Role.REVIEWER),
    }


@pytest.fixture
def applications(county):
    """Two applications 县财政局 answered this year, for the statistics page."""
    today = timezone.localdate()
    for received, ended, outcome in (
        (dt.date(today.year, 1, 5), dt.date(today.year, 1, 20), Outcome.DISCLOSED),
        (dt.date(today.year, 2, 2), dt.date(today.year, 3, 2), Outcome.PARTIAL),
    ):
        InfoRequestFactory(
            organization=county.finance, received_on=received, ended_on=ended, outcome=outcome, status=Status.ANSWERED
        )


def _messages(page):
    return page.locator(".messagelist")


def test_import_publish_report_progress_and_read(new_page, county, people, applications, expect, tmp_path):
    year = timezone.localdate().year
    title = f"测试县人民政府{year}年政务公开工作要点"
    plan_file = tmp_path / "政务公开工作要点.docx"
    plan_file.write_bytes(docx_bytes())

    # The county government's clerk imports the plan: the dry run first, then the confirmation.
    clerk_page = new_page()
    log_in(clerk_page, "gov_clerk")
    expect(clerk_page.get_by_role("heading", name="工作台")).to_be_visible()
    clerk_page.goto(reverse("admin:workplans_plan_changelist"))
    clerk_page.get_by_role("link", name="从 Word 或 Excel 导入").click()
    clerk_page.get_by_label("制定机关").select_option(label="测试县人民政府")
    clerk_page.get_by_label("年度").fill(str(year))
    clerk_page.get_by_label("文件：").set_input_files(plan_file)
    clerk_page.get_by_role("button", name="试运行").click()
    expect(clerk_page.get_by_role("heading", name=re.compile("试运行结果"))).to_be_visible()
    expect(clerk_page.get_by_text("共识别 2 个分组、3 项任务，检查通过，尚未写入")).to_be_visible()
    tasks = clerk_page.get_by_role("table", name="识别出的任务")
    expect(tasks.get_by_role("row", name=re.compile(FIRST_TASK))).to_contain_text("测试县财政局")
    assert not Plan.objects.exists()
    clerk_page.get_by_role("button", name="确认导入 3 项任务").click()
    expect(_messages(clerk_page)).to_contain_text("3项任务（草稿）")
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.DRAFT and plan.title == title

    # The office head approves and publishes it.
    head_page = new_page()
    log_in(head_page, "gov_head")
    expect(head_page.get_by_role("heading", name="工作台")).to_be_visible()
    head_page.goto(reverse("admin:workplans_plan_changelist"))
    head_page.get_by_role("link", name=title).click()
    head_page.get_by_role("button", name="批准", exact=True).click()
    expect(_messages(head_page)).to_contain_text("工作要点已批准，可以发布。")
    head_page.get_by_role("button", name="发布", exact=True).click()
    expect(_messages(head_page)).to_contain_text("工作要点已发布，公众可以查看。")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED

    # 县财政局, the lead unit of task 1, records its progress; 150% is refused with a message.
    lead_page = new_page()
    log_in(lead_page, "clerk")
    expect(lead_page.get_by_role("heading", name="工作台")).to_be_visible()
    lead_page.goto(reverse("admin:workplans_task_changelist"))
    lead_page.get_by_role("link", name=FIRST_TASK).click()
    lead_page.get_by_role("link", name="填报进展").click()
    lead_page.get_by_label("完成状态").select_option(label="推进中")
    lead_page.get_by_label("完成进度（%）").fill("150")
    lead_page.get_by_label("进展情况").fill("已完成部门预算公开模板修订，细化到项级科目的部门已达六成。")
    lead_page.get_by_role("button", name="保存", exact=True).click()
    expect(lead_page.get_by_text("完成进度应为0到100之间的整数，不能是150。")).to_be_visible()
    assert not Progress.objects.exists()
    lead_page.get_by_label("完成进度（%）").fill("60")
    lead_page.get_by_role("button", name="保存", exact=True).click()
    expect(_messages(lead_page)).to_contain_text("进展已提交，经政务公开工作机构审核后公开。")

    # The disclosure office (the county's reviewer) publishes it.
    reviewer_page = new_page()
    log_in(reviewer_page, "gov_reviewer")
    reviewer_page.get_by_role("link", name="待审核的工作进展").click()
    reviewer_page.locator("#result_list tbody tr th a").first.click()
    reviewer_page.get_by_role("button", name="审核通过并公开").click()
    expect(_messages(reviewer_page)).to_contain_text("进展已审核通过并公开。")
    assert Progress.objects.get().status == ReviewStatus.PUBLISHED

    # A citizen finds the plan from the home page and reads the progress.
    citizen = new_page()
    axe.preload(citizen.context)
    citizen.goto("/")
    citizen.get_by_role("main").get_by_role("link", name="政务公开工作要点").click()
    citizen.get_by_role("link", name=title).click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text(title)
    first = citizen.locator("#task-1")
    expect(first).to_contain_text("推进中")
    expect(first).to_contain_text("（完成60%）")
    expect(first).to_contain_text("细化到项级科目的部门已达六成")
    expect(citizen.locator("#task-2")).to_contain_text("尚未公布进展。")
    axe.assert_none({"plan": axe.violations(citizen)})
    citizen.get_by_label("完成状态").select_option(label="推进中")
    citizen.get_by_role("button", name="筛选").click()
    expect(citizen.get_by_role("status")).to_have_text(re.compile("状态为“推进中”的\\s*任务共1项"))
    expect(citizen.locator(".task")).to_have_count(1)

    # …and the statistics of 县财政局 for the year: charts with the numbers beside them, and a CSV.
    citizen.goto("/")
    citizen.get_by_role("main").get_by_role("link", name="政务公开统计").click()
    citizen.get_by_label("机构", exact=True).select_option(label="\u3000测试县财政局")
    citizen.get_by_label("年度", exact=True).select_option(label=f"{year}年")
    citizen.get_by_role("button", name="查看").click()
    expect(citizen.get_by_role("heading", level=2, name=f"测试县财政局{year}年政务公开统计")).to_be_visible()
    chart = citizen.get_by_role("img", name=f"测试县财政局{year}年各月收到的申请件数")
    expect(chart).to_be_visible()
    table = citizen.get_by_role("table", name=f"{year}年收到的政府信息公开申请（按月）（数据表）")
    expect(table.get_by_role("row", name=re.compile("^合计"))).to_contain_text("2")
    expect(citizen.get_by_text("答复用时（自收到申请之日起的工作日数）的中位数为")).to_be_visible()
    axe.assert_none({"statistics": axe.violations(citizen)})
    with citizen.expect_download() as download_info:
        citizen.get_by_role("link", name=f"下载CSV：{year}年申请办理结果（按全国统一的年度报告分类）").click()
    with open(download_info.value.path(), encoding="utf-8-sig") as saved:
        text = saved.read()
    assert "（一）予以公开,1" in text and "（二）部分公开,1" in text
