"""Demo applications for `manage.py load_demo`: every state and every outcome of table B, across the demo
organizations and applicant types, some overdue, some carried over from last year, with fees,
consultations (咨询) and reconsideration and lawsuit cases.

Each application goes through the real workflow functions with past dates, so events, due dates, letters
and audit entries are what a real installation would show.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from disclosure_site.checkdigits import make_credit_code, make_resident_id
from disclosure_site.errors import DomainError
from disclosure_site.models import Membership, Organization, Role
from disclosure_site.workdays import add_working_days

from . import letters, workflow
from .models import (
    REPLY_OUTCOMES,
    ApplicantType,
    CaseKind,
    CaseResult,
    Channel,
    Consultation,
    ConsultationChannel,
    ConsultationParty,
    Delivery,
    FeeMethod,
    IdType,
    InfoRequest,
    LegalCase,
    LetterKind,
    Outcome,
    WantedForm,
)

TZ = ZoneInfo("Asia/Shanghai")

SUBJECTS = [
    "{org}2025年度部门预算中“三公”经费的明细",
    "{org}关于老旧小区改造项目的批复文件及资金安排",
    "{org}2024年政府采购合同（办公设备类）",
    "{org}对本人家庭最低生活保障申请的审批材料",
    "{org}某路段道路拓宽工程的立项批复和环评文件",
    "{org}2025年公开招聘教师的笔试、面试成绩及录用名单",
    "{org}征地补偿安置方案及补偿标准的依据文件",
    "{org}行政处罚决定书（2025年第12号）",
    "{org}对本村集体土地征收的审批文件",
    "{org}2025年度重点项目专项资金使用情况",
]
PEOPLE = ["张伟", "王芳", "李娜", "刘强", "陈静", "杨洋", "赵磊", "黄敏", "周杰", "吴霞", "徐涛", "孙悦"]
COMPANIES = [
    (ApplicantType.BUSINESS, "清河县恒达建筑工程有限公司"),
    (ApplicantType.RESEARCH, "浙东城乡发展研究院"),
    (ApplicantType.PUBLIC_INTEREST, "清河县绿水环保公益协会"),
    (ApplicantType.LEGAL_SERVICE, "浙江清正律师事务所"),
    (ApplicantType.OTHER_ORG, "清河县个体劳动者协会"),
]
CHANNELS = [Channel.IN_PERSON, Channel.LETTER, Channel.EMAIL, Channel.FAX, Channel.ORAL, Channel.ONLINE]


def _staff(organization: Organization) -> dict[str, object]:
    """A member of each role reaching organization (its own staff first, else the government's)."""
    found = {}
    for ancestor in reversed(organization.get_ancestors(include_self=True)):
        for membership in Membership.objects.filter(organization=ancestor).select_related("user"):
            found.setdefault(membership.role, membership.user)
    return found


def _applicant(rng: random.Random, n: int) -> dict:
    if n % 3 == 2:
        kind, name = COMPANIES[n % len(COMPANIES)]
        return {
            "applicant_type": kind,
            "applicant_name": name,
            "credit_code": make_credit_code("330122", f"{30000000 + n:08d}", "91"),
            "legal_representative": rng.choice(PEOPLE),
            "contact_person": rng.choice(PEOPLE),
        }
    return {
        "applicant_type": ApplicantType.NATURAL,
        "applicant_name": rng.choice(PEOPLE),
        "id_type": IdType.RESIDENT_ID,
        "id_number": make_resident_id("330122", f"19{60 + n % 40:02d}0{1 + n % 9}1{n % 10}", f"{n % 1000:03d}"),
    }


def _new(organization, staff, rng, n: int, received: dt.date, *, channel=None) -> InfoRequest:
    channel = channel or CHANNELS[n % len(CHANNELS)]
    submitted = received - dt.timedelta(days=rng.choice([0, 0, 1, 2]))
    info_request = InfoRequest(
        organization=organization,
        channel=Channel.EMAIL if channel == Channel.ONLINE else channel,
        submitted_at=dt.datetime.combine(submitted, dt.time(9 + n % 8, 10 * (n % 6)), tzinfo=TZ),
        phone=f"1380571{n:04d}",
        email="",  # fictitious applicants: no notification mails from the demo
        address=f"清河县人民路{n + 1}号",
        postcode="311500",
        description=SUBJECTS[n % len(SUBJECTS)].format(org=organization.name),
        wanted_form=rng.choice(list(WantedForm)),
        delivery=rng.choice([Delivery.POST, Delivery.PICKUP, Delivery.ONLINE]),
        handler=staff.get(Role.CLERK),
        **_applicant(rng, n),
    )
    received_on = None if info_request.channel in (Channel.EMAIL, Channel.FAX) else received
    info_request, _code = workflow.register(info_request, by=staff[Role.CLERK], received_on=received_on)
    if received_on is None:
        workflow.confirm_receipt(info_request, by=staff[Role.CLERK], on=received)
    info_request.refresh_from_db()
    return info_request


# What a handler writes into a reply for each group of outcomes (the letter template cites the article).
DETAILS = {
    "1": "相关文件随本答复书一并提供。",
    "2": "经审查，您申请的信息中涉及第三方商业秘密的部分不予公开，其余部分随本答复书一并提供。",
    "3": "经审查，您申请获取的信息属于上述不予公开的情形。",
    "4": "经检索本机关档案和信息系统，未找到您描述的信息。",
    "5": "您的申请属于上述情形，本机关不作为政府信息公开申请处理。",
    "6": "本机关对您的申请不再处理。",
}


def _reply(info_request, staff, outcome: str, on: dt.date, details: str = "") -> None:
    details = details or DETAILS[Outcome(outcome).group.value]
    letter = letters.draft(info_request, kind=LetterKind.REPLY, by=staff[Role.CLERK], outcome=outcome, details=details)
    letters.approve(letter, by=staff[Role.REVIEWER])
    workflow.reply(info_request, by=staff[Role.CLERK], outcome=outcome, letter=letter, on=on)


def _wd(day: dt.date, n: int) -> dt.date:
    return add_working_days(day, n)


def load(stdout) -> None:
    if InfoRequest.objects.exists():
        stdout.write("依申请公开演示数据已存在，跳过。")
        return
    rng = random.Random(2026)  # noqa: S311 - demo data, reproducible
    today = timezone.localdate()
    organizations = list(Organization.objects.filter(is_active=True).order_by("tree_id", "lft"))
    staffed = [(o, s) for o in organizations if {Role.CLERK, Role.REVIEWER, Role.HEAD} <= set(s := _staff(o))]
    if not staffed:
        stdout.write("没有配齐经办人、审核人和机关负责人的机构，跳过依申请公开演示数据。")
        return
    n = 0
    with transaction.atomic():
        # Every reply outcome once, answered in time during 2026.
        for i, outcome in enumerate(REPLY_OUTCOMES):
            organization, staff = staffed[i % len(staffed)]
            received = _wd(dt.date(2026, 1, 5), 6 * i)
            info_request = _new(organization, staff, rng, n, received)
            _reply(info_request, staff, outcome, _wd(received, 8 + i % 10), details="")
            n += 1
        for organization, staff in staffed:
            # Carried over: received late 2025, answered in January 2026.
            info_request = _new(organization, staff, rng, n, dt.date(2025, 12, 22))
            _reply(info_request, staff, Outcome.DISCLOSED, dt.date(2026, 1, 14))
            n += 1
            # Correction asked and received, then partial disclosure after a third-party consultation.
            received = _wd(dt.date(2026, 3, 2), n % 20)
            info_request = _new(organization, staff, rng, n, received)
            workflow.request_correction(
                info_request, by=staff[Role.CLERK], what="请写明所需文件的名称、文号或其他特征描述", on=_wd(received, 3)
            )
            workflow.receive_correction(info_request, by=staff[Role.CLERK], on=_wd(received, 8))
            workflow.start_consultation(
                info_request,
                by=staff[Role.CLERK],
                party=ConsultationParty.THIRD_PARTY,
                note="征求清河县恒达建筑工程有限公司意见",
                on=_wd(received, 10),
            )
            workflow.end_consultation(
                info_request, by=staff[Role.CLERK], on=_wd(received, 18), note="第三方不同意公开其商业秘密部分"
            )
            _reply(info_request, staff, Outcome.PARTIAL, _wd(received, 25), details="涉及第三方商业秘密的部分不予公开")
            n += 1
            # Correction never given: ended as （六）1.
            received = _wd(dt.date(2026, 5, 6), n % 15)
            info_request = _new(organization, staff, rng, n, received)
            workflow.request_correction(
                info_request, by=staff[Role.CLERK], what="请补充身份证明", on=_wd(received, 2), due_on=_wd(received, 17)
            )
            n += 1
            # Fee notice (per page), one paid and one not.
            for paid in (True, False):
                received = _wd(dt.date(2026, 6, 1), n % 20)
                info_request = _new(organization, staff, rng, n, received)
                workflow.send_fee_notice(
                    info_request, by=staff[Role.CLERK], method=FeeMethod.PER_PAGE, pages=150, on=_wd(received, 5)
                )
                if paid:
                    workflow.record_payment(
                        info_request,
                        by=staff[Role.CLERK],
                        receipt_number=f"浙非税{2026000100 + n}",
                        on=_wd(received, 9),
                    )
                    _reply(info_request, staff, Outcome.DISCLOSED, _wd(received, 20))
                n += 1
            # Withdrawn.
            info_request = _new(organization, staff, rng, n, _wd(dt.date(2026, 7, 1), n % 10))
            workflow.withdraw(
                info_request, by=staff[Role.CLERK], note="申请人书面撤回申请", on=_wd(info_request.received_on, 4)
            )
            n += 1
            # Extended by the head, still open; and one answered after its due date (late, not left open:
            # the website inspection flags any application still unanswered past its due date).
            received = _past_working_day(today, 25)
            info_request = _new(organization, staff, rng, n, received)
            try:
                workflow.extend(
                    info_request,
                    by=staff[Role.HEAD],
                    days=20,
                    reason="需要调取档案并与相关部门会商",
                    on=_wd(received, 15),
                )
            except DomainError:
                pass
            n += 1
            info_request = _new(organization, staff, rng, n, _past_working_day(today, 30))
            _reply(info_request, staff, Outcome.DISCLOSED, _past_working_day(today, 2))
            n += 1
            # Open: waiting for confirmation (online), in progress, consulting another organ.
            _online(organization, staff, rng, n, today)
            n += 1
            info_request = _new(organization, staff, rng, n, _past_working_day(today, 6))
            n += 1
            info_request = _new(organization, staff, rng, n, _past_working_day(today, 8))
            workflow.start_consultation(
                info_request,
                by=staff[Role.CLERK],
                party=ConsultationParty.OTHER_ORGAN,
                note="征求县自然资源局意见",
                on=_past_working_day(today, 3),
            )
            n += 1
            # Waiting for the applicant now: a correction and a fee.
            received = _past_working_day(today, 4)
            info_request = _new(organization, staff, rng, n, received)
            workflow.request_correction(
                info_request, by=staff[Role.CLERK], what="请明确所需信息的时间范围", on=_past_working_day(today, 2)
            )
            n += 1
            info_request = _new(organization, staff, rng, n, _past_working_day(today, 7))
            workflow.send_fee_notice(
                info_request, by=staff[Role.CLERK], method=FeeMethod.PER_PAGE, pages=60, on=_past_working_day(today, 3)
            )
            n += 1
            # Consultations (咨询) and a reconsideration and a lawsuit.
            for channel, count in (
                (ConsultationChannel.PHONE, 12),
                (ConsultationChannel.ON_SITE, 5),
                (ConsultationChannel.ONLINE, 8),
            ):
                Consultation.objects.create(
                    organization=organization,
                    channel=channel,
                    on=dt.date(2026, 4, 1 + n % 20),
                    count=count,
                    topic="咨询依申请公开的办理程序",
                    recorded_by=staff[Role.CLERK],
                )
        ended = workflow.expire(today=today)
        answered = InfoRequest.objects.filter(outcome=Outcome.PARTIAL).order_by("pk")
        for i, info_request in enumerate(answered[:4]):
            kind = [
                CaseKind.RECONSIDERATION,
                CaseKind.LAWSUIT_DIRECT,
                CaseKind.LAWSUIT_AFTER,
                CaseKind.RECONSIDERATION,
            ][i]
            result = [CaseResult.UPHELD, CaseResult.PENDING, CaseResult.CORRECTED, CaseResult.OTHER][i]
            filed = _wd(info_request.ended_on, 10)
            LegalCase.objects.create(
                organization=info_request.organization,
                info_request=info_request,
                kind=kind,
                case_number=f"清政复〔2026〕{i + 1}号"
                if kind == CaseKind.RECONSIDERATION
                else f"（2026）浙0122行初{i + 1}号",
                filed_on=filed,
                result=result,
                decided_on=None if result == CaseResult.PENDING else _wd(filed, 30),
            )
    stdout.write(
        f"依申请公开演示数据：{InfoRequest.objects.count()} 件申请（其中 {len(ended)} 件逾期未补正或未缴费）。"
    )


def _past_working_day(today: dt.date, n: int) -> dt.date:
    day, counted = today, 0
    while counted < n:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def _online(organization, staff, rng, n, today) -> InfoRequest:
    info_request = InfoRequest(
        organization=organization,
        phone=f"1390571{n:04d}",
        description=SUBJECTS[n % len(SUBJECTS)].format(org=organization.name),
        wanted_form=WantedForm.ELECTRONIC,
        delivery=Delivery.ONLINE,
        **_applicant(rng, n),
    )
    info_request, _code = workflow.submit_online(info_request)
    return info_request
