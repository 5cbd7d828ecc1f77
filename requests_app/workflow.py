"""Every state change of an application (依申请公开), each in one transaction with its event row.

States: 待受理 → 办理中 → (待补正 ⇄ 办理中) → (征求意见中 ⇄ 办理中) → (待缴费 ⇄ 办理中) → 已答复, plus 已撤回
and 视为放弃. A function re-reads the row under lock, checks the move against TRANSITIONS and the dates
against the clock (requests_app/deadlines.py), saves, writes a RequestEvent and an audit event, refreshes
the stored due date, and mails the applicant after commit. Refusals raise a DomainError whose message is
shown to the user as it is.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from disclosure_site import audit, scoping
from disclosure_site.errors import DomainError
from disclosure_site.faults import with_files
from disclosure_site.models import Role
from disclosure_site.workdays import Calendar, add_working_days

from . import deadlines, fees
from .models import (
    CONFIRMED_CHANNELS,
    ENDED_STATUSES,
    OPEN_STATUSES,
    REPLY_OUTCOMES,
    Channel,
    ConsultationParty,
    Delivery,
    EventKind,
    Fee,
    FeeMethod,
    InfoRequest,
    Letter,
    LetterKind,
    LetterStatus,
    Outcome,
    RequestDocument,
    RequestEvent,
    RequestSequence,
    Status,
)

log = logging.getLogger(__name__)
S = Status

TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.PROCESSING, S.WITHDRAWN},
    S.PROCESSING: {S.CORRECTING, S.CONSULTING, S.AWAITING_FEE, S.ANSWERED, S.WITHDRAWN},
    S.CORRECTING: {S.PROCESSING, S.ABANDONED, S.WITHDRAWN},
    S.CONSULTING: {S.PROCESSING, S.WITHDRAWN},
    S.AWAITING_FEE: {S.PROCESSING, S.ABANDONED, S.WITHDRAWN},
    S.ANSWERED: set(),
    S.WITHDRAWN: set(),
    S.ABANDONED: set(),
}
STAFF_ROLES = {Role.CLERK, Role.REVIEWER, Role.HEAD}


class InvalidTransition(DomainError):
    pass


class NotAllowed(DomainError):
    pass


# Numbers and codes ---------------------------------------------------------------------------------


def allocate_number(year: int) -> str:
    """The next application number of the year, e.g. YSQ-2026-000123; call inside a transaction."""
    RequestSequence.objects.get_or_create(year=year)
    sequence = RequestSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"YSQ-{year}-{sequence.last:06d}"


# Helpers ---------------------------------------------------------------------------------------------


def _lock(info_request: InfoRequest) -> InfoRequest:
    return InfoRequest.objects.select_for_update(of=("self",)).select_related("organization").get(pk=info_request.pk)


def _require_role(user, info_request: InfoRequest, roles: set[str], what: str) -> None:
    if not scoping.has_role(user, info_request.organization, roles):
        names = "、".join(Role(r).label for r in sorted(roles))
        raise NotAllowed(f"只有{info_request.organization}的{names}可以{what}。")


def _today() -> dt.date:
    return timezone.localdate()


def _check_date(on: dt.date, *, not_before: dt.date | None, what: str, before_what: str = "") -> None:
    if on > _today():
        raise DomainError(f"{what}不能晚于今天（{_today():%Y-%m-%d}）。")
    if not_before and on < not_before:
        raise DomainError(f"{what}不能早于{before_what}（{not_before:%Y-%m-%d}）。")


def _last_event_on(info_request: InfoRequest, kind: str) -> dt.date | None:
    return info_request.events.filter(kind=kind).order_by("-at", "-id").values_list("on", flat=True).first()


def refresh_due(info_request: InfoRequest, *, today: dt.date | None = None, calendar: Calendar | None = None) -> bool:
    """Store the clock's running due date on the row; True if it changed."""
    clock = deadlines.clock(info_request, today=today, calendar=calendar)
    due = clock.due if clock.running else None
    if due == info_request.due_on:
        return False
    info_request.due_on = due
    InfoRequest.objects.filter(pk=info_request.pk).update(due_on=due)
    return True


