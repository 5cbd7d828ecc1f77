"""The read-only JSON API (/api/v1/): organizations, catalog columns, published items, an item by index number.

Plain JsonResponse views. Lists share one envelope: {count, page, pages, next, previous, results}.
Items take the same filters as the public list pages (catalog/filters.py) and 20 per page; a bad filter
value or page number is a 400 with a Chinese message, an unknown index number a 404. Only published
items exist here. The fields are documented in the README.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from disclosure_site.models import Organization

from . import search_views
from .filters import ItemFilter, is_id, published_items
from .models import Category, Channel, Item, ItemStatus
from .pagination import CappedPaginator
from .search import engine
from .views import PAGE_SIZE

LOOKUP_PAGE_SIZE = 100  # organizations and columns: small tables, fetched whole in a request or two


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        data,
        status=status,
        json_dumps_params={"ensure_ascii": False, "indent": None},
        content_type="application/json; charset=utf-8",
    )
    # Public, read-only data without cookies: any site may read it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(error: ApiError) -> JsonResponse:
    body: dict = {"error": error.message}
    if error.errors:
        body["errors"] = error.errors
    return _json(body, status=error.status)


def api_view(view):
    """GET/HEAD only; an ApiError becomes its JSON answer."""

    @require_safe
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApiError as error:
            return _error(error)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _iso(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1").strip() or "1"
    if not is_id(raw) or int(raw) < 1:
        raise ApiError(400, "页码无效。", {"page": [f"页码应为正整数，收到的是“{raw}”。"]})
    return int(raw)


def _page_url(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginated(request: HttpRequest, queryset: QuerySet, serialize, *, per_page: int = PAGE_SIZE) -> JsonResponse:
    paginator = CappedPaginator(queryset, per_page)
    number = _page_number(request)
    if number > paginator.num_pages:
        raise ApiError(404, f"没有第 {number} 页，共 {paginator.num_pages} 页。")
    page = paginator.page(number)
    return _json(
        {
            "count": min(paginator.count, paginator.COUNT_CAP),
            "count_capped": paginator.capped,
            "page": page.number,
            "pages": paginator.num_pages,
            "next": _page_url(request, page.next_page_number()) if page.has_next() else None,
            "previous": _page_url(request, page.previous_page_number()) if page.has_previous() else None,
            "results": [serialize(request, row) for row in page.object_list],
        }
    )


# Serializers ---------------------------------------------------------------------------------------------


def organization_data(request: HttpRequest, org: Organization) -> dict:
    return {
        "id": org.pk,
        "name": org.name,
        "short_name": org.short_name,
        "kind": org.kind,
        "kind_label": org.get_kind_display(),
        "parent": org.parent_id,
        "level": org.level,
        "credit_code": org.credit_code,
        "address": org.address,
        "postcode": org.postcode,
        "phone": org.phone,
        "fax": org.fax,
        "email": org.email,
        "office_hours": org.office_hours,
        "website": org.website,
        "url": request.build_absolute_uri(reverse("catalog:organization", args=[org.pk])),
        "guide_url": request.build_absolute_uri(reverse("catalog:guide", args=[org.pk])),
    }


def category_data(request: HttpRequest, category: Category) -> dict:
    return {
        "id": category.pk,
        "organization": category.organization_id,
        "parent": category.parent_id,
        "code": category.code,
        "name": category.name,
        "kind": category.kind,
        "kind_label": category.get_kind_display(),
        "level": category.level,
        "description": category.description,
        "url": None if category.kind == Category.Kind.ROOT else request.build_absolute_uri(category.get_absolute_url()),
    }


def _item_ref(request: HttpRequest, item: Item) -> dict:
    return {
        "index_number": item.index_number,
        "title": item.title,
        "url": request.build_absolute_uri(item.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("catalog:api_item_by_index", args=[item.index_number])),
    }


def item_data(request: HttpRequest, item: Item) -> dict:
    subject = item.subject
    return {
        "id": item.pk,
        "index_number": item.index_number,
        "title": item.title,
        "summary": item.summary,
        "organization": {"id": item.organization_id, "name": item.organization.name},
        "category": {"id": item.category_id, "code": item.category.code, "name": item.category.name},
        "subject": None if subject is None else {"id": subject.pk, "code": subject.code, "name": str(subject)},
        "document_type": item.document_type,
        "document_type_label": item.get_document_type_display(),
        "document_number": item.document_number,
        "written_date": _iso(item.written_date),
        "published_at": _iso(item.published_at),
        "validity": item.validity,
        "validity_label": item.get_validity_display(),
        "validity_date": _iso(item.validity_date),
        "keywords": item.keywords,
        "url": request.build_absolute_uri(item.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("catalog:api_item_by_index", args=[item.index_number])),
    }


def item_detail_data(request: HttpRequest, item: Item) -> dict:
    linked = published_items().only("pk", "title", "index_number").order_by("-published_at")
    replaced_by = item.replaced_by if item.replaced_by and item.replaced_by.status == ItemStatus.PUBLISHED else None
    return {
        **item_data(request, item),
        "body": item.body,
        "channels": [
            {"code": code, "label": Channel(code).label if code in Channel.values else code} for code in item.channels
        ],
        "replaced_by": None if replaced_by is None else _item_ref(request, replaced_by),
        "interprets": [_item_ref(request, policy) for policy in linked.filter(interpretations=item)],
        "interpretations": [_item_ref(request, reading) for reading in linked.filter(interprets=item)],
        "attachments": [
            {
                "name": attachment.original_name,
                "kind": attachment.kind,
                "size": attachment.size,
                "url": request.build_absolute_uri(attachment.get_absolute_url()),
            }
            for attachment in item.attachments.filter(revision__isnull=True)
        ],
    }


def _item_rows(queryset: QuerySet[Item]) -> QuerySet[Item]:
    return queryset.select_related("organization", "category", "subject__parent")


# Views -------------------------------------------------------------------------------------------------


@api_view
def root(request: HttpRequest) -> JsonResponse:
    """What the API offers, as links."""
    # A URI template (RFC 6570): the braces must stay unescaped.
    by_index = request.build_absolute_uri(reverse("catalog:api_item_by_index", args=["_"])).removesuffix("_")
    return _json(
        {
            "organizations": request.build_absolute_uri(reverse("catalog:api_organizations")),
            "categories": request.build_absolute_uri(reverse("catalog:api_categories")),
            "items": request.build_absolute_uri(reverse("catalog:api_items")),
            "search": request.build_absolute_uri(reverse("catalog:api_search")) + "{?q,order,title_only,page}",
            "item_by_index_number": by_index + "{index_number}",
        }
    )


@api_view
def organizations(request: HttpRequest) -> JsonResponse:
    queryset = Organization.objects.filter(is_active=True).order_by("tree_id", "lft")
    return paginated(request, queryset, organization_data, per_page=LOOKUP_PAGE_SIZE)


@api_view
def categories(request: HttpRequest) -> JsonResponse:
    """The active columns, in tree order; ?organization=ID for one organization's 公开目录."""
    queryset = Category.objects.filter(is_active=True, organization__is_active=True).order_by("tree_id", "lft")
    raw = request.GET.get("organization", "").strip()
    if raw:
        if not is_id(raw):
            raise ApiError(
                400, "筛选条件有误。", {"organization": [f"发布机构应为机构编号（数字），收到的是“{raw}”。"]}
            )
        if not Organization.objects.filter(pk=raw, is_active=True).exists():
            raise ApiError(400, "筛选条件有误。", {"organization": ["所选发布机构不存在。"]})
        queryset = queryset.filter(organization_id=raw)
    return paginated(request, queryset, category_data, per_page=LOOKUP_PAGE_SIZE)


