"""Import of a work plan from the table an office already has: a Word (.docx) document or an Excel
(.xlsx) workbook with the columns 序号, 任务, 牵头单位, 配合单位 (and optionally 完成时限).

Headings are recognised as the plan documents write them: a paragraph such as “一、围绕深化改革推进公开”
before a table, or a row of the table that holds only such a text (often merged across the columns).
Unit names are matched against the organization tree: full name, short name (简称), or the end of
exactly one organization's name (“县财政局” for “测试县财政局”, reported as a note). Several units in one
cell are separated by 、，；/ or line breaks.

A dry run reads and checks everything and reports what it understood — headings, tasks, units — and
every problem with its place (第2张表第5行, or 第5行 of the sheet): unknown unit names, duplicate task
numbers, empty tasks, tasks without a lead unit. Nothing is written then; a confirmed import writes the
plan as a draft, with all its tasks, in one transaction, and only when there is no problem at all.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from disclosure_site import audit
from disclosure_site.errors import DomainError
from disclosure_site.models import Organization

from . import workflow
from .models import Heading, Plan, Task, TaskUnit, UnitRole

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TASKS = 2000
DOCX, XLSX = "docx", "xlsx"

NUMBER, TASK, LEAD, SUPPORT, DUE = "序号", "任务", "牵头单位", "配合单位", "完成时限"
COLUMNS = (NUMBER, TASK, LEAD, SUPPORT)
OPTIONAL_COLUMNS = (DUE,)
HEADER_NAMES = {
    NUMBER: ("序号", "编号"),
    TASK: ("任务", "工作任务", "重点任务", "主要任务", "任务内容", "工作内容", "具体任务"),
    LEAD: ("牵头单位", "牵头部门"),
    SUPPORT: ("配合单位", "配合部门"),
    DUE: ("完成时限", "完成时间", "时间要求", "时限要求"),
}
UNIT_SEPARATORS = re.compile(r"[、，,；;／/\s]+")
HEADING_TEXT = re.compile(
    r"^[一二三四五六七八九十]+[、.．]|^[（(][一二三四五六七八九十]+[）)]|^第[一二三四五六七八九十]+部分"
)
ONGOING = ("长期坚持", "持续推进", "常态化", "长期", "持续", "全年", "按规定时限", "按时限要求")


class ImportFileError(DomainError):
    """The file as a whole cannot be used: wrong type, unreadable, too large, no plan table in it."""


@dataclass(frozen=True)
class RowError:
    where: str
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}" + (f"“{self.column}”" if self.column else "") + f"：{self.reason}"


@dataclass
class UnitMatch:
    text: str
    organization: Organization | None


@dataclass
class ImportTask:
    where: str
    heading: str
    number: int | None
    text: str
    leads: list[UnitMatch] = field(default_factory=list)
    supports: list[UnitMatch] = field(default_factory=list)
    due_on: dt.date | None = None
    due_text: str = ""

    @property
    def unknown(self) -> list[str]:
        return [m.text for m in self.leads + self.supports if m.organization is None]


@dataclass
class ImportReport:
    organization: Organization
    year: int
    title: str
    name: str
    dry_run: bool
    headings: list[str] = field(default_factory=list)
    tasks: list[ImportTask] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plan: Plan | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def unknown_units(self) -> list[str]:
        seen: dict[str, None] = {}
        for task in self.tasks:
            for text in task.unknown:
                seen.setdefault(text)
        return list(seen)


# Reading ----------------------------------------------------------------------------------------------


@dataclass
class RawRow:
    where: str
    cells: dict[str, Any]  # column → cell value; "_all" → every non-empty text of the row
    heading_before: str = ""  # a heading paragraph that came before this row's table


def _clean(text: Any) -> str:
    """A cell's text as written (full-width brackets stay), without surrounding space."""
    if text is None:
        return ""
    return str(text).strip()


