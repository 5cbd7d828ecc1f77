"""The ledger (台账) of on-request disclosure: export an organization's applications as CSV or XLSX for
auditors, and import applications handled before the system from a ledger of the same format.

Columns (COLUMNS), one header row in Chinese; README "依申请公开台账" shows the same table:

    申请编号      the application number. Import: required, at most 40 characters, unique in the file and
                  in the database.
    受理机关      the organization's name. Import: empty means the organization chosen for the import;
                  otherwise that organization or one under it (full or short name).
    收到日期      the received date (条例 第三十一条). Empty for 待受理, and for an application withdrawn
                  before it was received. Import: required for 办理中, 已答复 and 视为放弃.
    提交日期      the day the application was submitted (local date). Import: defaults to 收到日期.
    申请方式      a Channel label: 网上申请, 当面, 信函, 传真, 电子邮件, 口头, 其他.
    申请人类型    an ApplicantType label, the columns of table B: 自然人, 商业企业, 科研机构, 社会公益组织,
                  法律服务机构, 其他.
    申请人        the applicant's name only. ID numbers, credit codes, phones, e-mail and postal addresses
                  are personal data and never leave the system in a ledger; an import leaves them blank
                  (and ignores such columns if a file has them).
    申请内容      the description of the information wanted (required).
    所需信息名称  the title of the document, if the applicant knew it.
    文号          its document number.
    提供形式      a WantedForm label (纸质, 电子文档, 其他); optional.
    获取方式      a Delivery label (邮寄, 电子邮件, 自行领取, 传真, 网上查看（查询页面）); optional.
    状态          a Status label. Import accepts 待受理, 办理中, 已答复, 已撤回, 视为放弃 (see below).
    答复期限      export only. For an open application, the running due date stored on the row (empty
                  while the clock stands still: correction, consultation, fee); for an ended one, the due
                  date that applied when it ended, computed by requests_app.deadlines.clock from its
                  recorded events (extensions, pauses and corrections included). An import ignores the
                  column and recomputes the date from 收到日期, and says so where the file's date differs.
    答复日期      the day the application ended (InfoRequest.ended_on): answered, withdrawn or deemed
                  abandoned. Empty for open applications.
    办理结果      the outcome as table B names it (Outcome.full_label): 予以公开, 部分公开,
                  不予公开：属于国家秘密, … Import also takes the bare row label (属于国家秘密).
    承办人        the handling staff member: full name, or user name. Import: empty, or the user name,
                  full name or 姓名（用户名） of a staff member of the row's organization.

Export (`ledger_queryset`, `csv_chunks`, `write_csv`, `write_xlsx`) streams: rows come from
`values_list(...).iterator()` and are written one by one, so memory stays flat at any length; the number
of queries is constant (two: the applications, and the clock events of the ended ones merged in the same
order). CSV is UTF-8 with a BOM so that Excel shows the Chinese; cells a spreadsheet would run as a
formula (=, +, -, @, tab, CR) get a leading apostrophe, which an import removes again (OWASP "CSV
injection"): applicants write the texts.

Import (`import_ledger`) reads every row first and reports every problem as (row, column, reason), rows
numbered as the spreadsheet shows them. A dry run stops there and writes nothing; a real run writes all
rows or none, in one transaction, with bulk inserts: the application (a random query code, registered by
the importer), its events (REGISTERED "台账导入", RECEIVED on 收到日期, and ANSWERED / WITHDRAWN /
ABANDONED on 答复日期) so that the clock reads the same dates, one audit event each, and the due date of
the open ones through workflow.refresh_due with one shared calendar.

A ledger carries no history of corrections, consultations, fees or extensions, so applications waiting
for a correction, a consulted party or a fee (待补正, 征求意见中, 待缴费) are not imported in that state: import
them as 办理中 and record the step with its real date in the system, which then computes the clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from disclosure_site import scoping, spreadsheets
from disclosure_site.errors import DomainError
from disclosure_site.models import AuditEvent, Membership, Organization, Role
from disclosure_site.workdays import Calendar

from . import deadlines, workflow
from .models import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    ApplicantType,
    Channel,
    Delivery,
    EventKind,
    InfoRequest,
    Outcome,
    RequestEvent,
    RequestSequence,
    Status,
    WantedForm,
)

IMPORT_ROLES = frozenset({Role.CLERK, Role.HEAD})
STAFF_ROLES = frozenset(workflow.STAFF_ROLES)
IMPORT_NOTE = "台账导入"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CELL_CHARS = 1024 * 1024
CHUNK_SIZE = 2000
BATCH_SIZE = 1000

NUMBER = "申请编号"
ORGANIZATION = "受理机关"
RECEIVED = "收到日期"
SUBMITTED = "提交日期"
CHANNEL = "申请方式"
APPLICANT_TYPE = "申请人类型"
APPLICANT = "申请人"
DESCRIPTION = "申请内容"
DOCUMENT_TITLE = "所需信息名称"
DOCUMENT_NUMBER = "文号"
WANTED_FORM = "提供形式"
DELIVERY = "获取方式"
STATUS = "状态"
DUE = "答复期限"
ENDED = "答复日期"
OUTCOME = "办理结果"
HANDLER = "承办人"

COLUMNS = (
    NUMBER,
    ORGANIZATION,
    RECEIVED,
    SUBMITTED,
    CHANNEL,
    APPLICANT_TYPE,
    APPLICANT,
    DESCRIPTION,
    DOCUMENT_TITLE,
    DOCUMENT_NUMBER,
    WANTED_FORM,
    DELIVERY,
    STATUS,
    DUE,
    ENDED,
    OUTCOME,
    HANDLER,
)
REQUIRED_COLUMNS = (NUMBER, CHANNEL, APPLICANT_TYPE, APPLICANT, DESCRIPTION, STATUS)
DATE_COLUMNS = frozenset({RECEIVED, SUBMITTED, DUE, ENDED})
MAX_LENGTHS = {NUMBER: 40, APPLICANT: 100, DOCUMENT_TITLE: 300, DOCUMENT_NUMBER: 100, HANDLER: 150}
IMPORTABLE_STATUSES = (Status.PENDING, Status.PROCESSING, Status.ANSWERED, Status.WITHDRAWN, Status.ABANDONED)
END_EVENTS = {
    Status.ANSWERED: EventKind.ANSWERED,
    Status.WITHDRAWN: EventKind.WITHDRAWN,
    Status.ABANDONED: EventKind.ABANDONED,
}
# 视为放弃 is reached from the state the applicant failed to act in (workflow.expire).
ABANDONED_FROM = {Outcome.OTHER_NO_CORRECTION: Status.CORRECTING, Outcome.OTHER_FEE_UNPAID: Status.AWAITING_FEE}

# The events requests_app.deadlines reads besides the received date: an ended application without any
# of these has the plain 20 working days, so the export fetches only these and memoizes the plain case.
CLOCK_EVENT_KINDS = frozenset(
    {
        EventKind.CORRECTION_REQUESTED,
        EventKind.CORRECTION_RECEIVED,
        EventKind.CONSULTATION_STARTED,
        EventKind.CONSULTATION_ENDED,
        EventKind.FEE_NOTICE,
        EventKind.FEE_PAID,
        EventKind.EXTENDED,
        EventKind.LATER_DATE,
    }
)

CSV, XLSX = spreadsheets.CSV, spreadsheets.XLSX
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_TRIGGERS = spreadsheets.FORMULA_TRIGGERS
_YSQ_NUMBER = re.compile(r"^YSQ-(\d{4})-(\d{1,9})$")  # workflow.allocate_number's format
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})秒?)?分?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NAME_WITH_USERNAME = re.compile(r"^(.*?)\s*[（(]\s*([^（）()]+?)\s*[）)]$")
DATE_FORMATS_HINT = "请写成 2025-03-24、2025/3/24 或 2025年3月24日"


LedgerFileError = spreadsheets.SpreadsheetError  # the file as a whole cannot be read


RowError = spreadsheets.RowError  # a problem in one cell (row 1: in the header)


@dataclass
class LedgerRow:
    """A row understood: the application it becomes."""

    row: int
    number: str
    organization: Organization
    channel: str
    applicant_type: str
    applicant_name: str
    description: str
    document_title: str
    document_number: str
    wanted_form: str
    delivery: str
    status: str
    outcome: str
    submitted_at: dt.datetime
    received_on: dt.date | None
    ended_on: dt.date | None
    handler: Any
    given_due: dt.date | None

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).full_label if self.outcome else ""


@dataclass
class LedgerReport:
    organization: Organization
    dry_run: bool
    rows: list[LedgerRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# Reading the file (disclosure_site/spreadsheets.py) -------------------------------------------------


def _read_bytes(file: IO[bytes] | bytes) -> bytes:
    return spreadsheets.read_bytes(file, max_bytes=MAX_FILE_BYTES)


def _rows(data: bytes, name: str) -> Iterator[list[Any]]:
    return spreadsheets.rows(data, name, max_rows=MAX_ROWS, max_cell_chars=MAX_CELL_CHARS)


_blank = spreadsheets.blank
_header_name = spreadsheets.header_name


# Cell values ---------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    return spreadsheets.cell_text(value)


def _parse_date(value: Any) -> tuple[dt.date, dt.time | None]:
    """A date (and a time of day if one was given). Raises ValueError with the Chinese reason."""
    if isinstance(value, dt.datetime):
        return value.date(), (value.time() if value.time() != dt.time(0) else None)
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool) and 10_000 <= value < 80_000:
        from openpyxl.utils.datetime import from_excel  # an Excel date serial whose cell lost its format

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


def _labels(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    by_label = {str(choice.label): choice.value for choice in choices}
    return {**by_label, **(extra or {})}


CHANNEL_LABELS = _labels(
    Channel,
    {
        **{f"{c.label}申请": c.value for c in Channel if not c.label.endswith("申请")},
        "网上": Channel.ONLINE.value,
    },
)
APPLICANT_TYPE_LABELS = _labels(ApplicantType)
STATUS_LABELS = _labels(Status)
WANTED_FORM_LABELS = _labels(WantedForm)
DELIVERY_LABELS = _labels(Delivery)
OUTCOME_LABELS = {**_labels(Outcome), **{o.full_label: o.value for o in Outcome}}


def _normalise_outcome(text: str) -> str:
    return re.sub(r"\s+", "", text).replace(":", "：")


# Import --------------------------------------------------------------------------------------------


class _Lookups:
    """What the rows refer to, loaded with a handful of queries whatever the file's length."""

    def __init__(self, organization: Organization, by) -> None:
        self.organization = organization
        self.by = by
        subtree = list(organization.get_descendants(include_self=True))
        self.by_name: dict[str, Organization] = {}
        short: dict[str, list[Organization]] = {}
        for org in subtree:
            self.by_name[org.name] = org
            if org.short_name:
                short.setdefault(org.short_name, []).append(org)
        for name, orgs in short.items():
            if len(orgs) == 1:
                self.by_name.setdefault(name, orgs[0])
        self.outside: dict[str, str] = {}  # name: reason, for names not in the subtree
        self._users: dict[str, list] | None = None
        self.calendar = Calendar()
        self._due: dict[dt.date, dt.date | None] = {}
        self.missing_years: set[int] = set()

    def organization_for(self, name: str) -> Organization:
        if not name:
            return self.organization
        if name in self.by_name:
            return self.by_name[name]
        if name not in self.outside:
            matches = list(Organization.objects.filter(Q(name=name) | Q(short_name=name)))
            if not matches:
                self.outside[name] = f"找不到名为“{name}”的机构。"
            elif any(scoping.has_role(self.by, org, IMPORT_ROLES) for org in matches):
                self.outside[name] = (
                    f"“{name}”不是本次导入的机构（{self.organization.name}）或其下属机构；"
                    "请分别选择各机构导入，或清空“受理机关”列。"
                )
            else:
                self.outside[name] = f"“{name}”不在您管理的机构范围内，不能导入该机构的申请。"
        raise ValueError(self.outside[name])

    def _user_index(self) -> dict[str, list]:
        """Staff of the organization's ancestors and subtree (and system administrators), by the names
        a ledger may give: user name, full name, 姓+名 written together."""
        if self._users is None:
            organizations = list(self.organization.get_ancestors()) + list(self.by_name.values())
            users = get_user_model().objects.filter(
                Q(is_active=True)
                & (
                    Q(is_superuser=True)
                    | Q(
                        pk__in=Membership.objects.filter(
                            organization__in=[o.pk for o in organizations], role__in=STAFF_ROLES
                        ).values("user_id")
                    )
                )
            )
            index: dict[str, list] = {}
            for user in users:
                names = {user.get_username(), user.get_full_name(), f"{user.last_name}{user.first_name}"}
                for name in names - {""}:
                    index.setdefault(name, []).append(user)
            self._users = index
        return self._users

    def handler(self, text: str, organization: Organization):
        if not text:
            return None
        index = self._user_index()
        candidates = index.get(text, [])
        match = _NAME_WITH_USERNAME.match(text)
        if not candidates and match:
            candidates = [u for u in index.get(match.group(2), []) if u.get_username() == match.group(2)]
        candidates = list({u.pk: u for u in candidates}.values())
        if len(candidates) > 1:
            raise ValueError(f"有多个工作人员名为“{text}”，请改填其用户名。")
        if not candidates or not scoping.has_role(candidates[0], organization, STAFF_ROLES):
            raise ValueError(
                f"“{text}”不是{organization.name}在系统中的工作人员。请填写其用户名或姓名；已不在系统中的承办人请留空。"
            )
        return candidates[0]

    def plain_due(self, received_on: dt.date) -> dt.date | None:
        """The due date the clock gives an imported application received on received_on (it has no
        events that move the clock), computed once per date."""
        if received_on not in self._due:
            clock = deadlines.clock(
                InfoRequest(received_on=received_on, status=Status.PROCESSING),
                events=[],
                today=received_on,
                calendar=self.calendar,
            )
            if clock.missing_year:
                self.missing_years.add(clock.missing_year)
            self._due[received_on] = clock.due
        return self._due[received_on]


