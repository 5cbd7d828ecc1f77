"""PostgreSQL's access paths (catalog/search/postgres.py) never change what a search finds.

The search chooses between the GIN index, walks in date order and scans testing each row's vocabulary
bits from estimated shares of matches. These tests force each choice (by faking the statistics) and
check the results against a substring scan of the items in Python: same items, same date order, same
counts, exclusions and filters included. The SQLite backend answers the same queries in test_search.py.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import DocumentType, Item
from catalog.search import backends, engine, indexing, postgres
from catalog.search.backends import Match
from catalog.search.engine import MAX_RESULTS, SearchFilters, search
from catalog.search.postgres import VOCABULARY_TABLE, tsquery
from catalog.search.query import parse
from tests.catalog.factories import SHANGHAI, ItemFactory, category_of
from tests.catalog.test_search import VOCABULARY, corpus, road_notices, substring_scan  # noqa: F401 - corpus is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

COMMON = VOCABULARY[:24]  # the words given a bit; the rest are found through the GIN index only
QUERIES = [
    "政府",
    "三公经费",
    "预算 教育",
    "政府 信息 公开",
    "行政复议 政府",
    "预算 -教育",
    "预算 -行政复议",
    "公开 -政府 -三公经费",
    "道路 水利",
]
FAKE_SHARES = {
    "statistics": None,  # ANALYZE's own figures
    "every word common": 1.0,  # walks in date order and scans testing bits
    "every word rare": 1e-6,  # the GIN index, also for the vocabulary words
    "a few per cent": 0.03,  # windows of the newest rows (their first date from the histogram), widened
}


@pytest.fixture
def backend():
    backend = backends.for_connection(connection)
    # Cached per process by version: each test's rolled-back vocabulary reuses version 1.
    backend._stats.clear()
    backend._vocabulary = None
    yield backend
    backend._stats.clear()
    backend._vocabulary = None


@pytest.fixture
def vocabulary(corpus, backend):  # noqa: F811
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_searchentry")
        backend.refresh_vocabulary(cursor, lexemes=COMMON)
    return backend


@pytest.fixture(params=list(FAKE_SHARES))
def shares(request, vocabulary, monkeypatch):
    share = FAKE_SHARES[request.param]
    if request.param == "a few per cent":
        monkeypatch.setattr(postgres, "HISTOGRAM_WINDOW", 0)
    if share is not None:
        frequencies = dict.fromkeys(VOCABULARY, share)
        monkeypatch.setattr(vocabulary, "shares", lambda cursor, column: (frequencies, 80.0, share))
    return request.param


def expected(items, text: str, *, organizations=None, document_type=None, since=None) -> list[int]:
    """Items containing every word and none of the -words, newest first (ties: the larger id first)."""
    words = text.split()
    found = set(items_ids(items))
    for word in words:
        if word.startswith("-"):
            found -= substring_scan(items, word[1:])
        else:
            found &= substring_scan(items, word)
    by_pk = {it.pk: it for it in items}
    kept = [
        by_pk[pk]
        for pk in found
        if (organizations is None or by_pk[pk].organization_id in organizations)
        and (document_type is None or by_pk[pk].document_type == document_type)
        and (since is None or by_pk[pk].published_at.astimezone(SHANGHAI).date() >= since)
    ]
    return [it.pk for it in sorted(kept, key=lambda it: (it.published_at, it.pk), reverse=True)]


def items_ids(items) -> list[int]:
    return [it.pk for it in items]


def test_every_path_finds_the_same_items_in_the_same_order(corpus, county, shares):  # noqa: F811
    items = list(Item.objects.filter(pk__in=items_ids(corpus)))
    finance = {county.finance.pk, county.treasury.pk}
    for text in QUERIES:
        want = expected(items, text)
        result = search(text, order="date", page_size=MAX_RESULTS, hits=False)
        assert result.ids == want, (shares, text)
        assert result.total == len(want), (shares, text)
        assert set(search(text, page_size=MAX_RESULTS, hits=False).ids) == set(want), (shares, text)
        filtered = search(
            text, filters=SearchFilters(organization=county.finance), order="date", page_size=MAX_RESULTS, hits=False
        )
        assert filtered.ids == expected(items, text, organizations=finance), (shares, text)
        typed = search(
            text,
            filters=SearchFilters(document_type=DocumentType.NOTICE),
            order="date",
            page_size=MAX_RESULTS,
            hits=False,
        )
        assert typed.ids == expected(items, text, document_type=DocumentType.NOTICE), (shares, text)
        # A lower date bound: the count may walk the newest rows along the date index instead of a scan.
        since = dt.date(2026, 3, 20)
        recent = search(text, filters=SearchFilters(date_from=since), order="date", page_size=MAX_RESULTS, hits=False)
        assert recent.ids == expected(items, text, since=since), (shares, text)
        assert recent.total == len(recent.ids), (shares, text)


def test_every_path_pages_and_caps_alike(corpus, shares, monkeypatch):  # noqa: F811
    items = list(Item.objects.filter(pk__in=items_ids(corpus)))
    want = expected(items, "政府")
    assert len(want) > 12
    pages = [search("政府", order="date", page=n, page_size=5, hits=False).ids for n in (1, 2, 3)]
    assert pages == [want[0:5], want[5:10], want[10:15]], shares
    monkeypatch.setattr(engine, "CAP", 10)
    capped = search("政府", order="date", page_size=5, hits=False)
    assert capped.total_display == "10+"
    assert sum(capped.type_counts.values()) == 11  # the facets count the first CAP + 1 matches
    recent = search(
        "政府", filters=SearchFilters(date_from=dt.date(2026, 3, 10)), order="date", page_size=5, hits=False
    )
    assert recent.total_display == "10+" and sum(recent.type_counts.values()) == 11


def test_a_count_since_a_date_can_walk_the_newest_rows(corpus, vocabulary, monkeypatch):  # noqa: F811
    """The count's walk along the date index (newest first), forced by making it look free: the same
    items and total as a substring scan, the facets over the newest CAP + 1 matches."""
    monkeypatch.setattr(postgres.PostgresSearcher, "_walked_row", lambda self, cursor: 0.0)
    monkeypatch.setattr(vocabulary, "shares", lambda cursor, column: (dict.fromkeys(VOCABULARY, 1.0), 80.0, 1.0))
    items = list(Item.objects.filter(pk__in=items_ids(corpus)))
    since = dt.date(2026, 3, 12)
    for text in ("政府", "预算 教育", "财政 补贴"):  # words of the vocabulary: tested on their bits
        with CaptureQueriesContext(connection) as queries:
            found = search(
                text, filters=SearchFilters(date_from=since), order="date", page_size=MAX_RESULTS, hits=False
            )
        counts = [q["sql"] for q in queries.captured_queries if "GROUPING SETS" in q["sql"]]
        assert counts and "enable_bitmapscan" in counts[0] and "ORDER BY e.published_at DESC" in counts[0], text
        assert found.ids == expected(items, text, since=since), text
        assert found.total == len(found.ids), text
    monkeypatch.setattr(engine, "CAP", 3)
    capped = search("政府", filters=SearchFilters(date_from=since), order="date", page_size=5, hits=False)
    newest = expected(items, "政府", since=since)[:4]
    assert capped.total_display == "3+"
    assert capped.type_counts == dict(Counter(Item.objects.get(pk=pk).document_type for pk in newest))


def test_relevance_ranks_title_matches_first_on_every_path(corpus, shares):  # noqa: F811
    items = list(Item.objects.filter(pk__in=items_ids(corpus)))
    ranked = search("预算", page_size=MAX_RESULTS, hits=False).ids
    in_title = {it.pk for it in items if "预算" in it.title}
    assert in_title and set(ranked) == set(expected(items, "预算"))
    assert set(ranked[: len(in_title)]) == in_title, shares


def test_rows_of_another_vocabulary_version_are_tested_on_their_vectors(corpus, vocabulary):  # noqa: F811
    items = list(Item.objects.filter(pk__in=items_ids(corpus)))
    with connection.cursor() as cursor:  # a new version whose bits no row has yet (a rebuild under way)
        cursor.execute(
            f"INSERT INTO {VOCABULARY_TABLE} (version, lexemes) SELECT MAX(version) + 1, %s FROM {VOCABULARY_TABLE}",  # noqa: S608
            [list(reversed(VOCABULARY))],
        )
    for text in QUERIES:
        assert search(text, order="date", page_size=MAX_RESULTS, hits=False).ids == expected(items, text), text


def test_a_published_item_gets_the_bits_of_the_vocabulary_in_force(county, vocabulary):
    item = ItemFactory(
        published=True, organization=county.finance, category=category_of(county.finance), title="政府预算公开"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT common_version, common::text FROM catalog_searchentry WHERE item_id = %s", [item.pk])
        version, bits = cursor.fetchone()
    current = vocabulary.vocabulary(connection.cursor())
    tokens = set(indexing.document(item).tokens)
    assert version == current.version
    assert {lexeme for lexeme, n in current.positions.items() if bits[n] == "1"} == tokens & set(COMMON)
    assert {"政府", "预算", "公开"} <= tokens


def test_the_vocabulary_is_kept_while_it_holds_the_most_common_lexemes(corpus, backend, monkeypatch):  # noqa: F811
    with connection.cursor() as cursor:
        first = backend.refresh_vocabulary(cursor, lexemes=COMMON)
        monkeypatch.setattr(backend, "choose_vocabulary", lambda cursor: [*COMMON[:5], "新词"])
        assert backend.refresh_vocabulary(cursor).version == first.version
        monkeypatch.setattr(backend, "choose_vocabulary", lambda cursor: ["新词", *COMMON])
        second = backend.refresh_vocabulary(cursor)
        assert second.version == first.version + 1
        cursor.execute("SELECT COUNT(*) FROM catalog_searchentry WHERE common_version IS DISTINCT FROM %s", [2])
        assert cursor.fetchone()[0] == 0
        cursor.execute(f"SELECT version FROM {VOCABULARY_TABLE}")  # noqa: S608
        assert [v for (v,) in cursor.fetchall()] == [second.version]


def test_a_rebuild_chooses_a_vocabulary_and_writes_every_row_with_its_bits(corpus, backend):  # noqa: F811
    indexing.rebuild()
    with connection.cursor() as cursor:
        current = backend.vocabulary(cursor)
        cursor.execute(
            "SELECT COUNT(*) FROM catalog_searchentry WHERE common_version IS DISTINCT FROM %s", [current.version]
        )
        stale = cursor.fetchone()[0]
    assert current is not None and "政府" in current.positions
    assert stale == 0


def test_a_first_rebuild_chooses_the_vocabulary_from_a_sample_and_writes_each_row_once(
    corpus,  # noqa: F811
    backend,
    monkeypatch,
):
    """With no vocabulary and no statistics yet, the lexemes of sampled items choose it before any row is
    written: every row is written once, with its bits (no second pass moves the rows the rebuild wrote in
    publication order)."""
    monkeypatch.setattr(postgres, "VOCABULARY_SAMPLE_MIN", 5)
    monkeypatch.setattr(backend, "choose_vocabulary", lambda cursor: [])  # no statistics
    rewritten = []
    recompute = backend.recompute_bits
    monkeypatch.setattr(backend, "recompute_bits", lambda *a, **kw: rewritten.append(recompute(*a, **kw)))
    indexing.rebuild(batch_size=7)
    with connection.cursor() as cursor:
        current = backend.vocabulary(cursor)
        cursor.execute("SELECT item_id, common_version FROM catalog_searchentry")
        rows = cursor.fetchall()
    assert current is not None and {"政府", "公开"} <= current.positions.keys()
    assert {version for _, version in rows} == {current.version}
    assert sorted(pk for pk, _ in rows) == sorted(items_ids(corpus))
    assert rewritten in ([], [0])


def full_relevance_order(text: str) -> list[int]:
    """Every match ordered as the engine documents it: title matches first, then ts_rank, then date."""
    query = parse(text)
    match = query.match()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT item_id, title_vector @@ %s::tsquery, ts_rank(vector, %s::tsquery), published_at
               FROM catalog_searchentry WHERE vector @@ %s::tsquery""",
            [
                tsquery(Match(tuple((t,) for t in match.required_tokens))),
                tsquery(Match(match.required)),
                tsquery(match),
            ],
        )
        rows = cursor.fetchall()
    rows.sort(key=lambda row: (row[1], round(row[2], 6), row[3], row[0]), reverse=True)
    return [row[0] for row in rows]


