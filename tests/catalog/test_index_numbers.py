"""Index numbers: a validated per-organization template, allocated once at publication, never reused."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from catalog import index_numbers, publishing
from catalog.index_templates import render, validate_template
from catalog.models import IndexNumberScheme, Item, ItemStatus
from tests.catalog.factories import ItemFactory, category_of
from tests.factories import MembershipFactory, UserFactory


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{prefix}/{year}", "必须且只能包含一个序号占位符"),
        ("{prefix}/{year}-{seq:05d}-{seq}", "必须且只能包含一个序号占位符"),
        ("{prefix}/{yaer}-{seq:05d}", "无法识别的占位符：{yaer}"),
        ("{prefix/{year}-{seq:05d}", "花括号不成对"),
        ("{prefix}/{year}-{seq:x}", "序号格式应写成"),
        ("{prefix:>20}/{year}-{seq:05d}", "不能带格式说明"),
        ("{prefix}{prefix}{prefix}{prefix}{prefix}/{seq:05d}", "过长"),
    ],
)
def test_invalid_templates_are_refused_in_chinese(template, message):
    with pytest.raises(ValidationError) as error:
        validate_template(template)
    assert message in error.value.messages[0]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{prefix}/{year}-{seq:05d}", "11441700007280420Y/2021-00050"),
        ("{prefix}/{month}-{seq:05d}", "11441700007280420Y/202110-00050"),
        ("{prefix}-{category}-{date}-{seq:03d}", "11441700007280420Y-0307-20211008-050"),
    ],
)
def test_templates_render_the_formats_in_real_use(template, expected):
    validate_template(template)
    assert render(template, prefix="11441700007280420Y", category="0307", day=dt.date(2021, 10, 8), seq=50) == expected


def test_scheme_with_a_bad_template_cannot_be_saved_in_the_admin(client, head, county):
    client.force_login(head)
    response = client.post(
        "/admin/catalog/indexnumberscheme/add/", {"organization": county.finance.pk, "template": "{prefix}/{year}"}
    )
    assert "必须且只能包含一个序号占位符" in response.content.decode()
    assert not IndexNumberScheme.objects.exists()


def _published(county, reviewer, *, author):
    item = ItemFactory(organization=county.finance, category=category_of(county.finance), author=author)
    publishing.submit(item, by=author)
    return publishing.approve(item, by=reviewer)


def test_numbers_are_allocated_at_publication_not_at_draft(county, clerk, reviewer):
    item = ItemFactory(organization=county.finance, author=clerk)
    assert item.index_number is None
    publishing.submit(item, by=clerk)
    item.refresh_from_db()
    assert item.index_number is None
    publishing.approve(item, by=reviewer)
    item.refresh_from_db()
    year = item.published_at.astimezone().year
    assert item.index_number == f"{county.finance.credit_code}/{year}-00001"


def test_withdrawn_numbers_are_never_reused(county, clerk, reviewer):
    first = _published(county, reviewer, author=clerk)
    publishing.withdraw(first, by=reviewer, reason="内容有误")
    second = _published(county, reviewer, author=clerk)
    first.refresh_from_db()
    assert first.index_number.endswith("-00001")
    assert second.index_number.endswith("-00002")


def test_a_custom_prefix_and_template_are_used(county, clerk, reviewer):
    county.finance.index_prefix = "002143047"
    county.finance.save()
    IndexNumberScheme.objects.create(organization=county.finance, template="{prefix}-{category}-{year}-{seq:04d}")
    item = _published(county, reviewer, author=clerk)
    assert item.index_number.startswith("002143047-0301-")
    assert item.index_number.endswith("-0001")


def test_an_imported_number_ahead_of_the_sequence_is_skipped(county, clerk, reviewer):
    item = _published(county, reviewer, author=clerk)
    taken = item.index_number.replace("-00001", "-00002")
    ItemFactory(organization=county.finance, author=clerk, status=ItemStatus.DRAFT, index_number=taken)
    nxt = _published(county, reviewer, author=clerk)
    assert nxt.index_number.endswith("-00003")


def test_organizations_count_separately(county, clerk, reviewer):
    other_reviewer = MembershipFactory(organization=county.education, role="reviewer").user
    mine = _published(county, reviewer, author=clerk)
    theirs = ItemFactory(organization=county.education, author=UserFactory())
    MembershipFactory(user=theirs.author, organization=county.education)
    publishing.submit(theirs, by=theirs.author)
    publishing.approve(theirs, by=other_reviewer)
    theirs.refresh_from_db()
    assert mine.index_number.endswith("-00001")
    assert theirs.index_number.endswith("-00001")
    assert mine.index_number != theirs.index_number


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_publications_get_fifty_consecutive_numbers(county):
    clerk = MembershipFactory(organization=county.finance, role="clerk").user
    reviewers = [MembershipFactory(organization=county.finance, role="reviewer").user for _ in range(50)]
    items = [ItemFactory(organization=county.finance, author=clerk) for _ in range(50)]
    for item in items:
        publishing.submit(item, by=clerk)
    barrier = threading.Barrier(10)
    errors = []

    def publish(batch):
        try:
            barrier.wait()
            for item, reviewer in batch:
                publishing.approve(item, by=reviewer)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    pairs = list(zip(items, reviewers, strict=True))
    threads = [threading.Thread(target=publish, args=(pairs[i::10],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = list(Item.objects.filter(organization=county.finance).values_list("index_number", flat=True))
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert serials == list(range(1, 51))
    assert index_numbers.template_for(county.finance) == index_numbers.DEFAULT_TEMPLATE