def _event(info_request: InfoRequest, kind: str, *, by, on: dt.date, before: str = "", note: str = "", **fields):
    event = RequestEvent.objects.create(
        info_request=info_request,
        kind=kind,
        on=on,
        by=by if getattr(by, "is_authenticated", False) else None,
        from_status=before,
        to_status=info_request.status if before else "",
        note=note,
        **fields,
    )
    audit.record(
        info_request,
        actor=by,
        action=EventKind(kind).label,
        comment=note,
        from_state=Status(before).label if before else "",
        to_state=info_request.get_status_display() if before else "",
    )
    return event


def _move(info_request: InfoRequest, to: str, *, fields: Iterable[str] = ()) -> str:
    before = info_request.status
    if to not in TRANSITIONS[before]:
        raise InvalidTransition(
            f"申请 {info_request.number} 当前状态为“{info_request.get_status_display()}”，不能变为“{Status(to).label}”。"
        )
    info_request.status = to
    info_request.save(update_fields=["status", "updated_at", *fields])
    return before


def _mail_applicant(
    info_request: InfoRequest, subject: str, lines: list[str], *, with_reply_files: bool = False
) -> None:
    """E-mail the applicant after the transaction commits, if they gave an address. With with_reply_files
    (a reply delivered by e-mail, 条例 第四十条), the sent letters and the documents provided to the
    applicant are attached, read when the mail is sent, after everything the step stored has committed.
    A mail failure is logged (without personal data) and never undoes the recorded step."""
    if not info_request.email:
        return
    address, number, pk = info_request.email, info_request.number, info_request.pk
    body = "\n".join(
        [f"{info_request.applicant_name}：", "", *lines, "", f"申请编号：{number}", "", str(info_request.organization)]
    )
    subject = f"【{info_request.organization}】{subject}"

    def send() -> None:
        try:
            message = EmailMessage(subject, body, to=[address])
            if with_reply_files:
                _attach_reply_files(message, pk)
            message.send()
        except Exception:  # noqa: BLE001 - a mail server being down must not break the workflow
            log.warning("mail to the applicant of %s failed", number, exc_info=False)

    transaction.on_commit(send)


def _attach_reply_files(message: EmailMessage, pk: int) -> None:
    from . import letters

    for letter in Letter.objects.filter(info_request_id=pk, status=LetterStatus.SENT).select_related(
        "info_request__organization"
    ):
        message.attach(letters.download_name(letter, "pdf"), letters.render_pdf(letter), "application/pdf")
    for document in RequestDocument.objects.filter(info_request_id=pk, for_applicant=True):
        with document.file.open("rb") as handle:
            message.attach(document.original_name, handle.read(), "application/octet-stream")


def _status_lines(info_request: InfoRequest) -> list[str]:
    return ["您可以凭申请编号和查询码在网站“依申请公开—申请查询”页面查看办理进度和答复文书。"]


# Creating applications ---------------------------------------------------------------------------


@with_files  # transaction.atomic that also deletes the stored files on a rollback
def submit_online(info_request: InfoRequest, *, documents: Iterable = ()) -> tuple[InfoRequest, str]:
    """Store an application from the public form (第二十九条) as 待受理 and return it with its query code.

    The clock does not start: for online applications the received date is the day the organ confirms
    receipt (第三十一条第三项), recorded by confirm_receipt().
    """
    now = timezone.now()
    info_request.channel = Channel.ONLINE
    info_request.submitted_at = now
    info_request.status = Status.PENDING
    info_request.number = allocate_number(timezone.localdate(now).year)
    code = info_request.set_query_code()
    info_request.full_clean(exclude=["number", "query_code_salt", "query_code_hash"])
    info_request.save()
    _event(info_request, EventKind.SUBMITTED, by=None, on=timezone.localdate(now), note="通过网站提交申请")
    _attach(info_request, documents, by=None)
    _mail_applicant(
        info_request,
        "已收到您的政府信息公开申请",
        [
            f"您于{timezone.localtime(now):%Y年%m月%d日 %H:%M}提交的政府信息公开申请已进入系统，"
            "工作人员确认收到后开始计算答复期限（《中华人民共和国政府信息公开条例》第三十一条、第三十三条）。",
            f"申请编号：{info_request.number}　查询码：{code}（请妥善保存，凭申请编号和查询码查询办理进度）",
            *_status_lines(info_request),
        ],
    )
    return info_request, code