@pytest.mark.parametrize("text", ["预算", "三公经费", "政府 信息", "公开 -政府"])
def test_scores_read_only_where_they_decide_the_page_keep_the_full_order(corpus, shares, text):  # noqa: F811
    full = full_relevance_order(text)
    assert len(full) < engine.RELEVANCE_CANDIDATES  # every match is a candidate
    pages = [search(text, page=n, page_size=4, hits=False).ids for n in (1, 2, 3)]
    assert pages == [full[0:4], full[4:8], full[8:12]], (shares, text)


def test_the_first_relevance_page_of_one_word_needs_no_title_query_when_the_newest_matches_hold_it(county, monkeypatch):
    """A one-word query's title matches all score the same: when the newest matches hold a page of them,
    they are the page, and the newest title matches are not read (two words: read, their scores differ)."""
    monkeypatch.setattr(engine, "RELEVANCE_CANDIDATES", 10)
    best = road_notices(county)
    title_queries = []
    real = postgres.PostgresSearcher.newest

    def newest(self, limit, offset=0, *, title=False, flag_title=False):
        title_queries.append(title)
        return real(self, limit, offset, title=title, flag_title=flag_title)

    monkeypatch.setattr(postgres.PostgresSearcher, "newest", newest)
    first = search("道路", order="relevance", page=1, page_size=4, hits=False)
    assert (first.ids, first.num_pages, True in title_queries) == (best[0:4], 3, False)
    title_queries.clear()
    second = search("道路", order="relevance", page=2, page_size=4, hits=False)  # 8 places: 5 title matches
    assert (second.ids, True in title_queries) == (best[4:8], True)
    title_queries.clear()
    two_words = search("道路 通知", order="relevance", page=1, page_size=4, hits=False)
    assert True in title_queries
    assert set(two_words.ids) <= set(best)


