"""Import and export of items as CSV and XLSX: every bad row reported in Chinese, all or nothing."""

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command

from catalog import import_export, publishing
from catalog.import_export import COLUMNS, ImportFileError, RowError, export_items, import_items
from catalog.models import Category, Item, ItemStatus, Subject, Validity
from catalog.publishing import NotAllowed
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.models import AuditEvent, Role
from tests.catalog.factories import ItemFactory, category_of
from tests.factories import MembershipFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
IMPORT_URL = "/admin/catalog/item/import/"
EXPORT_URL = "/admin/catalog/item/export/"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def subjects(db):
    """The two branches of the 主题分类 these tests name (seeding all of it costs half a second)."""
    for top_code, top_name, code, name in [
        ("01", "综合政务", "0101", "政务公开"),
        ("03", "财政、金融、审计", "0301", "财政"),
    ]:
        top = Subject.objects.create(code=top_code, name=top_name)
        Subject.objects.create(code=code, name=name, parent=top)


def _row(**cells):
    row = {"标题": "测试县财政局2026年部门预算", "栏目编码": "0307", "成文日期": "2026-03-02"}
    row.update(cells)
    return row


def _published_row(**cells):
    return _row(**{"发布日期": "2026-03-05", **cells})


def _csv(rows, *, encoding="utf-8-sig", columns=COLUMNS):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode(encoding)


