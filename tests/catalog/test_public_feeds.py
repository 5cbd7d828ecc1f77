"""The Atom feed of new items per organization, and sitemap.xml: published items only."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own responses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import ItemStatus
from tests.catalog.factories import SHANGHAI, ItemFactory, category_of

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 - our own XML


def published(org, title, day):
    return ItemFactory(
        published=True,
        organization=org,
        category=category_of(org),
        title=title,
        summary=f"{title}的内容概述",
        published_at=dt.datetime(2026, 3, day, 9, 0, tzinfo=SHANGHAI),
    )


@pytest.fixture
def items(county):
    return {
        "finance": published(county.finance, "财政局三月十日信息", 10),
        "treasury": published(county.treasury, "国库支付中心三月十二日信息", 12),
        "education": published(county.education, "教育局信息", 11),
        "draft": ItemFactory(organization=county.finance, title="财政局草稿"),
        "scheduled": ItemFactory(organization=county.finance, title="财政局定时信息", status=ItemStatus.SCHEDULED),
        "withdrawn": ItemFactory(organization=county.finance, title="财政局撤回信息", withdrawn=True),
    }


def test_the_feed_is_atom_with_the_organizations_new_items_newest_first(citizen, county, items):
    response = citizen.get(reverse("catalog:feed", args=[county.finance.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = parse(response)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "测试县财政局政府信息公开：最新信息"
    assert feed.findtext(f"{ATOM}id")
    assert feed.findtext(f"{ATOM}updated") == "2026-03-12T01:00:00+00:00"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["国库支付中心三月十二日信息", "财政局三月十日信息"]
    first = entries[0]
    assert first.find(f"{ATOM}link").get("href") == f"http://testserver{items['treasury'].get_absolute_url()}"
    assert first.findtext(f"{ATOM}id") == f"http://testserver{items['treasury'].get_absolute_url()}"
    assert first.findtext(f"{ATOM}updated") == "2026-03-12T01:00:00+00:00"
    assert first.findtext(f"{ATOM}summary") == "国库支付中心三月十二日信息的内容概述"
    assert first.find(f"{ATOM}author").findtext(f"{ATOM}name") == "测试县财政局国库支付中心"


def test_the_feed_never_carries_unpublished_items(citizen, county, items):
    body = citizen.get(reverse("catalog:feed", args=[county.finance.pk])).content.decode()
    for key in ("draft", "scheduled", "withdrawn", "education"):
        assert items[key].title not in body


def test_the_feed_of_an_unknown_or_inactive_organization_is_a_404(citizen, county):
    county.town.is_active = False
    county.town.save()
    assert citizen.get(reverse("catalog:feed", args=[county.town.pk])).status_code == 404
    assert citizen.get(reverse("catalog:feed", args=[99999999])).status_code == 404


def test_the_feed_runs_the_same_queries_for_1_or_30_items(citizen, county):
    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            citizen.get(reverse("catalog:feed", args=[county.finance.pk]))
        return len(context.captured_queries)

    published(county.finance, "第一条", 1)
    one = count()
    for n in range(29):
        published(county.treasury, f"信息{n}", 2 + n % 27)
    assert count() == one


def sitemap_locations(citizen) -> list[str]:
    index = citizen.get("/sitemap.xml")
    assert index.status_code == 200
    locations = []
    for section in parse(index).findall(f"{SITEMAP}sitemap"):
        url = section.findtext(f"{SITEMAP}loc").removeprefix("http://testserver")
        response = citizen.get(url)
        assert response.status_code == 200, url
        locations += [u.findtext(f"{SITEMAP}loc") for u in parse(response).findall(f"{SITEMAP}url")]
    return locations


def test_the_sitemap_lists_published_items_and_not_the_others(citizen, county, items):
    locations = sitemap_locations(citizen)

    for key in ("finance", "treasury", "education"):
        assert f"http://testserver{items[key].get_absolute_url()}" in locations
    for key in ("draft", "scheduled", "withdrawn"):
        assert f"http://testserver{items[key].get_absolute_url()}" not in locations


def test_the_sitemap_lists_the_section_organization_and_category_pages(citizen, county):
    locations = sitemap_locations(citizen)

    assert "http://testserver/" in locations
    assert f"http://testserver{reverse('catalog:organization', args=[county.finance.pk])}" in locations
    assert f"http://testserver{reverse('catalog:guide', args=[county.finance.pk])}" in locations
    assert f"http://testserver{category_of(county.finance, '0307').get_absolute_url()}" in locations


def test_an_unknown_sitemap_section_or_page_is_a_404(citizen, county):
    assert citizen.get("/sitemap-nothing.xml").status_code == 404
    assert citizen.get("/sitemap-items.xml", {"p": "abc"}).status_code == 404


def test_the_items_sitemap_runs_the_same_queries_for_1_or_30_items(citizen, county):
    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert citizen.get("/sitemap-items.xml").status_code == 200
        return len(context.captured_queries)

    published(county.finance, "第一条", 1)
    one = count()
    for n in range(29):
        published(county.treasury, f"信息{n}", 2 + n % 27)
    assert count() == one
