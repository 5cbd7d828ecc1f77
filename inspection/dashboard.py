"""The website inspection on the back-office home page: one row per check and organization, scoped to the
staff member's organizations, each linking to the admin page where the findings are fixed.

The cheap checks run on each view; the link check reads every item body, so the panel shows the result
of the last `manage.py inspect_site` over all organizations (kept in the cache, shared by the servers).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from disclosure_site import scoping

from . import checks


def _group_url(findings: list[checks.Finding]) -> str:
    """One object: its own page; several (all of one model): that model's list showing just them."""
    ids = sorted({f.object_id for f in findings if f.object_id is not None})
    if len(ids) == 1:
        return findings[0].admin_url
    app_label, model = findings[0].admin_model.split(".")
    shown = ",".join(str(pk) for pk in ids[: checks.ID_LIST_LIMIT])
    return f"{reverse(f'admin:{app_label}_{model}_changelist')}?id__in={shown}"


def _rows(results: list[checks.CheckResult]) -> list[tuple[str, int, str]]:
    rows = []
    for result in results:
        singles, groups = [], {}
        for finding in result.findings:
            if finding.object_id is None:
                singles.append(finding)
            else:
                groups.setdefault((finding.organization, finding.admin_model), []).append(finding)
        for finding in sorted(singles, key=lambda f: f.organization):
            prefix = f"{finding.organization}：" if finding.organization else ""
            if finding.kind == "too_many_empty_columns":
                # The 5-or-more rule fails the inspection by itself: a row of its own, counting the columns.
                count = sum(1 for f in result.findings if f.object_id and f.organization_id == finding.organization_id)
                rows.append((f"{prefix}空白栏目达到{checks.EMPTY_COLUMNS_LIMIT}个（不合格）", count, finding.admin_url))
            else:
                rows.append((f"{prefix}{result.title}（{finding.object}）", 1, finding.admin_url))
        for (organization, _), findings in sorted(groups.items()):
            prefix = f"{organization}：" if organization else ""
            rows.append((f"{prefix}{result.title}", len(findings), _group_url(findings)))
    return rows


def panels(request) -> list[dict]:
    user = request.user
    if scoping.is_system_admin(user):
        scope = None
    else:
        scope = list(scoping.scope_organizations(user).values_list("pk", flat=True))
    results = checks.run(scope, live_only=True)
    stored = checks.stored_link_result()
    if stored is None:
        when = "链接检查尚未运行，请每日执行 manage.py inspect_site"
    else:
        checked_at, links = stored
        when = f"失效链接为{timezone.localtime(checked_at):%m月%d日 %H:%M}的检查结果"
        if scope is not None:
            allowed = set(scope)
            links.findings = [f for f in links.findings if f.organization_id in allowed]
        results.insert(0, links)
    return [
        {
            "title": f"网站检查（政府网站检查指标；{when}）",
            "rows": _rows(results),
            "empty": "未发现网站检查指标中的问题。",
        }
    ]
