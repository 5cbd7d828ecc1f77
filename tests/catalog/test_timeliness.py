"""Timeliness flags on the staff dashboard, counted per organization for the yearly report."""

import datetime as dt

import pytest
import time_machine

from catalog import publishing, stats
from catalog.models import Organization
from disclosure_site.calendar_data import seed_from_package
from tests.catalog.factories import ItemFactory, category_of
from tests.factories import MembershipFactory

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def calendar(db):
    seed_from_package({2026})


def _publish(org, clerk, reviewer, *, written, on, **kwargs):
    item = ItemFactory(organization=org, category=category_of(org), author=clerk, written_date=written, **kwargs)
    with time_machine.travel(dt.datetime.combine(on, dt.time(10), tzinfo=TZ)):
        publishing.submit(item, by=clerk)
        return publishing.approve(item, by=reviewer)


def test_late_items_are_counted_per_organization(calendar, county, clerk, reviewer):
    edu_clerk = MembershipFactory(organization=county.education).user
    edu_reviewer = MembershipFactory(organization=county.education, role="reviewer").user
    _publish(county.finance, clerk, reviewer, written=dt.date(2026, 2, 10), on=dt.date(2026, 3, 17))  # late
    _publish(county.finance, clerk, reviewer, written=dt.date(2026, 2, 10), on=dt.date(2026, 3, 16))  # on time
    _publish(county.education, edu_clerk, edu_reviewer, written=dt.date(2026, 5, 6), on=dt.date(2026, 7, 1))  # late
    everyone = Organization.objects.all()
    assert stats.counts_by_organization(stats.late_items(everyone, 2026)) == {
        county.finance.pk: 1,
        county.education.pk: 1,
    }
    assert stats.late_items(everyone, 2025).count() == 0


def test_normative_document_without_interpretation_is_flagged_after_three_working_days(
    calendar, county, clerk, reviewer
):
    policy = _publish(
        county.finance, clerk, reviewer, written=dt.date(2026, 3, 2), on=dt.date(2026, 3, 5), document_type="normative"
    )
    finance = Organization.objects.filter(pk=county.finance.pk)
    # Published Thursday 5 March: due Tuesday 10 March.
    assert not stats.normative_without_interpretation(finance, dt.date(2026, 3, 10)).exists()
    assert list(stats.normative_without_interpretation(finance, dt.date(2026, 3, 11))) == [policy]
    reading = ItemFactory(
        organization=county.finance,
        category=category_of(county.finance),
        author=clerk,
        written_date=dt.date(2026, 3, 2),
        document_type="interpretation",
    )
    reading.interprets.add(policy)
    with time_machine.travel(dt.datetime(2026, 3, 12, 10, tzinfo=TZ)):
        publishing.submit(reading, by=clerk)
        publishing.approve(reading, by=reviewer)
    assert not stats.normative_without_interpretation(finance, dt.date(2026, 3, 12)).exists()


def test_dashboard_shows_counts_of_the_users_scope_only(client, calendar, county, clerk, reviewer, outsider):
    _publish(county.finance, clerk, reviewer, written=dt.date(2026, 2, 10), on=dt.date(2026, 3, 17))
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=TZ)):
        client.force_login(reviewer)
        page = client.get("/admin/").content.decode()
        assert "2026年超期发布的信息" in page
        assert "测试县财政局" in page
        client.force_login(outsider)
        page = client.get("/admin/").content.decode()
        assert "没有超期发布的信息" in page
        assert "测试县财政局" not in page


def test_dashboard_queries_do_not_grow_with_the_number_of_items(
    client, calendar, county, clerk, reviewer, django_assert_max_num_queries
):
    client.force_login(reviewer)
    _publish(county.finance, clerk, reviewer, written=dt.date(2026, 2, 10), on=dt.date(2026, 3, 17))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/admin/")
    for _ in range(5):
        _publish(county.finance, clerk, reviewer, written=dt.date(2026, 2, 10), on=dt.date(2026, 3, 17))
    with django_assert_max_num_queries(len(few)):
        client.get("/admin/")
