"""The search function: recall against a substring scan, query syntax, filters, order, counts, fallback.

The suite runs once on SQLite (FTS5) and once on PostgreSQL (tsvector + GIN): every test here checks
both backends against the same expectations, computed from the items' text in Python.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from catalog.models import DocumentType, Item, Subject, Validity
from catalog.search import engine, indexing
from catalog.search.engine import MAX_RESULTS, SearchFilters, search
from catalog.search.segment import html_to_text, normalize
from tests.catalog.factories import SHANGHAI, ItemFactory, category_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Dictionary words of government text; bodies are random sequences of them.
VOCABULARY = (
    "政府 信息 公开 预算 决算 三公经费 保障性住房 行政复议 依申请公开 教育 医疗 就业 住房 交通 环境 安全 "
    "财政 补贴 救助 养老 社区 乡镇 企业 项目 资金 规划 审批 许可 处罚 统计 招聘 征收 补偿 农村 道路 水利"
).split()
PUNCTUATION = ["，", "。", "；", "、", ""]


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=SHANGHAI)


def item(org, title, body="", day=5, **fields):
    fields.setdefault("category", category_of(org))
    return ItemFactory(
        published=True, organization=org, title=title, body=f"<p>{body}</p>", published_at=at(day), **fields
    )


def ids(text, **kwargs) -> list[int]:
    kwargs.setdefault("order", "date")
    return search(text, page_size=MAX_RESULTS, hits=False, **kwargs).ids


@pytest.fixture
def corpus(county):
    """80 items of random government words across the county's organizations and days (written in one
    batch and indexed with indexing.refresh, the function the post_save handler calls)."""
    rng = random.Random(4)
    orgs = [county.government, county.finance, county.treasury, county.education, county.town]
    columns = {org.pk: category_of(org) for org in orgs}
    author = UserFactory()
    items = []
    for n in range(80):
        org = orgs[n % 5]
        words = rng.choices(VOCABULARY, k=rng.randint(3, 40))
        items.append(
            ItemFactory.build(
                published=True,
                organization=org,
                category=columns[org.pk],
                author=author,
                title="".join(rng.choices(VOCABULARY, k=rng.randint(2, 5))) + f"的通知{n}",
                body="<p>" + "".join(w + rng.choice(PUNCTUATION) for w in words) + "</p>",
                published_at=at(1 + n % 28),
                document_type=rng.choice(DocumentType.values),
            )
        )
    items = Item.objects.bulk_create(items)
    indexing.refresh(items)
    return items


def substring_scan(items, word, field="all") -> set[int]:
    word = normalize(word)
    found = set()
    for it in items:
        text = it.title if field == "title" else " ".join([it.title, it.summary, html_to_text(it.body)])
        if word in normalize(text):
            found.add(it.pk)
    return found


# Recall ------------------------------------------------------------------------------------------------


def test_every_item_containing_a_word_is_found(corpus):
    """Recall against a substring scan: each vocabulary word, in date order and by relevance."""
    for n, word in enumerate(VOCABULARY):
        expected = substring_scan(corpus, word)
        assert set(ids(word)) == expected, word
        if n % 4 == 0:
            assert set(ids(word, order="relevance")) == expected, word


def test_parts_of_a_compound_term_still_match(county):
    compound = item(county.finance, "关于政府信息公开工作的通知")
    assert ids("信息公开") == [compound.pk]
    assert ids("政府信息公开") == [compound.pk]
    assert ids("公开") == [compound.pk]


# Query syntax ------------------------------------------------------------------------------------------


def test_every_word_must_match(corpus):
    expected = substring_scan(corpus, "预算") & substring_scan(corpus, "教育")
    assert expected
    assert set(ids("预算 教育")) == expected


def test_minus_excludes_items_with_the_word(corpus):
    expected = substring_scan(corpus, "预算") - substring_scan(corpus, "教育")
    assert expected
    assert set(ids("预算 -教育")) == expected


def test_quoted_phrase_finds_only_the_exact_string(county):
    exact = item(county.finance, "政府信息公开工作年度报告")
    apart = item(county.finance, "年度工作要点", body="政府机关的信息公开与报告制度")
    assert set(ids("政府 信息公开 报告")) == {exact.pk, apart.pk}
    assert ids('"信息公开工作年度报告"') == [exact.pk]
    assert ids("“信息公开工作年度报告”") == [exact.pk]


def test_a_word_of_several_tokens_is_checked_as_a_string(county):
    name = item(county.finance, "关于表彰张三丰同志的决定")
    item(county.finance, "张三的丰收", body="三张丰")
    assert ids("张三丰") == [name.pk]


def test_the_string_check_reads_full_width_letters_as_the_index_does(county):
    company = item(county.finance, "关于ＡＢＣ公司张三丰的决定")
    item(county.finance, "关于ABD公司的决定", body="张三的丰收")
    assert ids('"abc公司张三丰"') == [company.pk]
    assert ids("张三丰") == [company.pk]


def test_title_only_leaves_out_matches_in_the_body(county):
    in_title = item(county.finance, "保障性住房分配公告")
    item(county.finance, "住房公告", body="关于保障性住房的说明")
    assert ids("保障性住房", title_only=True) == [in_title.pk]
    assert len(ids("保障性住房")) == 2


# Order -------------------------------------------------------------------------------------------------


def test_date_order_is_newest_first(county):
    old = item(county.finance, "预算公开", day=1)
    new = item(county.finance, "预算公开", day=9)
    middle = item(county.finance, "预算公开", day=5)
    assert ids("预算") == [new.pk, middle.pk, old.pk]


def test_relevance_puts_title_matches_first(county):
    in_body = item(county.finance, "工作通知", body="行政复议", day=9)
    in_title = item(county.finance, "行政复议决定", day=1)
    assert ids("行政复议", order="relevance") == [in_title.pk, in_body.pk]


def road_notices(county) -> list[int]:
    """26 items with 道路 in the body, one a day, every other one with it in the title too; returns the
    relevance order with RELEVANCE_CANDIDATES = 10: the newest 10 title matches (newest first; the newest
    10 matches hold 5 of them), the other matches below them."""
    items = [
        item(county.finance, "道路养护通知" if n % 2 == 0 else f"第{n}号通知", body="道路", day=1 + n)
        for n in range(26)
    ]
    return [items[n].pk for n in range(24, 5, -2)]


def test_relevance_lists_the_best_candidates_and_says_so(county, monkeypatch):
    monkeypatch.setattr(engine, "RELEVANCE_CANDIDATES", 10)
    best = road_notices(county)
    pages = [search("道路", order="relevance", page=n, page_size=4, hits=False) for n in (1, 2, 3, 4)]
    assert [page.ids for page in pages] == [best[0:4], best[4:8], best[8:10], best[8:10]]
    assert pages[0].total == 26
    assert pages[0].num_pages == 3
    assert "按相关度排序时列出最相关的前 10 条" in " ".join(pages[0].notices)
    assert "没有第 4 页" in " ".join(pages[3].notices)


# Filters -----------------------------------------------------------------------------------------------


def test_organization_filter_includes_its_subtree(county):
    finance = item(county.finance, "预算公开")
    treasury = item(county.treasury, "预算公开")
    item(county.education, "预算公开")
    assert set(ids("预算", filters=SearchFilters(organization=county.finance))) == {finance.pk, treasury.pk}


def test_the_root_organization_filter_is_no_condition_when_it_is_the_only_tree(county):
    conditions, _params = SearchFilters(organization=county.government).sql("e")
    assert conditions == []
    conditions, params = SearchFilters(organization=county.finance).sql("e")
    assert conditions == ["e.organization_id IN (%s, %s)"] and set(params) == {county.finance.pk, county.treasury.pk}


def test_category_subject_type_validity_and_dates_filter(county):
    finance_subject = Subject.objects.create(name="财政、金融、审计", code="03")
    leaf = Subject.objects.create(name="财政", code="0301", parent=finance_subject)
    finance_subject.refresh_from_db()
    match = item(
        county.finance,
        "预算公开",
        day=10,
        category=category_of(county.finance, "0301"),
        subject=leaf,
        document_type=DocumentType.BUDGET,
        validity=Validity.VALID,
    )
    other = item(county.finance, "预算公开", day=2, category=category_of(county.finance, "0302"))
    column = category_of(county.finance, "03")
    assert ids("预算", filters=SearchFilters(category=column)) == [match.pk, other.pk]
    assert ids("预算", filters=SearchFilters(category=category_of(county.finance, "0301"))) == [match.pk]
    assert ids("预算", filters=SearchFilters(subject=finance_subject)) == [match.pk]
    assert ids("预算", filters=SearchFilters(document_type=DocumentType.BUDGET)) == [match.pk]
    assert ids("预算", filters=SearchFilters(validity=Validity.REPEALED)) == []
    assert ids("预算", filters=SearchFilters(date_from=dt.date(2026, 3, 10))) == [match.pk]
    assert ids("预算", filters=SearchFilters(date_to=dt.date(2026, 3, 9))) == [other.pk]


def test_year_filter_follows_beijing_time(county):
    new_year = item(county.finance, "预算公开")
    new_year.published_at = dt.datetime(2026, 1, 1, 0, 30, tzinfo=SHANGHAI)  # 2025-12-31 16:30 UTC
    new_year.save()
    assert ids("预算", filters=SearchFilters.from_cleaned_data({"year": 2026})) == [new_year.pk]
    assert ids("预算", filters=SearchFilters.from_cleaned_data({"year": 2025})) == []


# Counts, pages and facets ------------------------------------------------------------------------------


def test_count_past_the_cap_shows_a_plus(county, monkeypatch):
    monkeypatch.setattr(engine, "CAP", 3)
    for day in range(1, 6):
        item(county.finance, "预算公开", day=day)
    result = search("预算")
    assert result.total_display == "3+"


def test_facets_count_organizations_with_their_subtrees_and_types(county):
    item(county.finance, "预算公开", document_type=DocumentType.BUDGET)
    item(county.treasury, "预算公开", document_type=DocumentType.BUDGET)
    item(county.education, "预算公开", document_type=DocumentType.NOTICE)
    item(county.government, "预算公开", document_type=DocumentType.NOTICE)
    result = search("预算")
    organizations = {f.label: f.count for f in result.organization_facets()}
    assert organizations == {"测试县财政局": 2, "测试县教育局": 1, "测试县人民政府（本级）": 1}
    assert [(f.label, f.count) for f in result.type_facets] == [("财政预决算", 2), ("通知公告", 2)]


def test_page_past_the_end_shows_the_last_page_with_a_notice(county):
    for day in range(1, 4):
        item(county.finance, "预算公开", day=day)
    result = search("预算", order="date", page=9, page_size=2)
    assert result.page == 2
    assert len(result.ids) == 1
    assert "没有第 9 页" in " ".join(result.notices)


def test_empty_query_lists_the_latest_items(county):
    old = item(county.finance, "预算公开", day=1)
    new = item(county.education, "招生公告", day=3)
    result = search("   ")
    assert result.ids == [new.pk, old.pk]
    assert result.notices == []


def test_query_of_punctuation_only_lists_the_latest_with_a_notice(county):
    latest = item(county.finance, "预算公开")
    result = search("！？……")
    assert result.ids == [latest.pk]
    assert "没有可查找的文字" in result.notices[0]


def test_overlong_query_is_cut_with_a_notice(county):
    budget = item(county.finance, "预算公开")
    result = search("预算" + "很" * 600, page_size=MAX_RESULTS)
    assert "搜索词过长" in result.notices[0]
    assert result.ids in ([], [budget.pk])  # answered, not an error


# Fallback and "did you mean" -------------------------------------------------------------------------


def test_string_across_word_boundaries_is_found_by_the_substring_search(county):
    across = item(county.finance, "市政府信息公开")
    result = search("府信", page_size=MAX_RESULTS)
    assert result.ids == [across.pk]
    assert result.substring
    assert ids("府信息") == [across.pk]


def test_no_result_with_filters_counts_the_same_words_without_them(county):
    item(county.finance, "预算公开")
    result = search("预算", filters=SearchFilters(organization=county.education))
    assert result.total == 0
    assert result.relaxed_total == 1


def test_withdrawn_and_draft_items_are_not_found_by_the_substring_search_either(county):
    ItemFactory(organization=county.finance, title="市政府信息公开草稿")
    ItemFactory(organization=county.finance, title="市政府信息公开撤回", withdrawn=True)
    assert search("府信").ids == []


# Highlighting ------------------------------------------------------------------------------------------


def test_hits_mark_the_words_in_title_and_snippet(county):
    item(county.finance, "三公经费<预算>公开", body="本年度三公经费预算比上年减少。")
    hit = search("三公经费").hits[0]
    assert str(hit.title) == "<mark>三公经费</mark>&lt;预算&gt;公开"
    assert "<mark>三公经费</mark>预算比上年减少" in str(hit.snippet)
