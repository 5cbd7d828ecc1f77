"""Every import with hostile cells, as CSV and XLSX (Word and Excel for the work plan): the catalog's
items, the ledger of applications, the entered values of the yearly reports, a work plan.

Each file is either imported whole or refused whole: a report listing the problems, or a Chinese
DomainError for a file that cannot be read. Never another exception, and nothing written when refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from hypothesis import example, given
from hypothesis import strategies as st

from annual_reports import entered_import
from annual_reports import workflow as report_workflow
from annual_reports.models import EnteredFigure
from catalog.import_export import COLUMNS as ITEM_COLUMNS
from catalog.import_export import import_items
from catalog.models import Item
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.errors import DomainError
from disclosure_site.models import AuditEvent, Role
from requests_app.ledger import COLUMNS as LEDGER_COLUMNS
from requests_app.ledger import import_ledger
from requests_app.models import InfoRequest, RequestEvent
from tests.factories import MembershipFactory
from tests.workplans.files import GOOD_ROWS, HEADER, docx_bytes
from workplans import plan_import
from workplans.models import Plan, Task, TaskUnit

from .strategies import hostile_settings, hostile_text

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# What XML (so XLSX and DOCX) cannot hold at all: the file could not be written in the first place.
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FORMATS = ("csv", "xlsx")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def calendar(db):
    seed_from_package({2024, 2025, 2026})


def table(header, rows: list[dict], kind: str) -> tuple[bytes, str]:
    """header and rows as a CSV (UTF-8 with BOM, as Excel saves it) or XLSX file, and its name."""
    if kind == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])
        return buffer.getvalue().encode("utf-8-sig"), "导入.csv"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([NOT_IN_XML.sub("", row.get(column, "")) for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "导入.xlsx"


def hostile_rows(base: dict, columns) -> st.SearchStrategy[list[dict]]:
    """One to three rows: a good row with some of its cells replaced by hostile text."""
    row = st.dictionaries(st.sampled_from(tuple(columns)), hostile_text(), max_size=4).map(lambda c: {**base, **c})
    return st.lists(row, min_size=1, max_size=3)


def refused_or_whole(run, counts) -> None:
    """Run the import; a refusal (problems listed, or a DomainError) must leave every count as it was."""
    before = counts()
    try:
        report = run()
    except DomainError as error:
        assert str(error)  # a message for the person who uploaded the file
        assert counts() == before
        return
    if not report.ok:
        assert report.errors
        assert counts() == before


# Catalog items ---------------------------------------------------------------------------------------------

ITEM_ROW = {
    "标题": "测试县财政局2026年部门预算",
    "栏目编码": "0307",
    "成文日期": "2026-03-02",
    "发布日期": "2026-03-05",
}


@pytest.fixture
def head(county):
    """机关负责人 of 县财政局: may import items as drafts or as published."""
    return MembershipFactory(organization=county.finance, role=Role.HEAD).user


def _item_counts():
    return Item.objects.count(), AuditEvent.objects.count()


@hostile_settings()
@given(rows=hostile_rows(ITEM_ROW, ITEM_COLUMNS), kind=st.sampled_from(FORMATS), publish=st.booleans())
@example(rows=[{**ITEM_ROW, "标题": "x" * 9000}, {**ITEM_ROW, "标题": "NUL\x00在第二行"}], kind="csv", publish=False)
def test_catalog_import_of_hostile_cells(calendar, county, head, rows, kind, publish):
    content, name = table(ITEM_COLUMNS, rows, kind)

    refused_or_whole(
        lambda: import_items(content, organization=county.finance, by=head, publish=publish, dry_run=False, name=name),
        _item_counts,
    )


# Ledger of applications ------------------------------------------------------------------------------------

LEDGER_ROW = {
    "申请编号": "TZ-2025-001",
    "受理机关": "测试县财政局",
    "收到日期": "2025-03-06",
    "提交日期": "2025-03-05",
    "申请方式": "信函",
    "申请人类型": "自然人",
    "申请人": "张三",
    "申请内容": "请公开2024年度三公经费决算明细",
    "提供形式": "纸质",
    "获取方式": "邮寄",
    "状态": "已答复",
    "答复日期": "2025-03-20",
    "办理结果": "部分公开",
}


def _ledger_counts():
    return InfoRequest.objects.count(), RequestEvent.objects.count(), AuditEvent.objects.count()


@hostile_settings()
@given(rows=hostile_rows(LEDGER_ROW, LEDGER_COLUMNS), kind=st.sampled_from(FORMATS))
@example(
    rows=[{**LEDGER_ROW, "申请内容": "x" * 9000}, {**LEDGER_ROW, "申请编号": "TZ-2", "申请人": "\x00"}], kind="csv"
)
def test_ledger_import_of_hostile_cells(calendar, county, clerk, rows, kind):
    content, name = table(LEDGER_COLUMNS, rows, kind)

    refused_or_whole(
        lambda: import_ledger(content, organization=county.finance, by=clerk, dry_run=False, name=name),
        _ledger_counts,
    )


# Entered values of the yearly report ------------------------------------------------------------------------

ENTERED_COLUMNS = ("机构", "项目", "数值", "单位")
ENTERED_ROW = {"机构": "测试县财政局", "项目": "行政许可", "数值": "12", "单位": "件"}


def _entered_counts():
    return tuple(EnteredFigure.objects.order_by("pk").values_list("name", "value")), AuditEvent.objects.count()


@hostile_settings()
@given(rows=hostile_rows(ENTERED_ROW, ENTERED_COLUMNS), kind=st.sampled_from(FORMATS))
@example(rows=[{**ENTERED_ROW, "项目": "x" * 9000}, {**ENTERED_ROW, "数值": "1\x00"}], kind="csv")
def test_entered_values_import_of_hostile_cells(county, clerk, rows, kind):
    if not hasattr(county, "_draft_2025"):
        county._draft_2025 = report_workflow.create(county.finance, year=2025, by=clerk, today=dt.date(2026, 1, 15))
    content, name = table(ENTERED_COLUMNS, rows, kind)

    refused_or_whole(
        lambda: entered_import.import_entered(
            content, organization=county.finance, year=2025, by=clerk, dry_run=False, name=name
        ),
        _entered_counts,
    )


# Work plan (Word or Excel) ---------------------------------------------------------------------------------


@pytest.fixture
def gov_clerk(county):
    return MembershipFactory(organization=county.government, role=Role.CLERK).user


def _plan_xlsx(rows) -> bytes:
    """The plan as Excel: the header, headings in a row of their own, every cell as text."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append([row] if isinstance(row, str) else list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plan_counts():
    return Plan.objects.count(), Task.objects.count(), TaskUnit.objects.count(), AuditEvent.objects.count()


