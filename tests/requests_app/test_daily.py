"""The back-office dashboard counts and the daily command: ended by deadline, reminders once a day."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from disclosure_site.calendar_data import seed_from_package
from requests_app import dashboard, reminders, workflow
from requests_app.models import EventKind, Status

from .factories import on_day, registered

D = dt.date


@pytest.fixture
def calendar(db):
    seed_from_package({2025, 2026})


def test_dashboard_counts_overdue_due_soon_and_waiting(calendar, county, clerk, outsider):
    overdue = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))  # due 04-03
    registered(county.finance, by=clerk, received_on=D(2026, 3, 12))  # due 04-10: 5 working days after 04-02
    later = registered(county.finance, by=clerk, received_on=D(2026, 4, 1))
    with on_day(D(2026, 4, 2)):
        workflow.request_correction(later, by=clerk, what="请写明文件名称")
    registered(county.education, by=outsider, received_on=None, channel="fax")
    table = dashboard.counts([county.finance, county.education], today=D(2026, 4, 7))
    assert table[county.finance.pk]["overdue"] == 1
    assert table[county.finance.pk]["correcting"] == 1
    assert table[county.education.pk]["pending"] == 1
    table = dashboard.counts([county.finance], today=D(2026, 4, 2))
    assert table[county.finance.pk]["due_soon"] == 2 and table[county.finance.pk]["overdue"] == 0
    assert overdue.due_on == D(2026, 4, 3)


def test_dashboard_panel_links_to_the_filtered_list(client, calendar, county, clerk):
    registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    client.force_login(clerk)
    with on_day(D(2026, 4, 7)):
        body = client.get("/admin/").content.decode()
    assert "依申请公开待办" in body
    assert f"organization__id__exact={county.finance.pk}&amp;clock=overdue" in body


def test_outsider_dashboard_does_not_count_other_organizations(client, calendar, county, clerk, outsider):
    registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    client.force_login(outsider)
    with on_day(D(2026, 4, 7)):
        body = client.get("/admin/").content.decode()
    assert "没有未办结的政府信息公开申请" in body


def test_daily_round_reminds_the_handler_once_a_day(calendar, county, clerk, django_capture_on_commit_callbacks):
    clerk.email = "clerk@example.com"
    clerk.save()
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6), handler=clerk)
    with on_day(D(2026, 4, 1)), django_capture_on_commit_callbacks(execute=True):
        result = reminders.run(today=D(2026, 4, 1))
        again = reminders.run(today=D(2026, 4, 1))
    assert (result.reminded, result.mails) == (1, 1)
    assert (again.reminded, again.mails) == (0, 0)
    assert len(mail.outbox) == 1
    assert application.number in mail.outbox[0].body
    assert application.events.filter(kind=EventKind.REMINDED).count() == 1


def test_daily_command_ends_applications_past_their_correction_deadline(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 9)):
        workflow.request_correction(application, by=clerk, what="请提供身份证明", due_on=D(2026, 3, 20))
    with on_day(D(2026, 3, 23)):
        call_command("requests_daily")
    application.refresh_from_db()
    assert application.status == Status.ABANDONED and application.outcome == "6.1"
