"""The reply clock (条例 第三十条 to 第三十五条) on real calendar dates, through the workflow's own steps."""

import datetime as dt

import pytest

from disclosure_site.calendar_data import seed_from_package
from disclosure_site.errors import DomainError
from requests_app import deadlines, workflow
from requests_app.models import ConsultationParty, EventKind, FeeMethod, Status

from .factories import on_day, registered

D = dt.date


@pytest.fixture
def calendar(db):
    seed_from_package({2025, 2026})


def clock_on(info_request, day):
    info_request.refresh_from_db()
    return deadlines.clock(info_request, today=day)


def test_due_twenty_working_days_after_receipt_across_national_day(calendar, county, clerk):
    # Received Friday 2025-09-26: make-up days 28 Sep and 11 Oct count, 1-8 Oct do not.
    application = registered(county.finance, by=clerk, received_on=D(2025, 9, 26))
    assert application.status == Status.PROCESSING
    assert application.due_on == D(2025, 10, 30)
    assert clock_on(application, D(2025, 10, 30)).overdue is False
    assert clock_on(application, D(2025, 10, 31)).overdue is True


def test_due_across_spring_festival_2026(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 2, 10))
    assert application.due_on == D(2026, 3, 16)


def test_received_on_a_holiday_counts_from_the_next_working_day(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 10, 3))
    assert application.due_on == D(2026, 11, 3)


def test_online_application_clock_starts_at_confirmation(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=None, channel="email")
    assert application.status == Status.PENDING
    assert application.due_on is None
    with on_day(D(2026, 3, 6)):
        workflow.confirm_receipt(application, by=clerk)
    application.refresh_from_db()
    assert application.received_on == D(2026, 3, 6)
    assert application.due_on == D(2026, 4, 3)


def test_correction_notice_allowed_on_the_seventh_working_day_and_refused_after(calendar, county, clerk):
    # Received Friday 2026-03-06: the 7th working day after is Tuesday 2026-03-17.
    late = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 18)), pytest.raises(DomainError, match="7个工作日内"):
        workflow.request_correction(late, by=clerk, what="请写明所需文件的名称")
    late.refresh_from_db()
    assert late.status == Status.PROCESSING
    assert not late.events.filter(kind=EventKind.CORRECTION_REQUESTED).exists()

    timely = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 17)):
        workflow.request_correction(timely, by=clerk, what="请写明所需文件的名称")
    timely.refresh_from_db()
    assert timely.status == Status.CORRECTING
    assert timely.due_on is None  # the clock stands still while waiting


def test_count_restarts_from_the_day_the_correction_arrives(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 9)):
        workflow.request_correction(application, by=clerk, what="请写明所需文件的名称")
    with on_day(D(2026, 4, 3)):
        workflow.receive_correction(application, by=clerk)
    application.refresh_from_db()
    # Friday 2026-04-03; 4-6 April are the Qingming holiday and 1-5 May the Labour Day holiday:
    # the 20th working day after is Thursday 2026-05-07 (from the original receipt it was 2026-04-03).
    assert application.due_on == deadlines.clock(application).due
    assert application.due_on == D(2026, 5, 7)


def test_third_party_consultation_pauses_the_clock(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))  # due 2026-04-03
    with on_day(D(2026, 3, 10)):
        workflow.start_consultation(application, by=clerk, party=ConsultationParty.THIRD_PARTY, note="征求某公司意见")
    started = application.events.get(kind=EventKind.CONSULTATION_STARTED)
    assert started.due_on == D(2026, 3, 31)  # the third party has 15 working days
    with on_day(D(2026, 3, 17)):
        workflow.end_consultation(application, by=clerk, note="第三方回复不同意公开")
    application.refresh_from_db()
    # 11-17 March: 5 working days not counted.
    assert application.due_on == D(2026, 4, 13)


def test_open_consultation_shows_paused_clock(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 10)):
        workflow.start_consultation(application, by=clerk, party=ConsultationParty.OTHER_ORGAN, note="征求县教育局意见")
    application.refresh_from_db()
    assert application.due_on is None
    clock = clock_on(application, D(2026, 4, 30))
    assert clock.paused and not clock.overdue


def test_extension_on_the_due_date_is_allowed_once(calendar, county, clerk, head):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))  # due 2026-04-03
    with on_day(D(2026, 4, 3)):
        workflow.extend(application, by=head, days=20, reason="需要调取档案")
    application.refresh_from_db()
    assert application.due_on == D(2026, 5, 7)
    event = application.events.get(kind=EventKind.EXTENDED)
    assert event.approved_by == head and event.days == 20
    with on_day(D(2026, 4, 7)), pytest.raises(DomainError, match="只能延长一次"):
        workflow.extend(application, by=head, days=5, reason="再次延长")