def _check_row(
    row_number: int, cells: dict[str, Any], *, lookups: _Lookups, today: dt.date
) -> tuple[LedgerRow | None, list[RowError]]:
    errors: list[RowError] = []

    def error(column: str, reason: str) -> None:
        errors.append(RowError(row_number, column, reason))

    text = {column: _text(cells.get(column)) for column in COLUMNS if column not in DATE_COLUMNS}
    for column, limit in MAX_LENGTHS.items():
        if len(text[column]) > limit:
            error(column, f"{column}不能超过{limit}个字（现有{len(text[column])}个字）。")

    if not text[NUMBER]:
        error(NUMBER, "申请编号不能为空，请填写原台账中的编号。")
    if not text[APPLICANT]:
        error(APPLICANT, "申请人不能为空。")
    if not text[DESCRIPTION]:
        error(DESCRIPTION, "申请内容不能为空。")

    organization = None
    try:
        organization = lookups.organization_for(text[ORGANIZATION])
    except ValueError as exc:
        error(ORGANIZATION, str(exc))

    def choice(column: str, labels: dict[str, str], what: str, *, required: bool = True) -> str:
        value = text[column]
        if not value:
            if required:
                error(column, f"{what}不能为空。可填写：{'、'.join(_primary(labels))}。")
            return ""
        key = _normalise_outcome(value) if labels is OUTCOME_LABELS else value
        if key not in labels:
            error(column, f"无法识别{what}“{value}”。可填写：{'、'.join(_primary(labels))}。")
            return ""
        return labels[key]

    channel = choice(CHANNEL, CHANNEL_LABELS, "申请方式")
    applicant_type = choice(APPLICANT_TYPE, APPLICANT_TYPE_LABELS, "申请人类型")
    wanted_form = choice(WANTED_FORM, WANTED_FORM_LABELS, "提供形式", required=False)
    delivery = choice(DELIVERY, DELIVERY_LABELS, "获取方式", required=False)
    status = choice(STATUS, STATUS_LABELS, "状态")
    outcome = choice(OUTCOME, OUTCOME_LABELS, "办理结果", required=False)

    def read_date(column: str) -> tuple[dt.date | None, dt.time | None, bool]:
        """(date, time, given); a bad or future date is reported and read as absent."""
        value = cells.get(column)
        if value is None or _text(value) == "":
            return None, None, False
        try:
            day, time = _parse_date(value)
        except ValueError as exc:
            error(column, str(exc))
            return None, None, True
        if day > today:
            error(column, f"{column}{day:%Y-%m-%d}晚于今天，请核对。")
            return None, None, True
        return day, time, True

    received_on, _, received_given = read_date(RECEIVED)
    submitted_on, submitted_time, submitted_given = read_date(SUBMITTED)
    ended_on, _, ended_given = read_date(ENDED)
    given_due = None
    if _text(cells.get(DUE)):
        try:
            given_due, _ = _parse_date(cells[DUE])  # informative only: the import recomputes it
        except ValueError:
            given_due = None

    if status and status not in IMPORTABLE_STATUSES:
        error(
            STATUS,
            f"台账不含补正、征求意见和收费的记录，不能以“{Status(status).label}”导入。"
            "请以“办理中”导入，再在系统中按实际日期登记告知补正、征求意见或收费通知。",
        )
        status = ""
    ended = status in ENDED_STATUSES
    if status == Status.PENDING and received_given:
        error(RECEIVED, "待受理的申请尚未收到，不能填写收到日期；已收到的申请请填写“办理中”或办结的状态。")
    if status in (Status.PROCESSING, Status.ANSWERED, Status.ABANDONED) and not received_given:
        error(RECEIVED, f"状态为“{Status(status).label}”的申请须填写收到日期（条例第三十一条）。")
    if not submitted_given and not received_given:
        error(SUBMITTED, "提交日期和收到日期不能都为空。")
    if submitted_on and received_on and received_on < submitted_on:
        error(RECEIVED, f"收到日期{received_on:%Y-%m-%d}早于提交日期{submitted_on:%Y-%m-%d}，请核对。")

    if status and ended and not ended_given:
        error(ENDED, f"状态为“{Status(status).label}”的申请须填写答复日期（答复、撤回或视为放弃之日）。")
    if status and not ended and ended_given:
        error(ENDED, f"状态为“{Status(status).label}”的申请尚未办结，不能填写答复日期。")
    if ended_on and received_on and ended_on < received_on:
        error(ENDED, f"答复日期{ended_on:%Y-%m-%d}早于收到日期{received_on:%Y-%m-%d}，请核对。")
    elif ended_on and submitted_on and ended_on < submitted_on:
        error(ENDED, f"答复日期{ended_on:%Y-%m-%d}早于提交日期{submitted_on:%Y-%m-%d}，请核对。")

    if status and ended and not text[OUTCOME]:
        error(OUTCOME, f"状态为“{Status(status).label}”的申请须填写办理结果（表B的一项）。")
    if status and not ended and text[OUTCOME]:
        error(OUTCOME, f"状态为“{Status(status).label}”的申请尚未办结，不能填写办理结果。")
    if outcome and status == Status.WITHDRAWN and outcome != Outcome.OTHER:
        error(OUTCOME, f"申请人撤回的申请，办理结果应为“{Outcome.OTHER.full_label}”（表B（六）3）。")
    if outcome and status == Status.ABANDONED and outcome not in ABANDONED_FROM:
        error(
            OUTCOME,
            f"视为放弃的申请，办理结果应为“{Outcome.OTHER_NO_CORRECTION.full_label}”"
            f"或“{Outcome.OTHER_FEE_UNPAID.full_label}”。",
        )
    if outcome in ABANDONED_FROM and status == Status.ANSWERED:
        error(OUTCOME, f"办理结果“{Outcome(outcome).full_label}”对应的状态是“视为放弃”，不是“已答复”。")

    handler = None
    if organization is not None and text[HANDLER]:
        try:
            handler = lookups.handler(text[HANDLER], organization)
        except ValueError as exc:
            error(HANDLER, str(exc))

    if errors or organization is None:
        return None, errors
    submitted_day = submitted_on or received_on
    submitted_at = timezone.make_aware(dt.datetime.combine(submitted_day, submitted_time or dt.time(0)))
    return (
        LedgerRow(
            row=row_number,
            number=text[NUMBER],
            organization=organization,
            channel=channel,
            applicant_type=applicant_type,
            applicant_name=text[APPLICANT],
            description=text[DESCRIPTION],
            document_title=text[DOCUMENT_TITLE],
            document_number=text[DOCUMENT_NUMBER],
            wanted_form=wanted_form,
            delivery=delivery,
            status=status,
            outcome=outcome,
            submitted_at=submitted_at,
            received_on=received_on,
            ended_on=ended_on,
            handler=handler,
            given_due=given_due,
        ),
        [],
    )