def _xlsx(rows, *, columns=COLUMNS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(data, county, by, *, publish=False, dry_run=False, name="catalog.csv", organization=None):
    return import_items(
        data,
        organization=organization or county.finance,
        by=by,
        publish=publish,
        dry_run=dry_run,
        name=name,
    )


# Importing good files ------------------------------------------------------------------------


def test_draft_rows_become_drafts_with_every_field_read(subjects, county, clerk):
    row = _row(
        **{
            "主题分类": "财政、金融、审计\\财政",
            "文件类型": "财政预决算",
            "发文字号": "测财〔2026〕3号",
            "有效性": "已废止",
            "有效性变更日期": "2026年3月20日",
            "关键词": "预算 公开",
            "内容概述": "公开2026年部门预算。",
            "正文": "第一段<文字>\n\n第二段",
            "发布渠道": "政务微信、档案馆、图书馆,公开栏（电子屏）",
            "发布机构": "测试县财政局",
        }
    )
    report = _import(_csv([row]), county, clerk)
    assert report.ok and not report.dry_run
    item = Item.objects.get()
    assert report.created == [item]
    assert item.status == ItemStatus.DRAFT
    assert item.index_number is None and item.published_at is None
    assert item.organization == county.finance
    assert item.category == category_of(county.finance, "0307")
    assert item.subject == Subject.objects.get(code="0301")
    assert item.document_type == "budget"
    assert item.document_number == "测财〔2026〕3号"
    assert item.written_date == dt.date(2026, 3, 2)
    assert item.validity == Validity.REPEALED
    assert item.validity_date == dt.date(2026, 3, 20)
    assert item.keywords == "预算 公开"
    assert item.summary == "公开2026年部门预算。"
    assert item.body == "<p>第一段&lt;文字&gt;</p><p>第二段</p>"
    assert item.channels == ["wechat", "archives", "board"]
    assert item.author == clerk


def test_each_imported_item_gets_a_create_audit_event(county, clerk):
    _import(_csv([_row(), _row(标题="第二条")]), county, clerk)
    events = AuditEvent.objects.filter(action="create")
    assert events.count() == 2
    assert {e.comment for e in events} == {"批量导入"}
    assert {e.actor for e in events} == {clerk}
    assert {e.organization for e in events} == {county.finance}


def test_a_subject_may_be_given_by_its_code_and_defaults_are_filled_in(subjects, county, clerk):
    _import(_csv([_row(主题分类="0101")]), county, clerk)
    item = Item.objects.get()
    assert item.subject.name == "政务公开"
    assert item.document_type == "other"
    assert item.validity == Validity.VALID
    assert item.channels == []


def test_imported_html_body_is_sanitized(county, clerk):
    body = '<p onclick="steal()">预算表<script>alert(1)</script><a href="javascript:alert(1)">详情</a></p>'
    _import(_csv([_row(正文=body)]), county, clerk)
    item = Item.objects.get()
    assert "预算表" in item.body
    assert "script" not in item.body and "onclick" not in item.body and "javascript" not in item.body


def test_published_rows_keep_their_index_numbers_and_publication_dates(county, head):
    rows = [
        _published_row(索引号="OLD/2019-00007", 发布日期="2026-03-05"),
        _published_row(标题="第二条", 索引号="OLD/2019-00008", 发布日期="2026/3/6 09:30"),
    ]
    report = _import(_csv(rows), county, head, publish=True)
    assert report.ok
    first, second = report.created
    assert first.status == second.status == ItemStatus.PUBLISHED
    assert first.index_number == "OLD/2019-00007"
    assert first.published_at == dt.datetime(2026, 3, 5, 0, 0, tzinfo=SHANGHAI)
    assert second.index_number == "OLD/2019-00008"
    assert second.published_at == dt.datetime(2026, 3, 6, 9, 30, tzinfo=SHANGHAI)


def test_a_published_row_without_index_number_gets_the_next_one_of_the_organization(county, head):
    prefix = county.finance.effective_index_prefix
    rows = [_published_row(标题="无索引号"), _published_row(标题="带索引号", 索引号=f"{prefix}/2026-00001")]
    report = _import(_csv(rows), county, head, publish=True)
    assert report.ok
    allocated, given = report.created
    assert given.index_number == f"{prefix}/2026-00001"
    # The number given further down the file is not handed out again.
    assert allocated.index_number == f"{prefix}/2026-00002"


def test_imported_published_items_are_judged_late_but_not_for_a_missing_interpretation(county, head):
    seed_from_package({2026})
    rows = [
        _published_row(标题="超期", 成文日期="2026-02-10", 发布日期="2026-03-17", 文件类型="行政规范性文件"),
        _published_row(标题="按期", 成文日期="2026-02-10", 发布日期="2026-03-16"),
    ]
    late, on_time = _import(_csv(rows), county, head, publish=True).created
    assert (late.is_late, on_time.is_late) == (True, False)
    assert late.interpretation_due is None


def test_dry_run_lists_the_rows_and_writes_nothing(county, head):
    report = _import(
        _csv([_published_row(索引号="OLD-1"), _published_row(标题="第二条")]), county, head, publish=True, dry_run=True
    )
    assert report.ok and report.dry_run
    assert [(r.row, r.title, r.index_number) for r in report.rows] == [
        (2, "测试县财政局2026年部门预算", "OLD-1"),
        (3, "第二条", None),
    ]
    assert report.created == []
    assert not Item.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_in_gbk_or_utf8_with_or_without_bom_is_read(county, clerk, encoding):
    _import(
        _csv([_row(标题="关于做好2026年预算公开工作的通知", 发布渠道="政务微博")], encoding=encoding), county, clerk
    )
    item = Item.objects.get()
    assert item.title == "关于做好2026年预算公开工作的通知"
    assert item.channels == ["weibo"]


@pytest.mark.parametrize(
    "written",
    [
        "2025-03-24",
        "2025/3/24",
        "2025年3月24日",
        "2025.3.24",
        "20250324",
        dt.datetime(2025, 3, 24),  # noqa: DTZ001 (an Excel date cell has no time zone)
        dt.date(2025, 3, 24),
    ],
)
def test_dates_are_read_in_the_usual_chinese_spellings_and_as_excel_date_cells(county, clerk, written):
    report = _import(_xlsx([_row(成文日期=written)]), county, clerk, name="catalog.xlsx")
    assert report.ok, report.errors
    assert Item.objects.get().written_date == dt.date(2025, 3, 24)


def test_header_order_is_free_and_unknown_columns_are_ignored_and_reported(county, clerk):
    columns = ("成文日期", "备注", "栏目编码", "标题")
    report = _import(_csv([_row(备注="旧系统编号 17")], columns=columns), county, clerk)
    assert report.ok
    assert report.ignored_columns == ["备注"]
    assert Item.objects.get().title == "测试县财政局2026年部门预算"


@pytest.mark.parametrize(("make", "name"), [(_csv, "catalog.csv"), (_xlsx, "catalog.xlsx")])
def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_spreadsheet(county, clerk, make, name):
    data = make([_row(), {}, _row(成文日期="2099-01-01")])
    report = _import(data, county, clerk, dry_run=True, name=name)
    assert report.errors == [RowError(4, "成文日期", "成文日期2099-01-01晚于今天，请核对成文日期。")]


# Bad rows: reported in Chinese, nothing written ----------------------------------------------


def _assert_refused(report, expected, *, items_before=0):
    assert report.errors == expected
    assert report.created == []
    assert Item.objects.count() == items_before
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("publish", "cells", "column", "reason"),
    [
        (False, {"成文日期": "2026-04-02"}, "成文日期", "成文日期2026-04-02晚于今天，请核对成文日期。"),
        (False, {"成文日期": "2026-02-30"}, "成文日期", "日期“2026-02-30”不存在，请核对年月日。"),
        (
            False,
            {"成文日期": "三月二日"},
            "成文日期",
            "无法识别日期“三月二日”，请写成 2025-03-24、2025/3/24 或 2025年3月24日。",
        ),
        (False, {"成文日期": ""}, "成文日期", "成文日期不能为空。"),
        (False, {"标题": ""}, "标题", "标题不能为空。"),
        (False, {"标题": "长" * 301}, "标题", "标题不能超过300个字（现有301个字）。"),
        (False, {"内容概述": "概" * 501}, "内容概述", "内容概述不能超过500个字（现有501个字）。"),
        (
            False,
            {"栏目编码": "0323"},
            "栏目编码",
            "栏目编码“0323”不在测试县财政局的公开目录中，请填写本机构公开目录中栏目的编码。",
        ),
        (
            False,
            {"栏目编码": "307"},
            "栏目编码",
            "栏目编码“307”不在测试县财政局的公开目录中（Excel 可能去掉了编码开头的 0，请把该列设为“文本”格式后重新填写），"
            "请填写本机构公开目录中栏目的编码。",
        ),
        (False, {"栏目编码": "00"}, "栏目编码", "“00”是公开目录的根节点，不能直接放信息，请填写具体栏目的编码。"),
        (
            False,
            {"主题分类": "财政\\预算"},
            "主题分类",
            "无法识别主题分类“财政\\预算”，请填写主题分类的编码或“一级\\二级”名称，例如“综合政务\\政务公开”。",
        ),
        (
            False,
            {"文件类型": "决定"},
            "文件类型",
            "无法识别文件类型“决定”。可填写：规章、行政规范性文件、其他文件、政策解读、工作动态、通知公告、规划计划、"
            "统计信息、财政预决算、人事信息、其他。",
        ),
        (False, {"有效性": "作废"}, "有效性", "无法识别有效性“作废”。可填写：有效、已修改、已失效、已废止。"),
        (False, {"有效性": "已失效"}, "有效性变更日期", "有效性为已修改、已失效或已废止时，请填写有效性变更日期。"),
        (
            False,
            {"发布渠道": "政务微信、抖音"},
            "发布渠道",
            "无法识别发布渠道“抖音”。可填写：政府网站、政务微信、政务微博、政务客户端、公开栏（电子屏）、政府公报、"
            "报刊广播电视、政务服务中心、档案馆、图书馆、其他（多个用顿号或逗号分隔）。",
        ),
        (False, {"发布机构": "测试县公安局"}, "发布机构", "找不到名为“测试县公安局”的机构。"),
        (
            False,
            {"发布机构": "测试县教育局"},
            "发布机构",
            "发布机构“测试县教育局”既不是本次导入的机构（测试县财政局），也不在您管理的机构范围内。",
        ),
        (
            False,
            {"索引号": "OLD/2019-00007"},
            "索引号",
            "草稿不能带索引号：索引号在信息发布时才确定。请清空“索引号”列，或选择导入为“已发布”。",
        ),
        (
            False,
            {"发布日期": "2026-03-05"},
            "发布日期",
            "草稿还没有发布，不能填写发布日期。请清空“发布日期”列，或选择导入为“已发布”。",
        ),
        (True, {"发布日期": ""}, "发布日期", "导入为“已发布”时，发布日期不能为空。"),
        (True, {"发布日期": "2026-04-02"}, "发布日期", "发布日期2026-04-02晚于现在，请核对发布日期。"),
        (True, {"发布日期": "2026-03-01"}, "发布日期", "发布日期2026-03-01早于成文日期2026-03-02，请核对。"),
    ],
)
def test_a_bad_cell_is_reported_with_row_column_and_reason_and_nothing_is_written(
    county, clerk, head, publish, cells, column, reason
):
    make = _published_row if publish else _row
    report = _import(_csv([make(标题="第一条"), make(**cells)]), county, head if publish else clerk, publish=publish)
    _assert_refused(report, [RowError(3, column, reason)])


