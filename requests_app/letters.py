"""Letters and notices of an application (文书): drafted from a template, edited, approved, rendered.

A letter starts as a draft whose title, recipient and plain-text body (paragraphs separated by blank
lines) are filled from the template of its kind and, for a reply, of its outcome (条例 第三十六条 to
第三十九条 with the exemption articles 第十四条 to 第十六条). Staff edit the draft; a reviewer (审核人) other
than the drafter approves it; the workflow step it goes with (workflow.reply, request_correction,
extend, start_consultation, send_fee_notice) then marks it sent. Every letter to the applicant states
the remedies: administrative reconsideration within 60 days, a lawsuit within 6 months.

render_pdf() (WeasyPrint, Debian's Noto CJK fonts) and render_docx() (python-docx) print the same
content; a draft is marked 草稿 on every page.
"""

from __future__ import annotations

import datetime as dt
import io

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from disclosure_site import audit, scoping
from disclosure_site.errors import DomainError
from disclosure_site.models import Organization, Role
from disclosure_site.workdays import add_working_days

from . import deadlines, fees
from .models import (
    ENDED_STATUSES,
    EventKind,
    FeeMethod,
    InfoRequest,
    Letter,
    LetterKind,
    LetterStatus,
    Outcome,
)
from .workflow import NotAllowed

STAFF_ROLES = {Role.CLERK, Role.REVIEWER, Role.HEAD}
APPROVER_ROLES = {Role.REVIEWER}

# A fill-in the template cannot know; approve() refuses a letter that still contains one.
TO_FILL = "【待填写"

REGULATION = "《中华人民共和国政府信息公开条例》"
FEE_RULES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"

TITLES: dict[str, str] = {
    LetterKind.REPLY: "政府信息公开申请答复书",
    LetterKind.CORRECTION_NOTICE: "政府信息公开申请补正告知书",
    LetterKind.EXTENSION_NOTICE: "延长政府信息公开申请答复期限告知书",
    LetterKind.CONSULTATION: "政府信息公开征求第三方意见函",
    LetterKind.FEE_NOTICE: "政府信息公开信息处理费收费通知书",
    LetterKind.RECEIPT: "政府信息公开申请登记回执",
}

CLOSING: dict[str, str] = {
    LetterKind.REPLY: "特此答复。",
    LetterKind.CORRECTION_NOTICE: "特此告知。",
    LetterKind.EXTENSION_NOTICE: "特此告知。",
    LetterKind.CONSULTATION: "特此函询。",
    LetterKind.FEE_NOTICE: "特此通知。",
}

# Letters to the applicant that decide something the applicant may challenge, and what each calls itself
# in the remedies paragraph.
REMEDY_SUBJECT: dict[str, str] = {
    LetterKind.REPLY: "本答复",
    LetterKind.CORRECTION_NOTICE: "本告知",
    LetterKind.EXTENSION_NOTICE: "本告知",
    LetterKind.FEE_NOTICE: "本通知",
}

_EXEMPT_3 = f"根据{REGULATION}第三十六条第三项的规定，本机关决定不予公开。"

