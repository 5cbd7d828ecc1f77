"""Public list and report page (from the snapshot), downloads, PDF/DOCX/XLSX/JSON content, the command."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command

from annual_reports import exports, workflow
from annual_reports.models import Report
from requests_app.models import Outcome

from .conftest import TODAY, application

D = dt.date


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_list_shows_published_reports_by_organization_and_year(client, published, county):
    workflow.create(county.education, year=2025, by=None, today=TODAY)  # a draft: not public
    page = client.get("/reports/").content.decode()
    assert "测试县财政局" in page
    assert f'href="/reports/{published.pk}/"' in page
    assert f"/reports/{published.pk}/download/pdf/" in page
    assert "测试县教育局（" not in page and "测试县教育局2025年" not in page


def test_the_list_says_when_nothing_is_published(client, db):
    assert "尚未发布政府信息公开工作年度报告" in client.get("/reports/").content.decode()


def test_the_report_page_has_real_tables_with_spans(client, published):
    page = client.get(f"/reports/{published.pk}/").content.decode()
    assert "<h1>测试县财政局2025年政府信息公开工作年度报告</h1>" in page
    assert re.search(r'<th scope="row"\s+rowspan="22"\s*>三、本年度办理结果</th>', page)
    assert re.search(r'<th scope="row"\s+colspan="3"\s*>一、本年新收政府信息公开申请数量</th>', page)
    assert re.search(r'<td class="report-note"\s+rowspan="3"\s+colspan="3">（本列数据的勾稽关系为', page)
    assert re.search(r'<th scope="col"\s+colspan="10"\s*>行政诉讼</th>', page)
    assert "六、其他需要报告的事项" in page


def test_drafts_and_pending_reports_are_not_public(client, draft, clerk):
    assert client.get(f"/reports/{draft.pk}/").status_code == 404
    workflow.submit(draft, by=clerk)
    assert client.get(f"/reports/{draft.pk}/").status_code == 404
    assert client.get(f"/reports/{draft.pk}/download/pdf/").status_code == 404


def test_the_public_page_does_not_change_with_the_data(client, published):
    before = _squash(client.get(f"/reports/{published.pk}/").content.decode())
    application(published.organization, received=D(2025, 5, 5), ended=D(2025, 5, 6), outcome=Outcome.DISCLOSED)
    assert _squash(client.get(f"/reports/{published.pk}/").content.decode()) == before


def test_a_corrected_report_links_its_revisions(client, published, clerk, head):
    correction = workflow.start_correction(published, by=clerk, note="更正行政许可决定数量。")
    workflow.update_draft(correction, by=clerk, entered={"licensing": "13"})
    workflow.submit(correction, by=clerk)
    workflow.publish(correction, by=head, today=TODAY)
    old = client.get(f"/reports/{published.pk}/").content.decode()
    assert "本报告已更正" in old and f"/reports/{correction.pk}/" in old
    new = client.get(f"/reports/{correction.pk}/").content.decode()
    assert "更正说明：</strong>更正行政许可决定数量。" in new
    assert f'<a href="/reports/{published.pk}/">第1版</a>' in new
    listing = client.get("/reports/").content.decode()
    assert f"/reports/{correction.pk}/" in listing and f'href="/reports/{published.pk}/"' not in listing


def test_pdf_text_has_the_labels_and_numbers(client, published):
    from pypdf import PdfReader

    response = client.get(f"/reports/{published.pk}/download/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = _squash("".join(page.extract_text() for page in reader.pages))
    for label in (
        "测试县财政局2025年政府信息公开工作年度报告",
        "一、总体情况",
        "三、收到和处理政府信息公开申请情况",
        "申请人情况",
        "法人或其他组织",
        "行政事业性收费",
        "第1页共",
    ):
        assert label in text, label
    assert "1.25" in text  # 行政事业性收费（万元）
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4


def test_docx_text_has_the_labels_and_numbers(published):
    from docx import Document

    content, _type, name = exports.export(published.snapshot, "docx")
    assert name == "测试县财政局2025年政府信息公开工作年度报告.docx"
    doc = Document(io.BytesIO(content))
    paragraphs = "\n".join(p.text for p in doc.paragraphs)
    assert "测试县财政局2025年政府信息公开工作年度报告" in paragraphs
    assert "四、政府信息公开行政复议、行政诉讼情况" in paragraphs
    table_b = doc.tables[1]
    cells = [cell.text for row in table_b.rows for cell in row.cells]
    assert "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" in cells
    assert "一、本年新收政府信息公开申请数量" in cells
    first_row = [cell.text for cell in table_b.rows[3].cells]
    assert first_row[-7:] == ["1", "1", "0", "0", "0", "0", "2"]
    assert (
        doc.styles["Normal"].element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == "宋体"
    )
    assert round(doc.sections[0].page_width.mm) == 210


def test_xlsx_has_a_sheet_per_table_with_merged_headers(published):
    from openpyxl import load_workbook

    content, _type, _name = exports.export(published.snapshot, "xlsx")
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        "报告信息",
        "主动公开政府信息情况",
        "收到和处理政府信息公开申请情况",
        "政府信息公开行政复议、行政诉讼情况",
    ]
    sheet = book["收到和处理政府信息公开申请情况"]
    assert sheet["A2"].value.startswith("（本列数据的勾稽关系为")
    assert "A2:C4" in {str(r) for r in sheet.merged_cells.ranges}
    assert [sheet.cell(row=5, column=c).value for c in range(4, 11)] == [1, 1, 0, 0, 0, 0, 2]


def test_json_has_stable_keys(client, published):
    data = json.loads(client.get(f"/reports/{published.pk}/download/json/").content)
    assert data["format"] == "2021"
    assert data["credit_code"] == published.organization.credit_code
    assert data["year"] == 2025
    b = data["tables"]["B"]["rows"]
    assert b["一、本年新收政府信息公开申请数量"] == {
        "自然人": 1,
        "商业企业": 1,
        "科研机构": 0,
        "社会公益组织": 0,
        "法律服务机构": 0,
        "其他": 0,
        "总计": 2,
    }
    assert b["三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密"]["总计"] == 0
    assert data["tables"]["A"]["rows"]["行政事业性收费"] == {"本年收费金额（单位：万元）": 1.25}
    assert data["tables"]["C"]["rows"]["案件数量"]["行政诉讼 / 复议后起诉 / 总计"] == 0


def test_unknown_download_format_is_not_found(client, published):
    assert client.get(f"/reports/{published.pk}/download/exe/").status_code == 404


def test_command_builds_and_exports(county, tmp_path, data_2025):
    out = io.StringIO()
    call_command("annual_report", "build", org=county.finance.credit_code, year=2025, stdout=out)
    assert "待填报：行政许可 本年处理决定数量" in out.getvalue()
    report = Report.objects.get()
    assert report.status == "draft"
    target = tmp_path / "report.json"
    call_command(
        "annual_report",
        "export",
        org=county.finance.credit_code,
        year=2025,
        kind="json",
        output=str(target),
        stdout=out,
    )
    assert json.loads(target.read_text())["tables"]["B"]["rows"]["二、上年结转政府信息公开申请数量"]["总计"] == 1
    call_command("annual_report", "build", org=county.finance.credit_code, year=2025, stdout=out)
    assert Report.objects.count() == 1


def test_command_refuses_an_unknown_organization_and_a_future_year(county):
    with pytest.raises(CommandError, match="没有统一社会信用代码"):
        call_command("annual_report", "build", org="000", year=2025)
    with pytest.raises(CommandError, match="尚未开始"):
        call_command("annual_report", "build", org=county.finance.credit_code, year=2099)


def test_the_system_may_not_publish(draft, clerk):
    workflow.submit(draft, by=clerk)
    with pytest.raises(workflow.NotAllowed):
        workflow.publish(draft, by=None, today=TODAY)
