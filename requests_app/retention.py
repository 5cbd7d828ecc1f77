"""Retention of applicants' personal data (个人信息保护法 第十九条、第四十七条): once an application has been
closed longer than REQUEST_RETENTION_YEARS, its applicant's personal data is overwritten.

"Closed" is an ended status — 已答复, 已撤回, 视为放弃 (models.ENDED_STATUSES) — and the closing date is
ended_on (the reply, the withdrawal, the day the application was deemed abandoned). An application is due
when it ended before the cutoff (today minus the retention period); one linked to a reconsideration or
lawsuit not yet decided (LegalCase 尚未审结) waits: the case needs to know who applied.

Anonymizing an application:
- overwrites the personal fields: a natural person's name becomes “（已匿名）” (an organization's name and
  credit code are not personal data and stay), ID number, legal representative, contact person, phone,
  e-mail, address and postcode are cleared;
- deletes the identity proof, the scanned application and the corrected application (补正材料) from
  storage, with their rows;
- replaces every occurrence of the removed values in the texts that stay — the description, the event
  notes, the letters' addressee and body (their legal content stays), the case notes, the audit trail of
  the application, its letters, documents and cases (values of personal fields there are masked whatever
  they were);
- sets anonymized_at and writes one audit event.
Everything the statistics read stays: organization, applicant type, channel, dates, events, outcome, fee,
cases. The yearly reports and the public statistics give the same numbers before and after.

Safe to run twice, and on two servers at once: rows are taken in batches under `SELECT … FOR UPDATE SKIP
LOCKED` (PostgreSQL; SQLite has one writer at a time), re-checked under the lock, and the row is claimed by
a conditional UPDATE on anonymized_at, so each application is anonymized once and has one audit event.
Files are deleted inside the transaction, after the rows: should the commit then fail, the next run finds
the application still due and finishes it (a missing file is not an error), whereas deleting after the
commit could leave an identity scan in storage that no row points to any more.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from disclosure_site import audit
from disclosure_site.errors import DomainError
from disclosure_site.models import AuditEvent

from .models import (
    ENDED_STATUSES,
    ApplicantType,
    CaseResult,
    DocumentKind,
    InfoRequest,
    LegalCase,
    Letter,
    RedactionJob,
    RequestDocument,
    RequestEvent,
)

ANONYMIZED = "（已匿名）"
ACTION = "匿名化"
# Files that show who the applicant is: the identity proof, the application as handed in, its correction.
PERSONAL_DOCUMENTS = (DocumentKind.IDENTITY, DocumentKind.APPLICATION_SCAN, DocumentKind.CORRECTION)
# Fields cleared for every applicant (a natural person's name is replaced, see _claim).
CLEARED_FIELDS = ("id_number", "legal_representative", "contact_person", "phone", "email", "address", "postcode")
SCRUBBED_FIELDS = ("description", "document_title", "document_number", "purpose")
BATCH_SIZE = 200
# Shorter values (a one-character name) would replace unrelated characters in the texts.
MIN_SCRUB_LENGTH = 2


class RetentionError(DomainError):
    pass


@dataclass
class Result:
    before: dt.date
    dry_run: bool
    applications: int = 0  # anonymized (or, in a dry run, due)
    files: int = 0  # files deleted from storage (or to delete)
    letters: int = 0  # letters whose addressee or text changed
    kept_for_cases: int = 0  # due by date but kept: a reconsideration or lawsuit is not decided
    kept_files: int = 0  # personal files kept because a redaction job uses them as its source

    def summary(self) -> str:
        verb = "将匿名化" if self.dry_run else "已匿名化"
        text = (
            f"{verb}{self.before:%Y年%m月%d日}前办结的申请 {self.applications} 件，"
            f"{'将' if self.dry_run else '已'}删除身份证明和申请材料文件 {self.files} 个"
        )
        if not self.dry_run:
            text += f"，修改文书 {self.letters} 份"
        text += "。"
        if self.kept_for_cases:
            text += f"另有 {self.kept_for_cases} 件因行政复议或行政诉讼尚未审结暂不匿名化。"
        if self.kept_files:
            text += f"有 {self.kept_files} 个材料文件是删除处理的原件，予以保留。"
        if self.dry_run:
            text += "（试运行，未作任何修改）"
        return text


# The rule ----------------------------------------------------------------------------------------------


def retention_years() -> int:
    years = getattr(settings, "REQUEST_RETENTION_YEARS", 10)
    if not isinstance(years, int) or isinstance(years, bool) or years <= 0:
        raise RetentionError("REQUEST_RETENTION_YEARS 必须是正整数（年）。")
    return years


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier; 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def cutoff(today: dt.date | None = None) -> dt.date:
    """Applications that ended before this date are past the retention period."""
    return years_before(today or timezone.localdate(), retention_years())


def _eligible(before: dt.date) -> Q:
    return Q(status__in=sorted(ENDED_STATUSES), ended_on__lt=before, anonymized_at__isnull=True)


def _pending_case() -> Q:
    return Q(
        pk__in=LegalCase.objects.filter(result=CaseResult.PENDING, info_request__isnull=False).values("info_request")
    )


def due(before: dt.date) -> QuerySet[InfoRequest]:
    """The applications to anonymize with cutoff `before`."""
    return InfoRequest.objects.filter(_eligible(before)).exclude(_pending_case())


def check_before(before: dt.date, *, today: dt.date | None = None) -> dt.date:
    """An earlier cutoff than the retention rule's may be given (to catch up in steps), never a later one."""
    latest = cutoff(today)
    if before > latest:
        raise RetentionError(
            f"截止日期不能晚于{latest:%Y年%m月%d日}：办结不满{retention_years()}年（REQUEST_RETENTION_YEARS）"
            "的申请仍在保存期限内，不能匿名化。"
        )
    return before


