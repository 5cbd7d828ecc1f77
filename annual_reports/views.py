"""Public pages of yearly reports: the list by organization and year, one report, its downloads.
Only published revisions are public, and everything shown comes from their frozen snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from disclosure_site.models import Organization

from . import exports
from .models import Report, ReportStatus


@dataclass
class Node:
    """An active organization with its published reports (latest revision per year, newest first)
    and its child organizations, so the list nests in markup as the organization tree does."""

    organization: Organization
    reports: list[Report] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


def _published():
    return Report.objects.filter(status=ReportStatus.PUBLISHED)


@require_GET
def report_list(request):
    """Every active organization in tree order with its published reports (two queries)."""
    latest: dict[tuple[int, int], Report] = {}
    for report in _published().defer("snapshot", "statistics", "facts", "narrative").order_by("revision"):
        latest[(report.organization_id, report.year)] = report
    by_org: dict[int, list[Report]] = {}
    for (org_id, _year), report in sorted(latest.items(), key=lambda kv: -kv[0][1]):
        by_org.setdefault(org_id, []).append(report)
    roots: list[Node] = []
    stack: list[Node] = []
    for org in Organization.objects.filter(is_active=True).order_by("tree_id", "lft"):
        while stack and not (stack[-1].organization.tree_id == org.tree_id and stack[-1].organization.rght > org.rght):
            stack.pop()
        node = Node(org, by_org.get(org.pk, []))
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return render(
        request,
        "annual_reports/report_list.html",
        {"organizations": roots, "any_published": bool(latest), "exports": exports.FORMATS},
    )


def _get_published(pk: int) -> Report:
    return get_object_or_404(_published().select_related("organization"), pk=pk)


@require_GET
def report_detail(request, pk: int):
    report = _get_published(pk)
    revisions = list(
        _published()
        .filter(organization_id=report.organization_id, year=report.year)
        .order_by("revision")
        .only("pk", "revision", "published_at", "correction_note", "organization_id", "year")
    )
    latest = revisions[-1]
    return render(
        request,
        "annual_reports/report_detail.html",
        {
            "report": report,
            "document": report.snapshot,
            "revisions": revisions,
            "latest": latest if latest.pk != report.pk else None,
            "exports": exports.FORMATS,
        },
    )


@require_GET
def report_download(request, pk: int, kind: str):
    if kind not in exports.FORMATS:
        raise Http404("没有这种下载格式。")
    report = _get_published(pk)
    content, content_type, name = exports.export(report.snapshot, kind)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = exports.content_disposition(name)
    return response
