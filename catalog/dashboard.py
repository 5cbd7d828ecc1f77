"""The catalog's panels on the back-office home page, scoped to the staff member's organizations."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from disclosure_site import scoping
from disclosure_site.models import Organization

from . import stats


def panels(request) -> list[dict]:
    organizations = scoping.scope_organizations(request.user)
    today = timezone.localdate()
    items_url = reverse("admin:catalog_item_changelist")
    workflow = stats.workflow_counts(organizations)
    late = stats.counts_by_organization(stats.late_items(organizations, today.year))
    missing = stats.counts_by_organization(stats.normative_without_interpretation(organizations, today))
    names = dict(Organization.objects.filter(pk__in=[*late, *missing]).values_list("pk", "name"))
    return [
        {
            "title": "主动公开待办",
            "rows": [
                ("待审核的信息", workflow["pending"], f"{items_url}?status__exact=pending"),
                ("草稿", workflow["draft"], f"{items_url}?status__exact=draft"),
                ("待定时发布", workflow["scheduled"], f"{items_url}?status__exact=scheduled"),
            ],
        },
        {
            "title": f"{today.year}年超期发布的信息（成文后超过20个工作日）",
            "rows": [
                (names[pk], n, f"{items_url}?organization__id__exact={pk}&is_late__exact=1") for pk, n in late.items()
            ],
            "empty": "没有超期发布的信息。",
        },
        {
            "title": "未按时发布政策解读的行政规范性文件",
            "rows": [
                (names[pk], n, f"{items_url}?organization__id__exact={pk}&document_type__exact=normative")
                for pk, n in missing.items()
            ],
            "empty": "所有行政规范性文件均已发布解读。",
        },
    ]
