"""The yearly report in Chromium, end to end: a clerk of 县财政局 builds the 2025 report in the back office,
enters the values from other systems and submits it; the office head (机关负责人) publishes it; a citizen
finds it from the home page, reads its tables and downloads the PDF. The public pages pass axe."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from annual_reports.models import Report, ReportStatus
from requests_app.models import ApplicantType, Outcome, Status
from tests.requests_app.factories import InfoRequestFactory

from . import axe
from .test_admin_clerk import log_in

pytestmark = pytest.mark.browser

TITLE = "测试县财政局2025年政府信息公开工作年度报告"


@pytest.fixture
def applications(county):
    """县财政局 in 2025: one application carried over from 2024, one answered, one still open at the end."""
    D = dt.date
    for applicant, received, ended, outcome in (
        (ApplicantType.NATURAL, D(2024, 12, 20), D(2025, 1, 10), Outcome.DISCLOSED),
        (ApplicantType.BUSINESS, D(2025, 3, 2), D(2025, 3, 20), Outcome.PARTIAL),
        (ApplicantType.NATURAL, D(2025, 12, 30), None, ""),
    ):
        InfoRequestFactory(
            organization=county.finance,
            applicant_type=applicant,
            received_on=received,
            ended_on=ended,
            outcome=outcome,
            status=Status.ANSWERED if ended else Status.PROCESSING,
        )
    return county


def _messages(page):
    return page.locator(".messagelist")


def test_clerk_builds_head_publishes_citizen_reads_and_downloads(new_page, applications, clerk, head, expect):
    # The clerk starts the report from the back office.
    clerk_page = new_page()
    log_in(clerk_page, "clerk")
    expect(clerk_page.get_by_role("heading", name="工作台")).to_be_visible()
    clerk_page.goto(reverse("admin:annual_reports_report_changelist"))
    clerk_page.get_by_role("main").get_by_role("link", name="增加 政府信息公开工作年度报告").click()
    clerk_page.get_by_label("机构").select_option(label="测试县财政局")
    clerk_page.get_by_label("年度").fill("2025")
    clerk_page.get_by_role("button", name="保存", exact=True).click()

    expect(clerk_page.get_by_role("heading", name=TITLE).first).to_be_visible()
    problems = clerk_page.get_by_role("alert").filter(has_text="以下问题解决前不能提交审批和发布")
    expect(problems).to_contain_text("待填报：")
    results = clerk_page.get_by_role("table", name=re.compile("收到和处理政府信息公开申请情况"))
    expect(results.get_by_role("row", name=re.compile("^一、本年新收"))).to_contain_text("2")

    # Values from other business systems, then the narrative as pre-filled; save and keep editing.
    for label, value in (
        ("行政许可 本年处理决定数量", "12"),
        ("行政处罚 本年处理决定数量", "3"),
        ("行政强制 本年处理决定数量", "0"),
        ("行政事业性收费 本年收费金额（万元）", "1.25"),
    ):
        clerk_page.get_by_label(label).fill(value)
    expect(clerk_page.get_by_role("textbox", name="一、总体情况")).to_have_value(re.compile("新收政府信息公开申请2件"))
    clerk_page.get_by_role("button", name="保存并继续编辑").click()
    expect(_messages(clerk_page)).to_contain_text("成功修改了")
    expect(clerk_page.get_by_text("统计表已通过全部勾稽关系检查")).to_be_visible()

    clerk_page.get_by_role("button", name="提交审批").click()
    expect(_messages(clerk_page)).to_contain_text("已提交审批，等待机关负责人批准发布。")
    expect(clerk_page.get_by_role("button", name="批准并发布")).to_have_count(0)
    report = Report.objects.get()
    assert report.status == ReportStatus.PENDING

    # The office head publishes it.
    head_page = new_page()
    log_in(head_page, "head")
    expect(head_page.get_by_role("heading", name="工作台")).to_be_visible()
    head_page.goto(reverse("admin:annual_reports_report_changelist"))
    head_page.get_by_role("link", name=TITLE).click()
    head_page.get_by_role("button", name="批准并发布").click()
    expect(_messages(head_page)).to_contain_text("年度报告已发布。")
    report.refresh_from_db()
    assert report.status == ReportStatus.PUBLISHED and report.published_by == head

    # A citizen finds it from the home page, reads it and downloads the PDF.
    citizen = new_page()
    axe.preload(citizen.context)
    citizen.goto("/")
    citizen.get_by_role("main").get_by_role("link", name="政府信息公开年报").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("政府信息公开年报")
    axe.assert_none({"reports": axe.violations(citizen)})
    citizen.get_by_role("link", name=TITLE).click()

    expect(citizen.get_by_role("heading", level=1)).to_have_text(TITLE)
    table_a = citizen.get_by_role("table", name=re.compile("主动公开政府信息情况"))
    expect(table_a.get_by_role("row", name=re.compile("^行政许可"))).to_contain_text("12")
    expect(table_a.get_by_role("row", name=re.compile("^行政事业性收费"))).to_contain_text("1.25")
    table_b = citizen.get_by_role("table", name=re.compile("收到和处理政府信息公开申请情况"))
    expect(table_b.get_by_role("columnheader", name="自然人")).to_be_visible()
    expect(table_b.get_by_role("row", name=re.compile("^四、结转下年度继续办理"))).to_contain_text("1")
    axe.assert_none({"report": axe.violations(citizen)})

    downloads = citizen.get_by_role("region", name="下载")
    with citizen.expect_download() as download_info:
        downloads.get_by_role("link", name="PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{TITLE}.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read(5) == b"%PDF-"
