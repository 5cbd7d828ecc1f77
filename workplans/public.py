"""What the public sees of work plans: published plans, their tasks with units and latest published
progress, and the tasks an organization leads or supports. A constant number of queries per page:
the latest published progress of every task is picked in SQL (a subquery), not per task in Python."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from disclosure_site.models import Organization

from .models import Heading, Plan, PlanStatus, Progress, ProgressState, ReviewStatus, Task, TaskUnit, UnitRole


def published_plans() -> QuerySet[Plan]:
    return Plan.objects.filter(status=PlanStatus.PUBLISHED)


def latest_published(task_ref: str = "pk") -> QuerySet[Progress]:
    """The published progress of the task OuterRef(task_ref), latest first (by its date, then review)."""
    return Progress.objects.filter(task=OuterRef(task_ref), status=ReviewStatus.PUBLISHED).order_by(
        "-on", "-reviewed_at", "-id"
    )


def with_latest(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Tasks annotated with latest_progress_id and current_state (未开始 when nothing is published yet)."""
    latest = latest_published()
    return tasks.annotate(
        latest_progress_id=Subquery(latest.values("pk")[:1]),
        current_state=Coalesce(Subquery(latest.values("state")[:1]), Value(ProgressState.NOT_STARTED.value)),
    )


@dataclass
class TaskRow:
    task: Task
    leads: list[Organization]
    supports: list[Organization]
    progress: Progress | None
    state: ProgressState

    @property
    def state_label(self) -> str:
        return self.state.label


@dataclass
class HeadingGroup:
    heading: Heading | None
    rows: list[TaskRow] = field(default_factory=list)


def _units():
    return Prefetch(
        "units", queryset=TaskUnit.objects.select_related("organization").order_by("role", "position", "id")
    )


def task_rows(tasks: QuerySet[Task]) -> list[TaskRow]:
    """TaskRows for tasks (already filtered and ordered): three queries whatever their number."""
    found = list(with_latest(tasks).prefetch_related(_units()))
    progress = Progress.objects.in_bulk([t.latest_progress_id for t in found if t.latest_progress_id])
    rows = []
    for task in found:
        units = list(task.units.all())
        rows.append(
            TaskRow(
                task=task,
                leads=[u.organization for u in units if u.role == UnitRole.LEAD],
                supports=[u.organization for u in units if u.role == UnitRole.SUPPORT],
                progress=progress.get(task.latest_progress_id),
                state=ProgressState(task.current_state),
            )
        )
    return rows


def plan_groups(plan: Plan, *, unit: Organization | None = None, state: str | None = None) -> list[HeadingGroup]:
    """The plan's tasks under their headings, optionally only those of a unit (lead or cooperating) and
    in a state (the state of the latest published progress)."""
    tasks = with_latest(plan.tasks.all())
    if unit is not None:
        tasks = tasks.filter(units__organization=unit)
    if state:
        tasks = tasks.filter(current_state=state)
    rows = task_rows(tasks.order_by("number"))
    headings = {h.pk: h for h in plan.headings.all()}
    groups: dict[int | None, HeadingGroup] = {}
    for row in rows:
        key = row.task.heading_id
        if key not in groups:
            groups[key] = HeadingGroup(headings.get(key))
        groups[key].rows.append(row)
    return list(groups.values())  # in the order of the tasks' numbers, as the plan reads


def plan_units(plan: Plan) -> list[Organization]:
    """The organizations named in the plan, in tree order (the unit filter's choices)."""
    return list(Organization.objects.filter(work_tasks__task__plan=plan).distinct().order_by("tree_id", "lft"))


@dataclass
class OrganizationTask:
    row: TaskRow
    role: UnitRole

    @property
    def plan(self) -> Plan:
        return self.row.task.plan


def organization_tasks(organization: Organization) -> list[OrganizationTask]:
    """The tasks of published plans organization leads or supports, newest plan first (four queries)."""
    roles = dict(
        TaskUnit.objects.filter(organization=organization, task__plan__status=PlanStatus.PUBLISHED).values_list(
            "task_id", "role"
        )
    )
    tasks = (
        Task.objects.filter(pk__in=list(roles))
        .select_related("plan__organization")
        .order_by("-plan__year", "plan__organization__tree_id", "plan__organization__lft", "number")
    )
    return [OrganizationTask(row, UnitRole(roles[row.task.pk])) for row in task_rows(tasks)]
