"""Entered values from a spreadsheet: the numbers of table A that come from other business systems
(行政许可, 行政处罚, 行政强制 decisions; 行政事业性收费 in 万元), imported into the drafts of a year.

The file is CSV (UTF-8, with or without BOM, or GBK/GB18030) or XLSX; the first non-empty row is the
header, in Chinese, columns in any order (README "政府信息公开工作年度报告" shows the same table):

    机构    optional. The organization's full name, short name or 统一社会信用代码; an empty cell, or no
            such column, means the organization chosen for the import. It must be that organization or
            one under it, and have an editable draft (草稿) of the year.
    项目    required. What the number is, as the report names it: 行政许可, 行政处罚, 行政强制,
            行政事业性收费, or the full label of the report form (行政许可 本年处理决定数量, …). Spaces,
            full-width or half-width brackets do not matter.
    数值    required. A number: counts are whole numbers, 万元 at most 4 decimal places, never negative
            (the 2019 format's 本年增/减 excepted). 0 for none; an empty cell is an error.
    单位    optional. When filled, it must be the item's unit (件 or 万元): a file in 元 is stopped.

Other columns are ignored and listed. One row per organization and item; a second row for the same
pair is an error.

Every cell is checked first and every problem reported as (row, column, Chinese reason), rows numbered
as the spreadsheet shows them. A dry run stops there and writes nothing. A real run writes every row or
none: one transaction over workflow.update_draft of each draft (its own role and status checks, one audit
event per report). Only staff who may edit the reports (经办人, 审核人, 机关负责人) may import.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import IO, Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from disclosure_site import scoping, spreadsheets
from disclosure_site.errors import DomainError
from disclosure_site.models import Organization

from . import formats, workflow
from .formats import EnteredValue, Format
from .models import EnteredFigure, Report, ReportStatus
from .tables import plain

ORGANIZATION, ITEM, VALUE, UNIT = "机构", "项目", "数值", "单位"
COLUMNS = (ORGANIZATION, ITEM, VALUE, UNIT)
REQUIRED_COLUMNS = (ITEM, VALUE)
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
CSV, XLSX = spreadsheets.CSV, spreadsheets.XLSX
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


ImportFileError = spreadsheets.SpreadsheetError  # the file as a whole cannot be used


@dataclass(frozen=True)
class CellError:
    """A problem in one cell (row 1 or the header row: in the header)."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行" + (f"“{self.column}”" if self.column else "") + f"：{self.reason}"


@dataclass
class ImportRow:
    """A row understood: the value it gives a draft."""

    row: int
    report: Report
    name: str
    label: str
    unit: str
    value: Decimal
    current: Decimal | None

    @property
    def organization(self) -> Organization:
        return self.report.organization

    @property
    def value_text(self) -> str:
        return str(plain(self.value))

    @property
    def current_text(self) -> str:
        return "" if self.current is None else str(plain(self.current))


@dataclass
class EnteredImport:
    organization: Organization
    year: int
    dry_run: bool
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    written: int = 0  # reports changed

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def reports(self) -> int:
        return len({row.report.pk for row in self.rows})


# Labels ------------------------------------------------------------------------------------------------


def _key(text: str) -> str:
    """A label as compared: NFKC (full-width brackets and letters), no spaces or separators."""
    return re.sub(r"[\s/／:：·]", "", unicodedata.normalize("NFKC", text))


def short_labels(fmt: Format) -> dict[str, str]:
    """{entered name: the shortest label staff know it by}: the table row's own label where the row holds
    one entered value (行政许可), else the form's label (行政许可 上一年项目数量)."""
    names = {}
    for table in fmt.tables.values():
        for block, row in table.rows():
            entered = [source.name for source in row.cells if isinstance(source, formats.Entered)]
            if len(entered) == 1 and len(block.columns) == 1:
                names[entered[0]] = row.label
    return {value.name: names.get(value.name, value.label) for value in fmt.entered}


def aliases(fmt: Format) -> dict[str, EnteredValue]:
    """{compared label: entered value}: the form's label, the short label, row label + column label."""
    found: dict[str, set[str]] = {}

    def add(text: str, name: str) -> None:
        found.setdefault(_key(text), set()).add(name)

    for value in fmt.entered:
        add(value.label, value.name)
        add(re.sub(r"[（(][^（）()]*[）)]$", "", value.label), value.name)  # without the unit: （万元）
    for name, label in short_labels(fmt).items():
        add(label, name)
    for table in fmt.tables.values():
        for block, row in table.rows():
            for column, source in zip(block.columns, row.cells, strict=True):
                if isinstance(source, formats.Entered):
                    add(f"{row.label}{column.label}", source.name)
    by_name = {value.name: value for value in fmt.entered}
    return {key: by_name[next(iter(names))] for key, names in found.items() if len(names) == 1}


_TRAILING_UNIT = re.compile(r"^(.*?)\s*[（(]\s*(?:单位\s*[:：]\s*)?([^（）()]*?)\s*[）)]$")


