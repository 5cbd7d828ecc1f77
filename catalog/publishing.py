"""The review workflow of catalog items (先审查后公开) and of later edits to published items.

草稿 → 待审核 → 已发布 (or 待定时发布 → 已发布 at the scheduled time), 退回修改 back to 草稿 with a reason,
撤回 takes a published item off the public site while it keeps its index number in the records.
Every move runs in one transaction on a re-read, locked row and writes an audit event.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from disclosure_site import audit, scoping
from disclosure_site.errors import CalendarMissing, DomainError
from disclosure_site.models import Role
from disclosure_site.workdays import add_working_days

from . import index_numbers
from .models import Item, ItemRevision, ItemStatus, RevisionStatus

S = ItemStatus
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.PENDING},
    S.PENDING: {S.DRAFT, S.SCHEDULED, S.PUBLISHED},
    S.SCHEDULED: {S.DRAFT, S.PUBLISHED},
    S.PUBLISHED: {S.WITHDRAWN},
    S.WITHDRAWN: set(),
}

# 条例 第二十六条: published within 20 working days of being formed.
PUBLISH_WITHIN_WORKING_DAYS = 20
# A 行政规范性文件 and its 政策解读 go out together; three working days of grace before it is flagged.
INTERPRETATION_WITHIN_WORKING_DAYS = 3

# Fields of an item that a revision may change; the workflow fields are not among them.
REVISABLE_FIELDS = (
    "title",
    "category",
    "subject",
    "document_type",
    "document_number",
    "written_date",
    "validity",
    "validity_date",
    "replaced_by",
    "keywords",
    "summary",
    "body",
    "channels",
)


class InvalidTransition(DomainError):
    pass


class NotAllowed(DomainError):
    pass


def _lock(item: Item) -> Item:
    return Item.objects.select_for_update(of=("self",)).select_related("organization", "category").get(pk=item.pk)


def _move(item: Item, to: str, *, by, comment: str = "", fields: tuple[str, ...] = ()) -> Item:
    if to not in TRANSITIONS[item.status]:
        raise InvalidTransition(
            f"“{item.title}”当前状态为“{item.get_status_display()}”，不能变为“{ItemStatus(to).label}”。"
        )
    before = item.get_status_display()
    item.status = to
    item.save(update_fields=["status", "updated_at", *fields])
    audit.record(
        item, actor=by, action="transition", from_state=before, to_state=item.get_status_display(), comment=comment
    )
    return item


def _require_role(user, item: Item, roles: set[str], what: str) -> None:
    if not scoping.has_role(user, item.organization, roles):
        names = "、".join(Role(r).label for r in sorted(roles))
        raise NotAllowed(f"只有本机构的{names}可以{what}。")


@transaction.atomic
def submit(item: Item, *, by, comment: str = "") -> Item:
    """Send a draft for the confidentiality review (保密审查)."""
    item = _lock(item)
    _require_role(by, item, {Role.CLERK, Role.REVIEWER, Role.HEAD}, "提交审核")
    item.submitted_by = by
    return _move(item, S.PENDING, by=by, comment=comment, fields=("submitted_by",))


@transaction.atomic
def return_to_draft(item: Item, *, by, reason: str) -> Item:
    """退回修改: back to the author with the reviewer's reason."""
    if not reason.strip():
        raise DomainError("退回修改必须填写理由，告诉撰稿人需要修改什么。")
    item = _lock(item)
    _require_role(by, item, {Role.REVIEWER}, "退回修改")
    item.approved_by = None
    return _move(item, S.DRAFT, by=by, comment=reason, fields=("approved_by",))


@transaction.atomic
def approve(item: Item, *, by, comment: str = "", now: dt.datetime | None = None) -> Item:
    """Pass the review: publish now, or at the scheduled time if that is still ahead."""
    now = now or timezone.now()
    item = _lock(item)
    _require_role(by, item, {Role.REVIEWER}, "审核发布")
    if by.pk in (item.author_id, item.submitted_by_id):
        raise NotAllowed("撰稿人不能审核自己的信息，请由本机构的其他审核人审核。")
    if item.written_date > timezone.localdate(now):
        raise DomainError("成文日期晚于今天，请核对成文日期。")
    item.approved_by = by
    if item.scheduled_at and item.scheduled_at > now:
        return _move(
            item,
            S.SCHEDULED,
            by=by,
            comment=comment or f"定时于 {timezone.localtime(item.scheduled_at):%Y-%m-%d %H:%M} 发布",
            fields=("approved_by",),
        )
    return _publish(item, by=by, comment=comment, now=now)


def _publish(item: Item, *, by, comment: str, now: dt.datetime) -> Item:
    day = timezone.localdate(now)
    item.published_at = now
    if not item.index_number:
        item.index_number = index_numbers.allocate(item, day=day)
    item.is_late, item.interpretation_due = timeliness(item, day)
    return _move(
        item,
        S.PUBLISHED,
        by=by,
        comment=comment,
        fields=("approved_by", "published_at", "index_number", "is_late", "interpretation_due"),
    )