@with_files  # transaction.atomic that also deletes the stored files on a rollback
def register(
    info_request: InfoRequest, *, by, received_on: dt.date | None, documents: Iterable = ()
) -> tuple[InfoRequest, str]:
    """Staff register an application that came 当面, 信函, 传真, 电子邮件 or orally, filling in for the applicant.

    received_on (第三十一条): in person or oral, the day handed over; by post, the day signed for; by e-mail
    or fax, the day receipt is confirmed (may be left empty and confirmed later). Returns the application
    and the query code to hand to the applicant.
    """
    organization = info_request.organization
    if not scoping.has_role(by, organization, STAFF_ROLES):
        raise NotAllowed(f"只有{organization}的工作人员可以登记该机构的申请。")
    if info_request.channel == Channel.ONLINE:
        raise DomainError("网上申请由申请人在网站提交，无需登记；请选择实际的申请方式。")
    submitted_day = timezone.localdate(info_request.submitted_at)
    if info_request.submitted_at > timezone.now():
        raise DomainError("提交时间不能晚于现在。")
    if received_on is None and info_request.channel not in CONFIRMED_CHANNELS:
        raise DomainError(f"{info_request.get_channel_display()}申请须填写收到日期（条例第三十一条）。")
    if received_on is not None:
        _check_date(received_on, not_before=submitted_day, what="收到日期", before_what="提交日期")
    info_request.status = Status.PENDING
    info_request.registered_by = by
    info_request.number = allocate_number(submitted_day.year)
    code = info_request.set_query_code()
    info_request.full_clean(exclude=["number", "query_code_salt", "query_code_hash"])
    info_request.save()
    _event(
        info_request,
        EventKind.REGISTERED,
        by=by,
        on=submitted_day,
        note=f"工作人员登记{info_request.get_channel_display()}申请",
    )
    _attach(info_request, documents, by=by)
    if received_on is not None:
        _receive(info_request, by=by, on=received_on)
    return info_request, code


def _attach(info_request: InfoRequest, documents: Iterable, *, by, event: RequestEvent | None = None) -> None:
    from .documents import store_document

    for kind, uploaded in documents:
        store_document(info_request, uploaded, kind=kind, by=by, event=event)


def _receive(info_request: InfoRequest, *, by, on: dt.date) -> None:
    info_request.received_on = on
    before = _move(info_request, S.PROCESSING, fields=["received_on"])
    _event(info_request, EventKind.RECEIVED, by=by, on=on, before=before, note="收到申请，开始计算答复期限")
    refresh_due(info_request)
    clock = deadlines.clock(info_request)
    due_text = f"答复期限为{clock.due:%Y年%m月%d日}" if clock.due else "答复期限待工作日历更新后显示"
    _mail_applicant(
        info_request,
        "您的政府信息公开申请已收到",
        [
            f"本机关于{on:%Y年%m月%d日}收到您的申请，{due_text}（条例第三十三条：20个工作日）。",
            *_status_lines(info_request),
        ],
    )


