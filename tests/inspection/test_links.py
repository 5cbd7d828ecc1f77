"""(a) Broken links: internal links in published bodies are resolved and their targets looked up; attachments'
files must be in storage; links to other sites are counted, never fetched."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Category
from inspection import checks
from tests.catalog.factories import AttachmentFactory, ItemFactory
from tests.inspection.conftest import published

pytestmark = pytest.mark.django_db

D = dt.date


def _links(organization):
    return checks.check_links([organization.pk], now=timezone.now())


def _body_with(*urls: str) -> str:
    return "".join(f'<p><a href="{url}">链接</a></p>' for url in urls)


def test_a_link_to_a_withdrawn_item_is_broken_and_one_to_a_published_item_is_not(county):
    target = published(county.finance, on=D(2026, 3, 2), title="仍然公开的通知")
    withdrawn = ItemFactory(withdrawn=True, organization=county.finance, title="已撤回的通知")
    item = published(
        county.finance,
        on=D(2026, 3, 3),
        title="引用两份通知的信息",
        body=_body_with(target.get_absolute_url(), withdrawn.get_absolute_url()),
    )

    result = _links(county.finance)

    assert [(f.object, f.message) for f in result.findings] == [
        ("引用两份通知的信息", f"正文中的链接 /items/{withdrawn.pk}/ 指向的信息已撤回")
    ]
    finding = result.findings[0]
    assert finding.organization == "测试县财政局"
    assert finding.admin_url == f"/admin/catalog/item/{item.pk}/change/"
    assert "站内链接 2 个" in result.notes[0]


def test_links_to_missing_items_unpublished_items_and_unknown_pages_are_broken(county):
    draft = ItemFactory(organization=county.finance)
    published(
        county.finance,
        on=D(2026, 3, 3),
        body=_body_with(
            "/items/999999/",
            "/items/99999999999999999999/",
            f"/items/{draft.pk}/",
            "/no-such-page/",
            "/admin/catalog/item/",
            "http://[broken/",
            "/media/../../etc/passwd",
            "/static/no-such-file.css",
        ),
    )

    messages = [f.message for f in _links(county.finance).findings]

    assert messages == [
        "正文中的链接 /items/999999/ 指向的信息不存在",
        "正文中的链接 /items/99999999999999999999/ 指向的信息不存在",
        f"正文中的链接 /items/{draft.pk}/ 指向的信息尚未发布",
        "正文中的链接 /no-such-page/ 指向的页面不存在",
        "正文中的链接 /admin/catalog/item/ 指向管理后台，公众无法访问",
        "正文中的链接 http://[broken/ 指向的页面不存在",
        "正文中的链接 /media/../../etc/passwd 指向的文件不存在",
        "正文中的链接 /static/no-such-file.css 指向的文件不存在",
    ]


def test_absolute_and_relative_links_to_our_own_host_are_checked(county):
    withdrawn = ItemFactory(withdrawn=True, organization=county.finance)
    published(
        county.finance,
        on=D(2026, 3, 3),
        body=_body_with(
            f"http://localhost/items/{withdrawn.pk}/", f"../{withdrawn.pk}", "#top", "mailto:gk@example.cn"
        ),
    )

    messages = [f.message for f in _links(county.finance).findings]

    assert messages == [
        f"正文中的链接 http://localhost/items/{withdrawn.pk}/ 指向的信息已撤回",
        f"正文中的链接 ../{withdrawn.pk} 指向的信息已撤回",
    ]


def test_links_to_other_sites_are_counted_as_not_checked(county):
    published(county.finance, on=D(2026, 3, 3), body=_body_with("https://www.gov.cn/zhengce/", "//example.org/x"))

    result = _links(county.finance)

    assert result.findings == []
    assert "站外链接 2 个未检查" in result.notes[0]


def test_working_links_to_pages_columns_and_organizations_are_not_findings(county):
    column = Category.objects.get(organization=county.finance, code="0302")
    published(
        county.finance,
        on=D(2026, 3, 3),
        body=_body_with(
            "/",
            "/items/?page=2",
            column.get_absolute_url(),
            f"/org/{county.finance.pk}/catalog/",
            "/apply/",
            "/static/css/site.css",
        ),
    )

    assert _links(county.finance).findings == []


def test_links_to_an_inactive_column_or_organization_are_broken(county):
    column = Category.objects.get(organization=county.finance, code="0302")
    Category.objects.filter(pk=column.pk).update(is_active=False)
    county.town.is_active = False
    county.town.save()
    published(
        county.finance,
        on=D(2026, 3, 3),
        body=_body_with(column.get_absolute_url(), f"/org/{county.town.pk}/catalog/"),
    )

    messages = [f.message for f in _links(county.finance).findings]

    assert messages == [
        f"正文中的链接 {column.get_absolute_url()} 指向的栏目不存在或已停用",
        f"正文中的链接 /org/{county.town.pk}/catalog/ 指向的机构不存在或已停用",
    ]


def test_an_attachment_whose_file_is_missing_from_storage_is_found(county, media):
    item = published(county.finance, on=D(2026, 3, 3), title="部门预算")
    kept = AttachmentFactory(item=item, original_name="预算表.pdf")
    lost = AttachmentFactory(item=item, original_name="决算表.pdf")
    (media / lost.file.name).unlink()
    linking = published(
        county.finance, on=D(2026, 3, 4), title="预算公开说明", body=_body_with(lost.get_absolute_url())
    )
    linking_kept = published(county.finance, on=D(2026, 3, 5), body=_body_with(kept.get_absolute_url()))

    result = _links(county.finance)

    assert sorted((f.kind, f.object, f.message) for f in result.findings) == [
        ("broken_link", "预算公开说明", f"正文中的链接 /attachments/{lost.pk}/ 指向的附件文件缺失"),
        ("missing_file", "部门预算", "附件“决算表.pdf”的文件在存储中缺失，公众下载时只会看到“附件文件缺失”"),
    ]
    assert linking_kept.pk not in {f.object_id for f in result.findings}
    assert linking.pk in {f.object_id for f in result.findings}


def test_a_withdrawn_items_attachments_are_not_checked_but_links_to_them_are_broken(county, media):
    withdrawn = ItemFactory(withdrawn=True, organization=county.finance)
    attachment = AttachmentFactory(item=withdrawn)
    (media / attachment.file.name).unlink()
    published(county.finance, on=D(2026, 3, 4), body=_body_with(attachment.get_absolute_url()))

    findings = _links(county.finance).findings

    assert [(f.kind, f.message) for f in findings] == [
        ("broken_link", f"正文中的链接 /attachments/{attachment.pk}/ 指向的附件不存在或已不再公开")
    ]


def test_other_organizations_are_outside_the_scope(county):
    published(county.education, on=D(2026, 3, 3), body=_body_with("/no-such-page/"))

    assert _links(county.finance).findings == []
    assert len(checks.check_links(None, now=timezone.now()).findings) == 1


def test_the_link_check_queries_do_not_grow_with_the_number_of_items(county, django_assert_num_queries):
    withdrawn = ItemFactory(withdrawn=True, organization=county.finance)
    for _ in range(3):
        published(county.finance, on=D(2026, 3, 3), body=_body_with(f"/items/{withdrawn.pk}/", "/items/999999/"))
    with CaptureQueriesContext(connection) as few:
        assert len(_links(county.finance).findings) == 6
    for _ in range(30):
        published(county.finance, on=D(2026, 3, 3), body=_body_with(f"/items/{withdrawn.pk}/", "/items/999999/"))
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(_links(county.finance).findings) == 66


def test_links_are_read_from_tags_in_any_quoting_with_entities_decoded():
    html = (
        "<p>正文写着 href=/not-a-link/ 的字样</p>"
        '<p><a href="/items/1/?a=1&amp;b=2">一</a><A HREF=\'/items/2/\'>二</A><img alt="图" src=/static/x.png>'
        '<a title="无链接">三</a><a href="/items/1/?a=1&amp;b=2">重复</a></p>'
    )

    assert checks.extract_links(html) == ["/items/1/?a=1&b=2", "/items/2/", "/static/x.png"]
