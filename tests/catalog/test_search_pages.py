"""The search page and the search API: what a citizen sees, bad input, and the search box on every page."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import DocumentType
from tests.catalog.factories import SHANGHAI, ItemFactory, category_of

SEARCH = "/search/"
API = "/api/v1/search/"


def item(org, title, day=5, **fields):
    fields.setdefault("category", category_of(org))
    return ItemFactory(
        published=True,
        organization=org,
        title=title,
        published_at=dt.datetime(2026, 3, day, 9, 0, tzinfo=SHANGHAI),
        **fields,
    )


def hit_titles(html: str) -> list[str]:
    titles = re.findall(r'<h3 class="hit-title">\s*<a href="[^"]+">(.*?)</a>', html, re.S)
    return [unescape(re.sub(r"</?mark>", "", t)) for t in titles]


def get(client, url, **params):
    response = client.get(url, params)
    return response, response.content.decode()


def test_results_show_highlighted_title_snippet_and_metadata(citizen, county):
    budget = item(
        county.finance,
        "县财政局2026年三公经费预算公开",
        summary="公开三公经费预算。",
        index_number="TEST/2026-00042",
    )
    response, html = get(citizen, SEARCH, q="三公经费")
    assert response.status_code == 200
    assert hit_titles(html) == [budget.title]
    assert "<mark>三公经费</mark>预算公开</a>" in html
    assert "公开<mark>三公经费</mark>预算。" in html
    assert "索引号：TEST/2026-00042" in html
    assert "发布机构：测试县财政局" in html
    assert '发布日期：<time datetime="2026-03-05">2026年3月5日</time>' in html
    assert "找到 1 条结果" in html


def test_every_public_page_has_the_search_box(citizen, county):
    budget = item(county.finance, "预算公开")
    for url in ["/", reverse("catalog:items"), budget.get_absolute_url(), SEARCH]:
        html = citizen.get(url).content.decode()
        assert re.search(r'<form class="site-search"\s+role="search"\s+aria-label="全站检索"', html), url
        assert '<label for="site-search-q">全文检索</label>' in html, url


def test_empty_search_lists_the_latest_items(citizen, county):
    old = item(county.finance, "旧的通知", day=1)
    new = item(county.education, "新的通知", day=9)
    _, html = get(citizen, SEARCH)
    assert hit_titles(html) == [new.title, old.title]
    assert "最新发布的信息" in html


def test_hostile_query_is_shown_escaped(citizen, county):
    item(county.finance, "预算公开")
    _, html = get(citizen, SEARCH, q='<script>alert("x")</script> 预算')
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"organization": "abc"}, "所选发布机构不存在"),
        ({"organization": "99999"}, "所选发布机构不存在"),
        ({"year": "二〇二六"}, "发布年份应为四位数字"),
        ({"date_from": "2026-13-01"}, "发布日期起应为日期"),
        ({"document_type": "memo"}, "文件类型的值“memo”无效"),
        ({"order": "random"}, "排序方式“random”无效"),
        ({"page": "x"}, "页码“x”无效"),
        ({"page": "99"}, "没有第 99 页"),
    ],
)
def test_bad_values_give_a_normal_page_with_a_message(citizen, county, params, message):
    budget = item(county.finance, "预算公开")
    response, html = get(citizen, SEARCH, q="预算", **params)
    assert response.status_code == 200
    assert message in html
    assert hit_titles(html) == [budget.title]  # searched with what was valid


def test_facet_links_narrow_the_search(citizen, county):
    item(county.finance, "预算公开", document_type=DocumentType.BUDGET)
    item(county.treasury, "预算执行", document_type=DocumentType.BUDGET)
    item(county.education, "预算通知", document_type=DocumentType.NOTICE)
    _, html = get(citizen, SEARCH, q="预算", page="1")
    finance_link = f'<a href="?q=%E9%A2%84%E7%AE%97&amp;organization={county.finance.pk}">测试县财政局</a>（2）'
    assert finance_link in html
    assert '<a href="?q=%E9%A2%84%E7%AE%97&amp;document_type=budget">财政预决算</a>（2）' in html
    _, narrowed = get(citizen, SEARCH, q="预算", organization=county.finance.pk)
    assert sorted(hit_titles(narrowed)) == ["预算公开", "预算执行"]


def test_no_result_with_a_filter_links_to_the_search_without_it(citizen, county):
    item(county.finance, "预算公开")
    _, html = get(citizen, SEARCH, q="预算", organization=county.education.pk)
    assert "没有找到符合条件的信息" in html
    assert '你是不是要找：<a href="/search/?q=%E9%A2%84%E7%AE%97">不加筛选条件检索“预算”</a>（1 条结果）' in html


def test_search_page_runs_the_same_number_of_queries_for_3_or_20_results(citizen, county):
    def queries_for_page() -> int:
        cache.clear()  # the page cache would answer the second request
        with CaptureQueriesContext(connection) as queries:
            assert citizen.get(SEARCH, {"q": "预算", "order": "date"}).status_code == 200
        return len(queries)

    for n in range(3):
        item(county.finance, f"预算公开第{n}号")
    few = queries_for_page()
    for n in range(3, 20):
        item(county.treasury, f"预算公开第{n}号")
    assert queries_for_page() == few


# The JSON API --------------------------------------------------------------------------------------------


def test_api_search_returns_items_with_highlights_counts_and_facets(citizen, county):
    budget = item(county.finance, "三公经费<预算>公开", document_type=DocumentType.BUDGET)
    data = citizen.get(API, {"q": "三公经费"}).json()
    assert data["count"] == 1 and data["count_capped"] is False and data["pages"] == 1
    result = data["results"][0]
    assert result["index_number"] == budget.index_number
    assert result["title"] == "三公经费<预算>公开"
    assert result["title_html"] == "<mark>三公经费</mark>&lt;预算&gt;公开"
    assert data["facets"]["document_types"] == [{"code": "budget", "label": "财政预决算", "count": 1}]
    assert citizen.get("/api/v1/").json()["search"].startswith("http://testserver/api/v1/search/")


def test_api_search_takes_the_list_filters(citizen, county):
    item(county.finance, "预算公开")
    item(county.education, "预算通知")
    data = citizen.get(API, {"q": "预算", "organization": county.education.pk}).json()
    assert [r["title"] for r in data["results"]] == ["预算通知"]


def test_api_search_refuses_bad_values_with_400_and_pages_past_the_end_with_404(citizen, county):
    item(county.finance, "预算公开")
    bad = citizen.get(API, {"q": "预算", "organization": "abc"})
    assert bad.status_code == 400
    assert "organization" in bad.json()["errors"]
    assert citizen.get(API, {"q": "预算", "page": "9"}).status_code == 404
