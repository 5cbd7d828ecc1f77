"""Every state change of a work plan, its tasks' units, progress updates and notes, each in one
transaction with its audit event.

Plan: 草稿 (draft: headings and tasks edited at will, by clerks, reviewers and the head of the plan's
organization) → 已批准 (approved by the office head, 机关负责人; nothing changes any more, or the head
returns it to draft) → 已发布 (published by the office head; public from then on).

Progress (实事求是公布进展和完成情况): staff of a lead unit (牵头单位) of a task of a published plan enter
an update (date, text, state 未开始/推进中/已完成/延期 with the reason for a delay, optionally a
percentage 0–100); it waits for review (待审核) and becomes public (已公开) when a 审核人 of the plan's
organization — the disclosure office — approves it, or goes back (已退回) with a note, to be corrected
and resubmitted. Cooperating units (配合单位) add notes to the tasks they support.

Refusals raise a DomainError with a Chinese message; nothing is changed then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from disclosure_site import audit, scoping
from disclosure_site.errors import DomainError
from disclosure_site.models import Organization, Role

from .models import Plan, PlanStatus, Progress, ProgressState, ReviewStatus, Task, TaskNote, TaskUnit, UnitRole

S = PlanStatus
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.APPROVED},
    S.APPROVED: {S.DRAFT, S.PUBLISHED},
    S.PUBLISHED: set(),
}
EDIT_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
APPROVE_ROLES = frozenset({Role.HEAD})
PROGRESS_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
REVIEW_ROLES = frozenset({Role.REVIEWER})
NOTE_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
EDITABLE_PROGRESS = frozenset({ReviewStatus.PENDING, ReviewStatus.RETURNED})


class InvalidTransition(DomainError):
    pass


class NotAllowed(DomainError):
    pass


def _roles(roles: Iterable[str]) -> str:
    return "、".join(Role(r).label for r in sorted(roles))


def require_role(user, organization: Organization, roles: frozenset[str], what: str) -> None:
    if not scoping.has_role(user, organization, roles):
        raise NotAllowed(f"您不能{what}：只有{organization}（或其上级机构）的{_roles(roles)}可以操作。")


def _lock(plan: Plan) -> Plan:
    return Plan.objects.select_for_update().select_related("organization").get(pk=plan.pk)


def require_draft(plan: Plan) -> None:
    if plan.status != S.DRAFT:
        raise InvalidTransition(f"工作要点当前状态为“{plan.get_status_display()}”，只有草稿可以修改。")


# Plans ------------------------------------------------------------------------------------------------


def default_title(organization: Organization, year: int) -> str:
    return f"{organization.name}{year}年政务公开工作要点"


def create(organization: Organization, *, year: int, by, title: str = "", source_name: str = "") -> Plan:
    """Start the plan of organization for year as a draft (one plan per organization and year)."""
    require_role(by, organization, EDIT_ROLES, f"起草{organization}的政务公开工作要点")
    if not 2000 <= year <= 2200:
        raise DomainError("年度应为四位数字，例如2026。")
    with transaction.atomic():
        if Plan.objects.filter(organization=organization, year=year).exists():
            raise DomainError(f"{organization}{year}年度的政务公开工作要点已存在，请在列表中打开它。")
        plan = Plan.objects.create(
            organization=organization,
            year=year,
            title=title.strip() or default_title(organization, year),
            source_name=source_name[:255],
            created_by=by,
        )
        audit.record(
            plan,
            actor=by,
            action="create",
            to_state=S.DRAFT.label,
            comment=f"从“{source_name}”导入" if source_name else "",
        )
    return plan


def _move(plan: Plan, to: str, *, by, comment: str = "", **fields) -> Plan:
    if to not in TRANSITIONS[plan.status]:
        if plan.status == S.PUBLISHED:
            raise InvalidTransition("工作要点已发布，不能再改变状态。")
        raise InvalidTransition(f"工作要点当前状态为“{plan.get_status_display()}”，不能改为“{PlanStatus(to).label}”。")
    before = plan.get_status_display()
    plan.status = to
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save(update_fields=["status", *fields])
    audit.record(
        plan, actor=by, action="transition", from_state=before, to_state=plan.get_status_display(), comment=comment
    )
    return plan


def check_complete(plan: Plan) -> None:
    """A plan can be approved only with tasks, each with its text and at least one lead unit."""
    tasks = list(plan.tasks.order_by("number").values_list("pk", "number"))
    if not tasks:
        raise DomainError("工作要点还没有任务，不能批准。请先导入或填写任务。")
    led = set(TaskUnit.objects.filter(task__plan=plan, role=UnitRole.LEAD).values_list("task_id", flat=True))
    missing = [str(number) for pk, number in tasks if pk not in led]
    if missing:
        raise DomainError(f"第{'、'.join(missing)}项任务没有牵头单位，不能批准。")


def approve(plan: Plan, *, by, comment: str = "") -> Plan:
    """草稿 → 已批准, by the office head of the plan's organization."""
    with transaction.atomic():
        plan = _lock(plan)
        require_role(by, plan.organization, APPROVE_ROLES, "批准工作要点")
        if plan.status == S.DRAFT:
            check_complete(plan)
        return _move(plan, S.APPROVED, by=by, comment=comment, approved_by=by, approved_at=timezone.now())


