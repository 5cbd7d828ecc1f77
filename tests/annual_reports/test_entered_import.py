"""Entered values from a spreadsheet: every bad cell listed with its row, column and a Chinese reason;
nothing written by a dry run or when any cell is bad; all drafts written or none."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine

from annual_reports import building, entered_import, workflow
from annual_reports.entered_import import CellError, ImportFileError
from annual_reports.tables import plain
from disclosure_site.errors import DomainError
from disclosure_site.models import AuditEvent

from .conftest import TODAY
from .test_admin import NOW


def _csv(*lines: str, encoding: str = "utf-8-sig") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _values(report) -> dict[str, str]:
    return {name: str(plain(value)) for name, value in building.entered_values(report).items()}


def _run(data: bytes, org, user, *, dry_run: bool, name: str = "填报.csv", year: int = 2025):
    return entered_import.import_entered(data, organization=org, year=year, by=user, dry_run=dry_run, name=name)


@pytest.fixture
def treasury_draft(county, clerk):
    return workflow.create(county.treasury, year=2025, by=clerk, today=TODAY)


def test_dry_run_lists_every_bad_cell_and_writes_nothing(draft, clerk):
    before = _values(draft)
    data = _csv(
        "项目,数值,单位",
        "行政许可,-3,件",
        "行政处罚,三,件",
        "行政复议,5,件",
        "行政事业性收费,12500,元",
        "行政强制,,件",
        "行政强制,1.5,件",
        "行政事业性收费,1.23456,万元",
    )

    result = _run(data, draft.organization, clerk, dry_run=True)

    assert result.errors == [
        CellError(2, "数值", "不能为负数（所填为“-3”）。"),
        CellError(3, "数值", "应填写数字（所填为“三”）。"),
        CellError(
            4,
            "项目",
            "未知的项目“行政复议”。全国统一格式（2021年起施行）可填写的项目：行政许可、行政处罚、行政强制、行政事业性收费。",
        ),
        CellError(5, "单位", "“行政事业性收费”的单位应为“万元”，不是“元”；请换算后填写。"),
        CellError(6, "数值", "未填写数值；没有的请填0。"),
        CellError(7, "项目", "“行政强制”与第6行是同一机构的同一项目，每项只能填写一次。"),
        CellError(7, "数值", "应填写整数（所填为“1.5”）。"),
        CellError(8, "项目", "“行政事业性收费”与第5行是同一机构的同一项目，每项只能填写一次。"),
        CellError(8, "数值", "最多保留4位小数（所填为“1.23456”）。"),
    ]
    draft.refresh_from_db()
    assert _values(draft) == before


def test_a_clean_dry_run_shows_the_values_and_writes_nothing(draft, clerk):
    data = _csv("项目,数值", "行政许可,20", "行政处罚,0", "行政强制,4", "行政事业性收费,3.5")

    result = _run(data, draft.organization, clerk, dry_run=True)

    assert result.ok and result.written == 0
    assert [(r.row, r.label, r.current_text, r.value_text) for r in result.rows] == [
        (2, "行政许可", "12", "20"),
        (3, "行政处罚", "3", "0"),
        (4, "行政强制", "0", "4"),
        (5, "行政事业性收费", "1.25", "3.5"),
    ]
    assert _values(draft) == {"licensing": "12", "penalty": "3", "enforcement": "0", "fees": "1.25"}


def test_confirmed_import_writes_every_draft_with_an_audit_event(draft, treasury_draft, clerk):
    data = _xlsx(
        [
            ["机构", "项目", "数值", "单位", "备注"],
            ["", "行政许可", 20, "件", "来自政务服务网"],
            ["", "行政事业性收费", 3.5, "万元", None],
            ["测试县财政局国库支付中心", "行政许可 本年处理决定数量", 7, None, None],
            [treasury_draft.organization.credit_code, "行政事业性收费 本年收费金额（万元）", "０.２５万元", "", None],
        ]
    )

    result = _run(data, draft.organization, clerk, dry_run=False, name="填报.xlsx")

    assert result.ok and result.written == 2
    assert result.ignored_columns == ["备注"]
    assert _values(draft) == {"licensing": "20", "penalty": "3", "enforcement": "0", "fees": "3.5"}
    assert _values(treasury_draft) == {"licensing": "7", "fees": "0.25"}
    changed = AuditEvent.objects.filter(action="change", content_type__model="report", actor=clerk)
    assert {event.object_id for event in changed} >= {str(draft.pk), str(treasury_draft.pk)}


def test_one_bad_row_stops_the_whole_import(draft, treasury_draft, clerk):
    data = _csv("机构,项目,数值", ",行政许可,99", "测试县财政局国库支付中心,行政处罚,-1")

    result = _run(data, draft.organization, clerk, dry_run=False)

    assert result.errors == [CellError(3, "数值", "不能为负数（所填为“-1”）。")]
    assert result.written == 0
    assert _values(draft)["licensing"] == "12"
    assert _values(treasury_draft) == {}


def test_a_refusal_while_writing_undoes_the_drafts_already_written(draft, treasury_draft, clerk, monkeypatch):
    real = workflow.update_draft

    def refuse_the_treasury(report, **kwargs):
        if report.pk == treasury_draft.pk:
            raise DomainError("年度报告正在审批中，不能修改。如需修改，请先退回草稿。")
        return real(report, **kwargs)

    monkeypatch.setattr(workflow, "update_draft", refuse_the_treasury)
    data = _csv("机构,项目,数值", ",行政许可,99", "测试县财政局国库支付中心,行政许可,5")

    with pytest.raises(DomainError, match="正在审批中"):
        _run(data, draft.organization, clerk, dry_run=False)

    assert _values(draft)["licensing"] == "12"
    assert _values(treasury_draft) == {}


def test_organizations_outside_the_subtree_or_without_a_draft_are_bad_cells(draft, clerk, county, head):
    workflow.create(county.treasury, year=2025, by=clerk, today=TODAY)
    workflow.submit(draft, by=clerk)
    data = _csv(
        "机构,项目,数值",
        "测试县教育局,行政许可,1",
        "测试县财政局,行政许可,1",
        "不存在的局,行政许可,1",
        "国库支付中心,行政许可,1,",
    )

    result = _run(data, county.treasury.parent, clerk, dry_run=True)

    assert [(e.row, e.column) for e in result.errors] == [(2, "机构"), (3, "机构"), (4, "机构"), (5, "机构")]
    assert result.errors[0].reason == "“测试县教育局”不是测试县财政局或其下属机构，不能导入。"
    assert result.errors[1].reason == "测试县财政局2025年度的年度报告正在审批中，不能修改；如需修改，请先退回草稿。"
    assert result.errors[2].reason == "没有名称、简称或统一社会信用代码为“不存在的局”的机构。"
    assert result.errors[3].reason.startswith("没有名称、简称")


def test_a_second_row_for_the_same_item_is_refused(draft, clerk):
    data = _csv("项目,数值", "行政许可,1", "行政许可（件）,2")

    result = _run(data, draft.organization, clerk, dry_run=True)

    assert result.errors == [CellError(3, "项目", "“行政许可（件）”与第2行是同一机构的同一项目，每项只能填写一次。")]


def test_a_unit_in_the_item_label_must_be_the_items_unit(draft, clerk):
    data = _csv("项目,数值", "行政事业性收费（单位：万元）,2", "行政事业性收费(元),20000")

    result = _run(data, draft.organization, clerk, dry_run=True)

    assert result.errors == [CellError(3, "项目", "“行政事业性收费”的单位应为“万元”，不是“元”；请换算后填写。")]


def test_a_missing_column_is_reported_in_the_header(draft, clerk):
    result = _run(_csv("名称,数量", "行政许可,1"), draft.organization, clerk, dry_run=True)

    assert [(e.row, e.column) for e in result.errors] == [(1, "项目"), (1, "数值")]
    assert result.ignored_columns == ["名称", "数量"]


def test_a_gbk_csv_is_read(draft, clerk):
    data = _csv("项目,数值", "行政许可,8", encoding="gbk")

    result = _run(data, draft.organization, clerk, dry_run=False)

    assert result.ok and _values(draft)["licensing"] == "8"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "填报.xls", "旧版 Excel"),
        (b"%PDF-1.4 ...", "填报.pdf", "不是 CSV 或 XLSX 文件"),
        (b"", "填报.csv", "文件是空的"),
        ("项目,数值\n".encode(), "填报.csv", "没有可导入的数据行"),
    ],
)
def test_unreadable_files_are_refused_in_chinese(draft, clerk, data, name, message):
    with pytest.raises(ImportFileError, match=message):
        _run(data, draft.organization, clerk, dry_run=True, name=name)


def test_staff_of_another_organization_may_not_import(draft, outsider):
    with pytest.raises(workflow.NotAllowed):
        _run(_csv("项目,数值", "行政许可,1"), draft.organization, outsider, dry_run=False)
    assert _values(draft)["licensing"] == "12"


# The admin page ---------------------------------------------------------------------------------------

URL = "/admin/annual_reports/report/import/"


def _upload(client, org, data: bytes, *, dry_run: bool, name="填报.csv"):
    form = {"organization": org.pk, "year": 2025, "file": _named(data, name)}
    if dry_run:
        form["dry_run"] = "on"
    return client.post(URL, form)


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@time_machine.travel(NOW, tick=False)
def test_admin_dry_run_then_confirmed_import(client, clerk, draft):
    client.force_login(clerk)
    data = _csv("项目,数值", "行政许可,20", "行政事业性收费,3.5")

    page = _upload(client, draft.organization, data, dry_run=True).content.decode()
    assert "全部 2 项检查通过（涉及 1 份报告），尚未写入" in page
    assert _values(draft)["licensing"] == "12"

    response = _upload(client, draft.organization, data, dry_run=False)
    assert response.status_code == 302
    assert _values(draft)["licensing"] == "20" and _values(draft)["fees"] == "3.5"
    page = client.get(response.url).content.decode()
    assert "已从“填报.csv”导入 2 项填报数据，涉及 1 份2025年度报告。" in page


@time_machine.travel(NOW, tick=False)
def test_admin_lists_bad_cells_in_a_table(client, clerk, draft):
    client.force_login(clerk)

    page = _upload(client, draft.organization, _csv("项目,数值", "行政处罚,-2"), dry_run=False).content.decode()

    assert "发现 1 处问题，没有写入任何数据" in page
    assert "<td>2</td>" in page and "<td>数值</td>" in page and "不能为负数（所填为“-2”）。" in page
    assert _values(draft)["penalty"] == "3"


@time_machine.travel(NOW, tick=False)
def test_admin_offers_only_organizations_in_scope(client, outsider, draft):
    client.force_login(outsider)

    response = _upload(client, draft.organization, _csv("项目,数值", "行政许可,1"), dry_run=False)

    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert _values(draft)["licensing"] == "12"


@time_machine.travel(NOW, tick=False)
def test_admin_template_lists_the_drafts_items_with_their_values(client, clerk, draft, treasury_draft):
    client.force_login(clerk)

    response = client.get(f"{URL}template/", {"organization": draft.organization.pk, "year": 2025})

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["机构", "项目", "数值", "单位"]
    assert ["测试县财政局", "行政许可", "12", "件"] in rows
    assert ["测试县财政局", "行政事业性收费", "1.25", "万元"] in rows
    assert ["测试县财政局国库支付中心", "行政强制", None, "件"] in rows
    # The template, filled in, imports as it is.
    sheet.cell(row=len(rows), column=3).value = 0
    for row in range(2, len(rows) + 1):
        if sheet.cell(row=row, column=3).value in (None, ""):
            sheet.cell(row=row, column=3).value = 1
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    result = _run(buffer.getvalue(), draft.organization, clerk, dry_run=False, name="模板.xlsx")
    assert result.ok and result.written == 2
    assert _values(treasury_draft)["licensing"] == "1"
    assert Decimal(_values(draft)["fees"]) == Decimal("1.25")


def test_the_report_list_and_a_draft_link_to_the_import(client, clerk, draft):
    client.force_login(clerk)

    listing = client.get("/admin/annual_reports/report/").content.decode()
    change = client.get(f"/admin/annual_reports/report/{draft.pk}/change/").content.decode()
    form = client.get(URL, {"organization": draft.organization_id, "year": 2025}).content.decode()

    assert f'href="{URL}"' in listing
    assert f'href="{URL}?organization={draft.organization_id}&amp;year=2025"' in change
    assert f'<option value="{draft.organization_id}" selected>测试县财政局</option>' in form
