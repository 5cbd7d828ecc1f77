"""Seeding the working-day calendar and entering a new year in the admin."""

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from disclosure_site.calendar_data import seed_from_package
from disclosure_site.models import AuditEvent, CalendarDay, CalendarYear
from disclosure_site.workdays import add_working_days

ADD_URL = "/admin/disclosure_site/calendaryear/add/"

NOTICE_2027 = {
    "year": "2027",
    "notice": "国务院办公厅关于2027年部分节假日安排的通知",
    "holidays_text": "2027-01-01 至 2027-01-03 元旦\n2027-02-06 至 2027-02-13 春节",
    "workdays_text": "2027-02-20 春节",
}


def test_seed_command_loads_every_year_of_the_package_once(db):
    out = StringIO()
    call_command("seed_calendar", stdout=out)
    assert "2004–2026" in out.getvalue()
    assert CalendarYear.objects.filter(year__range=(2004, 2026)).count() == 23
    day = CalendarDay.objects.get(date=dt.date(2025, 9, 28))
    assert (day.kind, day.name) == (CalendarDay.Kind.WORKDAY, "国庆节")
    assert CalendarDay.objects.get(date=dt.date(2026, 2, 17)).name == "春节"
    count = CalendarDay.objects.count()

    out = StringIO()
    call_command("seed_calendar", stdout=out)
    assert "没有需要导入的年度" in out.getvalue()
    assert CalendarDay.objects.count() == count


def test_seed_never_overwrites_a_year_the_administrator_corrected(db):
    seed_from_package({2026})
    CalendarDay.objects.filter(date=dt.date(2026, 10, 10)).delete()
    seed_from_package({2026})
    assert not CalendarDay.objects.filter(date=dt.date(2026, 10, 10)).exists()


def test_administrator_enters_2027_and_deadlines_reach_into_it(client, sysadmin):
    seed_from_package({2026})
    client.force_login(sysadmin)
    response = client.post(ADD_URL, NOTICE_2027)
    assert response.status_code == 302, response.content.decode()
    year = CalendarYear.objects.get(year=2027)
    assert year.source == CalendarYear.Source.MANUAL
    assert year.days.filter(kind=CalendarDay.Kind.HOLIDAY).count() == 11
    assert year.days.get(kind=CalendarDay.Kind.WORKDAY).date == dt.date(2027, 2, 20)
    # 2026-12-31 (Thursday): day 1 is 4 Jan 2027 after the New Year holiday.
    assert add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)
    assert AuditEvent.objects.filter(object_id=str(year.pk), action="change").exists()


def test_editing_a_year_shows_its_blocks_and_records_the_change(client, sysadmin):
    seed_from_package({2026})
    year = CalendarYear.objects.get(year=2026)
    client.force_login(sysadmin)
    page = client.get(f"/admin/disclosure_site/calendaryear/{year.pk}/change/").content.decode()
    assert "2026-02-15 至 2026-02-23 春节" in page
    assert "2026-10-10 国庆节" in page


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("workdays_text", "2027-02-19 春节", "2027-02-19 是工作日，调休上班日应为周六或周日"),
        ("holidays_text", "2028-01-01 元旦", "2028-01-01 不在2027年内"),
        ("holidays_text", "2027-02-30 春节", "2027-02-30 不是有效日期"),
        ("holidays_text", "春节放七天", "无法识别"),
        ("holidays_text", "2027-02-13 至 2027-02-06 春节", "结束日期早于开始日期"),
        ("workdays_text", "2027-02-06 春节", "已在前面登记过"),
    ],
)
def test_a_wrong_entry_is_refused_in_chinese_and_nothing_is_written(client, sysadmin, field, text, message):
    client.force_login(sysadmin)
    response = client.post(ADD_URL, {**NOTICE_2027, field: text})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_entering_a_year_twice_is_refused(client, sysadmin):
    seed_from_package({2026})
    client.force_login(sysadmin)
    response = client.post(ADD_URL, {**NOTICE_2027, "year": "2026", "holidays_text": "2026-01-01 元旦"})
    assert "该年份的工作日历已存在" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_servers_seeding_at_once_load_each_year_once():
    errors = []

    def seed():
        try:
            seed_from_package({2024, 2025, 2026})
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=seed) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(CalendarYear.objects.values_list("year", flat=True)) == [2024, 2025, 2026]
    # The 2026 notice: 3 + 9 + 3 + 5 + 3 + 3 + 7 holidays and 6 make-up working days.
    assert CalendarDay.objects.filter(date__year=2026, kind=CalendarDay.Kind.HOLIDAY).count() == 33
    assert CalendarDay.objects.filter(date__year=2026, kind=CalendarDay.Kind.WORKDAY).count() == 6
