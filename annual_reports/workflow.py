"""Every state change of a yearly report, each in one transaction with its audit event.

草稿 (draft: rebuilt, entered values and narrative edited at will) → 待审批 (submitted by a clerk, a
reviewer or the head; nothing changes while it waits) → 已发布 (approved and published by the office head,
机关负责人, only; the document is frozen into the snapshot). 待审批 can go back to 草稿. A published report
is never edited: 更正 starts a new revision (草稿 again, with a public correction note) that replaces it
on publication while the earlier revision stays readable.

Deadlines (条例 第四十九条): a department's report on the previous year by 31 January, the
government-level report by 31 March.

Refusals raise a DomainError with a Chinese message; nothing is changed then. `by=None` is the system
(the management command), which may build and export but never publish.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from disclosure_site import audit, scoping
from disclosure_site.errors import DomainError
from disclosure_site.models import Organization, Role

from . import building, formats
from .formats.base import EnteredValue, quantize
from .models import EnteredFigure, Report, ReportStatus, Scope

S = ReportStatus
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.PENDING},
    S.PENDING: {S.DRAFT, S.PUBLISHED},
    S.PUBLISHED: set(),
}
EDIT_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
RETURN_ROLES = frozenset({Role.REVIEWER, Role.HEAD})
PUBLISH_ROLES = frozenset({Role.HEAD})
FIRST_YEAR = 2008  # the first year of the 2007 regulation's reports


class InvalidTransition(DomainError):
    pass


class NotAllowed(DomainError):
    pass


def deadline(year: int, scope: str) -> dt.date:
    """When the report on year is due (条例 第四十九条): 31 January of the next year for a department,
    31 March for the government-level report."""
    return dt.date(year + 1, 3, 31) if scope == Scope.SUBTREE else dt.date(year + 1, 1, 31)


def default_scope(organization: Organization) -> str:
    return Scope.SUBTREE if organization.kind == Organization.Kind.GOVERNMENT else Scope.OWN


def _require(user, organization: Organization, roles: frozenset[str], what: str) -> None:
    """user None is the system itself: `manage.py annual_report`, run by the server's operator."""
    if user is not None and not scoping.has_role(user, organization, roles):
        names = "、".join(Role(r).label for r in sorted(roles))
        raise NotAllowed(f"您不能{what}：只有{organization}（或其上级机构）的{names}可以操作。")


def _lock(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("organization").get(pk=report.pk)


def _move(report: Report, to: str) -> None:
    if to not in TRANSITIONS[report.status]:
        if report.status == S.PUBLISHED:
            raise InvalidTransition("该年度报告已发布，不能修改。如需更正，请发起更正，形成新的版本。")
        raise InvalidTransition(
            f"年度报告当前状态为“{report.get_status_display()}”，不能改为“{ReportStatus(to).label}”。"
        )


def _require_draft(report: Report) -> None:
    if report.status == S.PUBLISHED:
        raise InvalidTransition("该年度报告已发布，不能修改。如需更正，请发起更正，形成新的版本。")
    if report.status != S.DRAFT:
        raise InvalidTransition("年度报告正在审批中，不能修改。如需修改，请先退回草稿。")


def create(
    organization: Organization,
    *,
    year: int,
    by,
    format_code: str | None = None,
    scope: str | None = None,
    today: dt.date | None = None,
) -> Report:
    """Start the report of organization on year as a draft and build it."""
    today = today or timezone.localdate()
    _require(by, organization, EDIT_ROLES, f"编制{organization}的年度报告")
    if year > today.year:
        raise DomainError(f"{year}年度尚未开始，不能编制该年度的年度报告。")
    if year < FIRST_YEAR:
        raise DomainError(f"年度报告从{FIRST_YEAR}年度开始编制，不能编制{year}年度的报告。")
    fmt = formats.get(format_code) if format_code else formats.default_for(year)
    scope = scope or default_scope(organization)
    if scope not in Scope.values:
        raise DomainError("统计范围无效。")
    with transaction.atomic():
        if Report.objects.filter(organization=organization, year=year).exists():
            raise DomainError(f"{organization}{year}年度的年度报告已存在，请在列表中打开该报告。")
        report = Report(organization=organization, year=year, format=fmt.code, scope=scope, created_by=by)
        building.gather(report, today=today)
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            raise DomainError(f"{organization}{year}年度的年度报告已存在，请在列表中打开该报告。") from None
        audit.record(report, actor=by, action="create", to_state=S.DRAFT.label, comment=f"报告格式：{fmt.name}")
    return report


def build(report: Report, *, by, today: dt.date | None = None) -> Report:
    """Recompute the statistics of a draft from the current data; staff's narrative stays."""
    _require(by, report.organization, EDIT_ROLES, "重新生成年度报告")
    with transaction.atomic():
        report = _lock(report)
        _require_draft(report)
        building.gather(report, today=today)
        report.save(update_fields=["statistics", "facts", "built_at", "narrative", "updated_at"])
        audit.record(report, actor=by, action="change", comment="按当前数据重新生成统计表")
    return report


def entered_number(spec: EnteredValue, raw: object) -> Decimal | None:
    """raw (text, or a number from a spreadsheet cell) as a value of spec; None when not given.
    Raises a DomainError whose message is the reason alone (应填写数字, 不能为负数, …), without the label,
    so that the form and the spreadsheet import can each say where the value was."""
    if raw is None:
        return None
    if isinstance(raw, bool | dt.date | dt.time):  # a spreadsheet cell formatted as a date or a tick box
        raise DomainError("应填写数字")
    if isinstance(raw, float):
        text = repr(raw)  # the shortest repr: 1.25, not 1.25000000000000001
    else:
        # NFKC: full-width digits, minus, point and comma, as Chinese input methods type them.
        text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "")
    if text == "":
        return None
    if spec.unit and text.endswith(spec.unit) and text != spec.unit:
        text = text[: -len(spec.unit)].strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError("应填写数字") from None
    if not value.is_finite():
        raise DomainError("应填写数字")
    if value < 0 and not spec.signed:
        raise DomainError("不能为负数")
    if abs(value) >= Decimal(10) ** 12:
        raise DomainError("数值过大")
    if value != quantize(value, spec.decimal_places):
        raise DomainError(f"最多保留{spec.decimal_places}位小数" if spec.decimal_places else "应填写整数")
    return value