@transaction.atomic
def confirm_receipt(info_request: InfoRequest, *, by, on: dt.date | None = None) -> InfoRequest:
    """确认收到 an online, e-mail or fax application (第三十一条第三项): the clock starts from this date."""
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "确认收到申请")
    on = on or _today()
    if info_request.status != S.PENDING:
        raise InvalidTransition(
            f"申请 {info_request.number} 已于{info_request.received_on or ''}确认收到，不能重复确认。"
        )
    _check_date(on, not_before=timezone.localdate(info_request.submitted_at), what="收到日期", before_what="提交日期")
    _receive(info_request, by=by, on=on)
    return info_request


# Correction (补正, 第三十条) -----------------------------------------------------------------------------


@transaction.atomic
def request_correction(
    info_request: InfoRequest,
    *,
    by,
    what: str,
    on: dt.date | None = None,
    due_on: dt.date | None = None,
    letter: Letter | None = None,
) -> InfoRequest:
    """告知补正: within 7 working days of receipt, say once and in full what to correct and by when.

    The clock stands still until the corrected application arrives, then restarts from that day.
    """
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "告知补正")
    on = on or _today()
    if not what.strip():
        raise DomainError("补正告知必须写明需要补正的事项。")
    if info_request.events.filter(kind=EventKind.CORRECTION_REQUESTED).exists():
        raise DomainError("补正应当一次性告知申请人（条例第三十条），本申请已告知过补正。")
    _check_date(on, not_before=info_request.received_on, what="补正告知日期", before_what="收到日期")
    notice_by = add_working_days(info_request.received_on, deadlines.CORRECTION_NOTICE_WITHIN)
    if on > notice_by:
        raise DomainError(
            f"补正告知应在收到申请之日起7个工作日内（{notice_by:%Y-%m-%d} 前）发出（条例第三十条），已超过期限。"
        )
    due_on = due_on or add_working_days(on, deadlines.DEFAULT_CORRECTION_PERIOD)
    if due_on <= on:
        raise DomainError("补正期限应晚于告知日期。")
    _use_letter(info_request, letter, LetterKind.CORRECTION_NOTICE, on=on)
    before = _move(info_request, S.CORRECTING)
    _event(info_request, EventKind.CORRECTION_REQUESTED, by=by, on=on, before=before, note=what, due_on=due_on)
    refresh_due(info_request)
    _mail_applicant(
        info_request,
        "请补正您的政府信息公开申请",
        [
            f"您的申请需要补正：{what}",
            f"请于{due_on:%Y年%m月%d日}前补正；逾期未补正的，视为放弃申请（条例第三十条）。",
            *_status_lines(info_request),
        ],
    )
    return info_request


@transaction.atomic
def receive_correction(info_request: InfoRequest, *, by, on: dt.date | None = None, note: str = "") -> InfoRequest:
    """The corrected application arrived: the 20 working days count again from this day (第三十条)."""
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "登记补正材料")
    on = on or _today()
    _check_date(
        on,
        not_before=_last_event_on(info_request, EventKind.CORRECTION_REQUESTED),
        what="收到补正日期",
        before_what="补正告知日期",
    )
    before = _move(info_request, S.PROCESSING)
    _event(info_request, EventKind.CORRECTION_RECEIVED, by=by, on=on, before=before, note=note or "收到补正后的申请")
    refresh_due(info_request)
    return info_request


# Consultation (第三十二条、第三十四条) ---------------------------------------------------------------------


@transaction.atomic
def start_consultation(
    info_request: InfoRequest,
    *,
    by,
    party: str,
    note: str,
    on: dt.date | None = None,
    due_on: dt.date | None = None,
    letter: Letter | None = None,
) -> InfoRequest:
    """征求意见: the clock stands still until the answer comes (a third party has 15 working days)."""
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "征求意见")
    on = on or _today()
    party = ConsultationParty(party)
    if not note.strip():
        raise DomainError("请写明征求意见的对象和事项。")
    _check_date(on, not_before=info_request.received_on, what="征求意见日期", before_what="收到日期")
    if due_on is None and party == ConsultationParty.THIRD_PARTY:
        due_on = add_working_days(on, deadlines.THIRD_PARTY_WORKING_DAYS)
    if due_on is not None and due_on <= on:
        raise DomainError("答复意见的期限应晚于征求意见日期。")
    _use_letter(info_request, letter, LetterKind.CONSULTATION, on=on)
    before = _move(info_request, S.CONSULTING)
    _event(
        info_request, EventKind.CONSULTATION_STARTED, by=by, on=on, before=before, note=note, party=party, due_on=due_on
    )
    refresh_due(info_request)
    return info_request