def timeliness(item: Item, day: dt.date) -> tuple[bool | None, dt.date | None]:
    """(published late?, date its interpretation is due) for item published on day; None where the
    calendar has no data for the years involved."""
    try:
        is_late = day > add_working_days(item.written_date, PUBLISH_WITHIN_WORKING_DAYS)
    except CalendarMissing:
        is_late = None
    due = None
    if item.document_type == "normative":
        try:
            due = add_working_days(day, INTERPRETATION_WITHIN_WORKING_DAYS)
        except CalendarMissing:
            due = None
    return is_late, due


@transaction.atomic
def withdraw(item: Item, *, by, reason: str) -> Item:
    """撤回: off the public site at once; the item and its index number stay in the records."""
    if not reason.strip():
        raise DomainError("撤回必须填写理由。")
    item = _lock(item)
    _require_role(by, item, {Role.REVIEWER, Role.HEAD}, "撤回信息")
    item.withdrawn_at = timezone.now()
    return _move(item, S.WITHDRAWN, by=by, comment=reason, fields=("withdrawn_at",))


def publish_due(*, now: dt.datetime | None = None) -> list[int]:
    """Publish scheduled items whose time has come; safe when two servers run it at the same minute."""
    now = now or timezone.now()
    published = []
    due = Item.objects.filter(status=S.SCHEDULED, scheduled_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            item = (
                Item.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("organization", "category", "approved_by")
                .filter(pk=pk, status=S.SCHEDULED)
                .first()
            )
            if item is None:
                continue  # another server has it, or it was returned meanwhile
            _publish(item, by=item.approved_by, comment="定时发布", now=now)
            published.append(pk)
    return published


# Revisions of published items ------------------------------------------------------------------


def _serialize(field: str, value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@transaction.atomic
def propose_revision(item: Item, changes: dict, *, by, comment: str = "") -> ItemRevision:
    """Store an edit of a published item for review; the public version does not change."""
    item = _lock(item)
    if item.status != S.PUBLISHED:
        raise InvalidTransition("只有已发布的信息需要通过修改稿修改；草稿请直接编辑。")
    _require_role(by, item, {Role.CLERK, Role.REVIEWER, Role.HEAD}, "修改已发布信息")
    unknown = set(changes) - set(REVISABLE_FIELDS)
    if unknown:
        raise DomainError(f"修改稿不能修改这些字段：{'、'.join(sorted(unknown))}。")
    if ItemRevision.objects.filter(item=item, status__in=[RevisionStatus.DRAFT, RevisionStatus.PENDING]).exists():
        raise DomainError("该信息已有一份待审核的修改稿，请等待审核或先处理该修改稿。")
    revision = ItemRevision.objects.create(
        item=item, content={k: _serialize(k, v) for k, v in changes.items()}, author=by, comment=comment
    )
    audit.record(
        item,
        actor=by,
        action="change",
        comment=f"提交修改稿：{comment}".rstrip("："),
        changes={str(Item._meta.get_field(k).verbose_name): ["（已发布版本）", "（待审核）"] for k in changes},
    )
    return revision


def _apply(item: Item, content: dict) -> dict[str, list]:
    changes = {}
    for name, value in content.items():
        field = Item._meta.get_field(name)
        attname = field.attname
        old = getattr(item, attname)
        if field.get_internal_type() == "DateField" and value:
            value = dt.date.fromisoformat(value)
        if old != value:
            changes[str(field.verbose_name)] = [_serialize(name, old), _serialize(name, value)]
            setattr(item, attname, value)
    return changes


@transaction.atomic
def approve_revision(revision: ItemRevision, *, by, comment: str = "") -> Item:
    revision = ItemRevision.objects.select_for_update(of=("self",)).select_related("item").get(pk=revision.pk)
    if revision.status != RevisionStatus.PENDING:
        raise InvalidTransition("该修改稿不在待审核状态。")
    item = _lock(revision.item)
    _require_role(by, item, {Role.REVIEWER}, "审核修改稿")
    if by.pk == revision.author_id:
        raise NotAllowed("修改人不能审核自己的修改稿。")
    changes = _apply(item, revision.content)
    item.save()
    revision.status = RevisionStatus.APPROVED
    revision.decided_by, revision.decided_at = by, timezone.now()
    revision.save(update_fields=["status", "decided_by", "decided_at"])
    revision.attachments.update(revision=None)
    audit.record(item, actor=by, action="change", changes=changes, comment=comment or "修改稿审核通过")
    return item


@transaction.atomic
def return_revision(revision: ItemRevision, *, by, reason: str) -> ItemRevision:
    if not reason.strip():
        raise DomainError("退回修改稿必须填写理由。")
    revision = (
        ItemRevision.objects.select_for_update(of=("self",)).select_related("item__organization").get(pk=revision.pk)
    )
    if revision.status != RevisionStatus.PENDING:
        raise InvalidTransition("该修改稿不在待审核状态。")
    _require_role(by, revision.item, {Role.REVIEWER}, "退回修改稿")
    revision.status = RevisionStatus.RETURNED
    revision.decided_by, revision.decided_at = by, timezone.now()
    revision.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(revision.item, actor=by, action="change", comment=f"修改稿被退回：{reason}")
    return revision