def _find_item(labels: dict[str, EnteredValue], text: str) -> tuple[EnteredValue | None, str]:
    """The entered value a 项目 cell names, and the unit it gives in brackets (行政许可（件）), if any."""
    if not text:
        return None, ""
    if spec := labels.get(_key(text)):
        return spec, ""
    if (match := _TRAILING_UNIT.match(text)) and (spec := labels.get(_key(match[1]))):
        return spec, match[2]
    return None, ""


# Reading the file ----------------------------------------------------------------------------------------
# The rules of the other imports (catalog/import_export.py, requests_app/ledger.py), which this app may
# not import: decided by content, UTF-8 or GB18030 CSV, the first sheet of an XLSX, .xls refused.


def _read_bytes(file: IO[bytes] | bytes) -> bytes:
    return spreadsheets.read_bytes(file, max_bytes=MAX_FILE_BYTES)


def _rows(data: bytes, name: str) -> Iterator[list[Any]]:
    return spreadsheets.rows(data, name, max_rows=MAX_ROWS, max_cell_chars=MAX_FILE_BYTES)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\ufeff", "").strip()


def _blank(values: list[Any]) -> bool:
    return all(_text(value) == "" for value in values)


# Organizations and their drafts ---------------------------------------------------------------------------


class _Organizations:
    """The chosen organization's subtree, looked up by full name, short name or credit code."""

    def __init__(self, organization: Organization) -> None:
        self.root = organization
        self.subtree = list(organization.get_descendants(include_self=True))
        self.by_key: dict[str, list[Organization]] = {}
        for org in self.subtree:
            for key in {org.name, org.short_name, org.credit_code}:
                if key:
                    self.by_key.setdefault(_key(key).upper(), []).append(org)

    def find(self, text: str) -> Organization:
        if not text:
            return self.root
        found = self.by_key.get(_key(text).upper(), [])
        if len(found) > 1:
            raise DomainError(f"“{text}”对应多个机构，请填写机构全称或统一社会信用代码。")
        if not found:
            if Organization.objects.filter(Q(name=text) | Q(credit_code=text.upper())).exists():
                raise DomainError(f"“{text}”不是{self.root.name}或其下属机构，不能导入。")
            raise DomainError(f"没有名称、简称或统一社会信用代码为“{text}”的机构。")
        return found[0]


def _editable_reports(organizations: list[Organization], year: int) -> dict[int, Report]:
    """{organization id: the year's latest report} (the open one if any, else the latest published)."""
    reports: dict[int, Report] = {}
    queryset = Report.objects.filter(organization__in=[o.pk for o in organizations], year=year)
    for report in queryset.select_related("organization").order_by("revision"):
        reports[report.organization_id] = report
    return reports


def _not_editable(organization: Organization, year: int, report: Report | None) -> str | None:
    if report is None:
        return f"{organization.name}还没有{year}年度的年度报告，请先在管理后台生成报告草稿。"
    if report.status == ReportStatus.PENDING:
        return f"{organization.name}{year}年度的年度报告正在审批中，不能修改；如需修改，请先退回草稿。"
    if report.status == ReportStatus.PUBLISHED:
        return f"{organization.name}{year}年度的年度报告已发布，不能修改；如需修改，请先发起更正。"
    return None


# The import -------------------------------------------------------------------------------------------------


