"""The public disclosure section: its home, its standard entries, organizations, and reading modes."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import module_has_submodule
from django.views.decorators.http import require_GET

from .context_processors import A11Y_CONTRAST_COOKIE, A11Y_TEXT_COOKIE
from .models import Organization

# The first-level entries of a disclosure section (reference/regulation.md), with what each holds.
# key: (title, description, URL name); guide and proactive are the catalog's pages.
SECTIONS = {
    "guide": ("政府信息公开指南", "各机关的公开指南：信息分类、获取方式、受理机构及联系方式。", "catalog:guide_index"),
    "rules": ("政府信息公开制度", "各机关的政府信息公开工作制度。", "disclosure_site:rules"),
    "proactive": (
        "法定主动公开内容",
        "依照《中华人民共和国政府信息公开条例》第二十条等规定应当主动公开的政府信息。",
        "catalog:proactive",
    ),
    "reports": ("政府信息公开年报", "各机关每年发布的政府信息公开工作年度报告。", "disclosure_site:reports"),
    "apply": ("依申请公开", "向各机关申请获取政府信息，查询申请办理进度。", "disclosure_site:apply"),
    # Pages of the work plans app (workplans), linked from the home page beside the entries above.
    "plans": (
        "政务公开工作要点",
        "各机关年度政务公开工作要点、任务分工和工作进展。",
        "disclosure_site:plans",
    ),
    "statistics": (
        "政务公开统计",
        "主动公开和依申请公开情况的图表与数据，按机构和年度查看。",
        "disclosure_site:statistics",
    ),
}

A11Y_MAX_AGE = 365 * 24 * 60 * 60


@dataclass
class OrganizationNode:
    organization: Organization
    children: list[OrganizationNode] = field(default_factory=list)


def _active_organizations() -> list[OrganizationNode]:
    """The active organizations as nested nodes (one query), so that lists show the hierarchy in markup,
    not only by indentation; a child of an inactive organization hangs under its nearest active ancestor."""
    roots: list[OrganizationNode] = []
    stack: list[OrganizationNode] = []
    for org in Organization.objects.filter(is_active=True).order_by("tree_id", "lft"):
        while stack and not (stack[-1].organization.tree_id == org.tree_id and stack[-1].organization.rght > org.rght):
            stack.pop()
        node = OrganizationNode(org)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


@require_GET
def home(request):
    return render(
        request,
        "disclosure_site/home.html",
        {"sections": list(SECTIONS.values()), "organizations": _active_organizations()},
    )


@require_GET
def section(request, key: str):
    title, description, _ = SECTIONS[key]
    return render(
        request,
        "disclosure_site/section.html",
        {"section_key": key, "title": title, "description": description, "organizations": _active_organizations()},
    )


def organization_panels(request, org: Organization) -> list[str]:
    """Sections other apps add to an organization's page: `<app>/organization_page.py` with
    `panels(request, organization)` returning HTML rendered by the app's own templates (render_to_string,
    autoescaped, safe strings), found like the dashboard panels so that this app imports none of them."""
    panels: list[str] = []
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "organization_page"):
            panels.extend(import_module(f"{app_config.name}.organization_page").panels(request, org))
    return panels


@require_GET
def organization(request, pk: int):
    org = get_object_or_404(Organization, pk=pk, is_active=True)
    return render(
        request,
        "disclosure_site/organization.html",
        {
            "org": org,
            "children": org.get_children().filter(is_active=True),
            "ancestors": org.get_ancestors(),
            "panels": organization_panels(request, org),
        },
    )


@require_GET
def reading_mode(request):
    """Switch large text or high contrast (适老化), remembered in a cookie; works without JavaScript."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("disclosure_site:home")
    response = HttpResponseRedirect(target)
    for param, cookie, on_value in (("text", A11Y_TEXT_COOKIE, "large"), ("contrast", A11Y_CONTRAST_COOKIE, "high")):
        value = request.GET.get(param)
        if value == on_value:
            response.set_cookie(cookie, on_value, max_age=A11Y_MAX_AGE, samesite="Lax", httponly=True)
        elif value == "normal":
            response.delete_cookie(cookie, samesite="Lax")
    return response
