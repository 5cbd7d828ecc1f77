"""The filters of the public catalog lists and of the JSON API: one FilterSet, one set of parameters.

Parameters (all optional, all bookmarkable GET values):
organization (id; its whole subtree), category (id; its subcolumns too), subject (id; its second
level too), document_type, validity, year (of 发布日期), date_from and date_to (发布日期, YYYY-MM-DD).
A value that is not a number, date or known choice is a form error with a Chinese message; the views
turn it into a 400 page or a 400 JSON answer, never a 500.

The options of the long selects (200 organizations, the subjects, an organization's columns) come from
values_list and are rendered once per catalog generation into the shared cache (option_lists): a list
page builds no model instance and formats no <option> for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

import django_filters
from django import forms
from django.core.cache import cache
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from disclosure_site.models import Organization

from . import cache as catalog_cache
from .models import Category, DocumentType, Item, ItemStatus, Subject, Validity

FIRST_YEAR, LAST_YEAR = 1949, 2100
INDENT = "\u3000"  # a full-width space: option labels show the tree by indentation
OPTIONS_KEY = "catalog:filter-options:"
OPTIONS_TIMEOUT = 24 * 60 * 60  # entries carry their generation: a stale one is replaced, never served


def published_items() -> QuerySet[Item]:
    """Items the public may see: published only (never draft, pending, scheduled or withdrawn)."""
    return Item.objects.filter(status=ItemStatus.PUBLISHED)


def subtree_ids(node) -> list[int]:
    """The ids of node's MPTT subtree, itself included, as a list (one query).

    A literal list rather than a subquery: PostgreSQL then knows how many items match (every one, for
    the county government) and walks the (status, published_at) index for a page instead of sorting
    the whole table; 20 ms instead of 1.4 s for page 100 of a million items.
    """
    return list(
        type(node)
        .objects.filter(tree_id=node.tree_id, lft__gte=node.lft, rght__lte=node.rght)
        .values_list("pk", flat=True)
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def is_id(text) -> bool:
    """Whether text is a plain decimal id: ASCII digits only ("²" and "１２" pass str.isdigit), and short
    enough for a 64-bit column (a longer one overflows the database driver instead of matching nothing)."""
    text = str(text)
    return text.isascii() and text.isdigit() and len(text) <= 18


class RenderedChoices(BaseChoiceIterator):
    """The choices of a long <select> (organizations, subjects, an organization's columns) with their <option>s
    rendered once per catalog generation: a request escapes the empty choice's label and nothing else.

    rows are (value, label) pairs of strings and html their options joined, none of them selected.
    """

    def __init__(self, empty_label: str, rows: tuple[tuple[str, str], ...] = (), html: str = "") -> None:
        self.empty_label = empty_label
        self.rows = rows
        self.html = html

    def __iter__(self):
        yield "", self.empty_label
        yield from self.rows

    def add(self, value, label: str) -> None:
        self.rows = (*self.rows, (str(value), label))
        self.html += format_html('<option value="{}">{}</option>', value, label)

    def render(self, selected: set[str]) -> str:
        html = self.html
        for value in selected - {""}:
            plain = f'<option value="{escape(value)}">'
            html = html.replace(plain, f"{plain[:-1]} selected>", 1)
        empty = '<option value="" selected>{}</option>' if "" in selected else '<option value="">{}</option>'
        return format_html(empty, self.empty_label) + mark_safe(html)  # noqa: S308 - rendered by format_html


def render_options(rows) -> str:
    """The <option>s of rows, none selected: what RenderedChoices stores."""
    return "".join(format_html('<option value="{}">{}</option>', value, label) for value, label in rows)


class PlainSelect(forms.Select):
    """A <select> built in Python. Django renders each <option> through a template include, which costs
    tens of milliseconds for the hundreds of organizations and subjects of a filter form."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        if isinstance(self.choices, RenderedChoices):
            options = self.choices.render(selected)
        else:
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((option, " selected" if str(option) in selected else "", label) for option, label in self.choices),
            )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class IdChoiceField(forms.ModelChoiceField):
    """A choice of row by id; anything that is not a plain id is an invalid choice, never a database error."""

    def to_python(self, value):
        if value not in self.empty_values and not is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return super().to_python(value)


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """Validates against its queryset (one query for the chosen row); ItemFilter gives the select its options."""

    field_class = IdChoiceField