def import_entered(
    file: IO[bytes] | bytes,
    *,
    organization: Organization,
    year: int,
    by,
    dry_run: bool,
    name: str | None = None,
) -> EnteredImport:
    """Read entered values for the drafts of year in organization's subtree (see the module docstring).

    Every cell is checked; the result lists every problem. With dry_run, or when there is any problem,
    nothing is written; otherwise every value is stored in one transaction. Raises ImportFileError when
    the file cannot be read at all, and workflow.NotAllowed without an editing role."""
    if not scoping.has_role(by, organization, workflow.EDIT_ROLES):
        raise workflow.NotAllowed(f"只有{organization.name}的经办人、审核人或机关负责人可以导入填报数据。")
    name = name if name is not None else getattr(file, "name", "") or ""
    rows = _rows(_read_bytes(file), PurePath(name).name)
    result = EnteredImport(organization=organization, year=year, dry_run=dry_run)

    numbered = enumerate(rows, start=1)
    header_row, header = next(((n, values) for n, values in numbered if not _blank(values)), (0, None))
    if header is None:
        raise ImportFileError("文件是空的，没有表头和数据。")
    positions: dict[str, int] = {}
    for position, value in enumerate(header):
        column = _text(value).rstrip("*＊").strip()
        if not column:
            continue
        if column in positions:
            result.errors.append(CellError(header_row, column, f"表头中“{column}”列出现了不止一次。"))
        elif column in COLUMNS:
            positions[column] = position
        else:
            result.ignored_columns.append(column)
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            result.errors.append(
                CellError(
                    header_row, column, f"缺少必需的列“{column}”。表头应为：{'、'.join(COLUMNS)}（机构、单位可省略）。"
                )
            )
    if result.errors:
        return result

    lookups = _Organizations(organization)
    reports = _editable_reports(lookups.subtree, year)
    known: dict[str, dict[str, EnteredValue]] = {}  # format code: aliases
    shown: dict[str, dict[str, str]] = {}  # format code: short labels
    current = {
        (figure.report_id, figure.name): figure.value
        for figure in EnteredFigure.objects.filter(report__in=[r.pk for r in reports.values()])
    }
    first_row: dict[tuple[int, str], int] = {}
    any_row = False
    for row_number, values in numbered:
        if _blank(values):
            continue
        any_row = True
        cells = {column: values[pos] if pos < len(values) else None for column, pos in positions.items()}
        errors: list[CellError] = []

        def error(column: str, reason: str, *, row_number=row_number, errors=errors) -> None:
            errors.append(CellError(row_number, column, reason))

        org_text = _text(cells.get(ORGANIZATION))
        report = None
        try:
            org = lookups.find(org_text)
        except DomainError as problem:
            error(ORGANIZATION, str(problem))
        else:
            report = reports.get(org.pk)
            if problem := _not_editable(org, year, report):
                error(ORGANIZATION, problem)
                report = None
        fmt = formats.get(report.format) if report else formats.default_for(year)
        labels = known.setdefault(fmt.code, aliases(fmt))
        short = shown.setdefault(fmt.code, short_labels(fmt))
        label = _text(cells.get(ITEM))
        spec, unit_in_label = _find_item(labels, label)
        if not label:
            error(ITEM, "未填写项目。")
        elif spec is not None and unit_in_label and _key(unit_in_label) != _key(spec.unit):
            error(ITEM, f"“{short[spec.name]}”的单位应为“{spec.unit}”，不是“{unit_in_label}”；请换算后填写。")
            spec = None
        elif spec is None:
            choices = "、".join(short.values())
            error(ITEM, f"未知的项目“{label}”。{fmt.name}可填写的项目：{choices}。")
        value = None
        if spec is not None:
            raw = cells.get(VALUE)
            try:
                value = workflow.entered_number(spec, raw)
            except DomainError as reason:
                error(VALUE, f"{reason}（所填为“{_text(raw)}”）。")
            else:
                if value is None:
                    error(VALUE, "未填写数值；没有的请填0。")
            unit = _text(cells.get(UNIT))
            if unit and _key(unit) != _key(spec.unit):
                error(UNIT, f"“{short[spec.name]}”的单位应为“{spec.unit}”，不是“{unit}”；请换算后填写。")
            if report is not None:
                pair = (report.pk, spec.name)
                if pair in first_row:
                    error(ITEM, f"“{label}”与第{first_row[pair]}行是同一机构的同一项目，每项只能填写一次。")
                else:
                    first_row[pair] = row_number
        result.errors.extend(errors)
        if not errors and report is not None and spec is not None and value is not None:
            result.rows.append(
                ImportRow(
                    row_number,
                    report,
                    spec.name,
                    short[spec.name],
                    spec.unit,
                    value,
                    current.get((report.pk, spec.name)),
                )
            )
    if not any_row:
        raise ImportFileError("文件只有表头，没有可导入的数据行。")
    result.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 9))
    if dry_run or result.errors:
        return result
    by_report: dict[int, tuple[Report, dict[str, Decimal]]] = {}
    for row in result.rows:
        by_report.setdefault(row.report.pk, (row.report, {}))[1][row.name] = row.value
    with transaction.atomic():  # all or nothing: a refusal of any draft undoes the others
        for report, values in by_report.values():
            workflow.update_draft(report, by=by, entered=values)
    result.written = len(by_report)
    return result


# The template ------------------------------------------------------------------------------------------------


def template_rows(organization: Organization, year: int, user) -> list[list[str]]:
    """The header and one row per entered value of every draft of year in organization's subtree that user
    may edit, with the values stored so far; the default format's items for organization if none."""
    organizations = scoping.scope_organizations(user, workflow.EDIT_ROLES).filter(
        tree_id=organization.tree_id, lft__gte=organization.lft, rght__lte=organization.rght
    )
    drafts: QuerySet[Report] = (
        Report.objects.filter(organization__in=organizations, year=year, status=ReportStatus.DRAFT)
        .select_related("organization")
        .order_by("organization__tree_id", "organization__lft")
    )
    values = {(f.report_id, f.name): f.value for f in EnteredFigure.objects.filter(report__in=drafts)}
    rows = [list(COLUMNS)]
    targets = [(d.organization, formats.get(d.format), d.pk) for d in drafts] or [
        (organization, formats.default_for(year), None)
    ]
    for org, fmt, pk in targets:
        labels = short_labels(fmt)
        for spec in fmt.entered:
            value = values.get((pk, spec.name))
            rows.append([org.name, labels[spec.name], "" if value is None else str(plain(value)), spec.unit])
    return rows


def template_xlsx(rows: list[list[str]]) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "填报数据"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (36, 18, 14, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_filename(organization: Organization, year: int) -> str:
    return f"{organization.name}{year}年度年报填报数据.xlsx"


def default_year(today: dt.date | None = None) -> int:
    return (today or timezone.localdate()).year - 1