def _primary(labels: dict[str, str]) -> list[str]:
    """The first label of each value, for the hint listing what may be written."""
    seen, shown = set(), []
    for label, value in labels.items():
        if value not in seen:
            seen.add(value)
            shown.append(label)
    if labels is OUTCOME_LABELS:
        return [Outcome(value).full_label for value in Outcome.values]
    return shown


def _check_numbers(first_row: dict[str, int]) -> list[RowError]:
    """The numbers of the file (number: first row) that the database already holds."""
    errors = []
    numbers = list(first_row)
    taken: set[str] = set()
    for start in range(0, len(numbers), 500):  # SQLite limits the parameters of one query
        taken.update(
            InfoRequest.objects.filter(number__in=numbers[start : start + 500]).values_list("number", flat=True)
        )
    for number in sorted(taken, key=first_row.__getitem__):
        errors.append(RowError(first_row[number], NUMBER, f"申请编号“{number}”已存在于系统中，申请编号不能重复。"))
    return errors


def import_ledger(
    file: IO[bytes] | bytes,
    *,
    organization: Organization,
    by,
    dry_run: bool,
    name: str | None = None,
    today: dt.date | None = None,
) -> LedgerReport:
    """Read a ledger (CSV or XLSX, COLUMNS) into organization and its subtree.

    Every row is checked first; the report lists every problem. With dry_run, or when any row has a
    problem, nothing is written. Otherwise every row becomes an application in one transaction (see the
    module docstring for what is written). Only a 经办人 or 机关负责人 of organization (or a system
    administrator) may import. Raises LedgerFileError when the file cannot be read at all, and
    workflow.NotAllowed without the role.
    """
    if not scoping.has_role(by, organization, IMPORT_ROLES):
        raise workflow.NotAllowed(f"只有{organization.name}的经办人或机关负责人可以导入依申请公开台账。")
    today = today or timezone.localdate()
    name = name if name is not None else getattr(file, "name", "") or ""
    rows = _rows(_read_bytes(file), PurePath(name).name)
    report = LedgerReport(organization=organization, dry_run=dry_run)

    numbered = enumerate(rows, start=1)  # row numbers as the spreadsheet shows them
    header_row, header = next(((n, values) for n, values in numbered if not _blank(values)), (0, None))
    if header is None:
        raise LedgerFileError("文件是空的，没有表头和数据。")
    positions: dict[str, int] = {}
    for position, value in enumerate(header):
        column = _header_name(value)
        if not column:
            continue
        if column in positions:
            report.errors.append(RowError(header_row, column, f"表头中“{column}”列出现了不止一次。"))
        elif column in COLUMNS:
            positions[column] = position
        else:
            report.ignored_columns.append(column)
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            report.errors.append(RowError(header_row, column, f"缺少必需的列“{column}”。"))
    if report.errors:
        return report

    lookups = _Lookups(organization, by)
    first_row: dict[str, int] = {}
    any_row = False
    for row_number, values in numbered:
        if _blank(values):
            continue
        any_row = True
        cells = {column: values[pos] if pos < len(values) else None for column, pos in positions.items()}
        row, errors = _check_row(row_number, cells, lookups=lookups, today=today)
        number = _text(cells.get(NUMBER))
        if number:
            if number in first_row:
                errors.append(RowError(row_number, NUMBER, f"申请编号“{number}”与第{first_row[number]}行重复。"))
                row = None
            else:
                first_row[number] = row_number
        report.errors.extend(errors)
        if row is not None and not errors:
            report.rows.append(row)
    if not any_row:
        raise LedgerFileError("文件只有表头，没有可导入的数据行。")
    report.errors.extend(_check_numbers(first_row))
    report.errors.sort(key=lambda e: e.row)
    _add_notes(report, lookups)
    if dry_run or report.errors:
        return report
    try:
        report.created = _write(report.rows, by=by, calendar=lookups.calendar)
    except IntegrityError:
        # Checked above; only an application registered at the same moment can take a number meanwhile.
        raise DomainError("导入时申请编号与刚登记的申请发生冲突，没有写入任何申请，请重新导入。") from None
    return report