def test_a_clerk_may_import_drafts_but_not_published_items(county, clerk):
    with pytest.raises(publishing.NotAllowed, match="以“已发布”状态导入须由测试县财政局的机关负责人操作"):
        _import(_csv([_published_row()]), county, clerk, publish=True)
    assert not Item.objects.exists()
    assert len(_import(_csv([_row()]), county, clerk).created) == 1


def test_every_bad_cell_of_every_row_is_reported(county, clerk):
    rows = [
        _row(标题="", 成文日期="2099-01-01"),
        _row(),
        _row(栏目编码="9999", 有效性="作废", 发布机构="测试县公安局"),
        _row(发布机构="测试县公安局"),
    ]
    report = _import(_csv(rows), county, clerk, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "标题"),
        (2, "成文日期"),
        (4, "发布机构"),
        (4, "栏目编码"),
        (4, "有效性"),
        (5, "发布机构"),
    ]
    assert report.errors[-1].reason == "找不到名为“测试县公安局”的机构。"
    assert [r.row for r in report.rows] == [3]


def test_an_index_number_already_used_in_the_organization_is_refused(county, head):
    ItemFactory(organization=county.finance, published=True, index_number="OLD/2019-00007", title="旧通知")
    report = _import(_csv([_published_row(索引号="OLD/2019-00007")]), county, head, publish=True)
    reason = "索引号“OLD/2019-00007”已被测试县财政局的信息“旧通知”使用，同一机构的索引号不能重复。"
    _assert_refused(report, [RowError(2, "索引号", reason)], items_before=1)


