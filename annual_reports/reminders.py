"""Reminders of the yearly report's deadline (条例 第四十九条: a department publishes its report on the
previous year by 31 January, the government-level report is due by 31 March).

Run once a day by `manage.py report_reminders` (cron or a systemd timer, beside requests_daily). For every
active organization whose report on last year is not published (none started, 草稿 or 待审批) and whose
deadline is at most `days` days away or already passed, the organization's 经办人 and 机关负责人 get an
e-mail (only the 机关负责人 while the report waits for approval: the next step is theirs). Staff are those
of the organization itself; an organization with none is reminded through the nearest organization above
it that has some, as scoping lets them act for it. Each recipient gets one mail listing all their
organizations.

Idempotent: a ReportReminder row per organization, year and day is written in the same transaction as
the mails are queued (transaction.on_commit), under a unique constraint, so a second run on the same day,
or a second server running at the same minute, sends nothing again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from disclosure_site.models import Membership, Organization, Role

from . import workflow
from .models import Report, ReportReminder, ReportStatus

log = logging.getLogger(__name__)

DEFAULT_DAYS = 15
NOT_STARTED = "未编制"


@dataclass(frozen=True)
class Due:
    """An organization whose report on year is not published, with its deadline near or passed."""

    organization: Organization
    year: int
    report: Report | None
    deadline: dt.date
    days_left: int  # negative once the deadline has passed

    @property
    def state(self) -> str:
        return self.report.get_status_display() if self.report else NOT_STARTED

    @property
    def roles(self) -> tuple[str, ...]:
        if self.report is not None and self.report.status == ReportStatus.PENDING:
            return (Role.HEAD,)
        return (Role.CLERK, Role.HEAD)

    def line(self) -> str:
        when = f"已逾期{-self.days_left}天" if self.days_left < 0 else f"还剩{self.days_left}天"
        if self.days_left == 0:
            when = "今天到期"
        todo = {NOT_STARTED: "请尽快编制", "草稿": "请完成后提交审批", "待审批": "请机关负责人审批发布"}[self.state]
        return (
            f"{self.organization.name}：{self.state}，应于{self.deadline.year}年{self.deadline.month}月"
            f"{self.deadline.day}日前发布，{when}；{todo}。"
        )


@dataclass
class Round:
    year: int
    due: list[Due] = field(default_factory=list)
    reminded: list[Due] = field(default_factory=list)
    already: int = 0  # reminded earlier today
    unreachable: list[str] = field(default_factory=list)  # nobody with an e-mail address to remind
    mails: int = 0


def due_reports(*, today: dt.date, days: int = DEFAULT_DAYS) -> list[Due]:
    """Last year's reports not published, with their deadline within days of today or passed (two queries)."""
    year = today.year - 1
    organizations = list(Organization.objects.filter(is_active=True).order_by("tree_id", "lft"))
    latest: dict[int, Report] = {}
    published: set[int] = set()
    for report in Report.objects.filter(year=year).select_related("organization").order_by("revision"):
        latest[report.organization_id] = report
        if report.status == ReportStatus.PUBLISHED:
            published.add(report.organization_id)  # a correction in progress leaves it published
    found = []
    for organization in organizations:
        if organization.pk in published:
            continue
        report = latest.get(organization.pk)
        scope = report.scope if report else workflow.default_scope(organization)
        deadline = workflow.deadline(year, scope)
        days_left = (deadline - today).days
        if days_left <= days:
            found.append(Due(organization, year, report, deadline, days_left))
    return found


def _recipients(due: list[Due]) -> dict[int, list]:
    """{organization id: the users to remind}: staff of the wanted roles in the organization itself, else in
    the nearest organization above it that has any. One query."""
    trees = {d.organization.tree_id for d in due}
    memberships = list(
        Membership.objects.filter(
            organization__tree_id__in=trees, role__in=[Role.CLERK, Role.HEAD], user__is_active=True
        ).select_related("user", "organization")
    )
    found: dict[int, list] = {}
    for item in due:
        org = item.organization
        reaching = [
            m
            for m in memberships
            if m.role in item.roles
            and m.organization.tree_id == org.tree_id
            and m.organization.lft <= org.lft
            and m.organization.rght >= org.rght
            and m.user.email
        ]
        if not reaching:
            found[org.pk] = []
            continue
        nearest = max(m.organization.level for m in reaching)
        users = {m.user.pk: m.user for m in reaching if m.organization.level == nearest}
        found[org.pk] = sorted(users.values(), key=lambda user: user.username)
    return found


def run(*, today: dt.date | None = None, days: int = DEFAULT_DAYS) -> Round:
    """Remind the staff of every organization due (see the module docstring); at most once a day each."""
    today = today or timezone.localdate()
    result = Round(year=today.year - 1, due=due_reports(today=today, days=days))
    if not result.due:
        return result
    recipients = _recipients(result.due)
    by_user: dict[int, list[Due]] = defaultdict(list)
    users = {}
    with transaction.atomic():
        for item in result.due:
            people = recipients[item.organization.pk]
            if not people:
                result.unreachable.append(item.organization.name)
                continue
            _reminder, created = ReportReminder.objects.get_or_create(
                organization=item.organization,
                year=item.year,
                sent_on=today,
                defaults={
                    "state": item.state,
                    "deadline": item.deadline,
                    "recipients": [user.get_username() for user in people],
                },
            )
            if not created:
                result.already += 1
                continue
            result.reminded.append(item)
            for user in people:
                by_user[user.pk].append(item)
                users[user.pk] = user
        for user_pk, items in by_user.items():
            subject, body = _mail(result.year, items)
            transaction.on_commit(lambda s=subject, b=body, to=users[user_pk].email: _send(s, b, to))
            result.mails += 1
    return result


def _mail(year: int, items: list[Due]) -> tuple[str, str]:
    overdue = any(item.days_left < 0 for item in items)
    subject = f"{year}年度政府信息公开工作年度报告{'已逾期' if overdue else '即将到期'}：{len(items)}个机构尚未发布"
    body = "\n".join(
        [
            f"以下机构的{year}年度政府信息公开工作年度报告尚未发布。",
            "依照《中华人民共和国政府信息公开条例》第四十九条，政府部门应于每年1月31日前、"
            "县级以上地方人民政府应于每年3月31日前公布本机关上一年度的年度报告。",
            "",
            *(f"· {item.line()}" for item in items),
            "",
            "请登录管理后台，在“政府信息公开工作年度报告”中处理。报告发布后不再提醒。",
        ]
    )
    return subject, body


def _send(subject: str, body: str, to: str) -> None:
    try:
        send_mail(subject, body, None, [to])
    except Exception:  # noqa: BLE001 - a mail server being down must not stop the daily round
        log.warning("report reminder mail failed", exc_info=False)