def return_to_draft(plan: Plan, *, by, reason: str) -> Plan:
    """已批准 → 草稿 with a reason, by the office head."""
    with transaction.atomic():
        plan = _lock(plan)
        require_role(by, plan.organization, APPROVE_ROLES, "退回工作要点")
        if not reason.strip():
            raise DomainError("请填写退回理由。")
        return _move(plan, S.DRAFT, by=by, comment=reason.strip(), approved_by=None, approved_at=None)


def publish(plan: Plan, *, by) -> Plan:
    """已批准 → 已发布, by the office head: the plan and its tasks become public."""
    with transaction.atomic():
        plan = _lock(plan)
        require_role(by, plan.organization, APPROVE_ROLES, "发布工作要点")
        return _move(plan, S.PUBLISHED, by=by, published_by=by, published_at=timezone.now())


def set_units(task: Task, *, leads: Sequence[Organization], supports: Sequence[Organization], by) -> None:
    """Replace the lead and cooperating units of a task of a draft plan (in the order given)."""
    require_draft(task.plan)
    require_role(by, task.plan.organization, EDIT_ROLES, "修改工作任务")
    if not leads:
        raise DomainError(f"第{task.number}项任务须至少有一个牵头单位。")
    both = [org.name for org in leads if org in supports]
    if both:
        raise DomainError(f"第{task.number}项任务中，{'、'.join(both)}不能既是牵头单位又是配合单位。")
    with transaction.atomic():
        TaskUnit.objects.filter(task=task).delete()
        TaskUnit.objects.bulk_create(
            [TaskUnit(task=task, organization=org, role=UnitRole.LEAD, position=i) for i, org in enumerate(leads)]
            + [
                TaskUnit(task=task, organization=org, role=UnitRole.SUPPORT, position=i)
                for i, org in enumerate(supports)
            ]
        )


# Progress ---------------------------------------------------------------------------------------------


def lead_units(task: Task) -> list[Organization]:
    return [unit.organization for unit in task.units.filter(role=UnitRole.LEAD).select_related("organization")]


def clean_percent(value) -> int | None:
    """A percentage 0–100 (whole number) or None; text as typed (“60”, “60%”, full-width digits) accepted."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DomainError("完成进度应为0到100之间的整数。")
    text = str(value).strip().rstrip("%％").strip()
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    try:
        number = int(text)
    except ValueError:
        raise DomainError("完成进度应为0到100之间的整数。") from None
    if not 0 <= number <= 100:
        raise DomainError(f"完成进度应为0到100之间的整数，不能是{number}。")
    return number


def check_progress(
    task: Task,
    *,
    organization: Organization,
    by,
    on: dt.date,
    state: str,
    percent,
    text: str,
    reason: str,
    today: dt.date | None = None,
) -> int | None:
    """Check an update before it is written (forms call this to show the message beside the fields);
    returns the cleaned percentage. Raises DomainError or NotAllowed with the reason."""
    today = today or timezone.localdate()
    plan = task.plan
    if plan.status != S.PUBLISHED:
        raise DomainError("工作要点发布后才能填报任务进展。")
    leads = lead_units(task)
    if organization not in leads:
        names = "、".join(org.name for org in leads) or "（未指定）"
        raise NotAllowed(
            f"{organization}不是第{task.number}项任务的牵头单位，不能填报进展。该任务的牵头单位是：{names}。"
        )
    if not scoping.has_role(by, organization, PROGRESS_ROLES):
        raise NotAllowed(f"只有{organization}（牵头单位）的工作人员可以填报第{task.number}项任务的进展。")
    try:
        state = ProgressState(state)
    except ValueError:
        raise DomainError("请选择完成状态：未开始、推进中、已完成或延期。") from None
    cleaned = clean_percent(percent)
    errors = []
    if on > today:
        errors.append(f"进展日期不能晚于今天（{today:%Y-%m-%d}）。")
    if not (text or "").strip():
        errors.append("请填写进展情况。")
    if state == ProgressState.DELAYED and not (reason or "").strip():
        errors.append("状态为“延期”时必须说明延期原因。")
    if state == ProgressState.DONE and cleaned is not None and cleaned != 100:
        errors.append(f"状态为“已完成”时完成进度应为100%，不能是{cleaned}%。")
    if state == ProgressState.NOT_STARTED and cleaned:
        errors.append("状态为“未开始”时完成进度应为0或不填。")
    if errors:
        raise DomainError("".join(errors))
    return cleaned


def record_progress(
    task: Task,
    *,
    organization: Organization,
    by,
    on: dt.date,
    state: str,
    text: str,
    percent=None,
    reason: str = "",
    today: dt.date | None = None,
) -> Progress:
    """A lead unit's update, waiting for review by the disclosure office."""
    with transaction.atomic():
        task = Task.objects.select_related("plan__organization").get(pk=task.pk)
        cleaned = check_progress(
            task,
            organization=organization,
            by=by,
            on=on,
            state=state,
            percent=percent,
            text=text,
            reason=reason,
            today=today,
        )
        progress = Progress.objects.create(
            task=task,
            organization=organization,
            on=on,
            state=state,
            percent=cleaned,
            text=text.strip(),
            reason=reason.strip() if state == ProgressState.DELAYED else "",
            entered_by=by,
        )
        audit.record(progress, actor=by, action="create", to_state=ReviewStatus.PENDING.label)
    return progress