# The decision paragraph of a reply per outcome (table B of the yearly report), citing its basis.
REPLY_TEXT: dict[Outcome, str] = {
    Outcome.DISCLOSED: (
        "经审查，您申请获取的政府信息属于公开范围。根据" + REGULATION + "第三十六条第二项的规定，"
        "本机关向您提供该政府信息。如该信息已经主动公开，本机关同时告知您获取的方式和途径（第三十六条第一项）。"
    ),
    Outcome.PARTIAL: (
        "经审查，您申请获取的政府信息中含有不应当公开的内容，但能够作区分处理。根据" + REGULATION + "第三十七条的规定，"
        "本机关向您提供可以公开的部分，对不予公开的部分说明理由如下。"
    ),
    Outcome.WITHHELD_STATE_SECRET: (
        "经审查，您申请获取的政府信息属于依法确定为国家秘密的政府信息。根据" + REGULATION + "第十四条的规定，"
        "依法确定为国家秘密的政府信息不予公开。" + _EXEMPT_3
    ),
    Outcome.WITHHELD_LAW: (
        "经审查，您申请获取的政府信息属于法律、行政法规禁止公开的政府信息。根据" + REGULATION + "第十四条的规定，"
        "法律、行政法规禁止公开的政府信息不予公开。" + _EXEMPT_3
    ),
    Outcome.WITHHELD_SAFETY: (
        "经审查，您申请获取的政府信息公开后可能危及国家安全、公共安全、经济安全、社会稳定。根据"
        + REGULATION
        + "第十四条的规定，"
        "该政府信息不予公开。" + _EXEMPT_3
    ),
    Outcome.WITHHELD_THIRD_PARTY: (
        "经审查，您申请获取的政府信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害。根据"
        + REGULATION
        + "第十五条的规定，"
        "行政机关不得公开该政府信息（第三方同意公开或者行政机关认为不公开会对公共利益造成重大影响的除外）。" + _EXEMPT_3
    ),
    Outcome.WITHHELD_INTERNAL: (
        "经审查，您申请获取的政府信息属于本机关的内部事务信息（人事管理、后勤管理、内部工作流程等方面的信息）。"
        "根据" + REGULATION + "第十六条第一款的规定，该政府信息可以不予公开。" + _EXEMPT_3
    ),
    Outcome.WITHHELD_PROCESS: (
        "经审查，您申请获取的政府信息属于本机关在履行行政管理职能过程中形成的讨论记录、过程稿、磋商信函、请示报告等"
        "过程性信息。根据" + REGULATION + "第十六条第二款的规定，该政府信息可以不予公开。" + _EXEMPT_3
    ),
    Outcome.WITHHELD_ENFORCEMENT: (
        "经审查，您申请获取的政府信息属于行政执法案卷信息。根据" + REGULATION + "第十六条第二款的规定，"
        "该政府信息可以不予公开。" + _EXEMPT_3
    ),
    Outcome.WITHHELD_INQUIRY: (
        "经审查，您申请获取的信息属于有关法律、行政法规对信息的获取有特别规定的信息（如工商、不动产登记资料等）。"
        "根据" + REGULATION + "第三十六条第七项的规定，请您依照有关法律、行政法规的规定向有关机关办理查询。"
    ),
    Outcome.UNAVAILABLE_NOT_HELD: (
        "经检索，本机关没有制作或者获取您申请公开的政府信息。根据" + REGULATION + "第三十六条第四项的规定，"
        "现告知您该政府信息不存在。所申请公开的信息不属于本机关负责公开、能够确定负责公开的行政机关的，"
        "本机关一并告知其名称和联系方式（第三十六条第五项）。"
    ),
    Outcome.UNAVAILABLE_NEEDS_CREATION: (
        "经审查，本机关没有您所申请的现成信息，提供该信息需要本机关对现有政府信息进行加工、分析。根据"
        + REGULATION
        + "第三十八条的规定，"
        "行政机关向申请人提供的信息应当是已制作或者获取的政府信息，需要对现有政府信息进行加工、分析的，可以不予提供。"
    ),
    Outcome.UNAVAILABLE_UNCLEAR: (
        "本机关已依照" + REGULATION + "第三十条的规定一次性告知您需要补正的事项。您补正后的申请内容仍不明确，"
        "本机关无法确定您所申请的政府信息，因此无法向您提供。"
    ),
    Outcome.NOT_PROCESSED_PETITION: (
        "经审查，您以政府信息公开申请的形式提出的是信访、投诉、举报等事项。根据"
        + REGULATION
        + "第三十九条第一款的规定，"
        "本机关不作为政府信息公开申请处理，请您通过相应渠道提出。"
    ),
    Outcome.NOT_PROCESSED_REPEAT: (
        "本机关已就您提出的政府信息公开申请作出答复，您再次申请公开相同的政府信息。根据"
        + REGULATION
        + "第三十六条第六项的规定，"
        "本机关不予重复处理。"
    ),
    Outcome.NOT_PROCESSED_PUBLICATION: (
        "经审查，您申请获取的是政府公报、报刊、书籍等公开出版物。根据" + REGULATION + "第三十九条第二款的规定，"
        "本机关不作为政府信息公开申请处理，现告知您获取的途径。"
    ),
    Outcome.NOT_PROCESSED_EXCESSIVE: (
        "您申请公开政府信息的数量、频次明显超过合理范围，本机关已要求您说明理由。根据"
        + REGULATION
        + "第三十五条的规定，"
        "本机关认为申请理由不合理，不予处理。"
    ),
    Outcome.NOT_PROCESSED_CONFIRMATION: (
        "根据" + REGULATION + "第二条的规定，政府信息是指行政机关在履行行政管理职能过程中制作或者获取的，"
        "以一定形式记录、保存的信息。您要求本机关对有关事项作出确认，或者重新出具您已经获取的信息，"
        "不属于申请获取政府信息，本机关不作为政府信息公开申请处理。"
    ),
    Outcome.OTHER_NO_CORRECTION: (
        "本机关已依照" + REGULATION + "第三十条的规定告知您补正申请及补正期限。您无正当理由逾期未补正，"
        "根据该条规定视为放弃申请，本机关不再处理该政府信息公开申请。"
    ),
    Outcome.OTHER_FEE_UNPAID: (
        "本机关已依照"
        + REGULATION
        + "第四十二条和"
        + FEE_RULES
        + "向您发出收费通知。您逾期未按收费通知的要求缴纳信息处理费，"
        "视为放弃申请，本机关不再处理该政府信息公开申请。"
    ),
    Outcome.OTHER: "经审查，本机关对您的申请处理如下。",
}