# The options of the long selects, as (value, label) strings from values_list: no model instances.


def organization_rows() -> tuple[tuple[str, str], ...]:
    rows = Organization.objects.filter(is_active=True).order_by("tree_id", "lft").values_list("pk", "level", "name")
    return tuple((str(pk), INDENT * level + name) for pk, level, name in rows)


def subject_rows() -> tuple[tuple[str, str], ...]:
    rows = list(Subject.objects.order_by("tree_id", "lft").values_list("pk", "parent_id", "name"))
    names = {pk: name for pk, _, name in rows}
    # The catalog notation, 一级\二级: "其他" alone would be ambiguous under twenty parents.
    return tuple((str(pk), f"{names[parent]}\\{name}" if parent else name) for pk, parent, name in rows)


def category_rows(organization_id: int) -> tuple[tuple[str, str], ...]:
    rows = (
        Category.objects.filter(organization_id=organization_id, is_active=True)
        .exclude(kind=Category.Kind.ROOT)
        .order_by("tree_id", "lft")
        .values_list("pk", "level", "name")
    )
    return tuple((str(pk), INDENT * max(level - 1, 0) + name) for pk, level, name in rows)


def option_lists(builders: dict[str, Callable[[], tuple]]) -> dict[str, tuple[tuple, str]]:
    """Each named list's rows and rendered <option>s, built once per catalog generation.

    One round trip to the shared cache reads the generation and every list; a list built in an older
    generation (an organization, column or subject has changed since) is rebuilt from the database and
    stored. The generation is read before the database, as for the page cache, so a list built from a
    state that a commit then changes is stored under a generation that the commit has already left.
    """
    keys = {name: OPTIONS_KEY + name for name in builders}
    found = cache.get_many([catalog_cache.GENERATION_KEY, *keys.values()])
    current = found.get(catalog_cache.GENERATION_KEY) or catalog_cache.generation()
    lists, fresh = {}, {}
    for name, key in keys.items():
        entry = found.get(key)
        if entry is not None and entry[0] == current:
            lists[name] = entry[1], entry[2]
            continue
        rows = builders[name]()
        lists[name] = rows, render_options(rows)
        if rows:  # an unknown organization's empty column list is not worth an entry
            fresh[key] = (current, *lists[name])
    if fresh:
        cache.set_many(fresh, OPTIONS_TIMEOUT)
    return lists


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField


class ItemFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return cleaned


def _choice_errors(what: str) -> dict:
    return {"invalid_choice": f"{what}的值“%(value)s”无效，请从列表中选择。"}


def _model_errors(what: str) -> dict:
    return {"invalid_choice": f"所选{what}不存在，请从列表中重新选择。"}


def _date_errors(what: str) -> dict:
    return {"invalid": f"{what}应为日期，格式如 2025-03-24。"}


