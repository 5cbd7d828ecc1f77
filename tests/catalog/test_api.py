"""The read-only JSON API (/api/v1/): only published items, the list pages' filters and pagination."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import DocumentType, ItemStatus, Validity
from tests.catalog.factories import SHANGHAI, AttachmentFactory, ItemFactory, category_of

ITEMS = "/api/v1/items/"


def at(year, month, day, hour=9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=SHANGHAI)


def item_in(org, title, **fields):
    fields.setdefault("category", category_of(org))
    return ItemFactory(published=True, organization=org, title=title, **fields)


def titles(data: dict) -> list[str]:
    return [row["title"] for row in data["results"]]


def test_the_root_lists_the_endpoints(citizen, county):
    data = citizen.get("/api/v1/").json()
    assert data["items"] == "http://testserver/api/v1/items/"
    assert data["item_by_index_number"] == "http://testserver/api/v1/items/by-index/{index_number}"


def test_answers_are_utf8_json_with_chinese_unescaped(citizen, county):
    item_in(county.finance, "预算公开")

    response = citizen.get(ITEMS)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "预算公开".encode() in response.content
    assert b"\\u" not in response.content


def test_organizations_are_listed_in_tree_order(citizen, county):
    data = citizen.get("/api/v1/organizations/").json()

    assert data["count"] == 5
    assert data["results"][0]["name"] == "测试县人民政府"
    finance = next(o for o in data["results"] if o["id"] == county.finance.pk)
    assert finance["parent"] == county.government.pk
    assert finance["credit_code"] == county.finance.credit_code
    assert finance["url"] == f"http://testserver{reverse('catalog:organization', args=[county.finance.pk])}"


def test_categories_of_one_organization(citizen, county):
    data = citizen.get("/api/v1/categories/", {"organization": county.finance.pk}).json()

    codes = [row["code"] for row in data["results"]]
    assert codes[:4] == ["00", "01", "02", "03"]
    assert "0307" in codes
    assert {row["organization"] for row in data["results"]} == {county.finance.pk}
    assert data["count"] == len(codes) or data["next"]


@pytest.mark.parametrize("value", ["abc", "99999999", "１", "99999999999999999999999"])
def test_categories_of_a_bad_organization_is_a_400_in_chinese(citizen, county, value):
    response = citizen.get("/api/v1/categories/", {"organization": value})
    assert response.status_code == 400
    assert response.json()["error"] == "筛选条件有误。"
    assert "organization" in response.json()["errors"]


def test_items_are_published_ones_only(citizen, county):
    item_in(county.finance, "已发布")
    ItemFactory(organization=county.finance, title="草稿")
    ItemFactory(organization=county.finance, title="待审核", status=ItemStatus.PENDING)
    ItemFactory(organization=county.finance, title="定时", status=ItemStatus.SCHEDULED)
    ItemFactory(organization=county.finance, title="撤回", withdrawn=True)

    assert titles(citizen.get(ITEMS).json()) == ["已发布"]


def test_an_item_row_has_the_documented_fields(citizen, county):
    item = item_in(
        county.finance,
        "预算公开",
        summary="2026年部门预算。",
        document_type=DocumentType.BUDGET,
        written_date=dt.date(2026, 3, 2),
        published_at=at(2026, 3, 24, 10),
    )

    row = citizen.get(ITEMS).json()["results"][0]

    assert row == {
        "id": item.pk,
        "index_number": item.index_number,
        "title": "预算公开",
        "summary": "2026年部门预算。",
        "organization": {"id": county.finance.pk, "name": "测试县财政局"},
        "category": {"id": item.category_id, "code": "0301", "name": item.category.name},
        "subject": None,
        "document_type": "budget",
        "document_type_label": "财政预决算",
        "document_number": "",
        "written_date": "2026-03-02",
        "published_at": "2026-03-24T10:00:00+08:00",
        "validity": "valid",
        "validity_label": "有效",
        "validity_date": None,
        "keywords": "",
        "url": f"http://testserver/items/{item.pk}/",
        "api_url": f"http://testserver/api/v1/items/by-index/{item.index_number}",
    }


def test_items_take_the_filters_of_the_list_pages(citizen, county):
    item_in(county.finance, "财政局2025废止", validity=Validity.REPEALED, published_at=at(2025, 5, 1))
    item_in(county.treasury, "国库2025废止", validity=Validity.REPEALED, published_at=at(2025, 6, 1))
    item_in(county.finance, "财政局2026废止", validity=Validity.REPEALED, published_at=at(2026, 5, 1))
    item_in(county.education, "教育局2025废止", validity=Validity.REPEALED, published_at=at(2025, 5, 1))
    item_in(county.finance, "财政局2025有效", published_at=at(2025, 5, 1))

    data = citizen.get(ITEMS, {"organization": county.finance.pk, "year": 2025, "validity": "repealed"}).json()

    assert titles(data) == ["国库2025废止", "财政局2025废止"]


def test_items_are_paginated_twenty_a_page_with_links_that_keep_the_filters(citizen, county):
    for n in range(25):
        item_in(county.finance, f"第{n:02d}条", published_at=at(2026, 1, 1) + dt.timedelta(days=n))

    first = citizen.get(ITEMS, {"organization": county.finance.pk}).json()
    second = citizen.get(first["next"].removeprefix("http://testserver")).json()

    assert (first["count"], first["page"], first["pages"]) == (25, 1, 2)
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"] == f"http://testserver/api/v1/items/?organization={county.finance.pk}&page=2"
    assert titles(second) == [f"第{n:02d}条" for n in range(4, -1, -1)]
    assert second["next"] is None
    assert second["previous"] == f"http://testserver/api/v1/items/?organization={county.finance.pk}&page=1"


def test_an_empty_list_is_page_1_of_1(citizen, county):
    data = citizen.get(ITEMS).json()
    assert (data["count"], data["page"], data["pages"], data["results"]) == (0, 1, 1, [])


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"year": "abc"}, "year", "发布年份应为四位数字，例如 2025。"),
        ({"date_from": "2026-02-30"}, "date_from", "发布日期起应为日期，格式如 2025-03-24。"),
        ({"organization": "x"}, "organization", "所选发布机构不存在，请从列表中重新选择。"),
        ({"validity": "bad"}, "validity", "有效性的值“bad”无效，请从列表中选择。"),
    ],
)
def test_a_bad_filter_value_is_a_400_with_a_chinese_message(citizen, county, params, field, message):
    response = citizen.get(ITEMS, params)

    assert response.status_code == 400
    assert response.json() == {"error": "筛选条件有误。", "errors": {field: [message]}}


@pytest.mark.parametrize("page", ["abc", "0", "-1", "³", "99999999999999999999999"])
def test_a_bad_page_number_is_a_400(citizen, county, page):
    response = citizen.get(ITEMS, {"page": page})
    assert response.status_code == 400
    assert "页码应为正整数" in response.json()["errors"]["page"][0]


def test_a_page_past_the_end_is_a_404(citizen, county):
    item_in(county.finance, "唯一一条")
    response = citizen.get(ITEMS, {"page": 3})
    assert response.status_code == 404
    assert response.json() == {"error": "没有第 3 页，共 1 页。"}


def test_an_item_by_its_index_number_with_slashes(citizen, county, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    policy = item_in(county.finance, "预算管理规定", index_number="11330122MB0000001X/2026-00003", body="<p>正文</p>")
    reading = item_in(county.finance, "预算管理规定解读", document_type=DocumentType.INTERPRETATION)
    reading.interprets.add(policy)
    attachment = AttachmentFactory(item=policy, original_name="规定.pdf")

    response = citizen.get("/api/v1/items/by-index/11330122MB0000001X/2026-00003")

    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "预算管理规定"
    assert data["body"] == "<p>正文</p>"
    assert data["interpretations"][0]["title"] == "预算管理规定解读"
    assert data["interprets"] == []
    assert data["attachments"] == [
        {
            "name": "规定.pdf",
            "kind": "pdf",
            "size": attachment.size,
            "url": f"http://testserver{attachment.get_absolute_url()}",
        }
    ]
    assert citizen.get(data["interpretations"][0]["api_url"]).json()["interprets"][0]["title"] == "预算管理规定"


@pytest.mark.parametrize("state", ["draft", "withdrawn"])
def test_an_unpublished_items_index_number_is_a_404(citizen, county, state):
    traits = {"withdrawn": True} if state == "withdrawn" else {"index_number": "TEST/2026-99999"}
    item = ItemFactory(organization=county.finance, **traits)

    response = citizen.get(f"/api/v1/items/by-index/{item.index_number}")

    assert response.status_code == 404
    assert response.json() == {"error": f"没有索引号为“{item.index_number}”的已公开信息。"}


def test_an_unknown_index_number_is_a_404_in_json(citizen, county):
    response = citizen.get("/api/v1/items/by-index/NO/SUCH-1")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_an_index_number_shared_by_two_organizations_asks_which(citizen, county):
    item_in(county.finance, "财政局的", index_number="SHARED/2026-00001")
    item_in(county.education, "教育局的", index_number="SHARED/2026-00001")

    response = citizen.get("/api/v1/items/by-index/SHARED/2026-00001")
    chosen = citizen.get("/api/v1/items/by-index/SHARED/2026-00001", {"organization": county.education.pk})

    assert response.status_code == 409
    assert chosen.json()["title"] == "教育局的"


def test_the_api_is_read_only(citizen, county):
    assert citizen.post(ITEMS).status_code == 405


def test_the_items_list_runs_the_same_queries_for_1_or_30_items(citizen, county):
    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert citizen.get(ITEMS, {"organization": county.finance.pk}).status_code == 200
        return len(context.captured_queries)

    item_in(county.finance, "第一条")
    one = count()
    for n in range(29):
        item_in((county.finance, county.treasury)[n % 2], f"信息{n}")
    assert count() == one