@transaction.atomic
def end_consultation(info_request: InfoRequest, *, by, on: dt.date | None = None, note: str = "") -> InfoRequest:
    """The consulted party answered (or its time ran out): the clock runs again from the next working day."""
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "结束征求意见")
    on = on or _today()
    _check_date(
        on,
        not_before=_last_event_on(info_request, EventKind.CONSULTATION_STARTED),
        what="征求意见结束日期",
        before_what="征求意见日期",
    )
    before = _move(info_request, S.PROCESSING)
    _event(info_request, EventKind.CONSULTATION_ENDED, by=by, on=on, before=before, note=note or "收到意见")
    refresh_due(info_request)
    return info_request


# Extension and later date ----------------------------------------------------------------------------


@transaction.atomic
def extend(
    info_request: InfoRequest, *, by, days: int, reason: str, on: dt.date | None = None, letter: Letter | None = None
) -> InfoRequest:
    """延长答复期限 (第三十三条第二款): once, at most 20 working days, approved by the office head, and
    notified to the applicant no later than the original due date."""
    info_request = _lock(info_request)
    _require_role(by, info_request, {Role.HEAD}, "批准延长答复期限")
    on = on or _today()
    if info_request.status not in (S.PROCESSING, S.CONSULTING, S.AWAITING_FEE):
        raise InvalidTransition(
            f"申请 {info_request.number} 当前状态为“{info_request.get_status_display()}”，不能延长答复期限。"
        )
    if not reason.strip():
        raise DomainError("延长答复期限必须写明理由。")
    if not 1 <= days <= deadlines.MAX_EXTENSION_WORKING_DAYS:
        raise DomainError("延长的期限最长不得超过20个工作日（条例第三十三条）。")
    if info_request.events.filter(kind=EventKind.EXTENDED).exists():
        raise DomainError("答复期限只能延长一次（条例第三十三条），本申请已经延长过。")
    _check_date(on, not_before=info_request.received_on, what="延期告知日期", before_what="收到日期")
    clock = deadlines.clock(info_request, today=on)
    if clock.missing_year:
        raise DomainError(f"缺少{clock.missing_year}年的工作日历，无法计算期限，请先录入该年度的放假安排。")
    if clock.due is not None and on > clock.due:
        raise DomainError(
            f"延长答复期限应在原答复期限（{clock.due:%Y-%m-%d}）届满前告知申请人，现已超过期限，不能再延长。"
        )
    _use_letter(info_request, letter, LetterKind.EXTENSION_NOTICE, on=on)
    _event(info_request, EventKind.EXTENDED, by=by, on=on, note=reason, days=days, approved_by=by)
    refresh_due(info_request)
    new_due = deadlines.clock(info_request).due
    _mail_applicant(
        info_request,
        "政府信息公开申请答复期限延长告知",
        [
            f"因{reason}，经本机关负责人同意，答复期限延长{days}个工作日"
            + (f"，至{new_due:%Y年%m月%d日}" if new_due else "")
            + "（条例第三十三条第二款）。",
            *_status_lines(info_request),
        ],
    )
    return info_request