def test_a_large_window_takes_its_first_date_from_the_histogram(county, backend, monkeypatch):
    """Without filters, the date that opens a window of the newest rows is read off pg_stats; an estimate
    too late is widened, so the page is the same as with the date index walked."""
    items = [
        ItemFactory(
            published=True,
            organization=county.finance,
            category=category_of(county.finance),
            title=f"道路建设第{n}号",
            published_at=dt.datetime(2026, 1 + n % 12, 1 + n % 28, 8 + n % 10, n % 60, tzinfo=SHANGHAI),
        )
        for n in range(120)
    ]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_searchentry")
    monkeypatch.setattr(postgres, "HISTOGRAM_WINDOW", 0)
    monkeypatch.setattr(backend, "shares", lambda cursor, column: ({"道路": 0.5}, 120.0, 0.5))
    estimates = []
    real = backend.date_at_rank
    monkeypatch.setattr(backend, "date_at_rank", lambda *args: estimates.append(real(*args)) or estimates[-1])
    newest = [it.pk for it in sorted(items, key=lambda it: (it.published_at, it.pk), reverse=True)]
    pages = [search("道路", order="date", page=n, page_size=10, hits=False).ids for n in (1, 2, 5)]
    assert pages == [newest[0:10], newest[10:20], newest[40:50]]
    assert any(estimate is not None for estimate in estimates)