def update_progress(
    progress: Progress, *, by, on: dt.date, state: str, text: str, percent=None, reason: str = "", today=None
) -> Progress:
    """Correct an update still waiting for review, or one returned (it waits for review again)."""
    with transaction.atomic():
        progress = Progress.objects.select_for_update().select_related("task__plan__organization").get(pk=progress.pk)
        if progress.status not in EDITABLE_PROGRESS:
            raise InvalidTransition("该进展已公开，不能修改；如有变化请填报新的进展。")
        cleaned = check_progress(
            progress.task,
            organization=progress.organization,
            by=by,
            on=on,
            state=state,
            percent=percent,
            text=text,
            reason=reason,
            today=today,
        )
        before = progress.get_status_display()
        progress.on, progress.state, progress.percent = on, state, cleaned
        progress.text = text.strip()
        progress.reason = reason.strip() if state == ProgressState.DELAYED else ""
        progress.status = ReviewStatus.PENDING
        progress.save(update_fields=["on", "state", "percent", "text", "reason", "status"])
        audit.record(
            progress,
            actor=by,
            action="change" if before == ReviewStatus.PENDING.label else "transition",
            from_state=before,
            to_state=progress.get_status_display(),
        )
    return progress


def _review(progress: Progress, to: str, *, by, note: str) -> Progress:
    with transaction.atomic():
        progress = Progress.objects.select_for_update().select_related("task__plan__organization").get(pk=progress.pk)
        plan = progress.task.plan
        require_role(by, plan.organization, REVIEW_ROLES, "审核工作进展")
        if progress.status != ReviewStatus.PENDING:
            raise InvalidTransition(f"该进展当前为“{progress.get_status_display()}”，只有待审核的进展可以审核。")
        if progress.entered_by_id == getattr(by, "pk", None):
            raise NotAllowed("不能审核自己填报的进展，请由其他审核人审核。")
        before = progress.get_status_display()
        progress.status, progress.reviewed_by, progress.reviewed_at = to, by, timezone.now()
        progress.review_note = note.strip()
        progress.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        audit.record(
            progress,
            actor=by,
            action="transition",
            from_state=before,
            to_state=progress.get_status_display(),
            comment=progress.review_note,
        )
    return progress


def publish_progress(progress: Progress, *, by, note: str = "") -> Progress:
    """待审核 → 已公开, by a 审核人 of the plan's organization (the disclosure office)."""
    return _review(progress, ReviewStatus.PUBLISHED, by=by, note=note)


def return_progress(progress: Progress, *, by, note: str) -> Progress:
    """待审核 → 已退回 with the reviewer's note; the lead unit corrects it and it waits for review again."""
    if not (note or "").strip():
        raise DomainError("请填写退回理由。")
    return _review(progress, ReviewStatus.RETURNED, by=by, note=note)


# Notes by cooperating units ---------------------------------------------------------------------------


def check_note(task: Task, *, organization: Organization, by, text: str) -> None:
    if task.plan.status != S.PUBLISHED:
        raise DomainError("工作要点发布后才能添加备注。")
    supports = {u.organization_id for u in task.units.all() if u.role == UnitRole.SUPPORT}
    if organization.pk not in supports:
        raise NotAllowed(f"{organization}不是第{task.number}项任务的配合单位，不能添加配合单位备注。")
    if not scoping.has_role(by, organization, NOTE_ROLES):
        raise NotAllowed(f"只有{organization}的工作人员可以以该单位名义添加备注。")
    if not (text or "").strip():
        raise DomainError("请填写备注内容。")


def add_note(task: Task, *, organization: Organization, by, text: str) -> TaskNote:
    with transaction.atomic():
        task = Task.objects.select_related("plan__organization").get(pk=task.pk)
        check_note(task, organization=organization, by=by, text=text)
        note = TaskNote.objects.create(task=task, organization=organization, text=text.strip(), created_by=by)
        audit.record(note, actor=by, action="create")
    return note
