"""Redaction for partial disclosure (部分公开): every change of a redaction job, each checked and recorded.

条例 第三十七条: where information that may not be disclosed can be separated from the rest, the organ
provides the rest. Staff (经办人, 审核人, 机关负责人 of the application's organization) start a job on a
document of the application, mark boxes with a reason of table B （三）不予公开, and submit it: the
server then burns the boxes in (requests_app/redaction_pdf.py) and keeps the result privately. A
审核人 who neither started, submitted nor marked the job approves it; only then does the burned copy
become a document provided to the applicant (RequestDocument.for_applicant). A reviewer may instead
send it back with a reason. The source document is never changed.

States: 标注中 → 待审核 → 已审核, and 待审核 → 标注中 (退回). A draft can be abandoned (its boxes go, the
source stays). Refusals raise DomainError with the message to show.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from catalog import attachments
from disclosure_site import audit, scoping
from disclosure_site.errors import DomainError
from disclosure_site.models import Role

from . import redaction_pdf
from .models import DocumentKind, EventKind, InfoRequest, RequestDocument, RequestEvent, Status
from .redaction_models import (
    OPEN_REDACTION_STATUSES,
    REDACTION_REASONS,
    BoxOrigin,
    RedactionBox,
    RedactionJob,
    RedactionStatus,
)

R = RedactionStatus
STAFF_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
APPROVER_ROLES = frozenset({Role.REVIEWER})
TRANSITIONS: dict[str, set[str]] = {
    R.DRAFT: {R.SUBMITTED},
    R.SUBMITTED: {R.APPROVED, R.DRAFT},
    R.APPROVED: set(),
}
# Information is provided while the application is handled or with (and after) the reply; not for
# one that is not yet received, withdrawn or abandoned.
REQUEST_STATUSES = frozenset(
    {Status.PROCESSING, Status.CORRECTING, Status.CONSULTING, Status.AWAITING_FEE, Status.ANSWERED}
)
MAX_BOXES = 5000
MAX_MATCHES = 1000
MIN_SEARCH_LENGTH = 2
MAX_SEARCH_LENGTH = 200
EDGE_TOLERANCE = 0.01  # points: a box drawn to the page's edge may land a rounding error beyond it
REASONS = dict(REDACTION_REASONS)


class NotAllowed(DomainError):
    pass


class InvalidTransition(DomainError):
    pass


@dataclass(frozen=True)
class Marked:
    """What a text search marked."""

    boxes: int
    pages: list[int]
    without_text: list[int]


# Reading ------------------------------------------------------------------------------------------


def active_boxes(job: RedactionJob) -> QuerySet[RedactionBox]:
    return job.boxes.filter(removed_in__isnull=True)


def _painted(boxes) -> list[redaction_pdf.Painted]:
    return [
        redaction_pdf.Painted(box.page, box.x0, box.y0, box.x1, box.y1, label=REASONS.get(box.reason, ""))
        for box in boxes
    ]


def _read(field) -> bytes:
    with field.storage.open(field.name, "rb") as handle:
        return handle.read()


def page_image(job: RedactionJob, number: int, *, painted: bool = False) -> bytes:
    """Page number as a JPEG: of the working PDF while marking (with the boxes painted if asked), of
    the burned copy once it exists (what the reviewer approves and the applicant gets)."""
    if not 1 <= number <= job.page_count:
        raise DomainError(f"页码应在 1 到 {job.page_count} 之间。")
    if job.status != R.DRAFT and job.redacted_file:
        return redaction_pdf.page_image(_read(job.redacted_file), number)
    boxes = _painted(active_boxes(job).filter(page=number)) if painted else []
    return redaction_pdf.page_image(_read(job.working_file), number, boxes=boxes)


def preview(job: RedactionJob) -> bytes:
    """The redacted PDF as it would be burned now (a draft), or the burned copy kept at submission."""
    if job.status != R.DRAFT and job.redacted_file:
        return _read(job.redacted_file)
    return redaction_pdf.burn(_read(job.working_file), _painted(active_boxes(job)), flattened=job.flattened_pages)


# The organ's own documents; the applicant's materials (identity, scans, corrections, receipts) are not
# information to disclose.
SOURCE_KINDS = (DocumentKind.DISCLOSED, DocumentKind.OTHER)


def redactable_documents(info_request: InfoRequest) -> QuerySet[RequestDocument]:
    """Documents of the application that may be the source of a job: the organ's, in a format that can be
    redacted, kept privately, not a burned copy."""
    return info_request.documents.filter(
        kind__in=SOURCE_KINDS,
        file_type__in=sorted(redaction_pdf.REDACTABLE_KINDS),
        for_applicant=False,
        redaction__isnull=True,
    ).order_by("uploaded_at", "pk")


def check_reply(info_request: InfoRequest) -> None:
    """For the reply step (条例 第三十七条): refuse while a redaction of the application is being marked or
    waits for review, so that a 部分公开 reply never goes out before its redacted copy is approved."""
    waiting = list(open_jobs(info_request).select_related("source"))
    if waiting:
        names = "、".join(f"“{job.source.original_name}”（{job.get_status_display()}）" for job in waiting)
        raise DomainError(f"删除处理尚未审核通过：{names}。请审核通过或放弃后再答复。")


# Helpers ------------------------------------------------------------------------------------------


def _require_role(user, info_request: InfoRequest, roles: frozenset[str], what: str) -> None:
    if not scoping.has_role(user, info_request.organization, roles):
        names = "、".join(Role(r).label for r in sorted(roles))
        raise NotAllowed(f"只有{info_request.organization}的{names}可以{what}。")


def _check_request(info_request: InfoRequest) -> None:
    if info_request.status not in REQUEST_STATUSES:
        raise DomainError(
            f"申请 {info_request.number} 当前状态为“{info_request.get_status_display()}”，不能进行删除处理。"
        )


def _lock(job: RedactionJob) -> RedactionJob:
    return (
        RedactionJob.objects.select_for_update(of=("self",))
        .select_related("info_request__organization", "source")
        .get(pk=job.pk)
    )


def _move(job: RedactionJob, to: str) -> str:
    before = job.status
    if to not in TRANSITIONS[before]:
        raise InvalidTransition(
            f"该删除处理当前状态为“{job.get_status_display()}”，不能变为“{RedactionStatus(to).label}”。"
        )
    job.status = to
    return before


def _require_draft(job: RedactionJob) -> None:
    if job.status != R.DRAFT:
        raise InvalidTransition(
            f"该删除处理当前状态为“{job.get_status_display()}”，不能再修改删除框；如需修改，请审核人先退回。"
        )


def _record(job: RedactionJob, *, by, action: str, before: str = "", comment: str = "") -> None:
    audit.record(
        job,
        actor=by,
        action=action,
        comment=comment,
        from_state=RedactionStatus(before).label if before else "",
        to_state=job.get_status_display() if before else "",
    )


def _number(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DomainError(f"删除框的{what}必须是数字。") from None
    if not math.isfinite(number):
        raise DomainError(f"删除框的{what}必须是数字。")
    return number


def _checked_rect(job: RedactionJob, page, x0, y0, x1, y1, reason: str) -> tuple[int, float, float, float, float]:
    """The box normalized (any two opposite corners), or DomainError saying what is wrong with it."""
    try:
        page = int(page)
    except (TypeError, ValueError):
        raise DomainError("页码必须是整数。") from None
    if not 1 <= page <= job.page_count:
        raise DomainError(f"页码应在 1 到 {job.page_count} 之间。")
    left, top = _number(x0, "左边位置"), _number(y0, "上边位置")
    right, bottom = _number(x1, "右边位置"), _number(y1, "下边位置")
    left, right = sorted((left, right))
    top, bottom = sorted((top, bottom))
    width, height = job.page_sizes[page - 1]
    if (
        left < -EDGE_TOLERANCE
        or top < -EDGE_TOLERANCE
        or right > width + EDGE_TOLERANCE
        or bottom > height + EDGE_TOLERANCE
    ):
        raise DomainError(
            f"第{page}页的删除框超出了页面范围：页面宽 {width:.1f} 点、高 {height:.1f} 点，"
            f"删除框为左 {left:.1f}、上 {top:.1f}、右 {right:.1f}、下 {bottom:.1f}。请调整到页面之内。"
        )
    left, top = max(left, 0.0), max(top, 0.0)
    right, bottom = min(right, width), min(bottom, height)
    if right - left < redaction_pdf.MIN_BOX_SIDE or bottom - top < redaction_pdf.MIN_BOX_SIDE:
        raise DomainError("删除框太小：宽和高都至少为 1 点。")
    if reason not in REASONS:
        raise DomainError("请为删除框选择不予公开的理由（条例第十四条至第十六条）。")
    return page, round(left, 2), round(top, 2), round(right, 2), round(bottom, 2)


def _next_action(job: RedactionJob) -> int:
    job.last_action += 1
    job.save(update_fields=["last_action"])
    return job.last_action


def _check_room(job: RedactionJob, adding: int) -> None:
    count = active_boxes(job).count()
    if count + adding > MAX_BOXES:
        raise DomainError(f"一个文件最多标注 {MAX_BOXES} 个删除框（现有 {count} 个），请检查是否需要整页不予公开。")


# Starting and ending ------------------------------------------------------------------------------


def start(info_request: InfoRequest, *, by, document: RequestDocument | None = None, uploaded=None) -> RedactionJob:
    """Start redacting a document of the application, or a file uploaded for it (stored first as a
    private document of the application). Word, Excel and images are converted to PDF here; a file that
    cannot be redacted is refused with the reason and nothing is stored."""
    _require_role(by, info_request, STAFF_ROLES, "进行删除处理")
    _check_request(info_request)
    if (document is None) == (uploaded is None):
        raise DomainError("请选择申请材料中的一个文件，或上传需要删除处理的文件。")
    if document is not None:
        if document.info_request_id != info_request.pk:
            raise DomainError("所选文件不是本申请的材料。")
        if document.for_applicant:
            raise DomainError("该文件已提供给申请人，不能作为删除处理的原件；请上传未公开的原件。")
        if RedactionJob.objects.filter(result=document).exists():
            raise DomainError("该文件是删除处理后的文件，请选择原件。")
        if RedactionJob.objects.filter(source=document, status__in=OPEN_REDACTION_STATUSES).exists():
            raise DomainError(f"“{document.original_name}”已有一项未完成的删除处理，请继续该项处理。")
        try:
            kind, data = document.file_type, _read(document.file)
        except FileNotFoundError:
            raise DomainError(f"“{document.original_name}”的文件缺失，请联系系统管理员。") from None
    else:
        try:
            kind, _name = attachments.inspect_upload(uploaded)
        except ValidationError as error:
            raise DomainError(" ".join(error.messages)) from None
        uploaded.seek(0)
        data = uploaded.read()
        uploaded.seek(0)
    facts = redaction_pdf.inspect(redaction_pdf.to_pdf(data, kind))

    written: list = []
    try:
        with transaction.atomic():
            info_request = (
                InfoRequest.objects.select_for_update(of=("self",))
                .select_related("organization")
                .get(pk=info_request.pk)
            )
            _check_request(info_request)
            if document is None:
                from .documents import store_document

                document = store_document(info_request, uploaded, kind=DocumentKind.DISCLOSED, by=by)
                written.append(document.file)
            job = RedactionJob(
                info_request=info_request,
                source=document,
                page_sizes=[list(size) for size in facts.sizes],
                scanned_pages=facts.scanned,
                flattened_pages=facts.flattened,
                created_by=by,
            )
            job.working_file.save("working.pdf", ContentFile(facts.pdf), save=False)
            written.append(job.working_file)
            try:
                with transaction.atomic():
                    job.save()
            except IntegrityError:
                raise DomainError(f"“{document.original_name}”已有一项未完成的删除处理，请继续该项处理。") from None
            _record(
                job, by=by, action="开始删除处理", comment=f"原件：{document.original_name}，共 {job.page_count} 页"
            )
    except BaseException:
        for field in written:
            field.storage.delete(field.name)
        raise
    return job


@transaction.atomic
def discard(job: RedactionJob, *, by) -> None:
    """放弃 a draft: its boxes and working copy go; the source document stays with the application."""
    job = _lock(job)
    _require_role(by, job.info_request, STAFF_ROLES, "放弃删除处理")
    _require_draft(job)
    name = job.source.original_name
    audit.record(job.info_request, actor=by, action="放弃删除处理", comment=f"原件：{name}（原件保留）")
    working = job.working_file
    job.delete()
    transaction.on_commit(lambda: working.storage.delete(working.name))


# Boxes --------------------------------------------------------------------------------------------


@transaction.atomic
def add_box(job: RedactionJob, *, by, page, x0, y0, x1, y1, reason: str) -> RedactionBox:
    """Mark one rectangle (page coordinates, see RedactionBox) with its reason."""
    job = _lock(job)
    _require_role(by, job.info_request, STAFF_ROLES, "标注删除框")
    _require_draft(job)
    page, x0, y0, x1, y1 = _checked_rect(job, page, x0, y0, x1, y1, reason)
    _check_room(job, 1)
    return RedactionBox.objects.create(
        job=job, page=page, x0=x0, y0=y0, x1=x1, y1=y1, reason=reason, added_in=_next_action(job), created_by=by
    )


@transaction.atomic
def change_box(job: RedactionJob, box_pk: int, *, by, page, x0, y0, x1, y1, reason: str) -> RedactionBox:
    """Move, resize or give another reason to a box: one action (undo brings the old box back)."""
    job = _lock(job)
    _require_role(by, job.info_request, STAFF_ROLES, "修改删除框")
    _require_draft(job)
    old = active_boxes(job).filter(pk=box_pk).first()
    if old is None:
        raise DomainError("该删除框不存在或已删除。")
    page, x0, y0, x1, y1 = _checked_rect(job, page, x0, y0, x1, y1, reason)
    action = _next_action(job)
    old.removed_in = action
    old.save(update_fields=["removed_in"])
    return RedactionBox.objects.create(
        job=job,
        page=page,
        x0=x0,
        y0=y0,
        x1=x1,
        y1=y1,
        reason=reason,
        origin=old.origin,
        added_in=action,
        created_by=by,
    )


@transaction.atomic
def remove_box(job: RedactionJob, box_pk: int, *, by) -> None:
    job = _lock(job)
    _require_role(by, job.info_request, STAFF_ROLES, "删除删除框")
    _require_draft(job)
    box = active_boxes(job).filter(pk=box_pk).first()
    if box is None:
        raise DomainError("该删除框不存在或已删除。")
    box.removed_in = _next_action(job)
    box.save(update_fields=["removed_in"])


def mark_text(job: RedactionJob, *, by, text: str, reason: str) -> Marked:
    """Box every occurrence of text (an ID number, a name) on every page with reason, as one action.

    Pages without a text layer (scans) cannot be searched: they are returned so the user marks them by
    hand. An occurrence already covered by the same box is not marked twice."""
    text = " ".join((text or "").split())
    if len(text) < MIN_SEARCH_LENGTH:
        raise DomainError(f"请输入要查找的文字（至少 {MIN_SEARCH_LENGTH} 个字符）。")
    if len(text) > MAX_SEARCH_LENGTH:
        raise DomainError(f"查找的文字最多 {MAX_SEARCH_LENGTH} 个字符。")
    if reason not in REASONS:
        raise DomainError("请为删除框选择不予公开的理由（条例第十四条至第十六条）。")
    _require_role(by, job.info_request, STAFF_ROLES, "标注删除框")
    _require_draft(job)
    found, without_text = redaction_pdf.find_text(_read(job.working_file), text)
    if len(found) > MAX_MATCHES:
        raise DomainError(
            f"找到 {len(found)} 处“{text}”，超过一次最多标注 {MAX_MATCHES} 处的上限，请输入更具体的内容。"
        )
    with transaction.atomic():
        job = _lock(job)
        _require_draft(job)
        existing = {
            (b.page, b.x0, b.y0, b.x1, b.y1)
            for b in active_boxes(job)
            .filter(page__in={rect.page for rect in found})
            .only("page", "x0", "y0", "x1", "y1")
        }
        new = [rect for rect in found if (rect.page, rect.x0, rect.y0, rect.x1, rect.y1) not in existing]
        if new:
            _check_room(job, len(new))
            action = _next_action(job)
            RedactionBox.objects.bulk_create(
                RedactionBox(
                    job=job,
                    page=rect.page,
                    x0=rect.x0,
                    y0=rect.y0,
                    x1=rect.x1,
                    y1=rect.y1,
                    reason=reason,
                    origin=BoxOrigin.SEARCH,
                    added_in=action,
                    created_by=by,
                )
                for rect in new
            )
    return Marked(boxes=len(new), pages=sorted({rect.page for rect in new}), without_text=without_text)


@transaction.atomic
def undo(job: RedactionJob, *, by) -> str:
    """Reverse the latest change of the boxes (an added, changed or removed box, or a whole text search);
    returns what was undone, in words."""
    job = _lock(job)
    _require_role(by, job.info_request, STAFF_ROLES, "撤销")
    _require_draft(job)
    latest = job.boxes.aggregate(added=Max("added_in"), removed=Max("removed_in"))
    action = max(latest["added"] or 0, latest["removed"] or 0)
    if not action:
        raise DomainError("没有可以撤销的操作。")
    added = job.boxes.filter(added_in=action)
    restored = job.boxes.filter(removed_in=action)
    added_count, restored_count = added.count(), restored.count()
    added.delete()
    restored.update(removed_in=None)
    if added_count and restored_count:
        return "已撤销对删除框的修改。"
    if added_count:
        return f"已撤销添加的 {added_count} 个删除框。"
    return f"已恢复删除的 {restored_count} 个删除框。"


# Review -------------------------------------------------------------------------------------------


def submit(job: RedactionJob, *, by) -> RedactionJob:
    """提交审核: burn the boxes into a copy kept privately with the job, for the reviewer to check."""
    _require_role(by, job.info_request, STAFF_ROLES, "提交删除处理")
    job = RedactionJob.objects.select_related("info_request__organization", "source").get(pk=job.pk)
    _require_draft(job)
    _check_request(job.info_request)
    boxes = list(active_boxes(job))
    if not boxes:
        raise DomainError("尚未标注任何删除框。全部公开的文件不需要删除处理，请直接在答复时上传。")
    version = job.last_action
    # Burning takes seconds: done before the row is locked, then checked against the boxes it used.
    burned = redaction_pdf.burn(_read(job.working_file), _painted(boxes), flattened=job.flattened_pages)
    stored = None
    try:
        with transaction.atomic():
            job = _lock(job)
            if job.status == R.DRAFT and job.last_action != version:
                raise DomainError("提交期间删除框有改动，请核对后重新提交。")
            before = _move(job, R.SUBMITTED)
            job.redacted_file.save("redacted.pdf", ContentFile(burned), save=False)
            stored = job.redacted_file.name
            job.redacted_sha256 = hashlib.sha256(burned).hexdigest()
            job.submitted_by, job.submitted_at, job.return_note = by, timezone.now(), ""
            job.save(
                update_fields=[
                    "status",
                    "redacted_file",
                    "redacted_sha256",
                    "submitted_by",
                    "submitted_at",
                    "return_note",
                ]
            )
            _record(job, by=by, action="提交审核", before=before, comment=f"{len(boxes)} 个删除框")
    except BaseException:
        if stored:
            job.redacted_file.storage.delete(stored)
        raise
    return job


@transaction.atomic
def approve(job: RedactionJob, *, by) -> RequestDocument:
    """审核通过: a reviewer other than whoever started, submitted or marked the job approves the burned
    copy, which becomes a document provided to the applicant (shown on the status page)."""
    job = _lock(job)
    info_request = job.info_request
    _require_role(by, info_request, APPROVER_ROLES, "审核删除处理")
    if job.status != R.SUBMITTED:
        raise InvalidTransition(f"该删除处理当前状态为“{job.get_status_display()}”，只有待审核的可以审核。")
    _check_request(info_request)
    user = getattr(by, "pk", None)
    markers = set(active_boxes(job).values_list("created_by", flat=True))
    if user is not None and (user in {job.created_by_id, job.submitted_by_id} or user in markers):
        raise NotAllowed("标注或提交删除处理的人不能审核自己的删除处理，请由其他审核人审核。")
    try:
        burned = _read(job.redacted_file)
    except (FileNotFoundError, ValueError):
        raise DomainError("删除处理后的文件缺失，请退回后重新提交。") from None
    if hashlib.sha256(burned).hexdigest() != job.redacted_sha256:
        raise DomainError("删除处理后的文件与提交时不一致，请退回后重新提交。")
    before = _move(job, R.APPROVED)
    stem = PurePath(job.source.original_name).stem or "政府信息"
    document = RequestDocument(
        info_request=info_request,
        kind=DocumentKind.DISCLOSED,
        original_name=f"{stem}（部分公开）.pdf",
        file_type="pdf",
        size=len(burned),
        for_applicant=True,
        uploaded_by=by,
    )
    document.file.save("redacted.pdf", ContentFile(burned), save=False)
    written = document.file.name
    try:
        document.save()
        job.result, job.reviewed_by, job.reviewed_at = document, by, timezone.now()
        job.save(update_fields=["status", "result", "reviewed_by", "reviewed_at"])
        reasons = "、".join(REASONS[code] for code in sorted(set(active_boxes(job).values_list("reason", flat=True))))
        RequestEvent.objects.create(
            info_request=info_request,
            kind=EventKind.NOTE,
            on=timezone.localdate(),
            by=by,
            note=f"“{job.source.original_name}”删除处理后审核通过，已提供给申请人（不予公开的理由：{reasons}）",
        )
        _record(job, by=by, action="审核通过", before=before)
    except BaseException:
        document.file.storage.delete(written)
        raise
    return document


@transaction.atomic
def return_to_draft(job: RedactionJob, *, by, reason: str) -> RedactionJob:
    """退回修改: the burned copy is dropped and the boxes can be changed again."""
    job = _lock(job)
    _require_role(by, job.info_request, APPROVER_ROLES, "退回删除处理")
    if not (reason or "").strip():
        raise DomainError("退回删除处理必须写明理由。")
    before = _move(job, R.DRAFT)
    old = job.redacted_file.name
    job.redacted_file, job.redacted_sha256, job.return_note = "", "", reason.strip()
    job.save(update_fields=["status", "redacted_file", "redacted_sha256", "return_note"])
    _record(job, by=by, action="退回修改", before=before, comment=reason.strip())
    storage = job.redacted_file.storage
    transaction.on_commit(lambda: storage.delete(old))
    return job


def open_jobs(info_request: InfoRequest) -> QuerySet[RedactionJob]:
    return info_request.redaction_jobs.filter(status__in=OPEN_REDACTION_STATUSES)