@transaction.atomic
def set_later_date(info_request: InfoRequest, *, by, due_on: dt.date, reason: str) -> InfoRequest:
    """第三十五条: for a number or frequency of requests clearly beyond reason, with reasons the applicant gave,
    the organ may set a reasonable later reply date and tell the applicant."""
    info_request = _lock(info_request)
    _require_role(by, info_request, {Role.HEAD}, "确定延后答复期限")
    if not info_request.is_open or info_request.status == S.PENDING:
        raise InvalidTransition(
            f"申请 {info_request.number} 当前状态为“{info_request.get_status_display()}”，不能确定延后答复期限。"
        )
    if not reason.strip():
        raise DomainError("确定延后答复期限必须写明理由（条例第三十五条）。")
    clock = deadlines.clock(info_request)
    if clock.due and due_on <= clock.due:
        raise DomainError(f"延后的答复期限应晚于现在的答复期限（{clock.due:%Y-%m-%d}）。")
    _event(info_request, EventKind.LATER_DATE, by=by, on=_today(), note=reason, due_on=due_on, approved_by=by)
    refresh_due(info_request)
    return info_request


# Fees ------------------------------------------------------------------------------------------------


@transaction.atomic
def send_fee_notice(
    info_request: InfoRequest,
    *,
    by,
    method: str,
    pages: int | None = None,
    on: dt.date | None = None,
    letter: Letter | None = None,
) -> Fee:
    """收费通知 (国办函〔2020〕109号): the amount by one method; the applicant has 20 working days from the day
    after receiving it to pay, and the clock stands still meanwhile."""
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "发出收费通知")
    on = on or _today()
    if hasattr(info_request, "fee"):
        raise DomainError("本申请已经发出过收费通知。")
    method = FeeMethod(method)
    nth = None
    if method == FeeMethod.PER_PAGE:
        if not pages or pages < 1:
            raise DomainError("按量计收须填写页数。")
        amount = fees.per_page_fee(pages)
    else:
        pages = None
        nth = fees.nth_in_month(info_request)
        amount = fees.per_application_fee(nth)
    if amount <= 0:
        raise DomainError(
            "按所选方式计算，本申请不需要收取信息处理费"
            + (f"（申请人本月第{nth}件申请，10件以内不收费）。" if nth else "（30页以内不收费）。")
        )
    _check_date(on, not_before=info_request.received_on, what="收费通知日期", before_what="收到日期")
    due_on = add_working_days(on, deadlines.FEE_PAYMENT_WORKING_DAYS)
    _use_letter(info_request, letter, LetterKind.FEE_NOTICE, on=on)
    fee = Fee.objects.create(
        info_request=info_request,
        method=method,
        pages=pages,
        nth_in_month=nth,
        amount=amount,
        notice_on=on,
        due_on=due_on,
    )
    before = _move(info_request, S.AWAITING_FEE)
    _event(
        info_request,
        EventKind.FEE_NOTICE,
        by=by,
        on=on,
        before=before,
        due_on=due_on,
        note=f"{method.label}，金额 {amount} 元，缴费期限 {due_on:%Y-%m-%d}",
    )
    refresh_due(info_request)
    _mail_applicant(
        info_request,
        "政府信息公开申请信息处理费收费通知",
        [
            f"依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号），{method.label}，金额 {amount} 元。",
            f"请于{due_on:%Y年%m月%d日}前缴纳；逾期未缴纳的，本机关不再处理该申请。",
            *_status_lines(info_request),
        ],
    )
    return fee


@transaction.atomic
def record_payment(info_request: InfoRequest, *, by, receipt_number: str, on: dt.date | None = None) -> InfoRequest:
    """The applicant paid (receipt number of the official non-tax revenue receipt): the clock runs again."""
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "登记缴费")
    on = on or _today()
    if not receipt_number.strip():
        raise DomainError("登记缴费须填写票据号码。")
    fee = Fee.objects.select_for_update().filter(info_request=info_request).first()
    if fee is None or info_request.status != S.AWAITING_FEE:
        raise InvalidTransition(f"申请 {info_request.number} 当前没有待缴的费用。")
    _check_date(on, not_before=fee.notice_on, what="缴费日期", before_what="收费通知日期")
    fee.paid_on, fee.receipt_number = on, receipt_number.strip()
    fee.save(update_fields=["paid_on", "receipt_number"])
    before = _move(info_request, S.PROCESSING)
    _event(info_request, EventKind.FEE_PAID, by=by, on=on, before=before, note=f"票据号码 {fee.receipt_number}")
    refresh_due(info_request)
    return info_request


