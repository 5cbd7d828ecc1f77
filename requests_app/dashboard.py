"""On-request disclosure on the back-office home page: what needs doing, per organization.

Due dates come from InfoRequest.due_on, which the workflow and the daily command keep equal to the clock
of requests_app.deadlines; one GROUP BY query answers every row, whatever the number of applications.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from disclosure_site import scoping
from disclosure_site.errors import CalendarMissing
from disclosure_site.models import Organization

from . import deadlines
from .models import OPEN_STATUSES, InfoRequest, Status

COLUMNS = (
    ("pending", "待确认收到", "status__exact=pending"),
    ("due_soon", "5个工作日内到期", "clock=due_soon"),
    ("overdue", "已超期", "clock=overdue"),
    ("correcting", "待补正", "status__exact=correcting"),
    ("consulting", "征求意见中", "status__exact=consulting"),
    ("awaiting_fee", "待缴费", "status__exact=awaiting_fee"),
)


def counts(organizations, *, today=None) -> dict[int, dict[str, int]]:
    """{organization id: {column: count}} for the open applications of organizations (one query)."""
    today = today or timezone.localdate()
    try:
        soon = deadlines.due_soon_limit(today)
    except CalendarMissing:
        soon = today + timezone.timedelta(days=7)
    rows = (
        InfoRequest.objects.filter(organization__in=organizations, status__in=list(OPEN_STATUSES))
        .order_by()
        .values("organization")
        .annotate(
            pending=Count("pk", filter=Q(status=Status.PENDING)),
            due_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            correcting=Count("pk", filter=Q(status=Status.CORRECTING)),
            consulting=Count("pk", filter=Q(status=Status.CONSULTING)),
            awaiting_fee=Count("pk", filter=Q(status=Status.AWAITING_FEE)),
        )
    )
    return {row.pop("organization"): row for row in rows}


def panels(request) -> list[dict]:
    organizations = scoping.scope_organizations(request.user)
    table = counts(organizations)
    url = reverse("admin:requests_app_inforequest_changelist")
    names = dict(Organization.objects.filter(pk__in=list(table)).values_list("pk", "name"))
    rows = []
    for pk, row in sorted(table.items(), key=lambda kv: (-kv[1]["overdue"], names.get(kv[0], ""))):
        for key, label, query in COLUMNS:
            if row[key]:
                rows.append((f"{names[pk]}：{label}", row[key], f"{url}?organization__id__exact={pk}&{query}"))
    return [
        {
            "title": "依申请公开待办",
            "rows": rows,
            "empty": "没有未办结的政府信息公开申请。",
        }
    ]
