"""Yearly reports on the back-office home page: last year's report of every organization in the user's
scope that is not yet published, with its deadline (条例 第四十九条: 31 January for a department,
31 March for the government-level report). Two queries, whatever the number of organizations."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from disclosure_site import scoping

from . import workflow
from .models import Report, ReportStatus

MAX_ROWS = 30


def rows(user, *, today=None) -> tuple[int, list[tuple[str, str, str]]]:
    today = today or timezone.localdate()
    year = today.year - 1
    organizations = list(scoping.scope_organizations(user).filter(is_active=True).order_by("tree_id", "lft"))
    reports = {}
    for report in Report.objects.filter(organization__in=[o.pk for o in organizations], year=year).order_by("revision"):
        reports[report.organization_id] = report  # the latest revision wins
    url = reverse("admin:annual_reports_report_changelist")
    result = []
    for org in organizations:
        report = reports.get(org.pk)
        if report is not None and report.status == ReportStatus.PUBLISHED:
            continue
        scope = report.scope if report else workflow.default_scope(org)
        due = workflow.deadline(year, scope)
        state = report.get_status_display() if report else "未编制"
        left = (due - today).days
        when = f"已逾期{-left}天" if left < 0 else f"剩余{left}天"
        link = reverse("admin:annual_reports_report_change", args=[report.pk]) if report else f"{url}add/"
        result.append((f"{org.name}：{state}（{due:%m月%d日}前发布）", when, link))
    return year, result


def panels(request) -> list[dict]:
    year, found = rows(request.user)
    shown = found[:MAX_ROWS]
    if len(found) > MAX_ROWS:
        shown.append((f"另有{len(found) - MAX_ROWS}个机构", "…", reverse("admin:annual_reports_report_changelist")))
    return [
        {
            "title": f"{year}年度政府信息公开工作年度报告（部门1月31日前、本级政府3月31日前发布）",
            "rows": shown,
            "empty": f"{year}年度报告均已发布。",
        }
    ]