# Ending ----------------------------------------------------------------------------------------------


def _use_letter(info_request: InfoRequest, letter: Letter | None, kind: str, *, on: dt.date) -> None:
    """Mark an approved letter of the right kind as sent with the step it goes with."""
    if letter is None:
        return
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.info_request_id != info_request.pk or letter.kind != kind:
        raise DomainError(f"所选文书不是本申请的{LetterKind(kind).label}。")
    if letter.status == LetterStatus.DRAFT:
        raise DomainError(f"{letter.title}尚未经审核人审核，不能送达。")
    letter.status, letter.sent_on = LetterStatus.SENT, on
    letter.save(update_fields=["status", "sent_on", "updated_at"])


def _end(info_request: InfoRequest, to: str, *, outcome: str, on: dt.date, by, kind: str, note: str) -> None:
    info_request.outcome = outcome
    info_request.ended_on = on
    info_request.due_on = None
    before = _move(info_request, to, fields=["outcome", "ended_on", "due_on"])
    _event(info_request, kind, by=by, on=on, before=before, note=note)


@transaction.atomic
def reply(info_request: InfoRequest, *, by, outcome: str, letter: Letter, on: dt.date | None = None) -> InfoRequest:
    """答复: end the application with its one outcome of table B and send the approved reply letter
    (条例 第三十六条, 第三十七条 for 部分公开)."""
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "答复申请")
    on = on or _today()
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise DomainError("请选择办理结果。") from None
    if outcome not in REPLY_OUTCOMES:
        raise DomainError(f"“{outcome.full_label}”由逾期未补正或未缴费自动产生，不能直接选择。")
    if info_request.status != S.PROCESSING:
        raise InvalidTransition(
            f"申请 {info_request.number} 当前状态为“{info_request.get_status_display()}”，不能答复"
            + ("；请先登记补正材料或按逾期未补正处理。" if info_request.status == S.CORRECTING else "。")
        )
    if letter is None:
        raise DomainError("答复必须附经审核的答复书。")
    if letter.outcome and letter.outcome != outcome:
        raise DomainError(f"答复书的办理结果（{Outcome(letter.outcome).full_label}）与所选结果不一致。")
    _check_date(on, not_before=info_request.received_on, what="答复日期", before_what="收到日期")
    if outcome == Outcome.PARTIAL:
        from .redaction import check_reply

        check_reply(info_request)  # 第三十七条: no 部分公开 reply before its redacted copy is approved
    _use_letter(info_request, letter, LetterKind.REPLY, on=on)
    _end(info_request, S.ANSWERED, outcome=outcome, on=on, by=by, kind=EventKind.ANSWERED, note=outcome.full_label)
    _mail_applicant(
        info_request,
        "您的政府信息公开申请已答复",
        [
            f"本机关已于{on:%Y年%m月%d日}答复您的申请，答复书可在申请查询页面查看和下载。"
            + ("答复书和提供给您的政府信息附在本邮件中。" if info_request.delivery == Delivery.EMAIL else ""),
            *_status_lines(info_request),
        ],
        with_reply_files=info_request.delivery == Delivery.EMAIL,
    )
    return info_request


