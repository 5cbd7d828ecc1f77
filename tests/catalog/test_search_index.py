"""The search index follows the catalog: publication, edits, validity, withdrawal, deletion, rebuild."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from catalog import publishing
from catalog.models import Item, ItemStatus, Validity
from catalog.search import indexing
from catalog.search.engine import MAX_RESULTS, SearchFilters, search
from catalog.search.models import SearchEntry
from tests.catalog.factories import ItemFactory, ItemRevisionFactory, category_of

pytestmark = pytest.mark.django_db


def found(text, **kwargs) -> list[int]:
    """The ids the index finds (the bounded substring search, which reads the items, is left out)."""
    result = search(text, order="date", page_size=MAX_RESULTS, hits=False, **kwargs)
    return [] if result.substring else result.ids


@pytest.fixture
def published(county):
    return ItemFactory(
        published=True,
        organization=county.finance,
        category=category_of(county.finance),
        title="县财政局关于2026年部门预算公开的通知",
        body="<p>公开三公经费预算安排情况。</p>",
    )


def test_published_item_is_found_by_title_and_body_words(published):
    assert found("部门预算") == [published.pk]
    assert found("三公经费") == [published.pk]


@pytest.mark.parametrize("status", [ItemStatus.DRAFT, ItemStatus.PENDING, ItemStatus.SCHEDULED])
def test_unpublished_item_is_never_found(county, status):
    ItemFactory(organization=county.finance, title="县财政局部门预算草稿", status=status)
    assert found("部门预算") == []
    assert not SearchEntry.objects.exists()


def test_item_published_through_the_review_is_found(county, clerk, reviewer):
    item = ItemFactory(organization=county.finance, author=clerk, title="关于保障性住房分配的公告")
    assert found("保障性住房") == []
    publishing.submit(item, by=clerk)
    publishing.approve(item, by=reviewer)
    assert found("保障性住房") == [item.pk]


def test_withdrawal_removes_the_item_in_the_same_transaction(published, reviewer):
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        publishing.withdraw(published, by=reviewer, reason="内容有误")
        assert found("部门预算") == []  # before the commit, in the transaction that withdrew it
        raise Rollback
    assert found("部门预算") == [published.pk]  # rolled back with the withdrawal

    publishing.withdraw(published, by=reviewer, reason="内容有误")
    published.refresh_from_db()
    assert published.status == ItemStatus.WITHDRAWN
    assert found("部门预算") == []
    assert not SearchEntry.objects.filter(item=published).exists()


def test_approved_revision_changes_the_words_found(published, clerk, reviewer):
    revision = ItemRevisionFactory(
        item=published, author=clerk, content={"title": "县财政局关于政府采购意向公开的通知"}
    )
    assert found("政府采购") == []  # a pending revision is not public
    publishing.approve_revision(revision, by=reviewer)
    assert found("政府采购") == [published.pk]
    assert found("部门预算") == []


def test_validity_change_is_seen_by_the_validity_filter(published, clerk, reviewer):
    revision = ItemRevisionFactory(item=published, author=clerk, content={"validity": Validity.REPEALED})
    repealed = SearchFilters(validity=Validity.REPEALED)
    assert found("部门预算", filters=repealed) == []
    publishing.approve_revision(revision, by=reviewer)
    assert found("部门预算", filters=repealed) == [published.pk]
    assert found("部门预算", filters=SearchFilters(validity=Validity.VALID)) == []


def test_deleted_item_leaves_the_index(published):
    published.delete()
    assert found("部门预算") == []
    assert not SearchEntry.objects.exists()


def test_rebuild_command_restores_the_index_with_a_progress_bar(published, county):
    other = ItemFactory(published=True, organization=county.education, title="县教育局义务教育招生公告")
    SearchEntry.objects.all().delete()
    assert found("部门预算") == []
    out, err = StringIO(), StringIO()
    call_command("rebuild_search_index", "--batch-size", "1", stdout=out, stderr=err)
    assert found("部门预算") == [published.pk]
    assert found("义务教育") == [other.pk]
    assert "2 条信息" in out.getvalue()
    assert "2/2" in err.getvalue()


def test_rebuild_with_worker_processes_gives_the_same_index(published, county):
    other = ItemFactory(published=True, organization=county.education, title="县教育局义务教育招生公告")
    SearchEntry.objects.all().delete()
    call_command("rebuild_search_index", "--workers", "2", "--batch-size", "1", stdout=StringIO(), stderr=StringIO())
    assert found("部门预算") == [published.pk]
    assert found("义务教育") == [other.pk]


def test_rebuild_in_batches_by_date_reaches_items_published_at_the_same_moment(published, county):
    same_moment = [
        ItemFactory(
            published=True,
            organization=county.finance,
            title=f"部门预算补充说明{n}",
            published_at=published.published_at,
        )
        for n in range(4)
    ]
    SearchEntry.objects.all().delete()
    indexing.rebuild(batch_size=2)
    assert found("部门预算") == sorted([published.pk, *(it.pk for it in same_moment)], reverse=True)


def test_rebuild_repairs_rows_that_bypassed_the_signals(published, county):
    """A queryset.update() skips post_save (STYLE.md forbids it, but data fixes happen): a rebuild repairs."""
    withdrawn = ItemFactory(published=True, organization=county.finance, title="部门预算调整说明")
    Item.objects.filter(pk=withdrawn.pk).update(status=ItemStatus.WITHDRAWN)
    Item.objects.filter(pk=published.pk).update(validity=Validity.REPEALED)
    call_command("rebuild_search_index", stdout=StringIO(), stderr=StringIO())
    assert found("部门预算") == [published.pk]
    assert found("部门预算", filters=SearchFilters(validity=Validity.REPEALED)) == [published.pk]


def test_rebuild_leaves_out_unpublished_items(published, county):
    ItemFactory(organization=county.finance, title="部门预算草稿", status=ItemStatus.DRAFT)
    ItemFactory(organization=county.finance, title="部门预算撤回", withdrawn=True)
    call_command("rebuild_search_index", stdout=StringIO(), stderr=StringIO())
    assert list(SearchEntry.objects.values_list("item_id", flat=True)) == [published.pk]


@pytest.mark.postgres
def test_postgres_index_weights_title_above_summary_and_body(published):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT title_vector::text, vector::text FROM catalog_searchentry WHERE item_id = %s", [published.pk]
        )
        title_vector, vector = cursor.fetchone()
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'catalog_searchentry' AND indexdef LIKE '%%gin%%'"
        )
        gin = {name for (name,) in cursor.fetchall()}
    assert "'部门预算'" in title_vector
    assert "'部门预算':" in vector and "A" in vector.split("'部门预算':")[1].split(" ")[0]
    assert "C" in vector.split("'三公经费':")[1].split(" ")[0]
    assert {"search_vector_gin", "search_title_vector_gin"} <= gin


def test_sqlite_fts_rows_follow_the_index_table(published):
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table exists on SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM catalog_searchfts WHERE rowid = %s", [published.pk])
        assert "部门预算" in cursor.fetchone()[0].split()
        published.delete()
        cursor.execute("SELECT COUNT(*) FROM catalog_searchfts")
        assert cursor.fetchone()[0] == 0