def test_the_same_index_number_in_another_organization_is_accepted(county, head):
    ItemFactory(organization=county.education, published=True, index_number="OLD/2019-00007")
    report = _import(_csv([_published_row(索引号="OLD/2019-00007")]), county, head, publish=True)
    assert report.ok


def test_an_index_number_twice_in_the_file_is_refused(county, head):
    rows = [_published_row(索引号="OLD-1"), _published_row(索引号="OLD-2"), _published_row(索引号="OLD-1")]
    report = _import(_csv(rows), county, head, publish=True)
    _assert_refused(report, [RowError(4, "索引号", "索引号“OLD-1”与第2行重复。")])


def test_a_bad_last_row_leaves_the_good_rows_unwritten(county, head):
    rows = [_published_row(标题=f"第{n}条") for n in range(1, 5)] + [_published_row(成文日期="2026-12-01")]
    report = _import(_csv(rows), county, head, publish=True)
    assert [r.row for r in report.rows] == [2, 3, 4, 5]
    _assert_refused(report, [RowError(6, "成文日期", "成文日期2026-12-01晚于今天，请核对成文日期。")])


def test_a_failure_while_writing_rolls_back_every_row(county, head, monkeypatch):
    calls = []

    def record(obj, **kwargs):
        calls.append(obj)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(obj, **kwargs)

    original = import_export.audit.record
    monkeypatch.setattr(import_export.audit, "record", record)
    with pytest.raises(RuntimeError):
        _import(_csv([_published_row(标题=f"第{n}条") for n in range(3)]), county, head, publish=True)
    assert not Item.objects.exists()
    assert not AuditEvent.objects.exists()