def _add_notes(report: LedgerReport, lookups: _Lookups) -> None:
    differing = [
        row.row
        for row in report.rows
        if row.given_due and row.received_on and row.given_due != lookups.plain_due(row.received_on)
    ]
    if differing:
        shown = "、".join(str(n) for n in differing[:10]) + ("等" if len(differing) > 10 else "")
        report.notes.append(
            f"第{shown}行（共 {len(differing)} 行）的“答复期限”与按收到日期计算的期限（20个工作日）不同："
            "台账不含延期、补正、征求意见等记录，导入后按收到日期重新计算答复期限。"
        )
    for row in report.rows:
        if row.status == Status.PROCESSING:
            lookups.plain_due(row.received_on)
    if lookups.missing_years:
        years = "、".join(str(y) for y in sorted(lookups.missing_years))
        report.notes.append(
            f"缺少{years}年的工作日历：这些年份收到、尚未办结的申请暂时不能计算答复期限，"
            "请系统管理员录入该年度的放假安排。"
        )


@transaction.atomic
def _write(rows: list[LedgerRow], *, by, calendar: Calendar) -> int:
    now = timezone.now()
    requests = []
    for row in rows:
        info_request = InfoRequest(
            organization=row.organization,
            number=row.number,
            channel=row.channel,
            submitted_at=row.submitted_at,
            received_on=row.received_on,
            applicant_type=row.applicant_type,
            applicant_name=row.applicant_name,
            description=row.description,
            document_title=row.document_title,
            document_number=row.document_number,
            wanted_form=row.wanted_form,
            delivery=row.delivery,
            status=row.status,
            outcome=row.outcome,
            ended_on=row.ended_on,
            handler=row.handler,
            registered_by=by,
        )
        info_request.set_query_code()  # nobody is told the code: the applicant never applied online
        requests.append(info_request)
    InfoRequest.objects.bulk_create(requests, batch_size=BATCH_SIZE)

    # Distinct times keep the events in their order for the clock, which sorts them by (at, pk).
    step = dt.timedelta(microseconds=1)
    events = []
    for info_request, row in zip(requests, rows, strict=True):
        events.append(
            RequestEvent(
                info_request=info_request,
                kind=EventKind.REGISTERED,
                at=now,
                on=timezone.localdate(row.submitted_at),
                by=by,
                note=IMPORT_NOTE,
            )
        )
        before = Status.PENDING
        if row.received_on is not None:
            events.append(
                RequestEvent(
                    info_request=info_request,
                    kind=EventKind.RECEIVED,
                    at=now + step,
                    on=row.received_on,
                    by=by,
                    from_status=Status.PENDING,
                    to_status=Status.PROCESSING,
                    note=IMPORT_NOTE,
                )
            )
            before = ABANDONED_FROM.get(row.outcome, Status.PROCESSING)
        if row.status in END_EVENTS:
            events.append(
                RequestEvent(
                    info_request=info_request,
                    kind=END_EVENTS[row.status],
                    at=now + 2 * step,
                    on=row.ended_on,
                    by=by,
                    from_status=before,
                    to_status=row.status,
                    note=f"{IMPORT_NOTE}：{Outcome(row.outcome).full_label}",
                )
            )
    RequestEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)

    content_type = ContentType.objects.get_for_model(InfoRequest)
    actor_name = by.get_full_name() or by.get_username()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                created_at=now,
                actor=by,
                actor_name=actor_name,
                organization=info_request.organization,
                content_type=content_type,
                object_id=str(info_request.pk),
                object_repr=str(info_request)[:200],
                action=AuditEvent.Action.CREATE,
                to_state=info_request.get_status_display(),
                comment=IMPORT_NOTE,
            )
            for info_request in requests
        ],
        batch_size=BATCH_SIZE,
    )

    open_requests = [r for r in requests if r.status in OPEN_STATUSES and r.received_on is not None]
    for start in range(0, len(open_requests), 500):
        batch = open_requests[start : start + 500]
        prefetch_related_objects(batch, "events")
        for info_request in batch:
            workflow.refresh_due(info_request, calendar=calendar)
    _advance_sequences(row.number for row in rows)
    return len(requests)


