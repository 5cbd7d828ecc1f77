"""The published-item counts the statistics page reads (catalog.publication_counts) follow every way an
item is written — saved, published, withdrawn, re-dated, moved, deleted, bulk-created, updated by a
queryset, rolled back — on the database under test (SQLite here, PostgreSQL in CI), and always equal
a direct count of the items; recount() rebuilds them."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction

from catalog import publishing
from catalog.models import CategoryYearPublications, Item, ItemStatus, MonthlyPublications
from catalog.publication_counts import recount
from disclosure_site.models import Role
from tests.catalog.factories import SHANGHAI, CategoryFactory, ItemFactory, category_of
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

UTC = dt.UTC


def kept() -> tuple[Counter, Counter]:
    """What the tables hold, rows of zero left out."""
    months = Counter(
        {(o, m): n for o, m, n in MonthlyPublications.objects.values_list("organization", "month", "count") if n}
    )
    years = Counter(
        {(c, y): n for c, y, n in CategoryYearPublications.objects.values_list("category", "year", "count") if n}
    )
    return months, years


def counted() -> tuple[Counter, Counter]:
    """The same figures counted from the items themselves, months and years in Beijing time."""
    months, years = Counter(), Counter()
    for organization, category, published_at in Item.objects.filter(
        status=ItemStatus.PUBLISHED, published_at__isnull=False
    ).values_list("organization", "category", "published_at"):
        local = published_at.astimezone(SHANGHAI)
        months[(organization, dt.date(local.year, local.month, 1))] += 1
        years[(category, local.year)] += 1
    return months, years


def assert_in_step() -> None:
    assert kept() == counted()


@pytest.fixture
def org(db):
    return OrganizationFactory(name="县统计局")


def test_a_published_item_counts_in_its_beijing_month_and_year(org):
    category = category_of(org)
    # 31 December 16:30 UTC is 1 January 00:30 in Beijing: month 2026-01, year 2026.
    ItemFactory(organization=org, published=True, published_at=dt.datetime(2025, 12, 31, 16, 30, tzinfo=UTC))
    ItemFactory(organization=org, published=True, published_at=dt.datetime(2025, 12, 31, 15, 59, tzinfo=UTC))
    ItemFactory(organization=org)  # a draft
    ItemFactory(organization=org, withdrawn=True)
    months, years = kept()
    assert months == Counter({(org.pk, dt.date(2026, 1, 1)): 1, (org.pk, dt.date(2025, 12, 1)): 1})
    assert years == Counter({(category.pk, 2026): 1, (category.pk, 2025): 1})
    assert_in_step()


def test_withdrawing_re_dating_moving_and_deleting_follow(org):
    other = OrganizationFactory(name="县审计局")
    item = ItemFactory(organization=org, published=True)
    ItemFactory(organization=org, published=True)
    reviewer = MembershipFactory(organization=org, role=Role.REVIEWER).user
    publishing.withdraw(item, by=reviewer, reason="内容有误")
    assert_in_step()
    assert kept()[0][(org.pk, dt.date(2026, 3, 1))] == 1

    survivor = Item.objects.get(status=ItemStatus.PUBLISHED)
    survivor.published_at = dt.datetime(2024, 7, 1, 9, 0, tzinfo=SHANGHAI)
    survivor.save()
    assert_in_step()
    assert kept()[0] == Counter({(org.pk, dt.date(2024, 7, 1)): 1})

    Item.objects.filter(pk=survivor.pk).update(organization=other, category=category_of(other, "0307"))
    assert_in_step()
    assert kept()[0] == Counter({(other.pk, dt.date(2024, 7, 1)): 1})

    survivor.refresh_from_db()
    survivor.delete()
    assert kept() == (Counter(), Counter())


def test_saving_an_unchanged_item_changes_no_count(org):
    item = ItemFactory(organization=org, published=True)
    item.title = "新标题"
    item.save()
    item.save()
    assert kept()[0] == Counter({(org.pk, dt.date(2026, 3, 1)): 1})


def test_bulk_writes_and_queryset_updates_follow(org):
    category = category_of(org)
    author = UserFactory()
    Item.objects.bulk_create(
        [
            Item(
                organization=org,
                category=category,
                author=author,
                title=f"批量{n}",
                written_date=dt.date(2025, 1, 1),
                status=ItemStatus.PUBLISHED,
                index_number=f"BULK-{n}",
                published_at=dt.datetime(2025, 1 + n % 12, 10, tzinfo=SHANGHAI),
            )
            for n in range(30)
        ]
    )
    assert_in_step()
    assert sum(kept()[1].values()) == 30
    Item.objects.filter(title__in=["批量1", "批量2"]).update(status=ItemStatus.WITHDRAWN)
    assert_in_step()
    assert sum(kept()[1].values()) == 28


def test_a_rolled_back_publication_leaves_the_counts(org):
    ItemFactory(organization=org, published=True)
    before = kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        ItemFactory(organization=org, published=True)
        assert sum(kept()[0].values()) == 2  # counted inside the writing transaction
        raise RuntimeError
    assert kept() == before


def test_recount_rebuilds_tampered_counts(org):
    ItemFactory(organization=org, published=True)
    ItemFactory(organization=org, published=True, published_at=dt.datetime(2025, 5, 1, tzinfo=SHANGHAI))
    MonthlyPublications.objects.update(count=99)
    CategoryYearPublications.objects.all().delete()
    assert kept() != counted()
    assert recount() == (2, 2)  # months 2026-03 and 2025-05; years 2026 and 2025
    assert_in_step()


def test_a_column_whose_items_are_gone_can_still_be_deleted(org):
    column = CategoryFactory(organization=org, code="0999", name="临时栏目")
    item = ItemFactory(organization=org, category=column, published=True)
    item.delete()
    assert CategoryYearPublications.objects.get(category=column).count == 0  # the row stays, at zero
    column.delete()  # its rows go with it, no foreign-key error
    assert not CategoryYearPublications.objects.filter(category_id=column.pk).exists()
    assert kept() == counted() == (Counter(), Counter())
