"""The public statistics page: its numbers equal the yearly report's for the same organization and year,
reply times in working days against the real calendar, timeliness by the legal clock, CSV downloads,
accessible SVG charts, Chinese messages for bad parameters, a constant number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from annual_reports import workflow as report_workflow
from catalog.models import Category
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.models import CalendarYear
from requests_app import deadlines
from requests_app.models import (
    ApplicantType,
    CaseKind,
    CaseResult,
    EventKind,
    LegalCase,
    Outcome,
    RequestEvent,
    Status,
)
from tests.catalog.factories import SHANGHAI, ItemFactory, category_of
from tests.requests_app.factories import InfoRequestFactory
from workplans import public_stats

D = dt.date
TODAY = D(2026, 1, 15)


def app(org, received, ended=None, outcome="", applicant=ApplicantType.NATURAL, status=None):
    if status is None:
        status = (
            Status.PROCESSING if ended is None else (Status.ABANDONED if outcome in ("6.1", "6.2") else Status.ANSWERED)
        )
    return InfoRequestFactory(
        organization=org, applicant_type=applicant, received_on=received, ended_on=ended, outcome=outcome, status=status
    )


def item(org, when: dt.datetime, code="0301"):
    return ItemFactory(organization=org, published=True, published_at=when, category=category_of(org, code))


def at(y, m, d, hh=9, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def calendar(db):
    seed_from_package({2024, 2025, 2026})


@pytest.fixture
def data_2025(county, calendar):
    """Items, applications and cases of 2024–2026 in 县财政局, its 国库支付中心 and 县教育局."""
    finance, treasury, education = county.finance, county.treasury, county.education
    item(finance, at(2025, 1, 1, 0, 10))  # New Year's night in Beijing: 2025, though 2024 in UTC
    item(finance, at(2025, 3, 5))
    item(finance, at(2025, 3, 20), code="0307")
    item(finance, at(2025, 12, 31, 23, 50))
    item(finance, at(2026, 1, 1, 0, 5))  # next year
    item(finance, at(2024, 12, 31, 23, 59))  # last year
    ItemFactory(organization=finance, written_date=D(2025, 4, 1))  # a draft counts nowhere
    item(treasury, at(2025, 6, 1))
    item(education, at(2025, 7, 1))
    app(finance, D(2024, 12, 20), D(2025, 1, 10), Outcome.DISCLOSED)  # carried over
    app(finance, D(2025, 3, 2), D(2025, 3, 20), Outcome.PARTIAL, ApplicantType.BUSINESS)
    app(finance, D(2025, 3, 3), D(2025, 4, 30), Outcome.WITHHELD_PROCESS)  # late
    app(finance, D(2025, 5, 6), D(2025, 5, 9), Outcome.NOT_PROCESSED_REPEAT)
    app(finance, D(2025, 6, 3), D(2025, 7, 20), Outcome.OTHER_NO_CORRECTION)  # abandoned: no reply
    app(finance, D(2025, 12, 30))  # open at the end
    app(treasury, D(2025, 8, 1), D(2025, 8, 15), Outcome.UNAVAILABLE_NOT_HELD)
    app(education, D(2025, 9, 1), D(2025, 9, 5), Outcome.DISCLOSED)
    LegalCase.objects.create(
        organization=finance,
        kind=CaseKind.RECONSIDERATION,
        filed_on=D(2025, 4, 1),
        result=CaseResult.UPHELD,
        decided_on=D(2025, 6, 1),
    )
    LegalCase.objects.create(organization=finance, kind=CaseKind.LAWSUIT_DIRECT, filed_on=D(2025, 11, 1))
    LegalCase.objects.create(
        organization=education,
        kind=CaseKind.RECONSIDERATION,
        filed_on=D(2025, 5, 1),
        result=CaseResult.CORRECTED,
        decided_on=D(2025, 8, 1),
    )
    return county


def report_statistics(organization, by, scope=None):
    report = report_workflow.create(organization, year=2025, by=by, today=TODAY, scope=scope)
    return report.statistics


def assert_equal_to_report(stats: public_stats.Statistics, numbers: dict) -> None:
    assert stats.items_total == numbers["catalog.published"]
    assert stats.applications_total == sum(numbers[f"requests.new.{t}"] for t in ApplicantType.values)
    assert stats.carried == sum(numbers[f"requests.carried.{t}"] for t in ApplicantType.values)
    assert stats.open_at_end == sum(numbers[f"requests.open_at_end.{t}"] for t in ApplicantType.values)
    assert stats.ended == numbers["requests.ended"]
    for row in stats.outcomes:
        assert row.count == numbers[f"requests.outcome.{row.code}"], row.code
    for kind in CaseKind.values:
        for result in CaseResult.values:
            assert stats.cases.by_kind[kind][result] == numbers[f"cases.{kind}.{result}"], (kind, result)


@pytest.mark.parametrize("subtree", [False, True], ids=["own", "subtree"])
def test_a_departments_numbers_equal_its_yearly_report(data_2025, head, subtree):
    numbers = report_statistics(data_2025.finance, head, scope="subtree" if subtree else "own")
    stats = public_stats.gather(data_2025.finance, 2025, subtree=subtree)
    assert_equal_to_report(stats, numbers)
    assert stats.items_total == (5 if subtree else 4)


def test_the_whole_governments_numbers_equal_the_government_level_report(data_2025, sysadmin):
    numbers = report_statistics(data_2025.government, sysadmin)  # a people's government: its whole subtree
    assert_equal_to_report(public_stats.gather(None, 2025, subtree=True), numbers)
    assert_equal_to_report(public_stats.gather(data_2025.government, 2025, subtree=True), numbers)


def test_inconsistent_rows_are_counted_as_the_report_counts_them(data_2025, head):
    finance = data_2025.finance
    app(finance, D(2025, 6, 10), D(2025, 6, 2), Outcome.DISCLOSED)  # ended before it was received
    app(finance, D(2026, 2, 1), D(2025, 12, 30), Outcome.PARTIAL)  # received after the year it ended in
    app(finance, D(2023, 5, 5), D(2024, 3, 1), Outcome.DISCLOSED)  # ended before the year: nowhere
    numbers = report_statistics(finance, head, scope="own")
    assert_equal_to_report(public_stats.gather(finance, 2025, subtree=False), numbers)


def test_the_fast_clock_agrees_with_the_legal_clock_on_random_histories(county, calendar):
    """public_stats.in_time against requests_app.deadlines.clock, application by application, on random
    event histories: extensions, corrections, consultations and fees (ended or not), later dates."""
    import random

    from disclosure_site.workdays import add_working_days

    rng = random.Random(7)
    loaded = public_stats.LoadedCalendar()
    loaded.index(2024, 2025)
    kinds = (
        EventKind.EXTENDED,
        EventKind.CORRECTION_RECEIVED,
        EventKind.CONSULTATION_STARTED,
        EventKind.CONSULTATION_ENDED,
        EventKind.FEE_NOTICE,
        EventKind.FEE_PAID,
        EventKind.LATER_DATE,
    )
    disagreements, verdicts = [], []
    for n in range(300):
        received = D(2025, 1, 2) + dt.timedelta(days=rng.randint(0, 250))
        events = []
        for offset in sorted(rng.randint(0, 45) for _ in range(rng.randint(0, 5))):
            kind = rng.choice(kinds)
            days = rng.choice([5, 10, 20]) if kind == EventKind.EXTENDED else None
            due_on = received + dt.timedelta(days=rng.randint(20, 120)) if kind == EventKind.LATER_DATE else None
            events.append((kind, add_working_days(received, offset), days, due_on))
        replied = add_working_days(received, rng.randint(1, 70))
        info_request = InfoRequestFactory.build(received_on=received, ended_on=replied, status=Status.ANSWERED)
        rows = [
            RequestEvent(kind=kind, on=on, days=days, due_on=due_on, at=at(2025, 1, 1), pk=i)
            for i, (kind, on, days, due_on) in enumerate(events, start=1)
        ]
        expected = replied <= deadlines.clock(info_request, events=rows, today=replied).due
        verdicts.append(expected)
        if public_stats.in_time(received, replied, events, loaded) != expected:
            disagreements.append((n, received, replied, events))
    assert disagreements == []
    assert 50 < sum(verdicts) < 250  # both verdicts, many times


def test_items_by_month_and_category_in_beijing_time(data_2025):
    stats = public_stats.gather(data_2025.finance, 2025, subtree=False)
    assert stats.items_by_month == (1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1)
    first = Category.objects.get(organization=data_2025.finance, code="0301").name
    seventh = Category.objects.get(organization=data_2025.finance, code="0307").name
    assert stats.items_by_category == ((first, 3), (seventh, 1))


def test_applications_by_month(data_2025):
    stats = public_stats.gather(data_2025.finance, 2025, subtree=False)
    assert stats.applications_by_month == (0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0, 1)


def test_reply_times_in_working_days(data_2025):
    reply = public_stats.gather(data_2025.finance, 2025, subtree=False).reply
    # Answered (abandoned 6.1 is no reply): 2024-12-20→2025-01-10 = 14 working days (1 Jan a holiday);
    # 2025-03-02 (Sunday)→03-20 = 14; 03-03→04-30 = 42 (Qingming 4 Apr off, Sunday 27 Apr a make-up
    # working day); 05-06→05-09 = 3.
    assert reply.answered == 4
    assert reply.median == 14
    assert reply.p90 == 42
    assert dict(reply.buckets)["5个工作日以内"] == 1
    assert dict(reply.buckets)["40个工作日以上"] == 1
    assert (reply.in_time, reply.late, reply.extended) == (3, 1, 0)
    assert reply.in_time_share == 0.75


def _event(info_request, kind, on, **fields):
    return RequestEvent.objects.create(info_request=info_request, kind=kind, on=on, **fields)


def test_timeliness_follows_the_legal_clock_for_every_kind_of_event(county, calendar):
    """Answered in time or not, as requests_app.deadlines.clock says, for extensions, corrections,
    consultations, fees and a later date, on both sides of each due date."""
    org = county.finance
    received = D(2025, 3, 3)
    cases = []
    for reply_after in (20, 21, 30, 40, 41, 55):
        cases.append(("plain", reply_after, []))
        cases.append(("extended", reply_after, [(EventKind.EXTENDED, 0, {"days": 20})]))
        cases.append(
            (
                "corrected",
                reply_after,
                [(EventKind.CORRECTION_REQUESTED, 2, {}), (EventKind.CORRECTION_RECEIVED, 10, {})],
            )
        )
        cases.append(
            (
                "consulted",
                reply_after,
                [(EventKind.CONSULTATION_STARTED, 5, {}), (EventKind.CONSULTATION_ENDED, 15, {})],
            )
        )
        cases.append(("fee", reply_after, [(EventKind.FEE_NOTICE, 4, {}), (EventKind.FEE_PAID, 9, {})]))
        cases.append(("later", reply_after, [(EventKind.LATER_DATE, 3, {"due_on": D(2025, 5, 30)})]))
    expected = 0
    from disclosure_site.workdays import add_working_days

    for _, reply_after, events in cases:
        replied = add_working_days(received, reply_after)
        info_request = app(org, received, replied, Outcome.DISCLOSED)
        for minutes, (kind, offset, fields) in enumerate(events):
            event = _event(info_request, kind, add_working_days(received, offset), **fields)
            RequestEvent.objects.filter(pk=event.pk).update(at=timezone.now() + dt.timedelta(minutes=minutes))
        clock = deadlines.clock(info_request, today=replied)
        expected += replied <= clock.due
    reply = public_stats.reply_times(public_stats.organizations_for(org, subtree=False), 2025)
    assert reply.answered == len(cases)
    assert reply.in_time == expected
    assert reply.extended == 6
    assert 0 < expected < len(cases)


def test_a_missing_calendar_year_is_reported_not_guessed(county, calendar, client):
    app(county.finance, D(2023, 12, 1), D(2025, 1, 10), Outcome.DISCLOSED)  # received in 2023: no calendar
    reply = public_stats.gather(county.finance, 2025, subtree=False).reply
    assert reply.missing_years == (2023,)
    assert reply.median is None
    page = client.get(reverse("disclosure_site:statistics"), {"organization": county.finance.pk, "year": 2025})
    assert "缺少2023年的工作日历" in page.content.decode()


def test_a_reply_due_in_a_year_without_calendar_is_in_time_when_replied_before(county, calendar):
    CalendarYear.objects.filter(year=2026).delete()
    info_request = app(county.finance, D(2025, 12, 1), D(2025, 12, 29), Outcome.DISCLOSED)
    _event(info_request, EventKind.EXTENDED, D(2025, 12, 20), days=20)
    reply = public_stats.reply_times(public_stats.organizations_for(county.finance, subtree=False), 2025)
    assert (reply.in_time, reply.late, reply.missing_years) == (1, 0, ())


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("disclosure_site:statistics"), params)
    assert response.status_code == 200
    return len(queries)


def test_the_page_has_a_constant_number_of_queries(client, data_2025):
    for params in ({"year": 2025}, {"year": 2025, "organization": data_2025.finance.pk}):
        few = _queries(client, params)
        for i in range(12):
            day = D(2025, 1, 6) + dt.timedelta(days=7 * i)
            info_request = app(data_2025.education, day, day + dt.timedelta(days=30), Outcome.values[i % 21])
            _event(info_request, EventKind.EXTENDED, day + dt.timedelta(days=2), days=10)
            _event(info_request, EventKind.CONSULTATION_STARTED, day + dt.timedelta(days=3))
            item(data_2025.finance, at(2025, 1 + i, 3), code="0307")
        assert _queries(client, params) == few


def test_the_page_shows_charts_with_text_alternatives_and_tables(client, data_2025):
    response = client.get(reverse("disclosure_site:statistics"), {"year": 2025, "organization": data_2025.finance.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "测试县财政局2025年政务公开统计" in page
    assert page.count('<svg class="chart-svg" role="img"') == 7
    assert '<desc id="chart-items-month-desc">1月：1条；2月：0条；3月：2条' in page
    assert '<desc id="chart-reply-time-desc">5个工作日以内：1件；6–10个工作日：0件' in page
    assert "<script" not in page
    assert "答复用时（自收到申请之日起的工作日数）的中位数为14个工作日，90%的申请在42个工作日内答复" in page
    assert "按期答复率75.0%" in page


def test_the_default_is_this_year_for_the_whole_government(client, county):
    page = client.get(reverse("disclosure_site:statistics")).content.decode()
    assert f"全部机构{timezone.localdate().year}年政务公开统计" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "1999"}, "请选择2008年至今年之间的年度"),
        ({"year": "abc"}, "请选择2008年至今年之间的年度"),
        ({"organization": "x"}, "没有这个机构，请从列表中选择"),
        ({"organization": "999999"}, "没有这个机构，请从列表中选择"),
        ({"scope": "all"}, "统计范围只能是"),
    ],
)
def test_bad_parameters_get_a_chinese_message(client, county, params, message):
    response = client.get(reverse("disclosure_site:statistics"), params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_csv_downloads_hold_the_tables(client, data_2025):
    params = {"year": 2025, "organization": data_2025.finance.pk}
    response = client.get(reverse("disclosure_site:statistics_csv", args=["items-by-month"]), params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["月份", "信息条数"]
    assert rows[3] == ["3月", "2"]
    assert rows[-1] == ["合计", "4"]
    outcomes = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("disclosure_site:statistics_csv", args=["outcomes"]), params).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert ["（二）部分公开", "1"] in outcomes
    assert ["（三）不予公开：属于四类过程性信息", "1"] in outcomes
    cases = client.get(reverse("disclosure_site:statistics_csv", args=["cases"]), params).content.decode("utf-8-sig")
    assert "行政复议,1,0,0,0,1" in cases


def test_every_table_has_its_csv(client, data_2025):
    page = client.get(reverse("disclosure_site:statistics"), {"year": 2025}).content.decode()
    for key in (
        "items-by-month",
        "items-by-category",
        "applications-by-month",
        "outcomes",
        "reply-time",
        "timeliness",
        "cases",
    ):
        url = reverse("disclosure_site:statistics_csv", args=[key])
        assert url in page
        assert client.get(url, {"year": 2025}).status_code == 200


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client, county):
    category = category_of(county.finance, "0307")
    category.name = '=HYPERLINK("http://x")'
    category.save()
    item(county.finance, at(2025, 5, 5), code="0307")
    text = client.get(
        reverse("disclosure_site:statistics_csv", args=["items-by-category"]), {"year": 2025}
    ).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_an_unknown_csv_or_bad_parameters_are_not_found(client, county):
    assert client.get(reverse("disclosure_site:statistics_csv", args=["nothing"])).status_code == 404
    assert client.get(reverse("disclosure_site:statistics_csv", args=["outcomes"]), {"year": "x"}).status_code == 404


def test_percentiles_of_a_distribution():
    distribution = [(3, 1), (14, 2), (40, 1)]
    assert public_stats._median(distribution, 4) == 14
    assert public_stats._median([(1, 1), (2, 1)], 2) == 1.5
    assert public_stats._percentile(distribution, 4, 0.9) == 40
    values = [1] * 9 + [50]
    expanded = [(v, len(list(g))) for v, g in itertools.groupby(values)]
    assert public_stats._percentile(expanded, 10, 0.9) == 1


def test_an_application_never_received_counts_nowhere(county, calendar):
    app(county.finance, None, status=Status.PENDING)
    stats = public_stats.gather(county.finance, 2025, subtree=False)
    assert stats.applications_total == 0
    assert stats.reply.answered == 0


def test_a_reply_on_a_rest_day_is_late_after_the_due_date_and_in_time_before_it(county, calendar):
    """The plain verdicts are counted in SQL from working-day positions, where a rest day has the position
    of the working day before it: both sides of a due date, replied on rest days, against the clock."""
    org = county.finance
    # Received Friday 2025-06-06, due Friday 2025-07-04; replied Saturday 5 July, one day late.
    day_after = app(org, D(2025, 6, 6), D(2025, 7, 5), Outcome.DISCLOSED)
    # Received Monday 2025-09-01, due Sunday 28 September (a make-up working day); replied Saturday 27th.
    day_before = app(org, D(2025, 9, 1), D(2025, 9, 27), Outcome.DISCLOSED)
    # Received Friday 2025-05-09, due Monday 9 June (Dragon Boat Festival 31 May-2 June); replied Sunday 8th.
    weekend_before = app(org, D(2025, 5, 9), D(2025, 6, 8), Outcome.DISCLOSED)
    cases = (day_after, day_before, weekend_before)
    verdicts = [r.ended_on <= deadlines.clock(r, today=r.ended_on).due for r in cases]

    reply = public_stats.reply_times(public_stats.organizations_for(org, subtree=False), 2025)

    assert verdicts == [False, True, True]
    assert (reply.answered, reply.in_time, reply.late) == (3, 2, 1)