def _advance_sequences(numbers: Iterable[str]) -> None:
    """Keep workflow.allocate_number from handing out a number the ledger brought in (YSQ-2025-000123,
    as our own exports have them)."""
    highest: dict[int, int] = {}
    for number in numbers:
        match = _YSQ_NUMBER.match(number)
        if match:
            year, serial = int(match.group(1)), int(match.group(2))
            highest[year] = max(highest.get(year, 0), serial)
    for year, serial in sorted(highest.items()):
        RequestSequence.objects.get_or_create(year=year)
        sequence = RequestSequence.objects.select_for_update().get(year=year)
        if sequence.last < serial:
            sequence.last = serial
            sequence.save(update_fields=["last"])


# Export --------------------------------------------------------------------------------------------


def ledger_queryset(
    organization: Organization, *, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[InfoRequest]:
    """The applications of organization and its subtree received from date_from to date_to (inclusive,
    either may be None), and those not yet received submitted in that range. The caller checks scope."""
    queryset = InfoRequest.objects.filter(
        organization__tree_id=organization.tree_id,
        organization__lft__gte=organization.lft,
        organization__rght__lte=organization.rght,
    )
    received = Q(received_on__isnull=False)
    not_received = Q(received_on__isnull=True)
    if date_from is not None:
        received &= Q(received_on__gte=date_from)
        not_received &= Q(submitted_at__gte=_midnight(date_from))
    if date_to is not None:
        received &= Q(received_on__lte=date_to)
        not_received &= Q(submitted_at__lt=_midnight(date_to + dt.timedelta(days=1)))
    if date_from is None and date_to is None:
        return queryset
    return queryset.filter(received | not_received)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0)))