def test_extension_after_the_due_date_is_refused(calendar, county, clerk, head):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 4, 7)), pytest.raises(DomainError, match="届满前"):
        workflow.extend(application, by=head, days=20, reason="需要调取档案")
    application.refresh_from_db()
    assert application.due_on == D(2026, 4, 3)
    assert not application.events.filter(kind=EventKind.EXTENDED).exists()


def test_extension_needs_the_office_head(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 20)), pytest.raises(DomainError, match="机关负责人"):
        workflow.extend(application, by=clerk, days=20, reason="需要调取档案")


def test_fee_wait_pauses_and_unpaid_fee_ends_the_application(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 9)):
        fee = workflow.send_fee_notice(application, by=clerk, method=FeeMethod.PER_PAGE, pages=150)
    assert fee.amount == 1700
    assert fee.due_on == D(2026, 4, 7)  # 20 working days; 6 April is Qingming
    assert workflow.expire(today=D(2026, 4, 7)) == []
    ended = workflow.expire(today=D(2026, 4, 8))
    assert [r.pk for r in ended] == [application.pk]
    application.refresh_from_db()
    assert application.status == Status.ABANDONED and application.outcome == "6.2"
    assert workflow.expire(today=D(2026, 4, 9)) == []  # idempotent


def test_no_correction_by_the_deadline_is_abandoned(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 9)):
        workflow.request_correction(application, by=clerk, what="请提供身份证明", due_on=D(2026, 3, 20))
    assert workflow.expire(today=D(2026, 3, 20)) == []
    assert len(workflow.expire(today=D(2026, 3, 21))) == 1
    application.refresh_from_db()
    assert application.status == Status.ABANDONED and application.outcome == "6.1"
    assert application.ended_on == D(2026, 3, 21)


def test_missing_calendar_year_is_named_not_guessed(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 12, 15))
    clock = deadlines.clock(application, today=D(2026, 12, 20))
    assert clock.missing_year == 2027 and clock.due is None
    assert application.due_on is None


def test_later_reply_date_by_the_head_replaces_the_due_date(calendar, county, clerk, head):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 20)), pytest.raises(DomainError, match="应晚于现在的答复期限"):
        workflow.set_later_date(application, by=head, due_on=D(2026, 4, 2), reason="申请数量明显超过合理范围")
    with on_day(D(2026, 3, 20)), pytest.raises(DomainError, match="机关负责人"):
        workflow.set_later_date(application, by=clerk, due_on=D(2026, 5, 29), reason="申请数量明显超过合理范围")
    with on_day(D(2026, 3, 20)):
        workflow.set_later_date(application, by=head, due_on=D(2026, 5, 29), reason="申请数量明显超过合理范围")
    application.refresh_from_db()
    assert application.due_on == D(2026, 5, 29)
    assert application.events.get(kind=EventKind.LATER_DATE).approved_by == head


def test_reply_while_waiting_for_a_correction_is_refused(calendar, county, clerk, reviewer):
    from requests_app import letters

    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 9)):
        letter = letters.draft(application, kind="reply", by=clerk, outcome="4.1", details="未找到相关信息。")
        letters.approve(letter, by=reviewer)
        workflow.request_correction(application, by=clerk, what="请写明文件名称")
        with pytest.raises(DomainError, match="不能答复"):
            workflow.reply(application, by=clerk, outcome="4.1", letter=letter)
    application.refresh_from_db()
    assert application.status == Status.CORRECTING and application.outcome == ""


def test_outsider_cannot_move_another_organizations_application(calendar, county, clerk, outsider):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 9)), pytest.raises(DomainError, match="测试县财政局"):
        workflow.withdraw(application, by=outsider, note="撤回")
    application.refresh_from_db()
    assert application.status == Status.PROCESSING


def test_withdrawal_ends_as_other_and_numbers_are_consecutive(calendar, county, clerk):
    first = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    second = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    assert (first.number, second.number) == ("YSQ-2026-000001", "YSQ-2026-000002")
    with on_day(D(2026, 3, 9)):
        workflow.withdraw(first, by=clerk, note="申请人书面撤回")
    first.refresh_from_db()
    assert (first.status, first.outcome, first.ended_on) == (Status.WITHDRAWN, "6.3", D(2026, 3, 9))