def _normal(text: Any) -> str:
    """For matching only: full-width digits, letters and punctuation as ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", _clean(text))


def _header_key(text: Any) -> str:
    return re.sub(r"[\s*:]", "", _normal(text))


def _header_columns(cells: list[Any]) -> dict[str, int] | None:
    """{column: index} if cells is a header row with at least 序号, 任务, 牵头单位, 配合单位."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _header_key(cell)
        for column, names in HEADER_NAMES.items():
            if key in names and column not in found:
                found[column] = index
    return found if all(column in found for column in COLUMNS) else None


def detect_format(data: bytes, name: str) -> str:
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            "这是旧版 Word（.doc）或 Excel（.xls）文件，无法直接导入。请在 Word、Excel 或 WPS 中另存为 .docx 或 .xlsx 后再导入。"
        )
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            names = set()
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    what = f"“{name}”" if name else "上传的文件"
    raise ImportFileError(
        f"{what}不是 Word（.docx）或 Excel（.xlsx）文件。请上传含有工作要点分工表的 .docx 或 .xlsx 文件。"
    )


def _docx_rows(data: bytes) -> list[RawRow]:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # a damaged package: python-docx raises several kinds
        raise ImportFileError(
            "无法读取这个 Word 文件，文件可能已损坏。请用 Word 或 WPS 打开后另存为 .docx 再试。"
        ) from exc
    rows: list[RawRow] = []
    heading = ""
    table_number = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = _clean(block.text)
            style = (block.style.name if block.style is not None else "") or ""
            if text and (HEADING_TEXT.match(text) or style.lower().startswith("heading") or style.startswith("标题")):
                heading = text
            continue
        if not isinstance(block, Table):
            continue
        table_number += 1
        columns = None
        first_of_table = True
        for row_number, row in enumerate(block.rows, start=1):
            texts = [_clean(cell.text) for cell in row.cells]
            if columns is None:
                columns = _header_columns(texts)
                continue
            where = f"第{table_number}张表第{row_number}行"
            cells = {column: texts[i] if i < len(texts) else "" for column, i in columns.items()}
            cells["_all"] = [t for t in texts if t]
            rows.append(RawRow(where, cells, heading if first_of_table else ""))
            first_of_table = False
    return rows