# Outcomes whose letter cannot be complete without the handler's own words (what, why, where).
DETAILS_NEEDED: dict[Outcome, str] = {
    Outcome.PARTIAL: "不予公开部分的内容和理由",
    Outcome.WITHHELD_INQUIRY: "办理查询的机关和途径",
    Outcome.NOT_PROCESSED_PETITION: "提出信访、投诉、举报的渠道",
    Outcome.NOT_PROCESSED_PUBLICATION: "获取该出版物的途径",
    Outcome.OTHER: "处理情况和依据",
}


# Formatting helpers ---------------------------------------------------------------------------------


def cn_date(day: dt.date) -> str:
    """A date as letters write it: 2026年3月6日."""
    return f"{day.year}年{day.month}月{day.day}日"


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a plain-text body: blocks separated by blank lines, inner line breaks kept."""
    blocks = text.replace("\r\n", "\n").replace("\r", "\n").split("\n\n")
    return [block.strip("\n") for block in blocks if block.strip()]


def letter_date(letter: Letter) -> dt.date:
    """The date printed under the signature: sent, else approved, else today (a draft)."""
    if letter.sent_on:
        return letter.sent_on
    if letter.approved_at:
        return timezone.localdate(letter.approved_at)
    return timezone.localdate()


def download_name(letter: Letter, ext: str) -> str:
    """The file name offered on download, e.g. "YSQ-2026-000001 答复书.pdf"."""
    return f"{letter.info_request.number} {LetterKind(letter.kind).label}.{ext.lstrip('.')}"


def _fill(what: str) -> str:
    return f"{TO_FILL}：{what}】"


def _reconsideration_organ(organization: Organization) -> Organization | None:
    """The nearest people's government above the organization: under the 行政复议法 as revised in 2023 the
    usual reconsideration organ for a department or a lower government. Vertically managed organs differ;
    staff correct the letter there."""
    return (
        organization.get_ancestors(ascending=True).filter(kind=Organization.Kind.GOVERNMENT).first()
        if organization.pk
        else None
    )


def remedies(organization: Organization, what: str = "本答复") -> str:
    """The remedies paragraph every decision sent to the applicant ends with."""
    organ = _reconsideration_organ(organization)
    where = f"向{organ.name}" if organ else "向行政复议机关"
    return (
        f"如对{what}不服，您可以自收到{what}之日起60日内，依照《中华人民共和国行政复议法》{where}申请行政复议；"
        f"也可以自收到{what}之日起6个月内，依照《中华人民共和国行政诉讼法》向人民法院提起行政诉讼。"
    )


def _contact(organization: Organization) -> str:
    parts = []
    if organization.address:
        parts.append(f"地址：{organization.address}")
    if organization.postcode:
        parts.append(f"邮政编码：{organization.postcode}")
    if organization.phone:
        parts.append(f"联系电话：{organization.phone}")
    if not parts:
        return ""
    return "如有疑问，请与本机关联系。" + "；".join(parts) + "。"


def _received(info_request: InfoRequest) -> str:
    return (
        f"本机关于{cn_date(info_request.received_on)}收到您提出的政府信息公开申请（申请编号：{info_request.number}），"
        f"您申请获取：“{' '.join(info_request.description.split())}”。"
    )


def _lines(text: str) -> list[str]:
    """The handler's text as paragraphs: each non-empty line one paragraph."""
    return [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]


def _last_event(info_request: InfoRequest, kind: str):
    return info_request.events.filter(kind=kind).order_by("-at", "-id").first()