class ItemFilter(django_filters.FilterSet):
    organization = IdChoiceFilter(
        label="发布机构",
        queryset=Organization.objects.filter(is_active=True).order_by("tree_id", "lft"),
        empty_label="全部机构",
        method="filter_organization",
        widget=PlainSelect,
        error_messages=_model_errors("发布机构"),
        help_text="含下属机构发布的信息。",
    )
    category = IdChoiceFilter(
        label="公开目录栏目",
        queryset=Category.objects.filter(is_active=True).exclude(kind=Category.Kind.ROOT),
        empty_label="全部栏目",
        method="filter_category",
        widget=PlainSelect,
        error_messages=_model_errors("栏目"),
    )
    subject = IdChoiceFilter(
        label="主题分类",
        queryset=Subject.objects.select_related("parent"),
        empty_label="全部主题",
        method="filter_subject",
        widget=PlainSelect,
        error_messages=_model_errors("主题分类"),
    )
    document_type = django_filters.ChoiceFilter(
        label="文件类型",
        choices=DocumentType.choices,
        empty_label="全部类型",
        error_messages=_choice_errors("文件类型"),
        widget=PlainSelect,
    )
    validity = django_filters.ChoiceFilter(
        label="有效性",
        choices=Validity.choices,
        empty_label="全部",
        error_messages=_choice_errors("有效性"),
        widget=PlainSelect,
    )
    year = YearFilter(
        label="发布年份",
        method="filter_year",
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "invalid": "发布年份应为四位数字，例如 2025。",
            "min_value": f"发布年份不能早于 {FIRST_YEAR} 年。",
            "max_value": f"发布年份不能晚于 {LAST_YEAR} 年。",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": FIRST_YEAR, "max": LAST_YEAR}),
    )
    date_from = django_filters.DateFilter(
        label="发布日期起",
        method="filter_date_from",
        input_formats=["%Y-%m-%d"],
        error_messages=_date_errors("发布日期起"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = django_filters.DateFilter(
        label="发布日期止",
        method="filter_date_to",
        input_formats=["%Y-%m-%d"],
        error_messages=_date_errors("发布日期止"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Item
        fields: list[str] = []
        form = ItemFilterForm

    def __init__(self, data=None, queryset=None, *, fixed: tuple[str, ...] = (), **kwargs):
        """fixed: filters a page already applies through its URL (a category page's organization and column)."""
        super().__init__(data, queryset if queryset is not None else published_items(), **kwargs)
        for name in fixed:
            del self.filters[name]

    # Every organization filter takes the subtree: a department's list includes its subordinate units.
    def filter_organization(self, queryset, name, value):
        return queryset.filter(organization_id__in=subtree_ids(value))

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id__in=subtree_ids(value))

    def filter_subject(self, queryset, name, value):
        return queryset.filter(subject_id__in=subtree_ids(value))

    def filter_year(self, queryset, name, value):
        # A range on the indexed column, in local time: 1 January 00:00 Beijing time opens the year.
        return queryset.filter(
            published_at__gte=_start_of(dt.date(value, 1, 1)), published_at__lt=_start_of(dt.date(value + 1, 1, 1))
        )

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(published_at__gte=_start_of(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(published_at__lt=_start_of(value + dt.timedelta(days=1)))

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_options_set", False):
            self._set_options(form)
            form._options_set = True
        return form

    def _set_options(self, form) -> None:
        """Give the organization, subject and column selects their options (see option_lists).

        The column select offers the chosen organization's columns only (every organization has its own
        公开目录). Validation still accepts any column, so a bookmarked ?category= link keeps working.
        """
        data = self.data or {}
        builders: dict[str, Callable[[], tuple]] = {}
        if "organization" in form.fields:
            builders["organizations"] = organization_rows
        if "subject" in form.fields:
            builders["subjects"] = subject_rows
        organization_id = str(data.get("organization", ""))
        columns = f"categories:{int(organization_id)}" if is_id(organization_id) else ""
        if columns and "category" in form.fields:
            builders[columns] = partial(category_rows, int(organization_id))
        lists = option_lists(builders)
        for name, key in (("organization", "organizations"), ("subject", "subjects")):
            if key in lists:
                field = form.fields[name]
                field.widget.choices = RenderedChoices(field.empty_label, *lists[key])
        if "category" in form.fields:
            self._narrow_category_choices(form.fields["category"], *lists.get(columns, ((), "")))

    def _narrow_category_choices(self, field, rows: tuple[tuple[str, str], ...], html: str) -> None:
        field.widget.choices = choices = RenderedChoices(field.empty_label, rows, html)
        field.help_text = "" if rows else "先选择发布机构并点击“筛选”，再按该机构的栏目筛选。"
        selected = str((self.data or {}).get("category", ""))
        if is_id(selected) and all(value != selected for value, _ in rows):
            chosen = Category.objects.filter(pk=selected).values_list("pk", "name").first()
            if chosen is not None:
                choices.add(*chosen)

    @property
    def active(self) -> bool:
        """Whether any filter is in effect (for "clear the filters" links and headings)."""
        return self.is_bound and any(self.data.get(name) not in (None, "") for name in self.filters)
