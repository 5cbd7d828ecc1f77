"""The daily reminder of the yearly report deadline: 31 January for a department, 31 March for the
government-level report; the organization's 经办人 and 机关负责人 mailed once a day at most."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from annual_reports import reminders, workflow
from annual_reports.models import ReportReminder
from disclosure_site.models import Role
from tests.factories import MembershipFactory, UserFactory

from .conftest import TODAY

BEIJING = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(7, 0), tzinfo=BEIJING), tick=False)


def _daily(django_capture_on_commit_callbacks, **options) -> str:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("report_reminders", *[f"--{k}={v}" for k, v in options.items()], stdout=out)
    return out.getvalue()


@pytest.fixture
def staff(county, clerk, reviewer, head):
    """E-mail addresses for 县财政局's staff; the other departments' staff as the test needs them."""
    for user in (clerk, reviewer, head):
        user.email = f"{user.username}@example.gov.cn"
        user.save(update_fields=["email"])
    county.education.is_active = False  # only 县财政局 (and 国库支付中心 under it) and the town are due
    county.education.save(update_fields=["is_active"])
    return county


def _to(message) -> set[str]:
    return set(message.to)


def _mails_about(name: str) -> list:
    return [m for m in mail.outbox if name in m.body]


def test_no_reminder_sixteen_days_before_the_department_deadline(staff, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 1, 15)):
        _daily(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not ReportReminder.objects.exists()


def test_clerk_and_head_are_reminded_fifteen_days_before(staff, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 1, 16)):
        out = _daily(django_capture_on_commit_callbacks)

    assert {address for m in mail.outbox for address in m.to} == {"clerk@example.gov.cn", "head@example.gov.cn"}
    message = mail.outbox[0]
    assert message.subject == "2025年度政府信息公开工作年度报告即将到期：2个机构尚未发布"
    assert "测试县财政局：未编制，应于2026年1月31日前发布，还剩15天；请尽快编制。" in message.body
    # The treasury has no staff of its own: the finance bureau's staff are reminded for it.
    assert "测试县财政局国库支付中心：未编制" in message.body
    assert "第四十九条" in message.body
    reminder = ReportReminder.objects.get(organization=staff.finance)
    assert (reminder.year, reminder.sent_on, reminder.state) == (2025, dt.date(2026, 1, 16), "未编制")
    assert reminder.recipients == ["clerk", "head"]
    assert "本次提醒2个机构，发出2封邮件" in out
    assert "无人可提醒（没有填写电子邮箱的经办人或机关负责人）：测试县城关镇人民政府" in out


def test_a_second_run_the_same_day_sends_nothing(staff, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 1, 20)):
        _daily(django_capture_on_commit_callbacks)
        sent = len(mail.outbox)
        out = _daily(django_capture_on_commit_callbacks)

    assert sent == 2 and len(mail.outbox) == 2
    assert "本次提醒0个机构，发出0封邮件；今天已提醒过的2个" in out
    assert ReportReminder.objects.count() == 2


def test_the_next_day_reminds_again(staff, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 1, 20)):
        _daily(django_capture_on_commit_callbacks)
    with at(dt.date(2026, 1, 21)):
        _daily(django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 4
    assert ReportReminder.objects.filter(organization=staff.finance).count() == 2


def test_after_the_deadline_the_reminder_says_overdue(staff, clerk, django_capture_on_commit_callbacks):
    workflow.create(staff.finance, year=2025, by=clerk, today=TODAY)
    with at(dt.date(2026, 2, 3)):
        _daily(django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    assert message.subject == "2025年度政府信息公开工作年度报告已逾期：2个机构尚未发布"
    assert "测试县财政局：草稿，应于2026年1月31日前发布，已逾期3天；请完成后提交审批。" in message.body


def test_on_the_deadline_day(staff, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 1, 31)):
        _daily(django_capture_on_commit_callbacks)
    assert "还剩" not in mail.outbox[0].body and "今天到期" in mail.outbox[0].body


def test_a_published_report_is_not_reminded_even_while_corrected(
    published, clerk, staff, django_capture_on_commit_callbacks
):
    workflow.start_correction(published, by=clerk, note="更正行政许可数量")
    with at(dt.date(2026, 2, 3)):
        _daily(django_capture_on_commit_callbacks)

    assert _mails_about("测试县财政局：") == []
    assert not ReportReminder.objects.filter(organization=staff.finance).exists()


def test_a_report_waiting_for_approval_reminds_the_head_only(draft, clerk, staff, django_capture_on_commit_callbacks):
    workflow.submit(draft, by=clerk)
    with at(dt.date(2026, 1, 25)):
        _daily(django_capture_on_commit_callbacks)

    about_finance = _mails_about("测试县财政局：待审批")
    assert [m.to for m in about_finance] == [["head@example.gov.cn"]]
    assert "请机关负责人审批发布" in about_finance[0].body


def test_the_government_level_report_is_reminded_before_31_march(county, django_capture_on_commit_callbacks):
    gov_clerk = MembershipFactory(
        organization=county.government, role=Role.CLERK, user=UserFactory(username="gov", email="gov@example.gov.cn")
    ).user
    assert gov_clerk.email
    for day, expected in ((dt.date(2026, 3, 15), False), (dt.date(2026, 3, 16), True)):
        mail.outbox.clear()
        with at(day):
            _daily(django_capture_on_commit_callbacks)
        assert bool(_mails_about("测试县人民政府：未编制，应于2026年3月31日前发布")) is expected, day


def test_days_option_widens_the_window(staff, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 1, 2)):
        _daily(django_capture_on_commit_callbacks, days=30)
    assert mail.outbox and "还剩29天" in mail.outbox[0].body


def test_due_reports_skips_inactive_and_published(published, county):
    due = reminders.due_reports(today=dt.date(2026, 2, 1))
    names = [d.organization.name for d in due]
    assert "测试县财政局" not in names
    assert "测试县教育局" in names
    county.education.is_active = False
    county.education.save(update_fields=["is_active"])
    assert "测试县教育局" not in [d.organization.name for d in reminders.due_reports(today=dt.date(2026, 2, 1))]


def test_an_organizations_own_staff_are_reminded_not_those_above(staff, django_capture_on_commit_callbacks):
    UserFactory(username="gov", email="gov@example.gov.cn")
    MembershipFactory(organization=staff.government, role=Role.CLERK, user__username="gov")
    with at(dt.date(2026, 1, 20)):
        _daily(django_capture_on_commit_callbacks)

    to_gov = [m for m in mail.outbox if m.to == ["gov@example.gov.cn"]]
    assert len(to_gov) == 1
    assert "测试县城关镇人民政府：未编制" in to_gov[0].body
    assert "测试县财政局：" not in to_gov[0].body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_servers_at_the_same_minute_send_each_reminder_once(staff):
    barrier, errors = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            reminders.run(today=dt.date(2026, 1, 20))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ReportReminder.objects.count() == 2
    assert sorted(address for m in mail.outbox for address in m.to) == ["clerk@example.gov.cn", "head@example.gov.cn"]
