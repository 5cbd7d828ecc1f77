"""Two (here four) servers running the scheduled commands at the same minute: every transition happens
once, with one event, and every person gets one mail. Real PostgreSQL: each thread has its own connection,
and a barrier starts them together."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections import Counter

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from annual_reports.models import ReportReminder
from catalog import publishing
from catalog.models import Item, ItemStatus
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.models import AuditEvent, Role
from requests_app import reminders, workflow
from requests_app.models import EventKind, InfoRequest, RequestEvent, Status
from tests.catalog.factories import ItemFactory
from tests.factories import MembershipFactory
from tests.requests_app.factories import on_day, registered

SERVERS = 4
D = dt.date

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(*command, servers: int = SERVERS) -> list[str]:
    """Run the management command in `servers` threads released together; returns their outputs."""
    barrier = threading.Barrier(servers)
    outputs, errors = [], []

    def server():
        out = io.StringIO()
        try:
            barrier.wait(timeout=10)
            call_command(*command, stdout=out)
            outputs.append(out.getvalue())
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=server) for _ in range(servers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(outputs) == servers
    return outputs


def staff(organization, role: str, email: str):
    user = MembershipFactory(organization=organization, role=role).user
    user.email = email
    user.save()
    return user


def test_daily_round_on_four_servers_ends_and_reminds_each_application_once(county):
    seed_from_package({2026})
    clerk = staff(county.finance, Role.CLERK, "clerk@example.com")
    other = staff(county.finance, Role.CLERK, "other@example.com")
    correcting = [registered(county.finance, by=clerk, received_on=D(2026, 3, 6)) for _ in range(6)]
    with on_day(D(2026, 3, 9)):
        for application in correcting:
            workflow.request_correction(application, by=clerk, what="请提供身份证明", due_on=D(2026, 3, 20))
    due_soon = [
        registered(county.finance, by=clerk, received_on=D(2026, 3, 6), handler=handler)
        for handler in [clerk, other] * 6
    ]
    mail.outbox.clear()

    with on_day(D(2026, 4, 1)):
        run_at_once("requests_daily")

    assert InfoRequest.objects.filter(pk__in=[a.pk for a in correcting], status=Status.ABANDONED).count() == 6
    ended = Counter(RequestEvent.objects.filter(kind=EventKind.ABANDONED).values_list("info_request_id", flat=True))
    assert ended == {application.pk: 1 for application in correcting}
    reminded = Counter(RequestEvent.objects.filter(kind=EventKind.REMINDED).values_list("info_request_id", flat=True))
    assert reminded == {application.pk: 1 for application in due_soon}
    assert Counter(to for message in mail.outbox for to in message.to) == {
        "clerk@example.com": 1,
        "other@example.com": 1,
    }
    # Each handler's one mail lists all six of their applications.
    for message in mail.outbox:
        assert message.body.count("答复期限") == 6


def test_reminder_rounds_started_together_send_each_handler_one_mail_a_day(county):
    """The reminder part alone, released at the same instant on each of five days: the servers used to
    split a handler's applications between them (skip_locked) and each mail its part."""
    seed_from_package({2026})
    clerk = staff(county.finance, Role.CLERK, "clerk@example.com")
    other = staff(county.finance, Role.CLERK, "other@example.com")
    for handler in [clerk, other] * 10:
        registered(county.finance, by=clerk, received_on=D(2026, 3, 6), handler=handler)
    days = [D(2026, 3, 30), D(2026, 3, 31), D(2026, 4, 1), D(2026, 4, 2), D(2026, 4, 3)]
    mail.outbox.clear()

    for day in days:
        barrier = threading.Barrier(SERVERS)

        def server(day=day, barrier=barrier):
            try:
                barrier.wait(timeout=10)
                reminders.remind(today=day)
            finally:
                connection.close()

        threads = [threading.Thread(target=server) for _ in range(SERVERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert Counter(to for message in mail.outbox for to in message.to) == {
        "clerk@example.com": len(days),
        "other@example.com": len(days),
    }
    assert RequestEvent.objects.filter(kind=EventKind.REMINDED).count() == 20 * len(days)


def test_scheduled_publication_on_four_servers_publishes_each_item_once(county):
    clerk = staff(county.finance, Role.CLERK, "clerk@example.com")
    reviewer = staff(county.finance, Role.REVIEWER, "reviewer@example.com")
    when = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    items = [ItemFactory(organization=county.finance, author=clerk, scheduled_at=when) for _ in range(12)]
    for item in items:
        publishing.submit(item, by=clerk)
        publishing.approve(item, by=reviewer, now=when - dt.timedelta(days=1))

    with on_day(D(2026, 3, 10)):
        outputs = run_at_once("publish_due")

    assert Item.objects.filter(status=ItemStatus.PUBLISHED).count() == 12
    published = Counter(AuditEvent.objects.filter(to_state="已发布").values_list("object_id", flat=True))
    assert published == {str(item.pk): 1 for item in items}
    assert len(set(Item.objects.values_list("index_number", flat=True))) == 12
    assert sum(int(text.split("已发布 ")[1].split(" 条")[0]) for text in outputs if text) == 12


def test_report_reminders_on_four_servers_mail_each_person_once(county):
    people = {
        org: [staff(org, Role.CLERK, f"clerk{org.pk}@example.com"), staff(org, Role.HEAD, f"head{org.pk}@example.com")]
        for org in (county.government, county.finance, county.education, county.town)
    }
    mail.outbox.clear()

    with on_day(D(2026, 1, 25)):  # departments' reports on 2025 are due on 31 January
        run_at_once("report_reminders")

    reminded_orgs = set(ReportReminder.objects.values_list("organization_id", flat=True))
    assert ReportReminder.objects.count() == len(reminded_orgs)  # one row per organization and day
    recipients = Counter(to for message in mail.outbox for to in message.to)
    assert recipients and set(recipients.values()) == {1}
    expected = {user.email for org, users in people.items() if org.pk in reminded_orgs for user in users}
    assert expected <= set(recipients)
