"""The filters of the public catalog lists and of the JSON API: one FilterSet, one set of parameters.

Parameters (all optional, all bookmarkable GET values):
organization (id; its whole subtree), category (id; its subcolumns too), subject (id; its second
level too), document_type, validity, year (of 发布日期), date_from and date_to (发布日期, YYYY-MM-DD).
A value that is not a number, date or known choice is a form error with a Chinese message; the views
turn it into a 400 page or a 400 JSON answer, never a 500.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from disclosure_site.models import Organization

from .models import Category, DocumentType, Item, ItemStatus, Subject, Validity

FIRST_YEAR, LAST_YEAR = 1949, 2100
INDENT = "\u3000"  # a full-width space: option labels show the tree by indentation


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


class PlainSelect(forms.Select):
    """A <select> built in Python. Django renders each <option> through a template include, which costs
    tens of milliseconds for the hundreds of organizations and subjects of a filter form."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        options = [
            format_html('<option value="{}" selected>{}</option>', option, label)
            if str(option) in selected
            else format_html('<option value="{}">{}</option>', option, label)
            for option, label in self.choices
        ]
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            format_html_join("", "{}", ((option,) for option in options)),
        )


class IdChoiceField(forms.ModelChoiceField):
    """A choice of row by id; anything that is not a plain id is an invalid choice, never a database error."""

    def to_python(self, value):
        if value not in self.empty_values and not is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return super().to_python(value)


class OrganizationChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return INDENT * obj.level + obj.name


class SubjectChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Subject) -> str:
        # The catalog notation, 一级\二级: "其他" alone would be ambiguous under twenty parents.
        return f"{obj.parent.name}\\{obj.name}" if obj.parent_id else obj.name


class CategoryChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return INDENT * max(obj.level - 1, 0) + obj.name


class OrganizationFilter(django_filters.ModelChoiceFilter):
    field_class = OrganizationChoiceField


class SubjectFilter(django_filters.ModelChoiceFilter):
    field_class = SubjectChoiceField


class CategoryFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryChoiceField


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
    organization = OrganizationFilter(
        label="发布机构",
        queryset=Organization.objects.filter(is_active=True).order_by("tree_id", "lft"),
        empty_label="全部机构",
        method="filter_organization",
        widget=PlainSelect,
        error_messages=_model_errors("发布机构"),
        help_text="含下属机构发布的信息。",
    )
    category = CategoryFilter(
        label="公开目录栏目",
        queryset=Category.objects.filter(is_active=True).exclude(kind=Category.Kind.ROOT),
        empty_label="全部栏目",
        method="filter_category",
        widget=PlainSelect,
        error_messages=_model_errors("栏目"),
    )
    subject = SubjectFilter(
        label="主题分类",
        queryset=Subject.objects.select_related("parent").order_by("tree_id", "lft"),
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
        if "category" in self.filters and not getattr(form, "_category_choices_set", False):
            self._narrow_category_choices(form)
            form._category_choices_set = True
        return form

    def _narrow_category_choices(self, form) -> None:
        """Offer the columns of the chosen organization only (every organization has its own 公开目录).

        Validation still accepts any column, so a bookmarked ?category= link keeps working.
        """
        field = form.fields["category"]
        organization_id = (self.data or {}).get("organization", "")
        categories = []
        if is_id(organization_id):
            categories = list(
                Category.objects.filter(organization_id=organization_id, is_active=True)
                .exclude(kind=Category.Kind.ROOT)
                .order_by("tree_id", "lft")
            )
        if categories:
            field.widget.choices = [("", "全部栏目")] + [(c.pk, field.label_from_instance(c)) for c in categories]
            field.help_text = ""
        else:
            field.widget.choices = [("", "全部栏目")]
            field.help_text = "先选择发布机构并点击“筛选”，再按该机构的栏目筛选。"
        selected = str((self.data or {}).get("category", ""))
        if is_id(selected) and all(str(value) != selected for value, _ in field.widget.choices):
            chosen = Category.objects.filter(pk=selected).first()
            if chosen is not None:
                field.widget.choices.append((chosen.pk, chosen.name))

    @property
    def active(self) -> bool:
        """Whether any filter is in effect (for "clear the filters" links and headings)."""
        return self.is_bound and any(self.data.get(name) not in (None, "") for name in self.filters)
