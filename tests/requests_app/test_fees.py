"""信息处理费 tiers (国办函〔2020〕109号, reference/fees.md) and counting an applicant's applications in a month."""

import datetime as dt

import pytest

from disclosure_site.calendar_data import seed_from_package
from disclosure_site.errors import DomainError
from requests_app import fees, workflow
from requests_app.models import FeeMethod, Status

from .factories import InfoRequestFactory, noon, on_day, registered

D = dt.date


@pytest.mark.parametrize(
    ("nth", "fee"),
    [(1, 0), (10, 0), (11, 100), (30, 100), (31, 200), (40, 200), (41, 300), (50, 300), (51, 400)],
)
def test_per_application_fee_by_the_applicants_nth_application_in_the_month(nth, fee):
    assert fees.per_application_fee(nth) == fee


@pytest.mark.parametrize(
    ("pages", "fee"),
    [(1, 0), (30, 0), (31, 10), (100, 700), (101, 720), (150, 1700), (200, 2700), (201, 2740)],
)
def test_per_page_fee_is_progressive(pages, fee):
    assert fees.per_page_fee(pages) == fee


def test_nth_counts_the_same_applicant_in_the_calendar_month_across_outcomes(db, county):
    same = {"id_number": "11010519491231002X", "applicant_name": "张三"}
    for day in (2, 5, 9):
        InfoRequestFactory(organization=county.finance, submitted_at=noon(D(2026, 3, day)), **same)
    InfoRequestFactory(organization=county.finance, submitted_at=noon(D(2026, 2, 27)), **same)  # last month
    InfoRequestFactory(organization=county.education, submitted_at=noon(D(2026, 3, 3)), **same)  # another organ
    InfoRequestFactory(organization=county.finance, submitted_at=noon(D(2026, 3, 4)))  # another applicant
    latest = InfoRequestFactory(organization=county.finance, submitted_at=noon(D(2026, 3, 20)), **same)
    assert fees.nth_in_month(latest) == 4


def test_fee_notice_refused_when_nothing_is_due(db, county, clerk):
    seed_from_package({2026})
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 9)), pytest.raises(DomainError, match="不需要收取信息处理费"):
        workflow.send_fee_notice(application, by=clerk, method=FeeMethod.PER_APPLICATION)
    with on_day(D(2026, 3, 9)), pytest.raises(DomainError, match="30页以内不收费"):
        workflow.send_fee_notice(application, by=clerk, method=FeeMethod.PER_PAGE, pages=30)
    application.refresh_from_db()
    assert application.status == Status.PROCESSING and not hasattr(application, "fee")


def test_payment_needs_a_receipt_number_and_restarts_the_clock(db, county, clerk):
    seed_from_package({2026})
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))  # due 2026-04-03
    with on_day(D(2026, 3, 9)):
        workflow.send_fee_notice(application, by=clerk, method=FeeMethod.PER_PAGE, pages=45)
    with on_day(D(2026, 3, 13)), pytest.raises(DomainError, match="票据号码"):
        workflow.record_payment(application, by=clerk, receipt_number=" ")
    with on_day(D(2026, 3, 13)):
        workflow.record_payment(application, by=clerk, receipt_number="浙非税2026000123")
    application.refresh_from_db()
    assert application.fee.amount == 150 and application.fee.paid_on == D(2026, 3, 13)
    # 10-13 March waited for the fee: four working days not counted, after 3 April and the Qingming
    # holiday (4-6 April) that is 7, 8, 9 and 10 April.
    assert application.due_on == D(2026, 4, 10)