def clean_entered(report: Report, values: dict[str, object]) -> dict[str, Decimal | None]:
    """Parse entered values (strings or numbers; empty = not given) against the report's format.
    Raises a DomainError naming every bad value."""
    fmt = formats.get(report.format)
    known = {v.name: v for v in fmt.entered}
    errors, cleaned = [], {}
    for name, raw in values.items():
        spec = known.get(name)
        if spec is None:
            errors.append(f"本格式没有“{name}”这一填报项。")
            continue
        try:
            cleaned[name] = entered_number(spec, raw)
        except DomainError as reason:
            errors.append(f"“{spec.label}”{reason}。")
    if errors:
        raise DomainError("".join(errors))
    return cleaned


def update_draft(
    report: Report,
    *,
    by,
    entered: dict[str, object] | None = None,
    narrative: dict[str, str] | None = None,
) -> Report:
    """Store entered values (None or "" removes one) and narrative text of a draft."""
    _require(by, report.organization, EDIT_ROLES, "修改年度报告")
    with transaction.atomic():
        report = _lock(report)
        _require_draft(report)
        changes: dict[str, list] = {}
        if entered is not None:
            cleaned = clean_entered(report, entered)
            current = building.entered_values(report)
            for name, value in cleaned.items():
                if current.get(name) == value:
                    continue
                changes[formats.get(report.format).entered_value(name).label] = [
                    None if current.get(name) is None else str(current[name]),
                    None if value is None else str(value),
                ]
                if value is None:
                    EnteredFigure.objects.filter(report=report, name=name).delete()
                else:
                    EnteredFigure.objects.update_or_create(report=report, name=name, defaults={"value": value})
        if narrative is not None:
            fmt = formats.get(report.format)
            keys = {s.key: s.title for s in fmt.narrative_sections}
            text = dict(report.narrative or {})
            for key, value in narrative.items():
                if key not in keys:
                    raise DomainError(f"本格式没有“{key}”这一部分。")
                value = (value or "").replace("\r\n", "\n").strip()
                if text.get(key, "") != value:
                    changes[keys[key]] = ["（已修改）", "（已修改）"]
                    text[key] = value
            report.narrative = text
            report.save(update_fields=["narrative", "updated_at"])
        if changes:
            audit.record(report, actor=by, action="change", changes=changes)
    return report