# Rows in the order of the ledger: by received date (the not yet received last), then submission.
_ORDER = (F("received_on").asc(nulls_last=True), "submitted_at", "pk")
_FIELDS = (
    "pk",
    "received_on",
    "submitted_at",
    "number",
    "organization__name",
    "channel",
    "applicant_type",
    "applicant_name",
    "description",
    "document_title",
    "document_number",
    "wanted_form",
    "delivery",
    "status",
    "due_on",
    "ended_on",
    "outcome",
    "handler__username",
    "handler__first_name",
    "handler__last_name",
)


def _order_key(received_on: dt.date | None, submitted_at: dt.datetime, pk: int) -> tuple:
    return (received_on or dt.date.max, submitted_at, pk)


class _ClockEvents:
    """The clock events of the ended applications of a queryset, read in the ledger's order alongside
    the applications (a merge of two sorted streams: two queries, flat memory)."""

    def __init__(self, queryset: QuerySet[InfoRequest]) -> None:
        ended = queryset.filter(status__in=sorted(ENDED_STATUSES)).values("pk")
        self._rows = iter(
            RequestEvent.objects.filter(info_request__in=ended, kind__in=sorted(CLOCK_EVENT_KINDS))
            .order_by(
                F("info_request__received_on").asc(nulls_last=True),
                "info_request__submitted_at",
                "info_request_id",
                "at",
                "pk",
            )
            .values_list(
                "info_request__received_on",
                "info_request__submitted_at",
                "info_request_id",
                "kind",
                "at",
                "on",
                "due_on",
                "days",
            )
            .iterator(chunk_size=CHUNK_SIZE)
        )
        self._next = None
        self._done = False

    def _peek(self):
        if self._next is None and not self._done:
            self._next = next(self._rows, None)
            self._done = self._next is None
        return self._next

    def for_request(self, key: tuple) -> list[RequestEvent]:
        events = []
        while (row := self._peek()) is not None:
            row_key = _order_key(row[0], row[1], row[2])
            if row_key > key:
                break
            self._next = None
            if row_key == key:
                kind, at, on, due_on, days = row[3:]
                events.append(RequestEvent(kind=kind, at=at, on=on, due_on=due_on, days=days))
        return events