def test_every_document_type_has_its_own_gin_index_of_the_vector():
    """A search filtered by a type decodes only that type's postings (migration 0008: a partial GIN index
    per type; bench/search.py measures it at a million items); a type added to DocumentType needs one too."""
    with connection.cursor() as cursor:
        names = postgres.PostgresBackend.gin_indexes(cursor)
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'catalog_searchentry'")
        definitions = dict(cursor.fetchall())
    assert {"search_vector_gin", "search_title_vector_gin"} <= set(names)
    for value in DocumentType.values:
        name = f"search_vector_gin_{value}"
        assert name in names
        assert "USING gin (vector)" in definitions[name]
        assert f"WHERE ((document_type)::text = '{value}'::text)" in definitions[name]


def test_words_found_together_are_estimated_from_a_sample_of_the_newest_rows(county, backend, monkeypatch):
    """Two words each in half of the items, always together: the estimate is their sampled share (1/2), not
    the product (1/4), and the search finds what a substring scan finds."""
    for n in range(40):
        body = "负面清单 合法性审查 工作" if n % 2 else "其他 工作"
        item = ItemFactory(
            published=True,
            organization=county.finance,
            category=category_of(county.finance),
            title=f"第{n}号",
            body=f"<p>{body}</p>",
            published_at=dt.datetime(2026, 3, 1 + n % 28, 8, n, tzinfo=SHANGHAI),
        )
        indexing.refresh([item])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_searchentry")
        backend.refresh_vocabulary(cursor, lexemes=["负面清单", "合法性审查", "工作"])
    monkeypatch.setattr(postgres, "SAMPLE_MIN_HITS", 5)
    monkeypatch.setattr(backend, "shares", lambda cursor, column: ({"负面清单": 0.5, "合法性审查": 0.5}, 40.0, 0.5))
    result = search("负面清单 合法性审查", order="date", page_size=30, hits=False)
    searcher = engine._searcher(result, parse("负面清单 合法性审查").match())
    with connection.cursor() as cursor:
        plan = searcher._plan(cursor, "all")
    assert plan.share == pytest.approx(0.5)
    expected = [
        it.pk
        for it in sorted(
            Item.objects.filter(body__contains="负面清单"), key=lambda it: (it.published_at, it.pk), reverse=True
        )
    ]
    assert result.total == 20
    assert result.ids == expected[:20]


def test_the_gin_index_takes_up_a_second_word_before_the_other_tokens_of_a_word_it_finds_already():
    """地区生产总值 能源 in titles: 地区 (the rarest) is found through the index; 生产总值 narrows nothing
    after it (the two are found together), 能源 does — so 能源 comes first, and is promoted."""
    groups = (("地区", "生产总值"), ("能源",))
    shares = {"地区": 0.011, "生产总值": 0.011, "能源": 0.05}
    assert postgres._gin_order(["生产总值", "能源"], groups, shares, covered=["地区"]) == ["能源", "生产总值"]
    plan = postgres._Plan("title_vector", groups, shares, ["地区"], ["能源", "生产总值"], None, [], False)
    assert plan.promotion(1_000_000) == 1
    assert plan.conditions(promote=1)[1] == ["('地区' & '能源')"]
