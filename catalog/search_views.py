"""The public search page (全文检索, 条例 第二十四条): the words, the list pages' filters, results with highlights.

Every value comes from the URL, so a search is bookmarkable. Bad input never fails the page: an
unknown organization, a filter value of the wrong type or a page number past the end are explained
on a normal page, and the search runs with what was valid.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote_plus, urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from .cache import cached_public_page
from .filters import ItemFilter, is_id
from .search import engine
from .search.query import MAX_LENGTH

ORDER_CHOICES = [("relevance", "按相关度"), ("date", "按发布日期（从新到旧）")]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="搜索词",
        required=False,
        help_text="多个词用空格分隔，须全部包含；用引号查找完整短语，如“政府信息公开”；在词前加减号排除，如 -决算。",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "maxlength": MAX_LENGTH * 5}),
    )
    order = forms.ChoiceField(
        label="排序",
        choices=ORDER_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "排序方式“%(value)s”无效，已按相关度排序。"},
    )
    title_only = forms.BooleanField(label="仅搜索标题", required=False)


def _page_number(request: HttpRequest) -> tuple[int, str]:
    raw = request.GET.get("page", "1").strip() or "1"
    if not is_id(raw) or int(raw) < 1:
        return 1, f"页码“{raw}”无效，已显示第 1 页。"
    return int(raw), ""


def parse_request(request: HttpRequest) -> tuple[dict, SearchForm, ItemFilter, list[str]]:
    """The search arguments from the URL, the two forms (for redisplay) and messages about bad values."""
    form = SearchForm(request.GET)
    form.is_valid()
    filterset = ItemFilter(request.GET or None)
    messages = []
    filters = engine.SearchFilters()
    if filterset.is_bound:
        if not filterset.form.is_valid():
            messages.append("部分筛选条件有误，已忽略这些条件，请按提示修改。")
        filters = engine.SearchFilters.from_cleaned_data(filterset.form.cleaned_data)
    if form.errors.get("order"):
        messages += form.errors["order"]
    page, note = _page_number(request)
    if note:
        messages.append(note)
    arguments = {
        "text": form.cleaned_data.get("q", ""),
        "filters": filters,
        "order": form.cleaned_data.get("order") or "relevance",
        "title_only": bool(form.cleaned_data.get("title_only")),
        "page": page,
    }
    return arguments, form, filterset, messages


@require_safe
@cached_public_page
def search(request: HttpRequest) -> HttpResponse:
    arguments, form, filterset, messages = parse_request(request)
    result = engine.search(**arguments)
    relaxed_url = None
    if result.relaxed_total:
        relaxed_url = reverse("catalog:search") + "?" + urlencode({"q": result.query.raw})
    return render(
        request,
        "catalog/search.html",
        {
            "form": form,
            "filter_form": filterset.form,
            "filters_active": arguments["filters"].active,
            "result": result,
            "notices": messages + result.notices,
            "organization_facets": _facet_links(request, result.organization_facets(), "organization", "category"),
            "type_facets": _facet_links(request, result.type_facets, "document_type"),
            "relaxed_url": relaxed_url,
            "page_range": _page_range(result.page, result.num_pages),
        },
    )


def _facet_links(request: HttpRequest, facets: list, name: str, *dropped: str) -> SafeString:
    """The <li>s of a facet list, each linking to this search narrowed to the facet: name set to its
    value, dropped and the page number removed. A list of 200 departments is built here in one pass: the
    query string's common part encoded once, each piece escaped, joined once (not by the template's loop
    and a querystring tag per link). Empty without facets."""
    kept = urlencode(
        [(key, value) for key, values in request.GET.lists() if key not in {name, "page", *dropped} for value in values]
    )
    prefix = f"?{kept}&{quote_plus(name)}=" if kept else f"?{quote_plus(name)}="
    links = [
        f'<li><a href="{escape(prefix + quote_plus(str(facet.value)))}">{escape(facet.label)}</a>（{facet.count:d}）</li>'
        for facet in facets
    ]
    return mark_safe("".join(links))  # noqa: S308 - the href and label escaped above, the count an integer


def _page_range(page: int, pages: int) -> list[int | None]:
    """Page numbers to link: the first, the last and two on each side of the current one (None: a gap)."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
