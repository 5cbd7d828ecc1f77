"""Import and export of catalog items as CSV or XLSX, for an organization moving its catalog in
from an old system (and out again).

The columns have Chinese headers, one per metadata field (COLUMNS; README "信息条目的导入与导出").
An import first reads and checks every row and reports every problem as (row, column, reason), with
rows numbered as the spreadsheet shows them (the header is row 1). A dry run stops there and writes
nothing; a real run writes only when no row has a problem, in one transaction, so an import is all
or nothing. Items arrive as drafts or, for a catalog that was already public in the old system, as
published with their old index numbers (unique within the organization) or a newly allocated one.

An export writes the same columns, so an exported file re-imports into an empty organization. Cells
a spreadsheet would run as a formula (=, +, -, @) are neutralised with a leading apostrophe, which an
import removes again (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.html import escape

from disclosure_site import audit, scoping, spreadsheets
from disclosure_site.errors import DomainError
from disclosure_site.models import Organization, Role

from . import index_numbers, publishing
from .models import Category, Channel, DocumentType, Item, ItemStatus, Subject, Validity
from .richtext import sanitize

SHANGHAI = ZoneInfo("Asia/Shanghai")
IMPORT_ROLES = frozenset({Role.CLERK, Role.HEAD})
PUBLISH_IMPORT_ROLES = frozenset({Role.HEAD})
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
# A long body in one CSV cell is larger than the csv module's default limit of 128 KiB.
MAX_CELL_CHARS = 10 * 1024 * 1024

INDEX_NUMBER = "索引号"
TITLE = "标题"
ORGANIZATION = "发布机构"
CATEGORY = "栏目编码"
SUBJECT = "主题分类"
DOCUMENT_TYPE = "文件类型"
DOCUMENT_NUMBER = "发文字号"
WRITTEN_DATE = "成文日期"
PUBLISHED_DATE = "发布日期"
VALIDITY = "有效性"
VALIDITY_DATE = "有效性变更日期"
KEYWORDS = "关键词"
SUMMARY = "内容概述"
BODY = "正文"
CHANNELS = "发布渠道"

COLUMNS = (
    INDEX_NUMBER,
    TITLE,
    ORGANIZATION,
    CATEGORY,
    SUBJECT,
    DOCUMENT_TYPE,
    DOCUMENT_NUMBER,
    WRITTEN_DATE,
    PUBLISHED_DATE,
    VALIDITY,
    VALIDITY_DATE,
    KEYWORDS,
    SUMMARY,
    BODY,
    CHANNELS,
)
REQUIRED_COLUMNS = (TITLE, CATEGORY, WRITTEN_DATE)
MAX_LENGTHS = {INDEX_NUMBER: 80, TITLE: 300, DOCUMENT_NUMBER: 100, KEYWORDS: 200, SUMMARY: 500}
CHANNEL_SEPARATORS = re.compile(r"[、,，;；]")

CSV, XLSX = spreadsheets.CSV, spreadsheets.XLSX
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# A spreadsheet runs a cell starting with one of these as a formula (tab and CR too, per OWASP).
FORMULA_TRIGGERS = spreadsheets.FORMULA_TRIGGERS

_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})秒?)?分?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<!--|&[a-zA-Z]+;|&#\d+;")
DATE_FORMATS_HINT = "请写成 2025-03-24、2025/3/24 或 2025年3月24日"


ImportFileError = spreadsheets.SpreadsheetError  # the file as a whole cannot be read


RowError = spreadsheets.RowError  # a problem in one cell (row 1: in the header)


@dataclass
class ImportRow:
    """A row understood: what the item will be."""

    row: int
    title: str
    category: Category
    index_number: str | None
    published_at: dt.datetime | None
    fields: dict[str, Any]

    @property
    def status_label(self) -> str:
        return ItemStatus.PUBLISHED.label if self.published_at else ItemStatus.DRAFT.label


@dataclass
class ImportReport:
    organization: Organization
    publish: bool
    dry_run: bool
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    created: list[Item] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def status_label(self) -> str:
        return ItemStatus.PUBLISHED.label if self.publish else ItemStatus.DRAFT.label


# Reading the file ------------------------------------------------------------------------------


def _read_bytes(file: IO[bytes] | bytes) -> bytes:
    return spreadsheets.read_bytes(file, max_bytes=MAX_FILE_BYTES)


def _table(data: bytes, name: str) -> list[list[Any]]:
    rows = list(spreadsheets.rows(data, name, max_rows=MAX_ROWS, max_cell_chars=MAX_CELL_CHARS))
    while rows and _blank(rows[-1]):
        rows.pop()
    if not rows:
        raise ImportFileError("文件是空的，没有表头和数据。")
    return rows


_blank = spreadsheets.blank
_header_name = spreadsheets.header_name


# Cell values -----------------------------------------------------------------------------------

_text = spreadsheets.cell_text


def _parse_date(value: Any) -> tuple[dt.date, dt.time | None]:
    """A date (and a time of day if one was given). Raises ValueError with the Chinese reason."""
    if isinstance(value, dt.datetime):
        return value.date(), (value.time() if value.time() != dt.time(0) else None)
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 10_000 <= value < 80_000:  # an Excel date serial whose cell lost its date format
            from openpyxl.utils.datetime import from_excel

            moment = from_excel(value)
            return moment.date(), (moment.time() if moment.time() != dt.time(0) else None)
    text = _text(value)
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        raise ValueError(f"无法识别日期“{text}”，{DATE_FORMATS_HINT}。")
    year, month, day, *clock = match.groups() + (None,) * (6 - len(match.groups()))
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"日期“{text}”不存在，请核对年月日。") from None
    if clock[0] is None:
        return date, None
    try:
        return date, dt.time(int(clock[0]), int(clock[1]), int(clock[2] or 0))
    except ValueError:
        raise ValueError(f"时间“{text}”不存在，请核对时分秒。") from None


def _parse_channels(text: str) -> list[str]:
    """Channel labels separated by 、 or commas; a label that itself holds 、 (档案馆、图书馆) is kept whole."""
    by_label = {choice.label: choice.value for choice in Channel}
    parts = [part.strip() for part in CHANNEL_SEPARATORS.split(text) if part.strip()]
    values, index = [], 0
    while index < len(parts):
        joined = f"{parts[index]}、{parts[index + 1]}" if index + 1 < len(parts) else None
        if joined in by_label:
            label, index = joined, index + 2
        else:
            label, index = parts[index], index + 1
        if label not in by_label:
            known = "、".join(Channel.labels)
            raise ValueError(f"无法识别发布渠道“{label}”。可填写：{known}（多个用顿号或逗号分隔）。")
        if by_label[label] not in values:
            values.append(by_label[label])
    return values


def _body_html(text: str) -> str:
    if not _HTML_TAG.search(text):
        paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
        text = "".join(f"<p>{escape(line)}</p>" for line in paragraphs)
    return sanitize(text)


# Import ----------------------------------------------------------------------------------------


class _Lookups:
    """Everything the rows refer to, loaded with a handful of queries whatever the file's length."""

    def __init__(self, organization: Organization, by) -> None:
        self.organization = organization
        self.by = by
        self.categories = {c.code: c for c in Category.objects.filter(organization=organization)}
        self.subjects: dict[str, Subject] = {}
        for subject in Subject.objects.select_related("parent"):
            self.subjects[subject.code] = subject
            self.subjects[str(subject)] = subject
        self.organizations: dict[str, bool | None] = {}  # name: in the importer's scope (None: unknown)

    def subject(self, text: str) -> Subject:
        key = re.sub(r"\s*[\\＼/／]\s*", "\\\\", text)
        subject = self.subjects.get(key)
        if subject is None:
            raise ValueError(
                f"无法识别主题分类“{text}”，请填写主题分类的编码或“一级\\二级”名称，例如“综合政务\\政务公开”。"
            )
        return subject

    def category(self, code: str) -> Category:
        category = self.categories.get(code)
        if category is None:
            hint = ""
            if code.isdigit() and any(c.lstrip("0") == code and c != code for c in self.categories):
                hint = "（Excel 可能去掉了编码开头的 0，请把该列设为“文本”格式后重新填写）"
            raise ValueError(
                f"栏目编码“{code}”不在{self.organization.name}的公开目录中{hint}，请填写本机构公开目录中栏目的编码。"
            )
        if category.kind == Category.Kind.ROOT:
            raise ValueError(f"“{code}”是公开目录的根节点，不能直接放信息，请填写具体栏目的编码。")
        return category

    def check_organization(self, name: str) -> None:
        target = self.organization
        if name in (target.name, target.short_name):
            return
        if name not in self.organizations:
            matches = list(Organization.objects.filter(Q(name=name) | Q(short_name=name)))
            self.organizations[name] = any(scoping.has_role(self.by, org) for org in matches) if matches else None
        if self.organizations[name] is None:
            raise ValueError(f"找不到名为“{name}”的机构。")
        if not self.organizations[name]:
            raise ValueError(f"发布机构“{name}”既不是本次导入的机构（{target.name}），也不在您管理的机构范围内。")


