"""The public lists: the section pages, an organization's disclosure home, category browse and the filtered list."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Category, DocumentType, ItemStatus, Subject, Validity
from tests.catalog.factories import SHANGHAI, ItemFactory, category_of

CATALOG_COLUMNS = ["索引号", "名称", "内容概述", "生成日期"]


def at(year, month, day, hour=9, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def titles(html: str) -> list[str]:
    """The item titles of the list tables, in order."""
    return [unescape(t) for t in re.findall(r'<th scope="row" class="col-title">\s*<a href="[^"]+">([^<]+)</a>', html)]


def get(client, url, **params):
    response = client.get(url, params)
    return response, response.content.decode()


def item_in(org, title, **fields):
    fields.setdefault("category", category_of(org))
    return ItemFactory(published=True, organization=org, title=title, **fields)


@pytest.fixture
def unpublished(county):
    """One item of finance in each state the public must never see."""
    return [
        ItemFactory(organization=county.finance, title="草稿信息", status=ItemStatus.DRAFT),
        ItemFactory(organization=county.finance, title="待审核信息", status=ItemStatus.PENDING),
        ItemFactory(organization=county.finance, title="待定时发布信息", status=ItemStatus.SCHEDULED),
        ItemFactory(organization=county.finance, title="已撤回信息", withdrawn=True),
    ]


# What is listed ----------------------------------------------------------------------------------------


def list_urls(county) -> list[str]:
    proactive = category_of(county.finance, "03")
    return [
        reverse("catalog:items"),
        reverse("catalog:organization", args=[county.finance.pk]),
        proactive.get_absolute_url(),
        category_of(county.finance).get_absolute_url(),
        reverse("catalog:proactive"),
    ]


def test_lists_show_published_items_only(citizen, county, unpublished):
    item_in(county.finance, "已发布信息")
    for url in list_urls(county):
        page = citizen.get(url).content.decode()
        assert titles(page) == ["已发布信息"], url
        for item in unpublished:
            assert item.title not in page, url


def test_lists_show_the_catalog_columns_of_article_12(citizen, county):
    item_in(county.finance, "预算公开", summary="2026年部门预算。", written_date=dt.date(2026, 3, 2))
    for url in list_urls(county):
        page = citizen.get(url).content.decode()
        headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', page)
        assert all(column in headers for column in CATALOG_COLUMNS), (url, headers)
        assert "2026年部门预算。" in page
        assert "2026年3月2日" in page


def test_every_list_says_when_it_was_last_updated(citizen, county):
    item_in(county.finance, "较早信息", published_at=at(2025, 3, 1))
    item_in(county.finance, "最新信息", published_at=at(2025, 3, 24))
    for url in list_urls(county):
        page = citizen.get(url).content.decode()
        assert re.search(r'最后更新：\s*<time datetime="2025-03-24">2025年3月24日</time>', page), url


def test_a_list_without_items_says_so(citizen, county):
    response, page = get(citizen, reverse("catalog:items"))
    assert response.status_code == 200
    assert "没有符合条件的信息" in page
    assert "暂无公开信息" in page


def test_the_list_is_newest_first(citizen, county):
    item_in(county.finance, "三月", published_at=at(2026, 3, 1))
    item_in(county.education, "五月", published_at=at(2026, 5, 1))
    item_in(county.town, "四月", published_at=at(2026, 4, 1))

    assert titles(get(citizen, reverse("catalog:items"))[1]) == ["五月", "四月", "三月"]


# Filters -----------------------------------------------------------------------------------------------


def test_organization_filter_includes_its_subordinate_units(citizen, county):
    item_in(county.finance, "财政局信息")
    item_in(county.treasury, "国库支付中心信息")
    item_in(county.education, "教育局信息")

    _, page = get(citizen, reverse("catalog:items"), organization=county.finance.pk)

    assert sorted(titles(page)) == ["国库支付中心信息", "财政局信息"]


def test_the_governments_filter_includes_every_organization(citizen, county):
    for org in (county.finance, county.treasury, county.education, county.town):
        item_in(org, f"{org.name}的信息")

    _, page = get(citizen, reverse("catalog:items"), organization=county.government.pk)

    assert len(titles(page)) == 4


def test_category_filter_includes_its_subcolumns(citizen, county):
    item_in(county.finance, "规范性文件", category=category_of(county.finance, "0301"))
    item_in(county.finance, "预决算", category=category_of(county.finance, "0307"))
    item_in(county.finance, "公开制度", category=category_of(county.finance, "02"))

    _, page = get(
        citizen,
        reverse("catalog:items"),
        organization=county.finance.pk,
        category=category_of(county.finance, "03").pk,
    )

    assert sorted(titles(page)) == ["规范性文件", "预决算"]


def test_category_choices_are_the_chosen_organizations_columns(citizen, county):
    _, page = get(citizen, reverse("catalog:items"), organization=county.finance.pk)
    options = re.search(r'<select name="category".*?</select>', page, flags=re.DOTALL).group(0)
    assert f'value="{category_of(county.finance, "0307").pk}"' in options
    assert f'value="{category_of(county.education, "0307").pk}"' not in options

    _, page = get(citizen, reverse("catalog:items"))
    assert "先选择发布机构" in page


def test_subject_filter_includes_the_second_level(citizen, county):
    finance = Subject.objects.create(name="财政、金融、审计", code="03")
    budget = Subject.objects.create(name="财政", code="0301", parent=finance)
    audit = Subject.objects.create(name="审计", code="0308", parent=finance)
    education = Subject.objects.create(name="科技、教育", code="10")
    item_in(county.finance, "财政信息", subject=budget)
    item_in(county.finance, "审计信息", subject=audit)
    item_in(county.education, "教育信息", subject=education)

    _, by_top = get(citizen, reverse("catalog:items"), subject=finance.pk)
    _, by_second = get(citizen, reverse("catalog:items"), subject=audit.pk)

    assert sorted(titles(by_top)) == ["审计信息", "财政信息"]
    assert titles(by_second) == ["审计信息"]


def test_year_filter_follows_beijing_time_at_new_year(citizen, county):
    item_in(county.finance, "除夕深夜", published_at=at(2025, 12, 31, 23, 50))
    item_in(county.finance, "元旦凌晨", published_at=at(2026, 1, 1, 0, 10))

    assert titles(get(citizen, reverse("catalog:items"), year=2025)[1]) == ["除夕深夜"]
    assert titles(get(citizen, reverse("catalog:items"), year=2026)[1]) == ["元旦凌晨"]


def test_date_range_filter_includes_both_days(citizen, county):
    item_in(county.finance, "三月一日", published_at=at(2026, 3, 1, 8))
    item_in(county.finance, "三月十日", published_at=at(2026, 3, 10, 23, 30))
    item_in(county.finance, "三月十一日", published_at=at(2026, 3, 11, 0, 5))

    _, page = get(citizen, reverse("catalog:items"), date_from="2026-03-01", date_to="2026-03-10")

    assert titles(page) == ["三月十日", "三月一日"]


def test_validity_filter(citizen, county):
    item_in(county.finance, "现行规定")
    item_in(county.finance, "废止规定", validity=Validity.REPEALED)

    assert titles(get(citizen, reverse("catalog:items"), validity="repealed")[1]) == ["废止规定"]
    assert titles(get(citizen, reverse("catalog:items"), validity="valid")[1]) == ["现行规定"]


def test_document_type_filter(citizen, county):
    item_in(county.finance, "规范性文件", document_type=DocumentType.NORMATIVE)
    item_in(county.finance, "工作动态", document_type=DocumentType.NEWS)

    assert titles(get(citizen, reverse("catalog:items"), document_type="normative")[1]) == ["规范性文件"]


def test_filters_combine_and_stay_in_the_form(citizen, county):
    item_in(county.finance, "目标", validity=Validity.REPEALED, published_at=at(2025, 6, 1))
    item_in(county.finance, "年份不符", validity=Validity.REPEALED, published_at=at(2026, 6, 1))
    item_in(county.education, "机构不符", validity=Validity.REPEALED, published_at=at(2025, 6, 1))

    _, page = get(citizen, reverse("catalog:items"), organization=county.finance.pk, year=2025, validity="repealed")

    assert titles(page) == ["目标"]
    assert f'<option value="{county.finance.pk}" selected>' in page
    assert 'value="2025"' in page
    assert "清除筛选条件" in page


def test_a_category_page_filters_within_its_column(citizen, county):
    column = category_of(county.finance, "03")
    item_in(county.finance, "旧规定", category=category_of(county.finance, "0301"), validity=Validity.EXPIRED)
    item_in(county.finance, "新规定", category=category_of(county.finance, "0301"))
    item_in(county.finance, "制度", category=category_of(county.finance, "02"), validity=Validity.EXPIRED)

    _, page = get(citizen, column.get_absolute_url(), validity="expired")

    assert titles(page) == ["旧规定"]
    assert 'name="organization"' not in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "abc"}, "发布年份应为四位数字，例如 2025。"),
        ({"year": "20.5"}, "发布年份应为四位数字，例如 2025。"),
        ({"year": "99999"}, "发布年份不能晚于 2100 年。"),
        ({"date_from": "2026-13-01"}, "发布日期起应为日期，格式如 2025-03-24。"),
        ({"date_to": "昨天"}, "发布日期止应为日期，格式如 2025-03-24。"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "截止日期不能早于起始日期。"),
        ({"organization": "abc"}, "所选发布机构不存在，请从列表中重新选择。"),
        ({"organization": "99999999"}, "所选发布机构不存在，请从列表中重新选择。"),
        ({"organization": "２"}, "所选发布机构不存在，请从列表中重新选择。"),
        ({"category": "x"}, "所选栏目不存在，请从列表中重新选择。"),
        ({"category": "99999999999999999999999"}, "所选栏目不存在，请从列表中重新选择。"),
        ({"subject": "1e3"}, "所选主题分类不存在，请从列表中重新选择。"),
        ({"validity": "invalid"}, "有效性的值“invalid”无效，请从列表中选择。"),
        ({"document_type": "<b>x</b>"}, "文件类型的值“&lt;b&gt;x&lt;/b&gt;”无效，请从列表中选择。"),
    ],
)
def test_a_bad_filter_value_is_a_chinese_message_not_a_500(citizen, county, params, message):
    item_in(county.finance, "某信息")

    response, page = get(citizen, reverse("catalog:items"), **params)

    assert response.status_code == 400
    assert "筛选条件有误" in page
    assert message in page
    assert 'aria-invalid="true"' in page
    assert titles(page) == []


def test_a_bad_filter_value_on_a_category_page_is_a_chinese_message(citizen, county):
    response, page = get(citizen, category_of(county.finance, "03").get_absolute_url(), year="二〇二五")

    assert response.status_code == 400
    assert "发布年份应为四位数字" in page


# Pagination --------------------------------------------------------------------------------------------


@pytest.fixture
def twenty_five(county):
    return [
        item_in(county.finance, f"第{n:02d}条", published_at=at(2026, 1, 1) + dt.timedelta(days=n)) for n in range(25)
    ]


def test_lists_show_twenty_items_a_page_with_page_links(citizen, county, twenty_five):
    _, first = get(citizen, reverse("catalog:items"), organization=county.finance.pk)
    _, second = get(citizen, reverse("catalog:items"), organization=county.finance.pk, page=2)

    assert len(titles(first)) == 20
    assert titles(first)[0] == "第24条"
    assert titles(second) == [f"第{n:02d}条" for n in range(4, -1, -1)]
    assert "共 25 条" in first
    assert f'href="?organization={county.finance.pk}&amp;page=2"' in first
    assert 'aria-current="page"' in second


@pytest.mark.parametrize(
    ("page", "shown", "note"),
    [
        ("abc", 1, "页码“abc”无效，已显示第 1 页。"),
        ("0", 1, "已显示第 1 页"),
        ("²", 1, "已显示第 1 页"),
        ("99", 2, "共 2 页，没有第 99 页，已显示最后一页。"),
    ],
)
def test_a_page_number_that_does_not_exist_gives_a_friendly_page(citizen, county, twenty_five, page, shown, note):
    response, html = get(citizen, reverse("catalog:items"), page=page)

    assert response.status_code == 200
    assert note in html
    assert f"第 {shown} 页 / 共 2 页" in html


# Category browse with counts ---------------------------------------------------------------------------------


def count_of(html: str, name: str) -> int:
    match = re.search(rf">{re.escape(name)}</a>\s*<span class=\"count\">（(\d+) 条）</span>", html)
    assert match, name
    return int(match.group(1))


def test_the_organization_home_shows_the_catalog_with_counts(citizen, county, unpublished):
    for _ in range(3):
        item_in(county.finance, "规范性文件", category=category_of(county.finance, "0301"))
    item_in(county.finance, "预决算", category=category_of(county.finance, "0307"))
    item_in(county.finance, "制度", category=category_of(county.finance, "02"))
    item_in(county.education, "教育局的规范性文件", category=category_of(county.education, "0301"))

    page = citizen.get(reverse("catalog:organization", args=[county.finance.pk])).content.decode()

    assert count_of(page, "行政法规、规章和规范性文件") == 3  # the drafts etc. of `unpublished` do not count
    assert count_of(page, "财政预算、决算信息") == 1
    assert count_of(page, "法定主动公开内容") == 4
    assert count_of(page, "政府信息公开制度") == 1
    assert count_of(page, "政府信息公开年报") == 0


def test_the_organization_home_shows_the_four_entries_and_the_latest_items(citizen, county):
    item_in(county.treasury, "国库支付中心的信息")

    page = citizen.get(reverse("catalog:organization", args=[county.finance.pk])).content.decode()

    entries = re.search(r'<h2 id="entries-title">.*?</ul>', page, flags=re.DOTALL).group(0)
    headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h3>(.*?)</h3>", entries, flags=re.DOTALL)]
    assert headings == ["政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开"]
    assert titles(page) == ["国库支付中心的信息"]
    assert reverse("catalog:feed", args=[county.finance.pk]) in page
    assert f"{reverse('catalog:items')}?organization={county.finance.pk}" in page


def test_a_category_page_shows_its_subcolumns_with_counts(citizen, county):
    item_in(county.finance, "预决算", category=category_of(county.finance, "0307"))

    page = citizen.get(category_of(county.finance, "03").get_absolute_url()).content.decode()

    assert count_of(page, "财政预算、决算信息") == 1
    assert count_of(page, "公务员招考的职位、名额、报考条件等事项以及录用结果") == 0


def test_a_category_of_another_organization_or_inactive_is_a_404(citizen, county):
    column = category_of(county.finance, "0307")
    assert citizen.get(reverse("catalog:category", args=[county.education.pk, column.pk])).status_code == 404
    Category.objects.filter(pk=column.pk).update(is_active=False)
    assert citizen.get(column.get_absolute_url()).status_code == 404


def test_an_inactive_organization_has_no_disclosure_home(citizen, county):
    county.town.is_active = False
    county.town.save()
    assert citizen.get(reverse("catalog:organization", args=[county.town.pk])).status_code == 404


def test_the_proactive_section_links_every_organizations_catalog(citizen, county):
    page = citizen.get(reverse("catalog:proactive")).content.decode()

    for org in (county.government, county.finance, county.treasury, county.education, county.town):
        assert f'href="{category_of(org, "03").get_absolute_url()}"' in page


# Constant queries ----------------------------------------------------------------------------------------------


def queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params).status_code == 200
    return len(context.captured_queries)


def _fill(county, subject, count: int) -> None:
    for n in range(count):
        org = (county.finance, county.treasury)[n % 2]
        item_in(org, f"信息{n}", subject=subject, published_at=at(2026, 1, 1) + dt.timedelta(hours=n))


@pytest.mark.parametrize(
    ("name", "filtered"),
    [
        ("items", False),
        ("items", True),
        ("organization", False),
        ("category", False),
        ("category", True),
        ("proactive", False),
    ],
)
def test_list_pages_run_the_same_number_of_queries_for_1_or_30_items(citizen, county, name, filtered):
    subject = Subject.objects.create(name="财政、金融、审计", code="03")
    url = {
        "items": reverse("catalog:items"),
        "organization": reverse("catalog:organization", args=[county.finance.pk]),
        "category": category_of(county.finance, "03").get_absolute_url(),
        "proactive": reverse("catalog:proactive"),
    }[name]
    params = {"year": "2026", "validity": "valid", "subject": subject.pk} if filtered else {}
    if filtered and name == "items":
        params["organization"] = county.finance.pk

    _fill(county, subject, 1)
    with_one = queries(citizen, url, params)
    _fill(county, subject, 29)
    with_thirty = queries(citizen, url, params)

    assert with_thirty == with_one


def test_a_later_page_runs_the_same_number_of_queries_for_21_or_60_items(citizen, county):
    subject = Subject.objects.create(name="财政、金融、审计", code="03")
    params = {"organization": county.finance.pk, "page": 2}

    _fill(county, subject, 21)
    with_21 = queries(citizen, reverse("catalog:items"), params)
    _fill(county, subject, 39)
    with_60 = queries(citizen, reverse("catalog:items"), params)

    assert with_60 == with_21