# Bad files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            b"%PDF-1.4\n1 0 obj\n",
            "catalog.pdf",
            "“catalog.pdf”不是 CSV 或 XLSX 文件。请上传 CSV 文件或 Excel 的 .xlsx 文件。",
        ),
        (
            b"PK\x03\x04 word document",
            "catalog.docx",
            "“catalog.docx”不是 CSV 或 XLSX 文件。请上传 CSV 文件或 Excel 的 .xlsx 文件。",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00",
            "catalog.csv",
            "“catalog.csv”不是 CSV 或 XLSX 文件。请上传 CSV 文件或 Excel 的 .xlsx 文件。",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
            "catalog.xls",
            "这是旧版 Excel（.xls）文件，无法直接导入。请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入。",
        ),
        (
            b"PK\x03\x04 not really a workbook",
            "catalog.xlsx",
            "无法读取这个 Excel 文件，文件可能已损坏。请用 Excel 或 WPS 打开后另存为 .xlsx 再导入。",
        ),
        (b"", "catalog.csv", "文件是空的，没有表头和数据。"),
        (b"\xef\xbb\xbf\r\n\r\n", "catalog.csv", "文件是空的，没有表头和数据。"),
        ("标题,栏目编码,成文日期\r\n,,\r\n".encode(), "catalog.csv", "文件只有表头，没有可导入的数据行。"),
        (
            b"\x81\x30\xff\xfe",
            "catalog.csv",
            "无法识别 CSV 文件的编码。请另存为“CSV UTF-8”或 GBK 编码的 CSV 后再导入。",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(county, clerk, data, name, message):
    with pytest.raises(ImportFileError) as error:
        _import(data, county, clerk, name=name)
    assert str(error.value) == message
    assert not Item.objects.exists()


def test_an_empty_workbook_is_refused(county, clerk):
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    with pytest.raises(ImportFileError, match="文件是空的"):
        _import(buffer.getvalue(), county, clerk, name="catalog.xlsx")


def test_missing_required_columns_are_reported_on_the_header_row(county, head):
    report = _import(_csv([_row()], columns=("标题", "成文日期")), county, head, publish=True)
    _assert_refused(
        report,
        [
            RowError(1, "栏目编码", "缺少必需的列“栏目编码”（表头应在第1行）。"),
            RowError(1, "发布日期", "缺少必需的列“发布日期”（表头应在第1行）。"),
        ],
    )


def test_a_column_twice_in_the_header_is_reported(county, clerk):
    report = _import(_csv([_row()], columns=("标题", "栏目编码", "成文日期", "标题")), county, clerk)
    _assert_refused(report, [RowError(1, "标题", "表头中“标题”列出现了不止一次。")])


def test_only_a_clerk_or_head_of_the_organization_may_import(county, outsider, reviewer):
    for user in (outsider, reviewer):
        with pytest.raises(NotAllowed) as error:
            _import(_csv([_row()]), county, user)
        assert str(error.value) == "只有测试县财政局的经办人或机关负责人可以导入信息。"
    assert not Item.objects.exists()


# Export ----------------------------------------------------------------------------------------


def _exported_csv(queryset):
    data = export_items(queryset, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("title", ['=HYPERLINK("http://evil.example","点击")', "+1+2", "-2+3", "@SUM(A1)"])
def test_export_neutralises_cells_a_spreadsheet_would_run_as_a_formula(county, title):
    ItemFactory(organization=county.finance, title=title, keywords="=cmd|' /C calc'!A0")
    header, row = _exported_csv(Item.objects.all())
    assert row[header.index("标题")] == f"'{title}"
    assert row[header.index("关键词")] == "'=cmd|' /C calc'!A0"
    sheet = openpyxl.load_workbook(io.BytesIO(export_items(Item.objects.all(), "xlsx"))).active
    cell = sheet.cell(row=2, column=COLUMNS.index("标题") + 1)
    assert cell.value == f"'{title}"
    assert cell.data_type == "s"


def test_export_writes_the_import_columns_with_labels_and_dates(subjects, county):
    subject = Subject.objects.get(code="0301")
    ItemFactory(
        organization=county.finance,
        category=category_of(county.finance, "0307"),
        published=True,
        index_number="IDX/2026-00001",
        subject=subject,
        document_type="budget",
        validity="amended",
        validity_date=dt.date(2026, 3, 20),
        channels=["wechat", "archives"],
        published_at=dt.datetime(2026, 3, 5, 9, 30, tzinfo=SHANGHAI),
    )
    header, row = _exported_csv(Item.objects.all())
    assert tuple(header) == COLUMNS
    cells = dict(zip(header, row, strict=True))
    assert cells["索引号"] == "IDX/2026-00001"
    assert cells["发布机构"] == "测试县财政局"
    assert cells["栏目编码"] == "0307"
    assert cells["主题分类"] == "财政、金融、审计\\财政"
    assert cells["文件类型"] == "财政预决算"
    assert cells["成文日期"] == "2026-03-02"
    assert cells["发布日期"] == "2026-03-05 09:30"
    assert cells["有效性"] == "已修改"
    assert cells["有效性变更日期"] == "2026-03-20"
    assert cells["发布渠道"] == "政务微信、档案馆、图书馆"


def test_an_xlsx_export_imports_into_another_organization(subjects, county):
    importer = MembershipFactory(organization=county.government, role=Role.HEAD).user
    prefix = county.finance.effective_index_prefix
    ItemFactory(
        organization=county.finance,
        category=category_of(county.finance, "0307"),
        published=True,
        index_number=f"{prefix}/2026-00001",
        title="=预算公开（以等号开头的标题）",
        subject=Subject.objects.get(code="0301"),
        document_type="budget",
        document_number="测财〔2026〕3号",
        validity="repealed",
        validity_date=dt.date(2026, 3, 20),
        keywords="预算",
        summary="概述",
        body="<p>正文<strong>加粗</strong></p>",
        channels=["wechat", "archives"],
        published_at=dt.datetime(2026, 3, 5, 9, 30, tzinfo=SHANGHAI),
    )
    ItemFactory(
        organization=county.finance,
        category=category_of(county.finance, "0301"),
        published=True,
        index_number=f"{prefix}/2026-00002",
        published_at=dt.datetime(2026, 3, 6, tzinfo=SHANGHAI),
    )
    ItemFactory(organization=county.education, published=True)  # not exported
    data = export_items(Item.objects.filter(organization=county.finance), "xlsx")

    report = _import(data, county, importer, publish=True, name="财政局.xlsx", organization=county.education)

    assert report.ok, report.errors
    assert report.notes == ["有 2 行的“发布机构”不是测试县教育局；这些信息也将导入测试县教育局的公开目录。"]
    fields = (
        "index_number", "title", "category__code", "subject__code", "document_type", "document_number",
        "written_date", "published_at", "validity", "validity_date", "keywords", "summary", "body", "channels",
        "status",
    )  # fmt: skip
    originals = list(Item.objects.filter(organization=county.finance).order_by("published_at").values_list(*fields))
    copies = list(
        Item.objects.filter(organization=county.education, author=importer)
        .order_by("published_at")
        .values_list(*fields)
    )
    assert copies == originals


# The admin -------------------------------------------------------------------------------------


def _upload(data, name="catalog.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_the_change_list_links_to_import_and_export(client, clerk):
    client.force_login(clerk)
    page = client.get("/admin/catalog/item/").content.decode()
    assert f'href="{IMPORT_URL}"' in page
    assert f'href="{EXPORT_URL}?format=xlsx"' in page
    page = client.get("/admin/catalog/item/", {"status__exact": "draft"}).content.decode()
    assert f'href="{EXPORT_URL}?status__exact=draft&amp;format=csv"' in page


def test_admin_dry_run_shows_every_error_and_writes_nothing(client, clerk, county):
    client.force_login(clerk)
    data = _csv([_row(成文日期="2026-05-01"), _row(), _row(栏目编码="0323")])
    response = client.post(IMPORT_URL, {"organization": county.finance.pk, "file": _upload(data), "publish": "draft"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "发现 2 处问题，没有写入任何信息" in page
    assert "成文日期2026-05-01晚于今天，请核对成文日期。" in page
    assert "栏目编码“0323”不在测试县财政局的公开目录中" in page
    assert 'name="token"' not in page
    assert not Item.objects.exists()


def test_admin_dry_run_then_confirm_imports_the_same_file(client, head, county):
    client.force_login(head)
    data = _csv([_published_row(索引号="OLD-1"), _published_row(标题="第二条")])
    response = client.post(
        IMPORT_URL, {"organization": county.finance.pk, "file": _upload(data), "publish": "published"}
    )
    page = response.content.decode()
    assert "全部 2 行检查通过，尚未写入" in page
    assert "OLD-1" in page and "第二条" in page
    assert not Item.objects.exists()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)

    response = client.post(IMPORT_URL, {"token": token}, follow=True)

    assert "已从“catalog.csv”导入 2 条信息到测试县财政局，状态为“已发布”。" in response.content.decode()
    assert set(Item.objects.values_list("status", flat=True)) == {ItemStatus.PUBLISHED}
    assert Item.objects.get(title="测试县财政局2026年部门预算").index_number == "OLD-1"
    assert AuditEvent.objects.filter(action="create", comment="批量导入").count() == 2
    # The token is spent: a second confirmation imports nothing more.
    response = client.post(IMPORT_URL, {"token": token})
    assert "上传的文件已过期" in response.content.decode()
    assert Item.objects.count() == 2


def test_admin_confirm_with_a_token_of_another_session_is_refused(client, clerk, head, county):
    client.force_login(clerk)
    data = _csv([_row()])
    page = client.post(
        IMPORT_URL, {"organization": county.finance.pk, "file": _upload(data), "publish": "draft"}
    ).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    client.force_login(head)
    response = client.post(IMPORT_URL, {"token": token})
    assert "上传的文件已过期（保留1小时）或不属于当前登录，请重新上传并试运行。" in response.content.decode()
    assert not Item.objects.exists()


def test_admin_confirm_reports_a_number_taken_since_the_dry_run_and_writes_nothing(client, head, county):
    client.force_login(head)
    data = _csv([_published_row(标题="第一条"), _published_row(索引号="OLD-1")])
    page = client.post(
        IMPORT_URL, {"organization": county.finance.pk, "file": _upload(data), "publish": "published"}
    ).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    ItemFactory(organization=county.finance, published=True, index_number="OLD-1", title="刚发布的信息")
    page = client.post(IMPORT_URL, {"token": token}).content.decode()
    assert "索引号“OLD-1”已被测试县财政局的信息“刚发布的信息”使用" in page
    assert Item.objects.count() == 1


def test_admin_shows_a_file_error_on_the_form(client, clerk, county):
    client.force_login(clerk)
    response = client.post(
        IMPORT_URL,
        {"organization": county.finance.pk, "file": _upload(b"%PDF-1.4\n", "公告.pdf"), "publish": "draft"},
    )
    assert "“公告.pdf”不是 CSV 或 XLSX 文件" in response.content.decode()
    assert not Item.objects.exists()


def test_an_outsider_cannot_import_into_another_organization_with_a_crafted_id(client, outsider, county):
    client.force_login(outsider)
    page = client.get(IMPORT_URL).content.decode()
    assert "测试县教育局" in page and "测试县财政局" not in page
    response = client.post(
        IMPORT_URL, {"organization": county.finance.pk, "file": _upload(_csv([_row()])), "publish": "draft"}
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert not Item.objects.exists()


def test_a_reviewer_may_not_open_the_import_page(client, reviewer):
    client.force_login(reviewer)
    assert client.get(IMPORT_URL).status_code == 403
    assert IMPORT_URL not in client.get("/admin/catalog/item/").content.decode()


def test_admin_export_holds_only_the_items_in_scope_and_follows_the_filters(client, clerk, county):
    ItemFactory(organization=county.finance, title="财政局草稿")
    ItemFactory(organization=county.finance, title="财政局已发布", published=True)
    ItemFactory(organization=county.treasury, title="国库中心已发布", published=True)
    ItemFactory(organization=county.education, title="教育局已发布", published=True)
    client.force_login(clerk)

    response = client.get(EXPORT_URL, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    titles = {row[1] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert titles == {"标题", "财政局草稿", "财政局已发布", "国库中心已发布"}

    response = client.get(EXPORT_URL, {"format": "xlsx", "status__exact": "published"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"财政局已发布", "国库中心已发布"}


def test_admin_export_action_exports_the_selected_items(client, clerk, county):
    chosen = ItemFactory(organization=county.finance, title="选中的信息")
    ItemFactory(organization=county.finance, title="未选中的信息")
    client.force_login(clerk)
    response = client.post("/admin/catalog/item/", {"action": "export_selected_csv", "_selected_action": [chosen.pk]})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows] == ["标题", "选中的信息"]


# Management commands ---------------------------------------------------------------------------


def test_import_command_dry_run_then_real_run(county, head, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_bytes(_csv([_published_row(), _published_row(标题="第二条")], encoding="gbk"))
    out = io.StringIO()
    call_command(
        "import_items", str(path), "--organization=测试县财政局", "--user=head", "--publish", "--dry-run", stdout=out
    )
    assert "试运行通过：2 行可以导入测试县财政局（已发布），未写入。" in out.getvalue()
    assert not Item.objects.exists()
    call_command(
        "import_items", str(path), f"--organization={county.finance.pk}", "--user=head", "--publish", stdout=out
    )
    assert "已导入 2 条信息到测试县财政局，状态为“已发布”。" in out.getvalue()
    assert Item.objects.filter(status=ItemStatus.PUBLISHED).count() == 2


def test_import_command_prints_every_error_and_fails(county, clerk, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_bytes(_csv([_row(), _row(成文日期="2099-01-01")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 1 处问题，没有写入任何信息。"):
        call_command("import_items", str(path), "--organization=测试县财政局", "--user=clerk", stderr=err)
    assert "第3行“成文日期”：成文日期2099-01-01晚于今天，请核对成文日期。" in err.getvalue()
    assert not Item.objects.exists()


def test_import_command_refuses_a_user_without_the_role(county, outsider, tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_bytes(_csv([_row()]))
    with pytest.raises(CommandError, match="只有测试县财政局的经办人或机关负责人可以导入信息。"):
        call_command("import_items", str(path), "--organization=测试县财政局", "--user=outsider")


def test_export_command_writes_a_file_that_the_import_command_reads(county, sysadmin, tmp_path):
    ItemFactory(organization=county.finance, category=category_of(county.finance, "0302"), title="机构职能")
    path = tmp_path / "finance.csv"
    call_command("export_items", "--organization=测试县财政局", "-o", str(path), stdout=io.StringIO())
    call_command("import_items", str(path), "--organization=测试县教育局", "--user=sysadmin", stdout=io.StringIO())
    copy = Item.objects.get(organization=county.education)
    assert copy.title == "机构职能"
    assert copy.category == Category.objects.get(organization=county.education, code="0302")
