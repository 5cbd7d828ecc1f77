"""The count of a search on PostgreSQL's side connection (catalog/search/parallel.py).

Outside a transaction the first page's count is read by a worker thread on its own connection while
the page is read: the result must be the one counted in line, and a failing side connection must
never fail a search. These tests commit their data (transaction=True), as a live site does.
"""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, transaction
from django.test import override_settings

from catalog.search import indexing, parallel, postgres
from catalog.search.engine import SearchFilters, search
from tests.catalog.factories import ItemFactory, category_of
from tests.catalog.test_search import at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def items(county):
    made = []
    for n in range(30):
        org = county.finance if n % 3 else county.education
        made.append(
            ItemFactory(
                published=True,
                organization=org,
                category=category_of(org),
                title=f"关于{'预算公开' if n % 2 else '教育补贴'}的通知{n}",
                body=f"<p>政府信息公开，第{n}号，{'预算' if n % 5 else '补贴'}。</p>",
                published_at=at(1 + n % 28),
            )
        )
    indexing.refresh(made)
    yield made
    parallel.close()


@pytest.fixture
def counted_on(monkeypatch) -> list[str]:
    """The names of the threads that ran each search's count, in order."""
    threads: list[str] = []
    count = postgres.PostgresSearcher.count

    def recording(self, cap):
        threads.append(threading.current_thread().name)
        return count(self, cap)

    monkeypatch.setattr(postgres.PostgresSearcher, "count", recording)
    return threads


def summary(result):
    hits = [(hit.item.pk, str(hit.title), str(hit.snippet)) for hit in result.hits]
    assert [pk for pk, _, _ in hits] == result.ids  # the page's hits, read while the count was
    return (result.ids, result.total, result.organization_counts, result.type_counts, result.notices, hits)


@pytest.mark.parametrize("text", ["", "预算", "政府 公开", "补贴 -教育", "预算公开"])
@pytest.mark.parametrize("order", ["relevance", "date"])
def test_a_count_on_the_side_connection_equals_the_count_in_line(items, county, text, order, counted_on):
    threads = counted_on
    filters = SearchFilters(organization=county.finance)
    beside = [summary(search(text, order=order)), summary(search(text, order=order, filters=filters))]
    assert len(threads) == 2 and all(name.startswith("search-side") for name in threads)
    threads.clear()
    with override_settings(SEARCH_SIDE_CONNECTION=False):
        inline = [summary(search(text, order=order)), summary(search(text, order=order, filters=filters))]
    assert len(threads) == 2 and not any(name.startswith("search-side") for name in threads)
    assert beside == inline
    assert beside[0][1] > beside[1][1] > 0


def test_a_failing_side_connection_counts_in_line(items, monkeypatch):
    expected = summary(search("预算"))
    count = postgres.PostgresSearcher.count

    def failing_beside(self, cap):
        if threading.current_thread().name.startswith("search-side"):
            raise OperationalError("server closed the connection unexpectedly")
        return count(self, cap)

    monkeypatch.setattr(postgres.PostgresSearcher, "count", failing_beside)
    assert summary(search("预算")) == expected
    monkeypatch.setattr(postgres.PostgresSearcher, "count", count)
    assert summary(search("预算")) == expected  # a fresh side connection


def test_inside_a_transaction_the_count_sees_its_uncommitted_items(items, county):
    before = search("预算").total
    with transaction.atomic():
        extra = ItemFactory(
            published=True,
            organization=county.finance,
            category=category_of(county.finance),
            title="预算执行情况的报告",
            published_at=at(20),
        )
        indexing.refresh([extra])
        assert search("预算").total == before + 1
        transaction.set_rollback(True)


def test_while_another_search_holds_the_side_connection_the_count_runs_in_line(items, counted_on):
    expected = summary(search("预算"))
    threads = counted_on
    threads.clear()
    side = parallel._this_process()
    with side.busy:  # as a concurrent request's count in a threaded server
        assert summary(search("预算")) == expected
    assert threads == [threading.current_thread().name]
    assert summary(search("预算")) == expected
    assert threads[-1].startswith("search-side")