def _xlsx_rows(data: bytes) -> list[RawRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged file
        raise ImportFileError(
            "无法读取这个 Excel 文件，文件可能已损坏。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。"
        ) from exc
    rows: list[RawRow] = []
    sheets = workbook.worksheets
    try:
        for sheet in sheets:
            columns = None
            prefix = f"工作表“{sheet.title}”" if len(sheets) > 1 else ""
            for row_number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                values = list(values)
                if columns is None:
                    if row_number <= 20:
                        columns = _header_columns(values)
                    continue
                cells: dict[str, Any] = {
                    column: values[i] if i < len(values) else None for column, i in columns.items()
                }
                cells["_all"] = [_clean(v) for v in values if _clean(v)]
                rows.append(RawRow(f"{prefix}第{row_number}行", cells))
    finally:
        workbook.close()
    return rows


# Understanding ----------------------------------------------------------------------------------------


def parse_number(value: Any) -> int | None:
    """序号 as written: 3, 3.0, “3”, “3.”, “3、”, “（3）”; None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _normal(value).strip("()[]【】").rstrip(".、,")
    if not (text.isascii() and text.isdigit()):
        return None
    # Past any 序号 a plan can have: not read as a number (int() of thousands of digits is refused anyway).
    return int(text) if len(text) <= 9 else None


def parse_due(value: Any, year: int) -> tuple[dt.date | None, str | None]:
    """(date, None) or (None, None) for “持续推进”-like or empty text; (None, reason) when unreadable."""
    if value is None:
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = re.sub(r"\s", "", _normal(value))
    if not text or any(text.startswith(word) for word in ONGOING):
        return None, None
    text = text.removeprefix("于").removesuffix("完成").removesuffix("前")
    match = re.fullmatch(r"(?:(\d{4})[年./-])?(\d{1,2})[月./-](\d{1,2})日?", text)
    if match:
        try:
            return dt.date(int(match[1] or year), int(match[2]), int(match[3])), None
        except ValueError:
            return None, f"“{_clean(value)}”不是有效日期"
    match = re.fullmatch(r"(?:(\d{4})年)?(\d{1,2})月(?:底|末|份|内)?", text)
    if match and 1 <= int(match[2]) <= 12:
        y, m = int(match[1] or year), int(match[2])
        return dt.date(y, m, calendar.monthrange(y, m)[1]), None
    match = re.fullmatch(
        r"(?:(\d{4})年)?(年底|年内|年末|上半年|下半年|第一季度|第二季度|第三季度|第四季度|一季度|二季度|三季度|四季度)(?:底|末)?",
        text,
    )
    if match:
        y = int(match[1] or year)
        part = match[2].removeprefix("第")
        month = {"上半年": 6, "一季度": 3, "二季度": 6, "三季度": 9}.get(part, 12)
        return dt.date(y, month, calendar.monthrange(y, month)[1]), None
    match = re.fullmatch(r"(\d{4})年(?:底|内|末)?", text)
    if match:
        return dt.date(int(match[1]), 12, 31), None
    return None, f"无法识别“{_clean(value)}”，请写成 2026年6月底、2026-06-30、年底或持续推进"


class UnitIndex:
    """Organizations by full name, short name and (when unique) the end of their name."""

    def __init__(self) -> None:
        self.organizations = list(Organization.objects.filter(is_active=True).order_by("tree_id", "lft"))
        self.by_name = {_key(o.name): o for o in self.organizations}
        self.by_short: dict[str, list[Organization]] = {}
        for o in self.organizations:
            if o.short_name:
                self.by_short.setdefault(_key(o.short_name), []).append(o)

    def find(self, text: str) -> tuple[Organization | None, str]:
        """(organization, note) — the note says how a name other than the full name was understood."""
        key = _key(text)
        if key in self.by_name:
            return self.by_name[key], ""
        shorts = self.by_short.get(key, [])
        if len(shorts) == 1:
            return shorts[0], f"“{text}”按简称识别为“{shorts[0].name}”"
        if len(key) >= 3:
            ends = [o for o in self.organizations if _key(o.name).endswith(key)]
            if len(ends) == 1:
                return ends[0], f"“{text}”识别为“{ends[0].name}”"
        return None, ""


def _key(name: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", name))


def split_units(text: Any) -> list[str]:
    names = []
    for part in UNIT_SEPARATORS.split(_clean(text)):
        part = part.strip().removesuffix("等")
        if part and part not in names:
            names.append(part)
    return names


def understand(rows: list[RawRow], report: ImportReport) -> None:
    units = UnitIndex()
    notes: dict[str, None] = {}
    numbers: dict[int, str] = {}
    heading = ""

    def set_heading(text: str) -> None:
        nonlocal heading
        heading = text
        if text not in report.headings:
            report.headings.append(text)

    for raw in rows:
        if raw.heading_before:
            set_heading(raw.heading_before)
        cells = raw.cells
        texts = cells["_all"]
        if not texts:
            continue
        number_cell, text = cells[NUMBER], _clean(cells[TASK])
        lead_text, support_text = _clean(cells[LEAD]), _clean(cells[SUPPORT])
        number = parse_number(number_cell)
        # A heading row: one text (or one text repeated across merged cells) and no number, no units.
        if number is None and (len(set(texts)) == 1 or not (lead_text or support_text)):
            if len(set(texts)) == 1 or HEADING_TEXT.match(texts[0]):
                set_heading(texts[0])
                continue
        task = ImportTask(where=raw.where, heading=heading, number=number, text=text)
        if number is None:
            shown = _clean(number_cell)
            if len(shown) > 20:
                shown = f"{shown[:20]}…"
            if not shown:
                reason = "缺少序号"
            elif shown.rstrip("…").isdigit():
                reason = f"序号应为1至32767之间的整数，不能是{shown}"
            else:
                reason = f"序号应为数字，不能是“{shown}”"
            report.errors.append(RowError(raw.where, NUMBER, reason))
        elif number < 1 or number > 32767:
            report.errors.append(RowError(raw.where, NUMBER, f"序号应为1至32767之间的整数，不能是{number}"))
        elif number in numbers:
            report.errors.append(RowError(raw.where, NUMBER, f"序号{number}与{numbers[number]}重复"))
        else:
            numbers[number] = raw.where
        if not text:
            report.errors.append(RowError(raw.where, TASK, "任务内容为空"))
        for column, cell, target in ((LEAD, lead_text, task.leads), (SUPPORT, support_text, task.supports)):
            for name in split_units(cell):
                organization, note = units.find(name)
                if organization is not None and any(m.organization == organization for m in target):
                    continue  # the same unit written twice (全称 and 简称) in one cell
                target.append(UnitMatch(name, organization))
                if organization is None:
                    report.errors.append(
                        RowError(raw.where, column, f"未找到单位“{name}”，请使用机构全称或简称（见后台“机构”列表）")
                    )
                elif note:
                    notes.setdefault(note)
        if not task.leads:
            report.errors.append(RowError(raw.where, LEAD, "缺少牵头单位"))
        leads = {m.organization.pk for m in task.leads if m.organization}
        for match in task.supports:
            if match.organization and match.organization.pk in leads:
                report.errors.append(
                    RowError(raw.where, SUPPORT, f"“{match.organization.name}”已是牵头单位，不能同时列为配合单位")
                )
        if DUE in cells:
            task.due_text = _clean(cells[DUE])
            task.due_on, problem = parse_due(cells[DUE], report.year)
            if problem:
                report.errors.append(RowError(raw.where, DUE, problem))
        report.tasks.append(task)
    report.notes.extend(notes)


# The import -------------------------------------------------------------------------------------------


def import_plan(
    content: bytes,
    *,
    organization: Organization,
    year: int,
    by,
    name: str = "",
    title: str = "",
    dry_run: bool = True,
) -> ImportReport:
    """Read the plan in content; with dry_run (the default) only report, else write it as a draft plan
    of organization for year when nothing is wrong. Raises ImportFileError for an unusable file and
    NotAllowed for a user who may not draft the organization's plans."""
    workflow.require_role(by, organization, workflow.EDIT_ROLES, f"导入{organization}的政务公开工作要点")
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，请删去图片等内容后再导入。")
    if not content:
        raise ImportFileError("上传的文件是空的。")
    if Plan.objects.filter(organization=organization, year=year).exists():
        raise ImportFileError(f"{organization}{year}年度的政务公开工作要点已存在，不能再导入。请在列表中打开它修改。")
    kind = detect_format(content, name)
    rows = _docx_rows(content) if kind == DOCX else _xlsx_rows(content)
    report = ImportReport(
        organization=organization,
        year=year,
        title=title.strip() or workflow.default_title(organization, year),
        name=name,
        dry_run=dry_run,
    )
    if not rows:
        raise ImportFileError(
            "文件中没有找到分工表：表格的第一行应为表头，包含“序号”“任务”“牵头单位”“配合单位”四列（可另有“完成时限”列）。"
        )
    understand(rows, report)
    if not report.tasks and not report.errors:
        raise ImportFileError("分工表中没有任务。")
    if len(report.tasks) > MAX_TASKS:
        raise ImportFileError(f"一份工作要点最多{MAX_TASKS}项任务，文件中有{len(report.tasks)}项。")
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        plan = workflow.create(organization, year=year, by=by, title=report.title, source_name=name)
        headings = {
            text: Heading.objects.create(plan=plan, position=position, title=text[:200])
            for position, text in enumerate(report.headings, start=1)
        }
        tasks = Task.objects.bulk_create(
            [
                Task(plan=plan, heading=headings.get(t.heading), number=t.number, text=t.text, due_on=t.due_on)
                for t in report.tasks
            ]
        )
        units = []
        for task, found in zip(tasks, report.tasks, strict=True):
            for role, matches in ((UnitRole.LEAD, found.leads), (UnitRole.SUPPORT, found.supports)):
                units += [
                    TaskUnit(task=task, organization=m.organization, role=role, position=i)
                    for i, m in enumerate(matches)
                ]
        TaskUnit.objects.bulk_create(units)
        audit.record(plan, actor=by, action="change", comment=f"导入{len(tasks)}项任务、{len(headings)}个分组")
        report.plan = plan
    return report
