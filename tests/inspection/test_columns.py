"""(b) Empty columns and (c) columns not updated within their period: 工作动态 2 weeks, 通知公告 and 政策文件
6 months, a column's own period, and the site with no new item in 2 weeks; both sides of each boundary."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Category, DocumentType
from inspection import checks
from tests.catalog.factories import GuideFactory, ItemFactory
from tests.inspection.conftest import at, keep_columns, published

pytestmark = pytest.mark.django_db

D = dt.date


def _empty(organization):
    return checks.check_empty_columns([organization.pk], now=timezone.now()).findings


def _stale(organization_ids):
    return checks.check_stale_columns(organization_ids, now=timezone.now()).findings


# Empty columns ------------------------------------------------------------------------------------------------


def test_a_column_without_published_items_is_empty_and_its_filled_parent_is_not(county):
    keep_columns(county.finance, ("03", "0301", "0302"))
    published(county.finance, on=D(2026, 3, 2), code="0301")
    ItemFactory(
        withdrawn=True,
        organization=county.finance,
        category=Category.objects.get(organization=county.finance, code="0302"),
    )

    findings = _empty(county.finance)

    assert [(f.kind, f.severity, f.object) for f in findings] == [
        (
            "empty_column",
            checks.WARNING,
            "法定主动公开内容 › 机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名",
        )
    ]
    column = Category.objects.get(organization=county.finance, code="0302")
    assert findings[0].admin_url == f"/admin/catalog/category/{column.pk}/change/"


def test_the_guide_column_is_filled_by_a_guide_in_force(county):
    keep_columns(county.finance, ("01",))
    assert [f.object for f in _empty(county.finance)] == ["政府信息公开指南"]

    GuideFactory(organization=county.finance, effective_date=D(2026, 1, 1))

    assert _empty(county.finance) == []


def test_an_organization_with_five_or_more_empty_columns_gets_one_finding_that_fails_it(county):
    keep_columns(county.finance, ("03", "0301", "0302", "0303", "0304", "0305"))
    published(county.finance, on=D(2026, 3, 2), code="0301")
    four = _empty(county.finance)
    assert [f.kind for f in four] == ["empty_column"] * 4

    Category.objects.filter(organization=county.finance, code="0306").update(is_active=True)
    five = _empty(county.finance)

    summary = [f for f in five if f.kind == "too_many_empty_columns"]
    assert len(summary) == 1 and summary[0].severity == checks.ERROR
    assert "共有 5 个空白栏目" in summary[0].message
    assert summary[0].admin_url == f"/admin/catalog/category/?organization__id__exact={county.finance.pk}"


def test_inactive_columns_and_other_organizations_are_not_counted(county):
    keep_columns(county.finance, ())
    assert _empty(county.finance) == []


def test_the_column_checks_run_the_same_queries_whatever_the_number_of_items(county):
    published(county.finance, on=D(2026, 3, 2))
    with CaptureQueriesContext(connection) as few:
        checks.check_empty_columns(None, now=timezone.now())
        checks.check_stale_columns(None, now=timezone.now())
    for day in range(1, 29):
        published(county.finance, on=D(2026, 2, day), code="0302", document_type=DocumentType.NEWS)
    with CaptureQueriesContext(connection) as many:
        checks.check_empty_columns(None, now=timezone.now())
        checks.check_stale_columns(None, now=timezone.now())
    assert len(many.captured_queries) == len(few.captured_queries)


# Not updated --------------------------------------------------------------------------------------------------


def test_news_older_than_two_weeks_is_stale(county):
    published(county.finance, on=D(2026, 3, 2), code="0302", document_type=DocumentType.NEWS)

    with time_machine.travel(at(D(2026, 3, 16)), tick=False):
        assert _stale([county.finance.pk]) == []
    with time_machine.travel(at(D(2026, 3, 17)), tick=False):
        findings = _stale([county.finance.pk])
    assert [(f.kind, f.object, f.message) for f in findings] == [
        ("stale_type", "工作动态", "最近一条工作动态发布于2026年3月2日，超过2周没有更新")
    ]
    assert findings[0].admin_url == (
        f"/admin/catalog/item/?organization__id__exact={county.finance.pk}&document_type__in=news"
    )


@pytest.mark.parametrize(
    ("document_type", "label"),
    [
        (DocumentType.NOTICE, "通知公告"),
        (DocumentType.NORMATIVE, "政策文件"),
        (DocumentType.OTHER_DOCUMENT, "政策文件"),
    ],
)
def test_notices_and_policy_documents_older_than_six_months_are_stale(county, document_type, label):
    published(county.finance, on=D(2026, 3, 5), document_type=document_type)

    with time_machine.travel(at(D(2026, 9, 5)), tick=False):
        assert _stale([county.finance.pk]) == []
    with time_machine.travel(at(D(2026, 9, 6)), tick=False):
        findings = _stale([county.finance.pk])
    assert [(f.object, f.message) for f in findings] == [
        (label, f"最近一条{label}发布于2026年3月5日，超过6个月没有更新")
    ]


def test_six_months_before_the_last_day_of_a_month_is_the_last_day_of_the_shorter_month():
    assert checks.months_before(D(2026, 8, 31), 6) == D(2026, 2, 28)
    assert checks.months_before(D(2026, 3, 31), 3) == D(2025, 12, 31)
    assert checks.months_before(D(2026, 1, 15), 3) == D(2025, 10, 15)


def test_a_kind_never_published_has_no_column_to_be_stale(county):
    published(county.finance, on=D(2025, 1, 5), document_type=DocumentType.STATISTICS)

    with time_machine.travel(at(D(2026, 9, 6)), tick=False):
        assert [f.kind for f in _stale([county.finance.pk])] == []


def test_a_future_publish_date_does_not_count_as_an_update(county):
    published(county.finance, on=D(2026, 3, 2), code="0302", document_type=DocumentType.NEWS)
    published(county.finance, on=D(2026, 12, 1), code="0302", document_type=DocumentType.NEWS)

    with time_machine.travel(at(D(2026, 3, 20)), tick=False):
        findings = _stale([county.finance.pk])

    assert [f.message for f in findings] == ["最近一条工作动态发布于2026年3月2日，超过2周没有更新"]


def test_a_column_with_its_own_period_is_stale_after_it(county):
    column = Category.objects.get(organization=county.finance, code="0304")
    column.update_period_days = 30
    column.save()
    published(county.finance, on=D(2026, 3, 2), code="0304", document_type=DocumentType.STATISTICS)

    with time_machine.travel(at(D(2026, 4, 1)), tick=False):
        assert _stale([county.finance.pk]) == []
    with time_machine.travel(at(D(2026, 4, 2)), tick=False):
        findings = _stale([county.finance.pk])

    assert [(f.kind, f.message) for f in findings] == [
        (
            "stale_column",
            "栏目“法定主动公开内容 › 国民经济和社会发展统计信息”最近一条信息发布于2026年3月2日，超过更新周期 30 天没有更新",
        )
    ]
    assert findings[0].admin_url == f"/admin/catalog/category/{column.pk}/change/"


def test_a_parent_column_with_a_period_counts_the_items_of_its_subcolumns(county):
    parent = Category.objects.get(organization=county.finance, code="03")
    parent.update_period_days = 14
    parent.save()
    published(county.finance, on=D(2026, 3, 2), code="0305")

    with time_machine.travel(at(D(2026, 3, 16)), tick=False):
        assert _stale([county.finance.pk]) == []
    with time_machine.travel(at(D(2026, 3, 17)), tick=False):
        assert [f.object for f in _stale([county.finance.pk])] == ["法定主动公开内容"]


def test_the_site_with_no_new_item_in_two_weeks_is_flagged_on_its_top_organization(county):
    published(county.finance, on=D(2026, 3, 2), document_type=DocumentType.STATISTICS)

    with time_machine.travel(at(D(2026, 3, 16)), tick=False):
        assert _stale(None) == []
    with time_machine.travel(at(D(2026, 3, 17)), tick=False):
        findings = _stale(None)
        assert _stale([county.finance.pk]) == []  # not a department's to fix

    assert [(f.kind, f.organization, f.object, f.message) for f in findings] == [
        ("stale_site", "测试县人民政府", "网站首页", "全站最近一条信息发布于2026年3月2日，已超过2周没有新信息")
    ]


# The migration's defaults ---------------------------------------------------------------------------------------


def test_the_migration_gives_news_and_notice_columns_their_period_and_leaves_others_and_chosen_ones(county):
    root = Category.objects.get(organization=county.finance, code="00")
    news = Category.objects.create(organization=county.finance, parent=root, code="90", name="工作动态")
    notices = Category.objects.create(organization=county.finance, parent=root, code="91", name="通知公告")
    chosen = Category.objects.create(
        organization=county.finance, parent=root, code="92", name="图片新闻", update_period_days=7
    )
    migration = import_module("catalog.migrations.0006_category_update_period")

    migration.set_default_periods(apps, None)
    migration.set_default_periods(apps, None)

    periods = dict(Category.objects.filter(organization=county.finance).values_list("code", "update_period_days"))
    assert periods[news.code] == 14 and periods[notices.code] == 180 and periods[chosen.code] == 7
    assert periods["0301"] == 180  # 行政法规、规章和规范性文件
    assert periods["0302"] is None and periods["00"] is None