# Bodies per kind --------------------------------------------------------------------------------------


def _reply_body(info_request: InfoRequest, outcome: Outcome, details: str) -> list[str]:
    body = [_received(info_request) + "现答复如下：", REPLY_TEXT[outcome]]
    if details.strip():
        body.extend(_lines(details))
    elif outcome in DETAILS_NEEDED:
        body.append(_fill(DETAILS_NEEDED[outcome]))
    if outcome in (Outcome.DISCLOSED, Outcome.PARTIAL):
        body.append(
            f"根据{REGULATION}第四十条的规定，本机关按照您要求的{info_request.get_wanted_form_display()}形式，"
            f"以{info_request.get_delivery_display()}方式向您提供。"
        )
    return body


def _correction_body(info_request: InfoRequest, details: str, due_on: dt.date | None, on: dt.date) -> list[str]:
    event = _last_event(info_request, EventKind.CORRECTION_REQUESTED)
    what = _lines(details) or _lines(event.note if event else "") or [_fill("需要补正的事项")]
    due_on = due_on or (event.due_on if event else None)
    if due_on is None:
        due_on = add_working_days(event.on if event else on, deadlines.DEFAULT_CORRECTION_PERIOD)
    return [
        f"本机关于{cn_date(info_request.received_on)}收到您提出的政府信息公开申请（申请编号：{info_request.number}）。"
        f"经审查，您的申请内容不明确。根据{REGULATION}第三十条的规定，现一次性告知您需要补正的事项如下：",
        *what,
        f"请您于{cn_date(due_on)}前将补正后的申请提交本机关。答复期限自本机关收到补正后的申请之日起重新计算。"
        "无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。",
    ]


def _extension_body(info_request: InfoRequest, details: str, days: int) -> list[str]:
    if not 1 <= days <= deadlines.MAX_EXTENSION_WORKING_DAYS:
        raise DomainError("延长的期限最长不得超过20个工作日（条例第三十三条第二款）。")
    clock = deadlines.clock(info_request)
    if clock.missing_year:
        raise DomainError(f"缺少{clock.missing_year}年的工作日历，无法计算延长后的答复期限，请先录入该年度的放假安排。")
    extended = info_request.events.filter(kind=EventKind.EXTENDED).exists()
    if clock.due is None:
        until = ""
    else:
        new_due = clock.due if extended else add_working_days(clock.due, days)
        until = f"，本机关将于{cn_date(new_due)}前作出答复"
    reason = " ".join(_lines(details)).rstrip("。") or _fill("延长答复期限的理由")
    return [
        f"本机关于{cn_date(info_request.received_on)}收到您提出的政府信息公开申请（申请编号：{info_request.number}）。"
        f"因{reason}，本机关不能在收到申请之日起20个工作日内作出答复。",
        f"根据{REGULATION}第三十三条第二款的规定，经本机关政府信息公开工作机构负责人同意，"
        f"答复期限延长{days}个工作日{until}。征求第三方或者其他机关意见所需时间不计算在答复期限内。",
    ]


def _consultation_body(info_request: InfoRequest, details: str, due_on: dt.date | None, on: dt.date) -> list[str]:
    # Goes to the third party: the applicant's identity is not disclosed to it.
    event = _last_event(info_request, EventKind.CONSULTATION_STARTED)
    due_on = due_on or (event.due_on if event else None) or add_working_days(on, deadlines.THIRD_PARTY_WORKING_DAYS)
    information = _lines(details) or [" ".join(info_request.description.split())]
    return [
        f"本机关于{cn_date(info_request.received_on)}收到一份政府信息公开申请（申请编号：{info_request.number}），"
        "申请公开的政府信息涉及贵方，公开后可能损害贵方的合法权益。"
        f"根据{REGULATION}第三十二条的规定，现书面征求贵方意见。所涉政府信息：",
        *information,
        f"请贵方自收到本函之日起15个工作日内（{cn_date(due_on)}前）向本机关提出书面意见，并说明理由。"
        "逾期未提出意见的，由本机关依照条例的规定决定是否公开。"
        "贵方不同意公开且有合理理由的，本机关不予公开；本机关认为不公开可能对公共利益造成重大影响的，可以决定予以公开，"
        "并将决定公开的政府信息内容和理由书面告知贵方。",
    ]