def _user_label(username: str | None, first_name: str | None, last_name: str | None) -> str:
    if not username:
        return ""
    return f"{first_name or ''} {last_name or ''}".strip() or username


def export_rows(queryset: QuerySet[InfoRequest], *, calendar: Calendar | None = None) -> Iterator[list[str]]:
    """The ledger's rows (COLUMNS) of queryset, streamed. Two queries whatever the length."""
    calendar = calendar or Calendar()
    channels, types, statuses = dict(Channel.choices), dict(ApplicantType.choices), dict(Status.choices)
    forms, deliveries = dict(WantedForm.choices), dict(Delivery.choices)
    outcomes = {o.value: o.full_label for o in Outcome}
    clock_events = _ClockEvents(queryset)
    plain_due: dict[dt.date, dt.date | None] = {}

    def ended_due(received_on: dt.date | None, status: str, events: list[RequestEvent], ended_on) -> dt.date | None:
        if received_on is None:
            return None
        if not events and received_on in plain_due:
            return plain_due[received_on]
        clock = deadlines.clock(
            InfoRequest(received_on=received_on, status=status), events=events, today=ended_on, calendar=calendar
        )
        if not events:
            plain_due[received_on] = clock.due
        return clock.due

    rows = queryset.order_by(*_ORDER).values_list(*_FIELDS).iterator(chunk_size=CHUNK_SIZE)
    for (
        pk,
        received_on,
        submitted_at,
        number,
        organization,
        channel,
        applicant_type,
        applicant_name,
        description,
        document_title,
        document_number,
        wanted_form,
        delivery,
        status,
        due_on,
        ended_on,
        outcome,
        username,
        first_name,
        last_name,
    ) in rows:
        if status in ENDED_STATUSES:
            events = clock_events.for_request(_order_key(received_on, submitted_at, pk))
            due_on = ended_due(received_on, status, events, ended_on)
        yield [
            number,
            organization,
            _date_text(received_on),
            _date_text(timezone.localdate(submitted_at)),
            channels.get(channel, channel),
            types.get(applicant_type, applicant_type),
            applicant_name,
            description,
            document_title,
            document_number,
            forms.get(wanted_form, wanted_form),
            deliveries.get(delivery, delivery),
            statuses.get(status, status),
            _date_text(due_on),
            _date_text(ended_on),
            outcomes.get(outcome, outcome),
            _user_label(username, first_name, last_name),
        ]


