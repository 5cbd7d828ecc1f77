"""The review workflow (先审查后公开): every transition allowed and refused, each with its audit event."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from catalog import publishing
from catalog.models import Item, ItemRevision, ItemStatus, RevisionStatus
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.errors import DomainError
from disclosure_site.models import AuditEvent
from tests.catalog.factories import ItemFactory
from tests.factories import MembershipFactory

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def draft(county, clerk):
    return ItemFactory(organization=county.finance, author=clerk)


def _events(item):
    return list(
        AuditEvent.objects.filter(object_id=str(item.pk), action="transition")
        .order_by("created_at", "id")
        .values_list("from_state", "to_state")
    )


def test_draft_goes_through_review_to_publication(draft, clerk, reviewer):
    publishing.submit(draft, by=clerk)
    publishing.approve(draft, by=reviewer, comment="保密审查通过")
    draft.refresh_from_db()
    assert draft.status == ItemStatus.PUBLISHED
    assert draft.approved_by == reviewer
    assert draft.published_at is not None
    assert _events(draft) == [("草稿", "待审核"), ("待审核", "已发布")]
    assert AuditEvent.objects.get(to_state="已发布", object_id=str(draft.pk)).comment == "保密审查通过"


def test_the_author_cannot_approve_their_own_item(county, draft):
    author_reviewer = MembershipFactory(user=draft.author, organization=county.finance, role="reviewer").user
    publishing.submit(draft, by=author_reviewer)
    with pytest.raises(publishing.NotAllowed, match="撰稿人不能审核自己的信息"):
        publishing.approve(draft, by=author_reviewer)
    draft.refresh_from_db()
    assert draft.status == ItemStatus.PENDING


def test_a_clerk_cannot_approve(draft, clerk, county):
    other_clerk = MembershipFactory(organization=county.finance, role="clerk").user
    publishing.submit(draft, by=clerk)
    with pytest.raises(publishing.NotAllowed, match="审核人"):
        publishing.approve(draft, by=other_clerk)


def test_a_reviewer_of_another_organization_cannot_approve(draft, clerk, county):
    outsider_reviewer = MembershipFactory(organization=county.education, role="reviewer").user
    publishing.submit(draft, by=clerk)
    with pytest.raises(publishing.NotAllowed):
        publishing.approve(draft, by=outsider_reviewer)
    draft.refresh_from_db()
    assert draft.status == ItemStatus.PENDING


def test_return_needs_a_reason_and_goes_back_to_draft(draft, clerk, reviewer):
    publishing.submit(draft, by=clerk)
    with pytest.raises(DomainError, match="必须填写理由"):
        publishing.return_to_draft(draft, by=reviewer, reason="  ")
    publishing.return_to_draft(draft, by=reviewer, reason="附件缺少签发页")
    draft.refresh_from_db()
    assert draft.status == ItemStatus.DRAFT
    assert AuditEvent.objects.filter(object_id=str(draft.pk), to_state="草稿", comment="附件缺少签发页").exists()


def test_a_draft_cannot_be_published_or_withdrawn_directly(draft, reviewer):
    with pytest.raises(publishing.InvalidTransition, match="不能变为“已发布”"):
        publishing.approve(draft, by=reviewer)
    with pytest.raises(publishing.InvalidTransition):
        publishing.withdraw(draft, by=reviewer, reason="误发")
    assert _events(draft) == []


def test_withdrawal_keeps_the_record_and_its_number(draft, clerk, reviewer):
    publishing.submit(draft, by=clerk)
    publishing.approve(draft, by=reviewer)
    draft.refresh_from_db()
    number = draft.index_number
    publishing.withdraw(draft, by=reviewer, reason="文件已由上级机关撤销")
    draft.refresh_from_db()
    assert draft.status == ItemStatus.WITHDRAWN
    assert draft.index_number == number
    assert draft.withdrawn_at is not None
    with pytest.raises(publishing.InvalidTransition):
        publishing.submit(draft, by=clerk)


def test_written_date_in_the_future_is_refused_at_approval(draft, clerk, reviewer):
    draft.written_date = timezone.localdate() + dt.timedelta(days=3)
    draft.save()
    publishing.submit(draft, by=clerk)
    with pytest.raises(DomainError, match="成文日期晚于今天"):
        publishing.approve(draft, by=reviewer)


def test_scheduled_item_waits_and_publish_due_publishes_it_once(draft, clerk, reviewer):
    draft.scheduled_at = dt.datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
    draft.save()
    publishing.submit(draft, by=clerk)
    publishing.approve(draft, by=reviewer, now=dt.datetime(2026, 3, 9, 15, 0, tzinfo=TZ))
    draft.refresh_from_db()
    assert draft.status == ItemStatus.SCHEDULED
    assert draft.index_number is None
    assert publishing.publish_due(now=dt.datetime(2026, 3, 10, 8, 59, tzinfo=TZ)) == []
    assert publishing.publish_due(now=dt.datetime(2026, 3, 10, 9, 0, tzinfo=TZ)) == [draft.pk]
    assert publishing.publish_due(now=dt.datetime(2026, 3, 10, 9, 1, tzinfo=TZ)) == []
    draft.refresh_from_db()
    assert draft.status == ItemStatus.PUBLISHED
    assert draft.published_at == dt.datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
    assert draft.index_number.endswith("/2026-00001")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_servers_running_publish_due_publish_each_item_once(county):
    clerk = MembershipFactory(organization=county.finance, role="clerk").user
    reviewer = MembershipFactory(organization=county.finance, role="reviewer").user
    when = dt.datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
    items = [ItemFactory(organization=county.finance, author=clerk, scheduled_at=when) for _ in range(20)]
    for item in items:
        publishing.submit(item, by=clerk)
        publishing.approve(item, by=reviewer, now=when - dt.timedelta(days=1))
    results, errors = [], []

    def run():
        try:
            results.append(publishing.publish_due(now=when))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(pk for result in results for pk in result) == sorted(item.pk for item in items)
    assert Item.objects.filter(status=ItemStatus.PUBLISHED).count() == 20
    assert AuditEvent.objects.filter(to_state="已发布").count() == 20


def test_timeliness_is_fixed_at_publication(county, clerk, reviewer):
    seed_from_package({2026})
    late = ItemFactory(organization=county.finance, author=clerk, written_date=dt.date(2026, 2, 10))
    on_time = ItemFactory(
        organization=county.finance, author=clerk, written_date=dt.date(2026, 2, 10), document_type="normative"
    )
    with time_machine.travel(dt.datetime(2026, 3, 17, 10, 0, tzinfo=TZ)):
        # 20 working days after 10 Feb 2026 is 16 Mar (Spring Festival in between): the 17th is late.
        publishing.submit(late, by=clerk)
        publishing.approve(late, by=reviewer)
    with time_machine.travel(dt.datetime(2026, 3, 16, 10, 0, tzinfo=TZ)):
        publishing.submit(on_time, by=clerk)
        publishing.approve(on_time, by=reviewer)
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.is_late is True
    assert on_time.is_late is False
    assert late.interpretation_due is None
    assert on_time.interpretation_due == dt.date(2026, 3, 19)


def test_without_calendar_data_timeliness_is_unknown_but_publication_proceeds(county, clerk, reviewer, draft):
    publishing.submit(draft, by=clerk)
    publishing.approve(draft, by=reviewer)
    draft.refresh_from_db()
    assert draft.status == ItemStatus.PUBLISHED
    assert draft.is_late is None


# Revisions ---------------------------------------------------------------------------------------


@pytest.fixture
def published(draft, clerk, reviewer):
    publishing.submit(draft, by=clerk)
    publishing.approve(draft, by=reviewer)
    draft.refresh_from_db()
    return draft


def test_an_edit_of_a_published_item_waits_for_review(published, clerk, reviewer):
    original = published.title
    revision = publishing.propose_revision(published, {"title": "关于做好政府信息公开工作的通知（修订）"}, by=clerk)
    published.refresh_from_db()
    assert published.title == original
    assert revision.status == RevisionStatus.PENDING
    publishing.approve_revision(revision, by=reviewer)
    published.refresh_from_db()
    assert published.title == "关于做好政府信息公开工作的通知（修订）"
    event = AuditEvent.objects.filter(object_id=str(published.pk), action="change").first()
    assert event.changes == {"标题": [original, "关于做好政府信息公开工作的通知（修订）"]}


def test_a_second_open_revision_is_refused(published, clerk):
    publishing.propose_revision(published, {"summary": "新的概述"}, by=clerk)
    with pytest.raises(DomainError, match="已有一份待审核的修改稿"):
        publishing.propose_revision(published, {"summary": "另一个概述"}, by=clerk)
    assert ItemRevision.objects.count() == 1


def test_a_returned_revision_leaves_the_public_version(published, clerk, reviewer):
    revision = publishing.propose_revision(published, {"summary": "有误的概述"}, by=clerk)
    publishing.return_revision(revision, by=reviewer, reason="概述与正文不符")
    published.refresh_from_db()
    revision.refresh_from_db()
    assert published.summary != "有误的概述"
    assert revision.status == RevisionStatus.RETURNED


def test_the_reviser_cannot_approve_their_own_revision(published, county, reviewer):
    revision = publishing.propose_revision(published, {"summary": "我改的"}, by=reviewer)
    with pytest.raises(publishing.NotAllowed):
        publishing.approve_revision(revision, by=reviewer)


def test_workflow_fields_cannot_be_revised(published, clerk):
    with pytest.raises(DomainError, match="不能修改这些字段"):
        publishing.propose_revision(published, {"index_number": "X/2026-99999"}, by=clerk)