# Doing it -----------------------------------------------------------------------------------------------


def anonymize_due(
    *,
    before: dt.date | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    by=None,
) -> Result:
    """Anonymize every application that ended before `before` (default: the retention cutoff), in batches
    of batch_size, each batch in one transaction. A dry run counts and writes nothing."""
    before = check_before(before, today=today) if before is not None else cutoff(today)
    if batch_size < 1:
        raise RetentionError("每批处理的件数必须是正整数。")
    result = Result(before=before, dry_run=dry_run)
    result.kept_for_cases = InfoRequest.objects.filter(_eligible(before)).filter(_pending_case()).count()
    candidates = due(before)
    if dry_run:
        result.applications = candidates.count()
        files = _personal_documents(RequestDocument.objects.filter(info_request__in=candidates))
        result.files = files.filter(redaction_jobs__isnull=True).count()
        result.kept_files = files.filter(redaction_jobs__isnull=False).distinct().count()
        return result
    last = 0
    while True:
        pks = list(candidates.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return result
        last = pks[-1]
        with transaction.atomic():
            locked = (
                InfoRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("organization")  # for the audit events
                .filter(_eligible(before), pk__in=pks)
                .exclude(_pending_case())
                .order_by("pk")
            )
            _anonymize_batch(list(locked), by=by, result=result)


def anonymize(info_request: InfoRequest, *, by=None) -> bool:
    """Anonymize one closed application now, whatever its closing date (for a deletion the applicant asks
    for under 个人信息保护法 第四十七条). False if it was anonymized already."""
    if info_request.status not in ENDED_STATUSES:
        raise RetentionError(f"申请 {info_request.number} 尚未办结，不能匿名化。")
    with transaction.atomic():
        locked = (
            InfoRequest.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk=info_request.pk)
            .first()
        )
        if locked is None or locked.anonymized_at is not None:
            return False
        if LegalCase.objects.filter(info_request=locked, result=CaseResult.PENDING).exists():
            raise RetentionError(f"申请 {locked.number} 有尚未审结的行政复议或行政诉讼，暂不能匿名化。")
        result = Result(before=locked.ended_on, dry_run=False)
        _anonymize_batch([locked], by=by, result=result)
        return result.applications == 1


def _personal_documents(documents: QuerySet[RequestDocument]) -> QuerySet[RequestDocument]:
    return documents.filter(kind__in=PERSONAL_DOCUMENTS)


def _values(info_request: InfoRequest) -> list[str]:
    """The personal values to take out of every text, longest first (a name inside an address)."""
    values = [getattr(info_request, name) for name in CLEARED_FIELDS if name != "postcode"]
    if info_request.applicant_type == ApplicantType.NATURAL:
        values.append(info_request.applicant_name)
    # A postcode is left in texts: it names a district, and the organization's own often shares it.
    found = {v.strip() for v in values if v and len(v.strip()) >= MIN_SCRUB_LENGTH and v.strip() != ANONYMIZED}
    return sorted(found, key=len, reverse=True)


def scrub(text: str, values: Iterable[str]) -> str:
    for value in values:
        if value in text:
            text = text.replace(value, ANONYMIZED)
    return text


def _scrub_json(value: Any, values: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, values)
    if isinstance(value, list):
        return [_scrub_json(v, values) for v in value]
    if isinstance(value, dict):
        return {key: _scrub_json(v, values) for key, v in value.items()}
    return value


def _personal_labels() -> frozenset[str]:
    return frozenset(str(InfoRequest._meta.get_field(name).verbose_name) for name in InfoRequest.personal_fields)


def _grouped(rows: Iterable, key: str) -> dict[Any, list]:
    groups: dict[Any, list] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return groups


def _claim(info_request: InfoRequest, values: list[str], now: dt.datetime) -> bool:
    """Overwrite the personal fields of a locked row, if no other run did; True if this run did."""
    changes: dict[str, Any] = dict.fromkeys(CLEARED_FIELDS, "")
    if info_request.applicant_type == ApplicantType.NATURAL:
        changes["applicant_name"] = ANONYMIZED
    for name in SCRUBBED_FIELDS:
        changes[name] = scrub(getattr(info_request, name), values)
    claimed = InfoRequest.objects.filter(pk=info_request.pk, anonymized_at__isnull=True).update(
        anonymized_at=now, **changes
    )
    for name, value in changes.items():
        setattr(info_request, name, value)
    info_request.anonymized_at = now
    return bool(claimed)