def _date_text(day: dt.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


def _neutralise(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def csv_chunks(queryset: QuerySet[InfoRequest], *, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The ledger as CSV (UTF-8 with BOM) in pieces, for a StreamingHttpResponse or a file."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    count = 0
    for row in export_rows(queryset):
        writer.writerow([_neutralise(cell) for cell in row])
        count += 1
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate(0)
    yield buffer.getvalue().encode("utf-8")


def write_csv(queryset: QuerySet[InfoRequest], file: IO[bytes]) -> None:
    for chunk in csv_chunks(queryset):
        file.write(chunk)


def write_xlsx(queryset: QuerySet[InfoRequest], file: IO[bytes]) -> None:
    """The ledger as an XLSX workbook written to file; openpyxl's write-only mode keeps the rows on disk."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("依申请公开台账")
    widths = {NUMBER: 18, ORGANIZATION: 22, APPLICANT: 16, DESCRIPTION: 50, DOCUMENT_TITLE: 30, OUTCOME: 30}
    for position, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = widths.get(column, 12)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in export_rows(queryset):
        # Every cell is text, dates too, so that they re-import exactly whatever the reader's locale.
        sheet.append([_neutralise(ILLEGAL_CHARACTERS_RE.sub("", cell)) for cell in row])
    workbook.save(file)


def export_filename(organization: Organization, date_from: dt.date | None, date_to: dt.date | None, format: str) -> str:
    span = f"{date_from:%Y%m%d}" if date_from else "起"
    span += f"-{date_to:%Y%m%d}" if date_to else "-至今"
    return f"依申请公开台账-{organization.name}-{span}.{format}"