@transaction.atomic
def withdraw(info_request: InfoRequest, *, by, note: str, on: dt.date | None = None) -> InfoRequest:
    """The applicant withdrew the application (recorded by staff): ends as （六）其他处理 3.其他."""
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "登记撤回申请")
    on = on or _today()
    if info_request.status in ENDED_STATUSES:
        raise InvalidTransition(f"申请 {info_request.number} 已办结，不能撤回。")
    if not note.strip():
        raise DomainError("请写明申请人撤回的方式（例如书面撤回申请）。")
    _check_date(on, not_before=timezone.localdate(info_request.submitted_at), what="撤回日期", before_what="提交日期")
    _end(info_request, S.WITHDRAWN, outcome=Outcome.OTHER, on=on, by=by, kind=EventKind.WITHDRAWN, note=note)
    return info_request


def expire(*, today: dt.date | None = None) -> list[InfoRequest]:
    """End applications whose correction or fee deadline has passed (视为放弃): table B （六）1 and （六）2.

    Idempotent and safe on several servers at once: each row is re-read under lock and moved only if it
    is still waiting and still past its deadline. Returns the applications it ended.
    """
    today = today or _today()
    ended = []
    for pk in InfoRequest.objects.filter(status=S.CORRECTING).values_list("pk", flat=True):
        with transaction.atomic():
            info_request = (
                InfoRequest.objects.select_for_update(skip_locked=True).filter(pk=pk, status=S.CORRECTING).first()
            )
            if info_request is None:
                continue
            due = (
                info_request.events.filter(kind=EventKind.CORRECTION_REQUESTED)
                .order_by("-at")
                .values_list("due_on", flat=True)
                .first()
            )
            if due is None or today <= due:
                continue
            _end(
                info_request,
                S.ABANDONED,
                outcome=Outcome.OTHER_NO_CORRECTION,
                on=today,
                by=None,
                kind=EventKind.ABANDONED,
                note=f"补正期限 {due:%Y-%m-%d} 届满未补正，视为放弃申请（条例第三十条）",
            )
            ended.append(info_request)
    for pk in InfoRequest.objects.filter(status=S.AWAITING_FEE, fee__due_on__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            info_request = (
                InfoRequest.objects.select_for_update(skip_locked=True).filter(pk=pk, status=S.AWAITING_FEE).first()
            )
            if info_request is None:
                continue
            fee = info_request.fee
            if fee.paid_on or today <= fee.due_on:
                continue
            _end(
                info_request,
                S.ABANDONED,
                outcome=Outcome.OTHER_FEE_UNPAID,
                on=today,
                by=None,
                kind=EventKind.ABANDONED,
                note=f"缴费期限 {fee.due_on:%Y-%m-%d} 届满未缴纳信息处理费，不再处理该申请",
            )
            ended.append(info_request)
    return ended


# Notes and assignment --------------------------------------------------------------------------------


@transaction.atomic
def add_note(info_request: InfoRequest, *, by, note: str) -> RequestEvent:
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "添加办理备注")
    if not note.strip():
        raise DomainError("备注不能为空。")
    return _event(info_request, EventKind.NOTE, by=by, on=_today(), note=note.strip())


@transaction.atomic
def assign(info_request: InfoRequest, *, by, handler) -> InfoRequest:
    """Give the application to a handling clerk of the organization (or its parents)."""
    info_request = _lock(info_request)
    _require_role(by, info_request, STAFF_ROLES, "指定承办人")
    if handler is not None and not scoping.has_role(handler, info_request.organization, STAFF_ROLES):
        raise DomainError(f"{handler} 不是{info_request.organization}的工作人员，不能承办本申请。")
    info_request.handler = handler
    info_request.save(update_fields=["handler", "updated_at"])
    _event(info_request, EventKind.NOTE, by=by, on=_today(), note=f"承办人：{handler or '（无）'}")
    return info_request


def refresh_open(*, today: dt.date | None = None) -> int:
    """Recompute the stored due date of every open application (the daily command; after a calendar edit)."""
    calendar = Calendar()
    changed = 0
    for info_request in InfoRequest.objects.filter(status__in=list(OPEN_STATUSES)).prefetch_related("events"):
        changed += refresh_due(info_request, today=today, calendar=calendar)
    return changed