def _fee_body(info_request: InfoRequest, details: str, method: str, pages: int | None, on: dt.date) -> list[str]:
    fee = getattr(info_request, "fee", None)
    if fee is not None:
        method, pages, nth, amount, due_on = fee.method, fee.pages, fee.nth_in_month, fee.amount, fee.due_on
    else:
        if not method:
            raise DomainError("请选择信息处理费的计收方式（按件计收或按量计收）。")
        method = FeeMethod(method)
        if method == FeeMethod.PER_PAGE:
            if not pages or pages < 1:
                raise DomainError("按量计收须填写页数。")
            nth, amount = None, fees.per_page_fee(pages)
        else:
            nth = fees.nth_in_month(info_request)
            pages, amount = None, fees.per_application_fee(nth)
        if amount <= 0:
            raise DomainError("按所选方式计算，本申请不需要收取信息处理费。")
        due_on = add_working_days(on, deadlines.FEE_PAYMENT_WORKING_DAYS)
    basis = (
        f"按件计收：本申请是您本月向本机关提出的第{nth}件政府信息公开申请"
        if method == FeeMethod.PER_APPLICATION
        else f"按量计收：本申请所需提供的信息共{pages}页"
    )
    return [
        f"本机关于{cn_date(info_request.received_on)}收到您提出的政府信息公开申请（申请编号：{info_request.number}）。"
        f"根据{REGULATION}第四十二条和{FEE_RULES}的规定，您的申请需要缴纳信息处理费。",
        f"计收方式和标准：{basis}。收费金额：人民币{amount}元。",
        f"请您自收到本通知书次日起20个工作日内（{cn_date(due_on)}前）缴纳。缴费方式："
        f"{' '.join(_lines(details)).rstrip('。') or _fill('缴费方式（缴款渠道、账户或缴款码）')}。"
        "信息处理费属于政府非税收入，本机关出具财政票据。",
        "逾期未缴纳的，视为放弃申请，本机关不再处理该政府信息公开申请。"
        "自发出本通知书至收到您缴纳的费用期间，不计算在答复期限内。",
    ]


def _receipt_body(info_request: InfoRequest) -> list[str]:
    received = (
        f"本机关于{cn_date(info_request.received_on)}收到您提出的政府信息公开申请"
        if info_request.received_on
        else "本机关已登记您提出的政府信息公开申请"
    )
    clock = deadlines.clock(info_request)
    due = f"答复期限为{cn_date(clock.due)}（{REGULATION}第三十三条）。" if clock.running else ""
    return [
        f"{received}，申请编号：{info_request.number}。{due}",
        "您可以凭申请编号和查询码在网站“依申请公开—申请查询”页面查看办理进度和答复文书。",
    ]


# Steps --------------------------------------------------------------------------------------------------


def _require_role(user, organization: Organization, roles: set[str], what: str) -> None:
    if not scoping.has_role(user, organization, roles):
        names = "、".join(Role(r).label for r in sorted(roles))
        raise NotAllowed(f"只有{organization}的{names}可以{what}。")