def _check_row(
    row_number: int, cells: dict[str, Any], *, lookups: _Lookups, publish: bool, now: dt.datetime
) -> tuple[ImportRow | None, list[RowError], bool]:
    """Read one row; returns what it will become (None if it has errors), its errors, and whether its
    发布机构 names another organization than the target."""
    errors: list[RowError] = []

    def error(column: str, reason: str) -> None:
        errors.append(RowError(row_number, column, reason))

    text = {column: _text(cells.get(column)) for column in COLUMNS if column not in (WRITTEN_DATE, PUBLISHED_DATE)}
    for column, limit in MAX_LENGTHS.items():
        if len(text[column]) > limit:
            error(column, f"{column}不能超过{limit}个字（现有{len(text[column])}个字）。")

    if not text[TITLE]:
        error(TITLE, "标题不能为空。")

    other_organization = False
    if text[ORGANIZATION]:
        try:
            lookups.check_organization(text[ORGANIZATION])
            other_organization = text[ORGANIZATION] not in (lookups.organization.name, lookups.organization.short_name)
        except ValueError as exc:
            error(ORGANIZATION, str(exc))

    category = None
    if not text[CATEGORY]:
        error(CATEGORY, "栏目编码不能为空。")
    else:
        try:
            category = lookups.category(text[CATEGORY])
        except ValueError as exc:
            error(CATEGORY, str(exc))

    subject = None
    if text[SUBJECT]:
        try:
            subject = lookups.subject(text[SUBJECT])
        except ValueError as exc:
            error(SUBJECT, str(exc))

    document_type = DocumentType.OTHER.value
    if text[DOCUMENT_TYPE]:
        by_label = {choice.label: choice.value for choice in DocumentType}
        if text[DOCUMENT_TYPE] in by_label:
            document_type = by_label[text[DOCUMENT_TYPE]]
        else:
            error(DOCUMENT_TYPE, f"无法识别文件类型“{text[DOCUMENT_TYPE]}”。可填写：{'、'.join(DocumentType.labels)}。")

    today = timezone.localdate(now)
    written_date = None
    if cells.get(WRITTEN_DATE) is None or _text(cells.get(WRITTEN_DATE)) == "":
        error(WRITTEN_DATE, "成文日期不能为空。")
    else:
        try:
            written_date, _ = _parse_date(cells[WRITTEN_DATE])
        except ValueError as exc:
            error(WRITTEN_DATE, str(exc))
        else:
            if written_date > today:
                error(WRITTEN_DATE, f"成文日期{written_date:%Y-%m-%d}晚于今天，请核对成文日期。")
                written_date = None  # so that the publication date is not compared with it as well

    published_at = None
    published_given = not (cells.get(PUBLISHED_DATE) is None or _text(cells.get(PUBLISHED_DATE)) == "")
    if publish and not published_given:
        error(PUBLISHED_DATE, "导入为“已发布”时，发布日期不能为空。")
    elif not publish and published_given:
        error(PUBLISHED_DATE, "草稿还没有发布，不能填写发布日期。请清空“发布日期”列，或选择导入为“已发布”。")
    elif publish:
        try:
            day, time = _parse_date(cells[PUBLISHED_DATE])
        except ValueError as exc:
            error(PUBLISHED_DATE, str(exc))
        else:
            published_at = dt.datetime.combine(day, time or dt.time(0), tzinfo=SHANGHAI)
            if published_at > now:
                error(PUBLISHED_DATE, f"发布日期{day:%Y-%m-%d}晚于现在，请核对发布日期。")
            elif written_date and day < written_date:
                error(PUBLISHED_DATE, f"发布日期{day:%Y-%m-%d}早于成文日期{written_date:%Y-%m-%d}，请核对。")

    validity = Validity.VALID.value
    if text[VALIDITY]:
        by_label = {choice.label: choice.value for choice in Validity}
        if text[VALIDITY] in by_label:
            validity = by_label[text[VALIDITY]]
        else:
            error(VALIDITY, f"无法识别有效性“{text[VALIDITY]}”。可填写：{'、'.join(Validity.labels)}。")
    validity_date = None
    if _text(cells.get(VALIDITY_DATE)):
        try:
            validity_date, _ = _parse_date(cells[VALIDITY_DATE])
        except ValueError as exc:
            error(VALIDITY_DATE, str(exc))
    elif validity != Validity.VALID:
        error(VALIDITY_DATE, "有效性为已修改、已失效或已废止时，请填写有效性变更日期。")

    channels: list[str] = []
    if text[CHANNELS]:
        try:
            channels = _parse_channels(text[CHANNELS])
        except ValueError as exc:
            error(CHANNELS, str(exc))

    index_number = text[INDEX_NUMBER] or None
    if index_number and not publish:
        error(
            INDEX_NUMBER,
            "草稿不能带索引号：索引号在信息发布时才确定。请清空“索引号”列，或选择导入为“已发布”。",
        )

    if errors or category is None or written_date is None:
        return None, errors, other_organization
    fields = {
        "organization": lookups.organization,
        "category": category,
        "subject": subject,
        "document_type": document_type,
        "title": text[TITLE],
        "document_number": text[DOCUMENT_NUMBER],
        "written_date": written_date,
        "validity": validity,
        "validity_date": validity_date,
        "keywords": text[KEYWORDS],
        "summary": text[SUMMARY],
        "body": _body_html(text[BODY]),
        "channels": channels,
    }
    return ImportRow(row_number, text[TITLE], category, index_number, published_at, fields), [], other_organization