def _cell(text: str) -> str:
    return NOT_IN_XML.sub("", text)


plan_rows = st.lists(
    st.one_of(
        st.sampled_from(GOOD_ROWS),
        hostile_text().map(_cell),  # a heading
        st.tuples(*[hostile_text().map(_cell) for _ in HEADER]),
    ),
    min_size=1,
    max_size=4,
)


@hostile_settings()
@given(rows=plan_rows, kind=st.sampled_from(("docx", "xlsx")), year=st.integers(2020, 2030))
def test_work_plan_import_of_hostile_cells(county, gov_clerk, rows, kind, year):
    content = docx_bytes(rows) if kind == "docx" else _plan_xlsx(rows)

    refused_or_whole(
        lambda: plan_import.import_plan(
            content, organization=county.government, year=year, by=gov_clerk, name=f"要点.{kind}", dry_run=False
        ),
        _plan_counts,
    )


@hostile_settings()
@given(content=st.one_of(st.binary(max_size=2000), st.sampled_from((b"PK\x03\x04" + b"\x00" * 100, b"%PDF-1.4"))))
def test_work_plan_import_of_a_file_that_is_no_document(county, gov_clerk, content):
    refused_or_whole(
        lambda: plan_import.import_plan(
            content, organization=county.government, year=2026, by=gov_clerk, name="要点.docx", dry_run=False
        ),
        _plan_counts,
    )


def test_a_nul_character_deep_in_a_csv_is_refused_with_its_row(calendar, county, clerk):
    rows = [{**LEDGER_ROW, "申请内容": "x" * 9000}, {**LEDGER_ROW, "申请编号": "TZ-2", "申请人": "张\x00三"}]
    content, name = table(LEDGER_COLUMNS, rows, "csv")

    with pytest.raises(DomainError, match="第3行含有空字符"):
        import_ledger(content, organization=county.finance, by=clerk, dry_run=False, name=name)
    assert InfoRequest.objects.count() == 0


# The same imports from the command line ---------------------------------------------------------------------

COMMANDS = {"import_items": (ITEM_COLUMNS, ITEM_ROW), "import_ledger": (LEDGER_COLUMNS, LEDGER_ROW)}
argument = hostile_text().filter(lambda text: "\x00" not in text)  # a shell cannot pass a NUL character


@pytest.mark.parametrize("command", COMMANDS)
@hostile_settings(max_examples=8)
@given(organization=argument, user=argument, rows=st.data())
@example(organization="²", user="clerk", rows=None)
@example(organization="9" * 5000, user="clerk", rows=None)
def test_import_commands_answer_hostile_arguments_with_a_command_error(
    calendar, county, clerk, tmp_path, command, organization, user, rows
):
    columns, row = COMMANDS[command]
    drawn = rows.draw(hostile_rows(row, columns)) if rows is not None else [row]
    content, name = table(columns, drawn, "csv")
    path = tmp_path / name
    path.write_bytes(content)
    before = _ledger_counts(), _item_counts()

    try:
        call_command(
            command, str(path), organization=organization, user=user, stdout=io.StringIO(), stderr=io.StringIO()
        )
    except CommandError as error:
        assert str(error)
        assert (_ledger_counts(), _item_counts()) == before