@api_view
def items(request: HttpRequest) -> JsonResponse:
    """Published items, newest first, with the filters of the list pages."""
    filterset = ItemFilter(request.GET or None)
    if filterset.is_bound and not filterset.form.is_valid():
        errors = {name: [str(message) for message in messages] for name, messages in filterset.form.errors.items()}
        raise ApiError(400, "筛选条件有误。", errors)
    return paginated(request, _item_rows(filterset.qs), item_data)


@api_view
def item_by_index(request: HttpRequest, index_number: str) -> JsonResponse:
    """One published item by its index number (unique within an organization; ?organization=ID when shared)."""
    queryset = _item_rows(published_items()).select_related("replaced_by").filter(index_number=index_number)
    raw = request.GET.get("organization", "").strip()
    if raw:
        if not is_id(raw):
            raise ApiError(
                400, "筛选条件有误。", {"organization": [f"发布机构应为机构编号（数字），收到的是“{raw}”。"]}
            )
        queryset = queryset.filter(organization_id=raw)
    found = list(queryset[:10])
    if not found:
        raise ApiError(404, f"没有索引号为“{index_number}”的已公开信息。")
    if len(found) > 1:
        raise ApiError(
            409,
            "多个机构使用了这个索引号，请加上 organization 参数指明发布机构。",
            {"organization": [f"{item.organization_id}：{item.organization.name}" for item in found]},
        )
    return _json(item_detail_data(request, found[0]))


@api_view
def search(request: HttpRequest) -> JsonResponse:
    """Full-text search, as on the search page: q, order (relevance or date), title_only, the list filters, page.

    Results carry the item fields plus `title_html` and `snippet_html`: escaped text with the matched
    words in <mark>. `count` is capped at 10000 (`count_capped`) or estimated (`count_approximate`).
    """
    arguments, form, filterset, _messages = search_views.parse_request(request)
    errors = {name: [str(m) for m in messages] for name, messages in (form.errors | filterset.form.errors).items()}
    if errors:
        raise ApiError(400, "检索参数有误。", errors)
    number = _page_number(request)
    result = engine.search(**{**arguments, "page": number})
    if result.page != number:
        raise ApiError(404, f"没有第 {number} 页，共 {result.num_pages} 页。")
    by_pk = {hit.item.pk: hit for hit in result.hits}
    return _json(
        {
            "count": result.total,
            "count_capped": result.capped,
            "count_approximate": result.approximate,
            "page": result.page,
            "pages": result.num_pages,
            "next": _page_url(request, result.page + 1) if result.has_next else None,
            "previous": _page_url(request, result.page - 1) if result.has_previous else None,
            "order": result.order,
            "notices": result.notices,
            "did_you_mean": None
            if not result.relaxed_total
            else {"q": result.query.raw, "count": result.relaxed_total, "without": "filters"},
            "facets": {
                "organizations": [
                    {"id": int(f.value), "name": f.label, "count": f.count} for f in result.organization_facets()
                ],
                "document_types": [{"code": f.value, "label": f.label, "count": f.count} for f in result.type_facets],
            },
            "results": [
                {
                    **item_data(request, hit.item),
                    "title_html": str(hit.title),
                    "snippet_html": str(hit.snippet),
                }
                for hit in (by_pk[pk] for pk in result.ids if pk in by_pk)
            ],
        }
    )
