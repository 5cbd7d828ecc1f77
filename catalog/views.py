"""The public disclosure section (主动公开): entries, guides, the 公开目录 with counts, lists and item pages.

Only published items appear anywhere here. Every list runs a fixed number of queries whatever its
length, shows the catalog columns of 条例 第十二条 (索引号, 名称, 内容概述, 生成日期) and the date it was
last updated (a page without a visible date counts as not updated in the website inspection).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from disclosure_site.models import Organization

from .cache import cached_public_page
from .filters import ItemFilter, is_id, published_items, subtree_ids
from .models import Category, Guide, Item, ItemStatus
from .pagination import CappedPaginator

PAGE_SIZE = 20
LATEST_COUNT = 10
# The standard entries of a disclosure section, in the order a citizen expects them (DESIGN.md).
ENTRY_KINDS = (Category.Kind.GUIDE, Category.Kind.RULES, Category.Kind.PROACTIVE, Category.Kind.REPORTS)


# Helpers ---------------------------------------------------------------------------------------------


def _organization(organization_id: int) -> Organization:
    return get_object_or_404(Organization, pk=organization_id, is_active=True)


def _list_rows(queryset: QuerySet[Item]) -> QuerySet[Item]:
    """What a list row shows, fetched with the row (no query per row)."""
    return queryset.select_related("organization").only(
        "pk",
        "title",
        "index_number",
        "summary",
        "written_date",
        "published_at",
        "validity",
        "document_type",
        "organization__name",
    )


@dataclass
class Listing:
    """One page of a list, with what the template says around it."""

    page: Page
    last_updated: dt.datetime | None
    note: str = ""  # a friendly word when the page asked for did not exist

    @property
    def page_range(self):
        return self.page.paginator.get_elided_page_range(self.page.number, on_each_side=2, on_ends=1)


def paginate(request: HttpRequest, queryset: QuerySet[Item]) -> Listing:
    """The page asked for, 20 rows; a page number that is not a number or past the end is explained, not a 500."""
    paginator = CappedPaginator(_list_rows(queryset), PAGE_SIZE)
    raw = request.GET.get("page", "1").strip() or "1"
    note = ""
    if not is_id(raw) or int(raw) < 1:
        number = 1
        note = f"页码“{raw}”无效，已显示第 1 页。"
    else:
        number = int(raw)
        if number > paginator.num_pages and paginator.capped:
            note = (
                f"结果超过 {paginator.COUNT_CAP} 条，只能翻阅前 {paginator.num_pages} 页，已显示第 {paginator.num_pages} 页；"
                "请用筛选条件缩小范围。"
            )
            number = paginator.num_pages
        elif number > paginator.num_pages:
            note = f"共 {paginator.num_pages} 页，没有第 {number} 页，已显示最后一页。"
            number = paginator.num_pages
    page = paginator.page(number)
    return Listing(page=page, last_updated=_last_updated(queryset, page), note=note)


def _last_updated(queryset: QuerySet[Item], page: Page | None = None) -> dt.datetime | None:
    """The newest publication date of the list (the lists are in that order, so page 1 already has it)."""
    if page is not None and page.number == 1:
        rows = list(page.object_list)
        return rows[0].published_at if rows else None
    return queryset.order_by("-published_at").values_list("published_at", flat=True).first()


@dataclass
class CatalogNode:
    category: Category
    total: int = 0  # published items in this column and its subcolumns
    children: list[CatalogNode] = field(default_factory=list)


def catalog_tree(organization: Organization) -> dict[int, CatalogNode]:
    """The organization's active columns with published-item counts (subcolumns included), by id.

    Two queries: the columns, and one GROUP BY over the organization's published items.
    """
    categories = list(Category.objects.filter(organization=organization, is_active=True).order_by("tree_id", "lft"))
    own = Counter(
        {
            row["category"]: row["n"]
            for row in published_items()
            .filter(organization=organization)
            .order_by()
            .values("category")
            .annotate(n=Count("pk"))
        }
    )
    nodes = {c.pk: CatalogNode(c, own[c.pk]) for c in categories}
    # Columns come in tree order, so each total can be pushed up to every ancestor still on the stack.
    stack: list[CatalogNode] = []
    for category in categories:
        node = nodes[category.pk]
        while stack and stack[-1].category.rght < category.lft:
            stack.pop()
        if stack and category.parent_id == stack[-1].category.pk:
            stack[-1].children.append(node)
        for ancestor in stack:
            ancestor.total += own[category.pk]
        stack.append(node)
    return nodes


def _roots(nodes: dict[int, CatalogNode]) -> list[CatalogNode]:
    """The first level of the catalog (the children of the organization's root column)."""
    root = next((n for n in nodes.values() if n.category.kind == Category.Kind.ROOT), None)
    if root is not None:
        return root.children
    return [n for n in nodes.values() if n.category.parent_id is None]


def current_guide(organization: Organization) -> Guide | None:
    """The guide in force: the latest published version whose effective date has come."""
    return (
        Guide.objects.filter(organization=organization, is_published=True, effective_date__lte=timezone.localdate())
        .order_by("-effective_date")
        .first()
    )


def _filter_context(filterset: ItemFilter) -> dict:
    return {"filter": filterset, "form": filterset.form}


def _render_filtered_list(request: HttpRequest, template: str, filterset: ItemFilter, context: dict) -> HttpResponse:
    """Render a filtered list, or the form with its Chinese error messages (400) for bad filter values."""
    context.update(_filter_context(filterset))
    if filterset.is_bound and not filterset.form.is_valid():
        return render(request, template, {**context, "listing": None}, status=400)
    context["listing"] = paginate(request, filterset.qs)
    return render(request, template, context)


# Section pages -----------------------------------------------------------------------------------------


@require_safe
@cached_public_page
def guide_index(request: HttpRequest) -> HttpResponse:
    """政府信息公开指南: every organization with the date of the guide now in force."""
    in_force = Guide.objects.filter(
        organization=OuterRef("pk"), is_published=True, effective_date__lte=timezone.localdate()
    ).order_by("-effective_date")
    organizations = list(
        Organization.objects.filter(is_active=True)
        .annotate(guide_date=Subquery(in_force.values("effective_date")[:1]))
        .order_by("tree_id", "lft")
    )
    dates = [org.guide_date for org in organizations if org.guide_date]
    return render(
        request,
        "catalog/guide_index.html",
        {"organizations": organizations, "last_updated": max(dates, default=None)},
    )


@require_safe
@cached_public_page
def proactive(request: HttpRequest) -> HttpResponse:
    """法定主动公开内容: the catalog of each organization, and the newest items across the government."""
    organizations = list(Organization.objects.filter(is_active=True).order_by("tree_id", "lft"))
    columns = {
        c.organization_id: c
        for c in Category.objects.filter(
            organization__in=organizations, kind=Category.Kind.PROACTIVE, level=1, is_active=True
        )
    }
    for org in organizations:
        org.proactive_column = columns.get(org.pk)
    latest = list(_list_rows(published_items().filter(category__kind=Category.Kind.PROACTIVE))[:LATEST_COUNT])
    return render(
        request,
        "catalog/proactive.html",
        {
            "organizations": organizations,
            "items": latest,
            "last_updated": latest[0].published_at if latest else None,
        },
    )


@require_safe
@cached_public_page
def organization_home(request: HttpRequest, organization_id: int) -> HttpResponse:
    """An organization's disclosure section: the four entries, the latest items and its 公开目录 with counts."""
    organization = _organization(organization_id)
    nodes = catalog_tree(organization)
    roots = _roots(nodes)
    entries = []
    for kind in ENTRY_KINDS:
        node = next((n for n in roots if n.category.kind == kind), None)
        if node is not None:
            entries.append(node)
    latest = list(_list_rows(published_items().filter(organization_id__in=subtree_ids(organization)))[:LATEST_COUNT])
    return render(
        request,
        "catalog/organization.html",
        {
            "org": organization,
            "guide": current_guide(organization),
            "entries": entries,
            "roots": roots,
            "items": latest,
            "last_updated": latest[0].published_at if latest else None,
            "children": organization.get_children().filter(is_active=True),
            "ancestors": organization.get_ancestors().filter(is_active=True),
        },
    )


@require_safe
@cached_public_page
def category(request: HttpRequest, organization_id: int, pk: int) -> HttpResponse:
    """A column of the 公开目录: its subcolumns with counts and its items (subcolumns included), filtered."""
    organization = _organization(organization_id)
    column = get_object_or_404(Category, pk=pk, organization=organization, is_active=True)
    if column.kind == Category.Kind.ROOT:
        return redirect("catalog:organization", organization_id=organization.pk)
    nodes = catalog_tree(organization)
    node = nodes[column.pk]
    queryset = published_items().filter(category_id__in=subtree_ids(column))
    filterset = ItemFilter(request.GET or None, queryset=queryset, fixed=("organization", "category"))
    return _render_filtered_list(
        request,
        "catalog/category.html",
        filterset,
        {
            "org": organization,
            "column": column,
            "node": node,
            "ancestors": [a for a in column.get_ancestors() if a.kind != Category.Kind.ROOT],
        },
    )


@require_safe
@cached_public_page
def item_list(request: HttpRequest) -> HttpResponse:
    """All published items, newest first, filtered by organization, column, subject, type, year, validity."""
    filterset = ItemFilter(request.GET or None)
    return _render_filtered_list(request, "catalog/item_list.html", filterset, {})


@require_safe
@cached_public_page
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An item with its metadata block, body, attachments, and its policy / interpretation links.

    A draft, pending, scheduled or withdrawn item is a 404 like any missing page.
    """
    item = get_object_or_404(
        published_items().select_related("organization", "category", "subject__parent", "replaced_by"), pk=pk
    )
    linked = published_items().only("pk", "title", "index_number", "published_at").order_by("-published_at")
    replaced_by = item.replaced_by if item.replaced_by and item.replaced_by.status == ItemStatus.PUBLISHED else None
    return render(
        request,
        "catalog/item_detail.html",
        {
            "item": item,
            "org": item.organization,
            "ancestors": [a for a in item.category.get_ancestors(include_self=True) if a.kind != Category.Kind.ROOT],
            "attachments": item.attachments.filter(revision__isnull=True),
            "replaced_by": replaced_by,
            "replaces": linked.filter(replaced_by=item),
            "policies": linked.filter(interpretations=item),
            "interpretations": linked.filter(interprets=item),
        },
    )


# Guides --------------------------------------------------------------------------------------------------


@require_safe
@cached_public_page
def guide(request: HttpRequest, organization_id: int) -> HttpResponse:
    """The organization's guide in force, printable, with its earlier versions listed by date."""
    organization = _organization(organization_id)
    current = current_guide(organization)
    return _render_guide(request, organization, current, is_current=True)


@require_safe
@cached_public_page
def guide_version(request: HttpRequest, organization_id: int, pk: int) -> HttpResponse:
    """An earlier version of the guide, marked as no longer in force. Future or unpublished ones do not exist."""
    organization = _organization(organization_id)
    version = get_object_or_404(
        Guide,
        pk=pk,
        organization=organization,
        is_published=True,
        effective_date__lte=timezone.localdate(),
    )
    current = current_guide(organization)
    if current is not None and current.pk == version.pk:
        return redirect("catalog:guide", organization_id=organization.pk)
    return _render_guide(request, organization, version, is_current=False, current=current)


def _render_guide(request, organization, shown: Guide | None, *, is_current: bool, current: Guide | None = None):
    versions = list(
        Guide.objects.filter(organization=organization, is_published=True, effective_date__lte=timezone.localdate())
        .order_by("-effective_date")
        .only("pk", "effective_date", "organization_id")
    )
    return render(
        request,
        "catalog/guide.html",
        {
            "org": organization,
            "guide": shown,
            "is_current": is_current,
            "current": current if not is_current else shown,
            "versions": versions,
        },
    )
