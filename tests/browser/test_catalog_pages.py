"""A citizen in Chromium: browsing the disclosure section to an item and its attachment, filtering lists,
reading and printing a guide. (Every catalog page is also in pages.py, so the axe run checks it.)"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from catalog.models import DocumentType, Validity
from tests.catalog.factories import SHANGHAI, AttachmentFactory, GuideFactory, ItemFactory, category_of

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n%%EOF\n"


def published(org, title, *, day=10, code="0301", **fields):
    return ItemFactory(
        published=True,
        organization=org,
        category=category_of(org, code),
        title=title,
        summary=f"{title}的内容概述。",
        published_at=dt.datetime(2026, 3, day, 9, 0, tzinfo=SHANGHAI),
        **fields,
    )


@pytest.fixture
def policy(county, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    item = published(
        county.finance,
        "测试县财政局关于预算绩效管理的规定",
        day=24,
        document_type=DocumentType.NORMATIVE,
        document_number="测财发〔2026〕3号",
        body="<p>第一条 为加强预算绩效管理，制定本规定。</p>",
    )
    AttachmentFactory(item=item, original_name="预算绩效管理规定.pdf", file__data=PDF, file__filename="x.pdf")
    return item


def test_a_citizen_browses_from_the_home_page_to_an_item_and_downloads_its_attachment(page, county, policy, expect):
    published(county.education, "教育局的规范性文件")
    page.goto("/")

    page.get_by_role("main").get_by_role("link", name="法定主动公开内容").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("法定主动公开内容")
    page.get_by_role("main").get_by_role("link", name="测试县财政局", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("法定主动公开内容")
    expect(page.get_by_role("navigation", name="当前位置")).to_contain_text("测试县财政局")
    subcolumns = page.get_by_role("region", name="下级栏目")
    expect(subcolumns.get_by_role("listitem").filter(has_text="行政法规、规章和规范性文件")).to_contain_text("（1 条）")
    subcolumns.get_by_role("link", name="行政法规、规章和规范性文件").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("行政法规、规章和规范性文件")
    results = page.get_by_role("table", name=re.compile("行政法规、规章和规范性文件"))
    expect(results.get_by_role("rowheader")).to_have_text(["测试县财政局关于预算绩效管理的规定"])
    results.get_by_role("link", name="测试县财政局关于预算绩效管理的规定").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("测试县财政局关于预算绩效管理的规定")
    facts = page.get_by_role("table", name="信息属性")
    expect(facts.get_by_role("row", name=re.compile("^索引号"))).to_contain_text(policy.index_number)
    expect(facts.get_by_role("row", name=re.compile("^发布日期"))).to_contain_text("2026年3月24日")
    expect(facts.get_by_role("row", name=re.compile("^发文字号"))).to_contain_text("测财发〔2026〕3号")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="预算绩效管理规定.pdf").click()

    download = download_info.value
    assert download.suggested_filename == "预算绩效管理规定.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read() == PDF


def test_a_citizen_filters_the_list_without_javascript_and_can_bookmark_it(new_page, county, expect):
    published(county.finance, "财政局废止的办法", validity=Validity.REPEALED)
    published(county.treasury, "国库支付中心废止的办法", validity=Validity.REPEALED, day=11)
    published(county.finance, "财政局现行的办法")
    published(county.education, "教育局废止的办法", validity=Validity.REPEALED)
    page = new_page(java_script_enabled=False)
    page.goto(reverse("catalog:items"))

    page.get_by_label("发布机构").select_option(label="\u3000测试县财政局")
    page.get_by_label("有效性").select_option(label="已废止")
    page.get_by_role("button", name="筛选").click()

    expect(page).to_have_url(re.compile(rf"\?organization={county.finance.pk}&.*validity=repealed"))
    results = page.get_by_role("table", name=re.compile("主动公开信息"))
    expect(results.get_by_role("rowheader").get_by_role("link")).to_have_text(
        ["国库支付中心废止的办法", "财政局废止的办法"]
    )
    expect(results.get_by_role("rowheader").first).to_contain_text("已废止")
    expect(page.get_by_label("有效性")).to_have_value("repealed")

    bookmarked = page.url
    page.goto(bookmarked)
    expect(results.get_by_role("rowheader")).to_have_count(2)

    page.get_by_role("link", name="清除筛选条件").click()
    expect(results.get_by_role("rowheader")).to_have_count(4)


def test_a_citizen_pages_through_a_filtered_list(page, county, expect):
    for day in range(1, 26):
        published(county.finance, f"财政局第{day:02d}号通知", day=day)
    published(county.education, "教育局的通知")
    page.goto(f"{reverse('catalog:items')}?organization={county.finance.pk}")

    results = page.get_by_role("table", name=re.compile("主动公开信息"))
    expect(results.get_by_role("rowheader")).to_have_count(20)
    page.get_by_role("navigation", name="分页").get_by_role("link", name="下一页").click()

    expect(page).to_have_url(re.compile(rf"organization={county.finance.pk}&page=2"))
    expect(results.get_by_role("rowheader")).to_have_text([f"财政局第{day:02d}号通知" for day in range(5, 0, -1)])
    expect(page.get_by_role("link", name="第 2 页")).to_have_attribute("aria-current", "page")


def test_a_bad_filter_value_is_explained_in_chinese_and_leads_to_the_field(page, county, expect):
    page.goto(f"{reverse('catalog:items')}?year=abc")

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("筛选条件有误")
    summary.get_by_role("link", name="发布年份：发布年份应为四位数字，例如 2025。").click()

    year = page.get_by_label("发布年份")
    expect(year).to_be_focused()
    expect(year).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("筛选条件有误，未能列出信息")).to_be_visible()


def test_a_citizen_follows_a_policy_to_its_interpretation_and_back(page, county, policy, expect):
    reading = published(county.finance, "《预算绩效管理规定》政策解读", document_type=DocumentType.INTERPRETATION)
    reading.interprets.add(policy)
    page.goto(policy.get_absolute_url())

    page.get_by_role("region", name="政策解读").get_by_role("link", name=reading.title).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(reading.title)
    page.get_by_role("region", name="解读的政策文件").get_by_role("link", name=policy.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(policy.title)


def test_a_repealed_item_points_to_the_document_in_force(page, county, policy, expect):
    old = published(county.finance, "测试县财政局预算管理暂行办法", validity=Validity.REPEALED, replaced_by=policy)
    page.goto(old.get_absolute_url())

    validity = page.get_by_role("table", name="信息属性").get_by_role("row", name=re.compile("^有效性"))
    expect(validity).to_contain_text("已废止")
    validity.get_by_role("link", name=policy.title).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(policy.title)


def test_the_organization_home_shows_the_four_entries_and_the_catalog_with_counts(page, county, expect):
    published(county.finance, "2026年部门预算", code="0307")
    GuideFactory(organization=county.finance, effective_date=dt.date(2025, 1, 1))
    page.goto(reverse("catalog:organization", args=[county.finance.pk]))

    entries = page.get_by_role("region", name="公开专栏").get_by_role("heading", level=3)
    expect(entries).to_have_text(
        ["政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开"]
    )
    catalog = page.get_by_role("region", name="公开目录")
    expect(catalog.get_by_role("listitem").filter(has_text=re.compile(r"^\s*财政预算、决算信息"))).to_contain_text(
        "（1 条）"
    )
    expect(page.get_by_role("region", name="最新信息").get_by_text("最后更新：")).to_contain_text("2026年3月10日")
    catalog.get_by_role("link", name="财政预算、决算信息").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("财政预算、决算信息")


def test_the_guide_in_force_is_shown_and_prints_without_the_site_navigation(page, county, expect):
    GuideFactory(organization=county.finance, effective_date=dt.date(2024, 1, 1), phone="0571-10000001")
    GuideFactory(organization=county.finance, effective_date=dt.date(2025, 1, 1), phone="0571-10000002")
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="政府信息公开指南").click()
    page.get_by_role("link", name="测试县财政局", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("测试县财政局政府信息公开指南")
    expect(page.get_by_role("row", name=re.compile("^联系电话"))).to_contain_text("0571-10000002")
    expect(page.get_by_role("region", name="各版本")).to_contain_text("2024年1月1日 施行")

    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="主导航")).to_be_hidden()
    expect(page.get_by_role("contentinfo")).to_be_hidden()
    expect(page.get_by_role("region", name="各版本")).to_be_hidden()
    expect(page.get_by_role("heading", name="七、监督和救济")).to_be_visible()

    page.emulate_media(media="screen")
    page.get_by_role("link", name="2024年1月1日 施行").click()
    expect(page.get_by_text("历史版本，已不再适用")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("^联系电话"))).to_contain_text("0571-10000001")
