"""Work plans on the back-office home page, scoped to the staff member's organizations: plans not yet
published, progress waiting for the disclosure office (for its reviewers), and tasks past their due
date that the user's units lead and have not reported done. A constant number of queries."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from disclosure_site import scoping

from . import public, workflow
from .models import Plan, PlanStatus, Progress, ProgressState, ReviewStatus, Task, UnitRole


def panels(request) -> list[dict]:
    user = request.user
    today = timezone.localdate()
    allowed = list(scoping.scope_organizations(user).values_list("pk", flat=True))
    reviewers = list(scoping.scope_organizations(user, workflow.REVIEW_ROLES).values_list("pk", flat=True))
    plans_url = reverse("admin:workplans_plan_changelist")
    plans = dict(
        Plan.objects.filter(organization__in=allowed)
        .exclude(status=PlanStatus.PUBLISHED)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    overdue = (
        public.with_latest(
            Task.objects.filter(
                plan__status=PlanStatus.PUBLISHED,
                due_on__lt=today,
                units__role=UnitRole.LEAD,
                units__organization__in=allowed,
            )
        )
        .exclude(current_state=ProgressState.DONE)
        .distinct()
        .count()
    )
    rows = [
        ("草稿", plans.get(PlanStatus.DRAFT, 0), f"{plans_url}?status__exact=draft"),
        ("已批准、待发布", plans.get(PlanStatus.APPROVED, 0), f"{plans_url}?status__exact=approved"),
    ]
    if reviewers:
        pending = Progress.objects.filter(status=ReviewStatus.PENDING, task__plan__organization__in=reviewers).count()
        rows.append(
            ("待审核的工作进展", pending, reverse("admin:workplans_progress_changelist") + "?status__exact=pending")
        )
    rows.append(("已过完成时限、尚未完成的牵头任务", overdue, reverse("admin:workplans_task_changelist")))
    return [{"title": "政务公开工作要点", "rows": rows}]
