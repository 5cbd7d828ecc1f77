"""Items in the back office: the form refuses bad input in Chinese, published edits become revisions."""

import datetime as dt

import pytest
from django.utils import timezone

from catalog import publishing
from catalog.models import Item, ItemRevision, ItemStatus
from tests.catalog.factories import ItemFactory, category_of

ADD_URL = "/admin/catalog/item/add/"


def _form(county, **overrides):
    return {
        "organization": county.finance.pk,
        "category": category_of(county.finance, "0307").pk,
        "subject": "",
        "document_type": "budget",
        "title": "测试县2026年财政预算公开",
        "document_number": "",
        "written_date": "2026-03-02",
        "scheduled_at_0": "",
        "scheduled_at_1": "",
        "validity": "valid",
        "validity_date": "",
        "replaced_by": "",
        "keywords": "预算 公开",
        "summary": "公开2026年一般公共预算。",
        "body": "<p>正文</p>",
        **overrides,
    }


def test_clerk_drafts_an_item_with_sanitized_body(client, clerk, county):
    client.force_login(clerk)
    body = '<p onclick="steal()">预算表<script>alert(1)</script><a href="javascript:alert(1)">详情</a></p>'
    response = client.post(ADD_URL, _form(county, body=body, channels=["wechat", "board"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Item.objects.get()
    assert item.author == clerk
    assert item.status == ItemStatus.DRAFT
    assert item.index_number is None
    assert item.channels == ["wechat", "board"]
    assert "script" not in item.body and "onclick" not in item.body and "javascript" not in item.body
    assert "预算表" in item.body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"written_date": "2099-01-01"}, "成文日期不能晚于今天"),
        ({"written_date": "2026-02-30"}, "输入一个有效的日期"),
        ({"validity": "repealed"}, "请填写变更日期"),
        ({"title": ""}, "这个字段是必填项"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(client, clerk, county, overrides, message):
    client.force_login(clerk)
    response = client.post(ADD_URL, _form(county, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Item.objects.exists()


def test_a_category_of_another_organization_in_a_crafted_post_is_refused(client, clerk, county):
    client.force_login(clerk)
    response = client.post(ADD_URL, _form(county, category=category_of(county.education, "0307").pk))
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Item.objects.exists()


def test_a_category_not_of_the_chosen_organization_is_refused(client, county):
    from tests.factories import MembershipFactory

    gov_clerk = MembershipFactory(organization=county.government).user
    client.force_login(gov_clerk)
    response = client.post(ADD_URL, _form(county, category=category_of(county.education, "0307").pk))
    assert "所选栏目不属于该发布机构的公开目录" in response.content.decode()
    assert not Item.objects.exists()


def test_editing_a_published_item_makes_a_revision_and_the_public_text_stays(client, clerk, reviewer, county):
    item = ItemFactory(organization=county.finance, category=category_of(county.finance, "0307"), author=clerk)
    publishing.submit(item, by=clerk)
    publishing.approve(item, by=reviewer)
    item.refresh_from_db()
    client.force_login(clerk)
    data = _form(county, title="测试县2026年财政预算公开（更正）", written_date="2026-03-02")
    data.pop("organization")
    response = client.post(f"/admin/catalog/item/{item.pk}/change/", data, follow=True)
    assert "修改已作为修改稿提交审核" in response.content.decode()
    item.refresh_from_db()
    assert item.title != "测试县2026年财政预算公开（更正）"
    revision = ItemRevision.objects.get(item=item)
    assert revision.content["title"] == "测试县2026年财政预算公开（更正）"
    client.force_login(reviewer)
    client.post(f"/admin/catalog/itemrevision/{revision.pk}/change/", {"decision": "approve", "comment": ""})
    item.refresh_from_db()
    assert item.title == "测试县2026年财政预算公开（更正）"


def test_workflow_page_submits_approves_and_refuses_self_approval(client, clerk, reviewer, county):
    item = ItemFactory(organization=county.finance, category=category_of(county.finance, "0307"), author=clerk)
    url = f"/admin/catalog/item/{item.pk}/workflow/"
    client.force_login(clerk)
    assert "提交审核" in client.get(url).content.decode()
    client.post(url, {"transition": "submit"})
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING
    response = client.post(url, {"transition": "approve"})
    assert "只有本机构的审核人可以审核发布" in response.content.decode()
    client.force_login(reviewer)
    response = client.post(url, {"transition": "return", "comment": ""})
    assert "退回修改必须填写理由" in response.content.decode()
    client.post(url, {"transition": "approve", "comment": "同意发布"})
    item.refresh_from_db()
    assert item.status == ItemStatus.PUBLISHED
    assert item.published_at <= timezone.now()


def test_only_drafts_can_be_deleted(client, clerk, reviewer, county):
    item = ItemFactory(organization=county.finance, category=category_of(county.finance, "0307"), author=clerk)
    publishing.submit(item, by=clerk)
    publishing.approve(item, by=reviewer)
    client.force_login(clerk)
    response = client.post(f"/admin/catalog/item/{item.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Item.objects.filter(pk=item.pk).exists()


def test_scheduled_time_is_kept(client, clerk, county):
    client.force_login(clerk)
    client.post(ADD_URL, _form(county, scheduled_at_0="2026-12-01", scheduled_at_1="09:00:00"))
    item = Item.objects.get()
    assert item.scheduled_at == dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_a_revision_cannot_move_an_item_into_another_organizations_category(client, county, reviewer):
    from tests.factories import MembershipFactory

    gov_clerk = MembershipFactory(organization=county.government).user
    item = ItemFactory(organization=county.finance, category=category_of(county.finance, "0307"), author=gov_clerk)
    publishing.submit(item, by=gov_clerk)
    publishing.approve(item, by=reviewer)
    client.force_login(gov_clerk)
    data = _form(county, category=category_of(county.education, "0307").pk)
    data.pop("organization")
    response = client.post(f"/admin/catalog/item/{item.pk}/change/", data)
    assert "所选栏目不属于该发布机构的公开目录" in response.content.decode()
    assert not ItemRevision.objects.exists()