def _check_index_numbers(rows: list[ImportRow], organization: Organization) -> list[RowError]:
    errors = []
    first_row: dict[str, int] = {}
    for row in rows:
        if row.index_number is None:
            continue
        if row.index_number in first_row:
            errors.append(
                RowError(row.row, INDEX_NUMBER, f"索引号“{row.index_number}”与第{first_row[row.index_number]}行重复。")
            )
        else:
            first_row[row.index_number] = row.row
    numbers = list(first_row)
    taken: dict[str, str] = {}
    for start in range(0, len(numbers), 500):  # SQLite limits the parameters of one query
        chunk = numbers[start : start + 500]
        taken.update(
            Item.objects.filter(organization=organization, index_number__in=chunk).values_list("index_number", "title")
        )
    for number, row_number in first_row.items():
        if number in taken:
            errors.append(
                RowError(
                    row_number,
                    INDEX_NUMBER,
                    f"索引号“{number}”已被{organization.name}的信息“{taken[number]}”使用，同一机构的索引号不能重复。",
                )
            )
    return sorted(errors, key=lambda e: e.row)


def import_items(
    file: IO[bytes] | bytes,
    *,
    organization: Organization,
    by,
    publish: bool,
    dry_run: bool,
    name: str | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Read items from a CSV or XLSX file into organization's catalog.

    Every row is checked first; the report lists every problem. With dry_run, or when any row has a
    problem, nothing is written. Otherwise all rows become items in one transaction, each with an
    audit event ("create", "批量导入"): drafts, or published (条例 第二十条) with their given index
    numbers or newly allocated ones. Only a 经办人 or 机关负责人 of organization may import, and only
    a 机关负责人 may import items as published (they skip the review, so the head answers for them).
    Raises ImportFileError when the file cannot be read at all, publishing.NotAllowed without the role.
    """
    if not scoping.has_role(by, organization, IMPORT_ROLES):
        raise publishing.NotAllowed(f"只有{organization.name}的经办人或机关负责人可以导入信息。")
    if publish and not scoping.has_role(by, organization, PUBLISH_IMPORT_ROLES):
        # 先审查后公开: items that arrive published must be imported by someone who may approve them.
        raise publishing.NotAllowed(
            f"以“已发布”状态导入须由{organization.name}的机关负责人操作；经办人请以草稿导入后提交审核。"
        )
    now = now or timezone.now()
    name = name if name is not None else getattr(file, "name", "") or ""
    table = _table(_read_bytes(file), PurePath(name).name)
    report = ImportReport(organization=organization, publish=publish, dry_run=dry_run)

    headers = [_header_name(value) for value in table[0]]
    positions: dict[str, int] = {}
    for position, header in enumerate(headers):
        if not header:
            continue
        if header in positions:
            report.errors.append(RowError(1, header, f"表头中“{header}”列出现了不止一次。"))
        elif header in COLUMNS:
            positions[header] = position
        else:
            report.ignored_columns.append(header)
    required = (*REQUIRED_COLUMNS, PUBLISHED_DATE) if publish else REQUIRED_COLUMNS
    for column in required:
        if column not in positions:
            report.errors.append(RowError(1, column, f"缺少必需的列“{column}”（表头应在第1行）。"))
    if report.errors:
        return report

    lookups = _Lookups(organization, by)
    other_organization_rows = 0
    for row_number, values in enumerate(table[1:], start=2):
        if _blank(values):
            continue
        cells = {column: values[pos] if pos < len(values) else None for column, pos in positions.items()}
        row, errors, other = _check_row(row_number, cells, lookups=lookups, publish=publish, now=now)
        report.errors.extend(errors)
        other_organization_rows += other
        if row is not None:
            report.rows.append(row)
    if not report.rows and not report.errors:
        raise ImportFileError("文件只有表头，没有可导入的数据行。")
    report.errors.extend(_check_index_numbers(report.rows, organization))
    report.errors.sort(key=lambda e: e.row)
    if other_organization_rows:
        report.notes.append(
            f"有 {other_organization_rows} 行的“发布机构”不是{organization.name}；这些信息也将导入{organization.name}的公开目录。"
        )
    if dry_run or report.errors:
        return report
    try:
        report.created = _write(report.rows, by=by)
    except IntegrityError:
        # Checked above; only a publication at the same moment can take a number meanwhile.
        raise DomainError("导入时索引号与刚发布的信息发生冲突，没有写入任何信息，请重新导入。") from None
    return report


@transaction.atomic
def _write(rows: list[ImportRow], *, by) -> list[Item]:
    # Rows with their own index number go first, so that a number allocated for a row without one
    # never collides with a number given further down the file.
    ordered = sorted(rows, key=lambda row: (row.published_at is not None and row.index_number is None, row.row))
    created = {}
    for row in ordered:
        item = Item(**row.fields, author=by)
        if row.published_at is not None:
            item.status = ItemStatus.PUBLISHED
            item.published_at = row.published_at
            day = timezone.localdate(row.published_at)
            item.index_number = row.index_number or index_numbers.allocate(item, day=day)
            # Lateness (条例 第二十六条) follows from the two dates and counts in the yearly report. The
            # interpretation due date is not set: the link to a 政策解读 is not part of the import, so
            # every imported 行政规范性文件 would be flagged on the dashboard for want of one.
            item.is_late, _ = publishing.timeliness(item, day)
        item.save()
        audit.record(item, actor=by, action="create", comment="批量导入")
        created[row.row] = item
    return [created[row.row] for row in rows]


# Export ----------------------------------------------------------------------------------------


def _neutralise(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def _published_text(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment, SHANGHAI)
    return f"{local:%Y-%m-%d}" if local.time() == dt.time(0) else f"{local:%Y-%m-%d %H:%M}"


def _export_rows(queryset: QuerySet[Item]) -> Iterator[list[str]]:
    channel_labels = dict(Channel.choices)
    items = (
        queryset.select_related("organization", "category", "subject__parent")
        .order_by(F("published_at").asc(nulls_last=True), "pk")
        .iterator(chunk_size=1000)
    )
    for item in items:
        yield [
            item.index_number or "",
            item.title,
            item.organization.name,
            item.category.code,
            str(item.subject) if item.subject_id else "",
            item.get_document_type_display(),
            item.document_number,
            f"{item.written_date:%Y-%m-%d}",
            _published_text(item.published_at),
            item.get_validity_display(),
            f"{item.validity_date:%Y-%m-%d}" if item.validity_date else "",
            item.keywords,
            item.summary,
            item.body,
            "、".join(channel_labels.get(value, value) for value in item.channels or []),
        ]


def export_items(queryset: QuerySet[Item], format: str) -> bytes:
    """The items of queryset as a CSV (UTF-8 with BOM, so that Excel opens it) or XLSX file with the
    import's columns. The caller scopes queryset to what the user may see."""
    if format == CSV:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        for row in _export_rows(queryset):
            writer.writerow([_neutralise(cell) for cell in row])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if format == XLSX:
        return _xlsx(queryset)
    raise ValueError(f"unknown export format {format!r}")


def _xlsx(queryset: QuerySet[Item]) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("信息条目")
    widths = {INDEX_NUMBER: 26, TITLE: 50, ORGANIZATION: 20, WRITTEN_DATE: 12, PUBLISHED_DATE: 17, BODY: 60}
    for position, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(position)].width = widths.get(column, 14)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in _export_rows(queryset):
        # Every cell is text: dates too, so that they re-import exactly whatever the reader's locale.
        sheet.append([_neutralise(ILLEGAL_CHARACTERS_RE.sub("", cell)) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