def _ready(report: Report) -> dict:
    """The assembled document, or a DomainError listing what stops the report going further."""
    document = building.assemble(report)
    problems = []
    if not report.built_at:
        problems.append("尚未生成统计表。")
    if document["missing"]:
        problems.append("请先填写：" + "、".join(document["missing"]) + "。")
    if document["failures"]:
        problems.append("统计表未通过勾稽关系检查：" + "".join(document["failures"]))
    empty = [s["title"] for s in document["sections"] if "text" in s and not s["text"].strip()]
    if empty:
        problems.append("请填写文字部分：" + "、".join(empty) + "。")
    if problems:
        raise DomainError("".join(problems))
    return document


def submit(report: Report, *, by) -> Report:
    """草稿 → 待审批, once every entered value is given and every check passes."""
    _require(by, report.organization, EDIT_ROLES, "提交年度报告")
    with transaction.atomic():
        report = _lock(report)
        _move(report, S.PENDING)
        _ready(report)
        report.status, report.submitted_by, report.submitted_at = S.PENDING, by, timezone.now()
        report.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
        audit.record(report, actor=by, action="transition", from_state=S.DRAFT.label, to_state=S.PENDING.label)
    return report


def return_to_draft(report: Report, *, by, reason: str) -> Report:
    """待审批 → 草稿, with the reason (a reviewer or the head)."""
    _require(by, report.organization, RETURN_ROLES, "退回年度报告")
    if not (reason or "").strip():
        raise DomainError("请说明退回的理由。")
    with transaction.atomic():
        report = _lock(report)
        _move(report, S.DRAFT)
        report.status = S.DRAFT
        report.save(update_fields=["status", "updated_at"])
        audit.record(
            report,
            actor=by,
            action="transition",
            from_state=S.PENDING.label,
            to_state=S.DRAFT.label,
            comment=reason.strip(),
        )
    return report


def publish(report: Report, *, by, today: dt.date | None = None) -> Report:
    """待审批 → 已发布 by the office head: the checks run once more, then the document is frozen."""
    today = today or timezone.localdate()
    if by is None:
        raise NotAllowed("年度报告只能由机关负责人在管理后台批准发布。")
    _require(by, report.organization, PUBLISH_ROLES, "批准发布年度报告")
    with transaction.atomic():
        report = _lock(report)
        _move(report, S.PUBLISHED)
        if report.year >= today.year:
            raise DomainError(f"{report.year}年度尚未结束，不能发布该年度的年度报告。")
        document = _ready(report)
        now = timezone.now()
        document.update(
            published_at=now.isoformat(),
            published_on=timezone.localdate(now).isoformat(),
            corrects_revision=report.corrects.revision if report.corrects_id else None,
        )
        report.status, report.published_by, report.published_at, report.snapshot = S.PUBLISHED, by, now, document
        report.save(update_fields=["status", "published_by", "published_at", "snapshot", "updated_at"])
        audit.record(report, actor=by, action="transition", from_state=S.PENDING.label, to_state=S.PUBLISHED.label)
    return report


def start_correction(report: Report, *, by, note: str) -> Report:
    """更正: a new draft revision of a published report, with a public note saying what and why."""
    _require(by, report.organization, EDIT_ROLES, "更正年度报告")
    note = (note or "").strip()
    if not note:
        raise DomainError("请填写更正说明：更正了哪些内容、原因是什么。该说明将随更正后的报告公开。")
    with transaction.atomic():
        report = _lock(report)
        if report.status != S.PUBLISHED:
            raise InvalidTransition("只能更正已发布的年度报告。")
        latest = Report.objects.filter(organization_id=report.organization_id, year=report.year).order_by("-revision")
        if latest.exclude(status=S.PUBLISHED).exists():
            raise DomainError("该年度已有一份正在编制或审批的更正版本。")
        if latest.first().pk != report.pk:
            raise DomainError("只能更正最新发布的版本。")
        correction = Report.objects.create(
            organization=report.organization,
            year=report.year,
            revision=report.revision + 1,
            format=report.format,
            scope=report.scope,
            statistics=report.statistics,
            facts=report.facts,
            built_at=report.built_at,
            narrative=report.narrative,
            corrects=report,
            correction_note=note,
            created_by=by,
        )
        EnteredFigure.objects.bulk_create(
            EnteredFigure(report=correction, name=e.name, value=e.value) for e in report.entered.all()
        )
        audit.record(correction, actor=by, action="create", to_state=S.DRAFT.label, comment=f"更正：{note}")
    return correction