def _anonymize_batch(rows: list[InfoRequest], *, by, result: Result) -> None:
    """Anonymize locked rows: per row one update and one audit event, the related rows read once per batch
    and written only where a text changes."""
    now = timezone.now()
    values = {row.pk: _values(row) for row in rows}
    claimed = [row for row in rows if _claim(row, values[row.pk], now)]
    if not claimed:
        return
    pks = [row.pk for row in claimed]
    events = _grouped(
        RequestEvent.objects.filter(info_request__in=pks).exclude(note="").only("info_request", "note"),
        "info_request_id",
    )
    letters = _grouped(
        Letter.objects.filter(info_request__in=pks).only("info_request", "recipient", "body"), "info_request_id"
    )
    cases = _grouped(LegalCase.objects.filter(info_request__in=pks).only("info_request", "note"), "info_request_id")
    documents = _grouped(
        RequestDocument.objects.filter(info_request__in=pks)
        .annotate(used=Exists(RedactionJob.objects.filter(source=OuterRef("pk"))))
        .only("info_request", "kind", "file", "original_name"),
        "info_request_id",
    )
    targets: dict[tuple[Any, str], int] = {}  # (model, object id) -> application pk, for the audit trail
    for row in claimed:
        targets[(InfoRequest, str(row.pk))] = row.pk
        for model, group in ((Letter, letters), (LegalCase, cases), (RequestDocument, documents)):
            for related in group.get(row.pk, ()):
                targets[(model, str(related.pk))] = row.pk
    audit_events = _audit_events(targets)

    deleted: list[RequestDocument] = []
    for row in claimed:
        known = values[row.pk]
        for event in events.get(row.pk, ()):
            _update_if_changed(event, known, "note")
        for letter in letters.get(row.pk, ()):
            result.letters += _update_if_changed(letter, known, "recipient", "body")
        for case in cases.get(row.pk, ()):
            _update_if_changed(case, known, "note")
        files = 0
        for document in documents.get(row.pk, ()):
            if document.kind not in PERSONAL_DOCUMENTS:
                _update_if_changed(document, known, "original_name")
            elif document.used:
                result.kept_files += 1
            else:
                deleted.append(document)
                files += 1
        for event in audit_events.get(row.pk, ()):
            _scrub_audit_event(event, known)
        audit.record(
            row,
            actor=by,
            action=ACTION,
            comment=(
                f"办结于{row.ended_on:%Y年%m月%d日}，个人信息保存期限（{retention_years()}年）届满："
                f"已删除申请人个人信息和身份证明、申请材料文件 {files} 个"
            ),
        )
        result.applications += 1
        result.files += files
    if deleted:
        RequestDocument.objects.filter(pk__in=[d.pk for d in deleted]).delete()
    for document in deleted:  # last, once every row is written (see the module's docstring)
        if document.file.name:
            document.file.storage.delete(document.file.name)


def _update_if_changed(obj, values: list[str], *names: str) -> bool:
    changed = {}
    for name in names:
        text = scrub(getattr(obj, name), values)
        if text != getattr(obj, name):
            changed[name] = text
    if changed:
        type(obj)._default_manager.filter(pk=obj.pk).update(**changed)
    return bool(changed)


def _audit_events(targets: dict[tuple[Any, str], int]) -> dict[int, list[AuditEvent]]:
    """The audit events of the targets (model, object id), by application pk, in one query."""
    types = ContentType.objects.get_for_models(*{model for model, _ in targets})
    by_model: dict[Any, list[str]] = defaultdict(list)
    for model, object_id in targets:
        by_model[model].append(object_id)
    wanted = reduce(or_, (Q(content_type=types[model], object_id__in=ids) for model, ids in by_model.items()))
    model_of = {content_type.pk: model for model, content_type in types.items()}
    found: dict[int, list[AuditEvent]] = defaultdict(list)
    for event in AuditEvent.objects.filter(wanted).only(
        "content_type", "object_id", "object_repr", "changes", "comment"
    ):
        event.target_model = model_of[event.content_type_id]
        found[targets[(event.target_model, event.object_id)]].append(event)
    return found


def _scrub_audit_event(event: AuditEvent, values: list[str]) -> None:
    """Known values replaced; on the application's own events, values recorded under a personal field's
    label masked whatever they were (an earlier phone number is not among the known values)."""
    changes = event.changes
    if event.target_model is InfoRequest and isinstance(changes, dict):
        labels = _personal_labels()
        changes = {key: [audit.MASKED, audit.MASKED] if key in labels else v for key, v in changes.items()}
    changes = _scrub_json(changes, values)
    comment, object_repr = scrub(event.comment, values), scrub(event.object_repr, values)
    if (changes, comment, object_repr) != (event.changes, event.comment, event.object_repr):
        AuditEvent.objects.filter(pk=event.pk).update(changes=changes, comment=comment, object_repr=object_repr)
