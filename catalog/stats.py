"""Numbers about proactive disclosure that other parts read (the dashboard, the yearly report).

Plain SQL aggregates over a set of organizations; callers pass the organizations (a subtree, or a
staff member's scope) and get dictionaries or dataclasses back, never model instances to loop over.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from disclosure_site.models import Organization

from .models import DocumentType, Item, ItemStatus


def _published(organizations: QuerySet[Organization]):
    return Item.objects.filter(organization__in=organizations, status=ItemStatus.PUBLISHED)


def late_items(organizations: QuerySet[Organization], year: int) -> QuerySet[Item]:
    """Items published in year more than 20 working days after their 成文日期 (条例 第二十六条)."""
    return _published(organizations).filter(published_at__year=year, is_late=True)


def normative_without_interpretation(organizations: QuerySet[Organization], today: dt.date) -> QuerySet[Item]:
    """行政规范性文件 past their interpretation due date with no published 政策解读 linked to them."""
    interpreted = Item.objects.filter(
        interprets=OuterRef("pk"), status=ItemStatus.PUBLISHED, document_type=DocumentType.INTERPRETATION
    )
    return (
        _published(organizations)
        .filter(document_type=DocumentType.NORMATIVE, interpretation_due__lt=today)
        .exclude(Exists(interpreted))
    )


def counts_by_organization(items: QuerySet[Item]) -> dict[int, int]:
    """{organization id: number of items} in one GROUP BY."""
    return dict(items.order_by().values_list("organization").annotate(n=Count("pk")).values_list("organization", "n"))


def workflow_counts(organizations: QuerySet[Organization]) -> dict[str, int]:
    """How many items wait in each workflow state, in one query."""
    return Item.objects.filter(organization__in=organizations).aggregate(
        draft=Count("pk", filter=Q(status=ItemStatus.DRAFT)),
        pending=Count("pk", filter=Q(status=ItemStatus.PENDING)),
        scheduled=Count("pk", filter=Q(status=ItemStatus.SCHEDULED)),
    )
