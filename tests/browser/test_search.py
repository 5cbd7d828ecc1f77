"""A citizen in Chromium searches the catalog from the header, narrows the results and opens an item.
(The search pages are also in pages.py, so the axe run checks them in every reading mode.)"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from catalog.models import DocumentType
from tests.catalog.factories import SHANGHAI, ItemFactory, category_of

pytestmark = pytest.mark.browser


def published(org, title, *, day, body="", **fields):
    return ItemFactory(
        published=True,
        organization=org,
        category=category_of(org),
        title=title,
        body=f"<p>{body}</p>",
        published_at=dt.datetime(2026, 3, day, 9, 0, tzinfo=SHANGHAI),
        **fields,
    )


def test_a_citizen_searches_from_the_header_filters_and_opens_a_result(page, county, expect):
    wanted = published(
        county.treasury,
        "国库支付中心关于三公经费支出情况的说明",
        day=20,
        document_type=DocumentType.BUDGET,
        body="本年度三公经费支出比上年下降。",
    )
    published(county.education, "教育局三公经费预算", day=22, document_type=DocumentType.BUDGET)
    published(
        county.finance, "财政局工作动态", day=24, body="会议研究了三公经费管理。", document_type=DocumentType.NEWS
    )
    published(county.finance, "财政局部门预算公开", day=25)

    page.goto("/")
    page.get_by_role("search", name="全站检索").get_by_label("全文检索").fill("三公经费")
    page.get_by_role("search", name="全站检索").get_by_role("button", name="搜索").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("全文检索")
    expect(page.get_by_role("status")).to_contain_text("找到 3 条结果")
    results = page.locator("ol.hit-list > li")
    expect(results).to_have_count(3)
    # Relevance: the two title matches before the item that has the words in its body only.
    expect(results.nth(2)).to_contain_text("财政局工作动态")
    expect(results.first.locator("mark").first).to_have_text("三公经费")

    # Narrow to the finance bureau (its subtree: the treasury centre) and budget documents.
    form = page.get_by_role("search", name="检索条件")
    form.get_by_label("发布机构").select_option(label="\u3000测试县财政局")
    form.get_by_label("文件类型").select_option(label="财政预决算")
    form.get_by_label("按发布日期（从新到旧）").check()
    form.get_by_role("button", name="检索").click()

    expect(page.get_by_role("status")).to_contain_text("找到 1 条结果")
    # The search is a bookmarkable URL with every choice in it.
    expect(page).to_have_url(
        re.compile(rf"/search/\?q=.+&order=date&organization={county.finance.pk}&.*document_type=budget")
    )
    hit = page.locator("ol.hit-list > li")
    expect(hit).to_contain_text("发布机构：测试县财政局国库支付中心")
    expect(hit).to_contain_text("发布日期：2026年3月20日")
    hit.get_by_role("link").click()

    expect(page).to_have_url(wanted.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(wanted.title)


def test_no_result_with_a_filter_offers_the_search_without_it(page, county, expect):
    published(county.finance, "财政局部门预算公开", day=5)
    page.goto(f"/search/?q=部门预算&organization={county.education.pk}")
    expect(page.get_by_role("status")).to_contain_text("找到 0 条结果")
    page.get_by_role("link", name="不加筛选条件检索“部门预算”").click()
    expect(page.get_by_role("status")).to_contain_text("找到 1 条结果")