@transaction.atomic
def draft(
    info_request: InfoRequest,
    *,
    kind: LetterKind,
    by,
    outcome: str = "",
    details: str = "",
    recipient: str = "",
    due_on: dt.date | None = None,
    days: int = deadlines.MAX_EXTENSION_WORKING_DAYS,
    method: str = "",
    pages: int | None = None,
    on: dt.date | None = None,
) -> Letter:
    """Create a draft letter of kind for info_request, filled from its template.

    outcome (kind reply): the table-B outcome whose legal basis the letter cites. details: the handler's
    words the template cannot know — the reply's reasons or directions, what to correct (补正, 第三十条),
    the reason for an extension (第三十三条第二款), the information a third party is consulted on
    (第三十二条), how to pay a fee. due_on: the correction or consultation deadline (default: the one the
    recorded step set, else the default period from on). days: working days of an extension. method and
    pages: the fee method (国办函〔2020〕109号) while no fee has been recorded. recipient: the third party
    consulted (default: the applicant). What cannot be known is left as 【待填写：…】 for staff to fill.
    """
    info_request = (
        InfoRequest.objects.select_for_update(of=("self",)).select_related("organization").get(pk=info_request.pk)
    )
    organization = info_request.organization
    _require_role(by, organization, STAFF_ROLES, "起草文书")
    kind = LetterKind(kind)
    on = on or timezone.localdate()
    if kind == LetterKind.REPLY:
        try:
            outcome = Outcome(outcome)
        except ValueError:
            raise DomainError("起草答复书请选择办理结果。") from None
    elif outcome:
        raise DomainError(f"{kind.label}不对应办理结果，只有答复书需要选择办理结果。")
    if info_request.status in ENDED_STATUSES and not (kind == LetterKind.REPLY and outcome == info_request.outcome):
        raise DomainError(f"申请 {info_request.number} 已办结，只能起草与办理结果一致的答复书。")
    if info_request.received_on is None and kind != LetterKind.RECEIPT:
        raise DomainError(f"申请 {info_request.number} 尚未确认收到，不能起草{kind.label}。")

    if kind == LetterKind.REPLY:
        body = _reply_body(info_request, outcome, details)
    elif kind == LetterKind.CORRECTION_NOTICE:
        body = _correction_body(info_request, details, due_on, on)
    elif kind == LetterKind.EXTENSION_NOTICE:
        body = _extension_body(info_request, details, days)
    elif kind == LetterKind.CONSULTATION:
        body = _consultation_body(info_request, details, due_on, on)
    elif kind == LetterKind.FEE_NOTICE:
        body = _fee_body(info_request, details, method, pages, on)
    else:
        body = _receipt_body(info_request)

    if kind == LetterKind.CONSULTATION:
        addressee = recipient.strip() or _fill("第三方名称")
    else:
        addressee = recipient.strip() or info_request.applicant_name
    if kind in REMEDY_SUBJECT:
        body.append(remedies(organization, REMEDY_SUBJECT[kind]))
    if kind in CLOSING:
        body.append(CLOSING[kind])
    if contact := _contact(organization):
        body.append(contact)

    sequence = info_request.letters.count() + 1
    letter = Letter.objects.create(
        info_request=info_request,
        kind=kind,
        outcome=outcome if kind == LetterKind.REPLY else "",
        reference=f"{info_request.number}-{sequence:02d}",
        title=TITLES[kind],
        recipient=addressee,
        body="\n\n".join([f"{addressee}：", *body]),
        status=LetterStatus.DRAFT,
        drafted_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit.record(letter, actor=by, action="起草文书", comment=f"{info_request.number} {kind.label}")
    return letter


def _lock(letter: Letter) -> Letter:
    return Letter.objects.select_for_update(of=("self",)).select_related("info_request__organization").get(pk=letter.pk)


@transaction.atomic
def edit(letter: Letter, *, by, title: str, body: str, recipient: str | None = None) -> Letter:
    """Change a draft's title, body (and recipient); an approved or sent letter is no longer editable."""
    letter = _lock(letter)
    _require_role(by, letter.organization, STAFF_ROLES, "修改文书")
    if letter.status != LetterStatus.DRAFT:
        raise DomainError(f"{letter.title}已{letter.get_status_display()}，不能再修改；如需修改，请审核人先退回。")
    title, body = title.strip(), body.strip()
    if not title:
        raise DomainError("文书标题不能为空。")
    if len(title) > Letter._meta.get_field("title").max_length:
        raise DomainError("文书标题不能超过200个字。")
    if not body:
        raise DomainError("文书正文不能为空。")
    changes = {}
    new_recipient = letter.recipient if recipient is None else recipient.strip()
    if not new_recipient:
        raise DomainError("收件人不能为空。")
    for field, label, value in (
        ("title", "标题", title),
        ("recipient", "收件人", new_recipient),
        ("body", "正文", body),
    ):
        if getattr(letter, field) != value:
            changes[label] = [getattr(letter, field), value]
            setattr(letter, field, value)
    if changes:
        letter.save(update_fields=["title", "recipient", "body", "updated_at"])
        audit.record(letter, actor=by, action="修改文书", changes=changes)
    return letter


@transaction.atomic
def approve(letter: Letter, *, by) -> Letter:
    """审核 a draft: a reviewer of the organization other than its drafter (four eyes) approves it."""
    letter = _lock(letter)
    _require_role(by, letter.organization, APPROVER_ROLES, "审核文书")
    if letter.status != LetterStatus.DRAFT:
        raise DomainError(f"{letter.title}当前状态为“{letter.get_status_display()}”，只有草稿可以审核。")
    if letter.drafted_by_id is not None and letter.drafted_by_id == getattr(by, "pk", None):
        raise DomainError("起草人不能审核自己起草的文书，请由其他审核人审核。")
    if any(TO_FILL in text for text in (letter.title, letter.recipient, letter.body)):
        raise DomainError("文书中还有“【待填写】”的内容，请补充完整后再审核。")
    letter.status = LetterStatus.APPROVED
    letter.approved_by = by
    letter.approved_at = timezone.now()
    letter.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit.record(
        letter,
        actor=by,
        action="审核通过",
        from_state=LetterStatus.DRAFT.label,
        to_state=LetterStatus.APPROVED.label,
    )
    return letter


@transaction.atomic
def return_letter(letter: Letter, *, by, reason: str) -> Letter:
    """退回修改: an approved letter not yet sent goes back to draft, its approval cleared."""
    letter = _lock(letter)
    _require_role(by, letter.organization, APPROVER_ROLES, "退回文书")
    if not reason.strip():
        raise DomainError("退回文书必须写明理由。")
    if letter.status != LetterStatus.APPROVED:
        raise DomainError(f"{letter.title}当前状态为“{letter.get_status_display()}”，只有已审核未送达的文书可以退回。")
    letter.status = LetterStatus.DRAFT
    letter.approved_by = None
    letter.approved_at = None
    letter.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit.record(
        letter,
        actor=by,
        action="退回修改",
        comment=reason.strip(),
        from_state=LetterStatus.APPROVED.label,
        to_state=LetterStatus.DRAFT.label,
    )
    return letter


# Rendering ----------------------------------------------------------------------------------------------


def _content(letter: Letter) -> dict:
    """What both renderers print, computed once."""
    parts = paragraphs(letter.body)
    salutation = parts[0] if parts and parts[0].endswith("：") else ""
    return {
        "letter": letter,
        "organization": letter.info_request.organization,
        "salutation": salutation,
        "paragraphs": parts[1:] if salutation else parts,
        "date": cn_date(letter_date(letter)),
        "is_draft": letter.status == LetterStatus.DRAFT,
        "seal": "（印章）",
    }


def render_pdf(letter: Letter) -> bytes:
    """The letter as an A4 PDF with the organization as letterhead, Noto CJK fonts embedded; a draft
    carries a 草稿 watermark on every page."""
    from weasyprint import HTML  # heavy import, only where a PDF is made
    from weasyprint.urls import URLFetcher

    html = render_to_string("requests_app/letters/letter.html", _content(letter))
    # The template links nothing and citizen text is escaped; no URL may be fetched all the same.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


DOCX_FONT = "宋体"  # the East-Asian body font every Chinese Word and WPS installation has
DOCX_TITLE_FONT = "黑体"
DOCX_LATIN_FONT = "Times New Roman"


def _set_fonts(run_or_style, east_asian: str, size=None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn

    font = run_or_style.font
    font.name = DOCX_LATIN_FONT
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)


def render_docx(letter: Letter) -> bytes:
    """The letter as a Word document with the same content as the PDF, East-Asian fonts set (w:eastAsia)
    so Word and WPS show the Chinese text in a Chinese font; a draft is marked 草稿 in the page header."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    content = _content(letter)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    normal = document.styles["Normal"]
    _set_fonts(normal, DOCX_FONT, size=Pt(14))
    lang = normal.element.get_or_add_rPr().makeelement(qn("w:lang"), {qn("w:eastAsia"): "zh-CN"})
    normal.element.get_or_add_rPr().append(lang)
    normal.paragraph_format.line_spacing = 1.5

    if content["is_draft"]:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        mark = header.add_run("草稿（未经审核，不得送达）")
        _set_fonts(mark, DOCX_TITLE_FONT, size=Pt(12), bold=True)
        mark.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)

    def centered(text: str, size: int, color: RGBColor | None = None) -> None:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        _set_fonts(run, DOCX_TITLE_FONT, size=Pt(size), bold=True)
        if color is not None:
            run.font.color.rgb = color

    centered(content["organization"].name, 22, RGBColor(0xC0, 0x00, 0x00))
    centered(letter.title, 18)
    reference = document.add_paragraph(f"编号：{letter.reference}")
    reference.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    if content["salutation"]:
        document.add_paragraph(content["salutation"])
    for text in content["paragraphs"]:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(28)  # two characters
        for i, line in enumerate(text.split("\n")):
            if i:
                paragraph.runs[-1].add_break()
            paragraph.add_run(line)

    for text in ("", content["organization"].name, content["seal"], content["date"]):
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
