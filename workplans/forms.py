"""Public filter forms (plain GET forms that work without JavaScript) and the back-office forms.
Forms validate input and nothing else; the rules live in workplans.workflow and workplans.plan_import."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from disclosure_site.models import Organization

from .models import ProgressState

FIRST_YEAR = 2008  # the first year of the 2007 regulation


class OrganizationChoiceField(forms.ModelChoiceField):
    """Organizations indented by their level in the tree, as the public pages list them."""

    def label_from_instance(self, obj: Organization) -> str:
        return "　" * obj.level + obj.name


class PlanFilterForm(forms.Form):
    unit = OrganizationChoiceField(
        label="单位",
        queryset=Organization.objects.none(),
        required=False,
        empty_label="全部单位",
        error_messages={"invalid_choice": "所选单位不在本工作要点的分工中，请重新选择。"},
    )
    state = forms.ChoiceField(
        label="完成状态",
        required=False,
        choices=[("", "全部状态"), *ProgressState.choices],
        error_messages={"invalid_choice": "完成状态只能是未开始、推进中、已完成或延期。"},
    )

    def __init__(self, *args, units: list[Organization], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Organization.objects.filter(pk__in=[u.pk for u in units]).order_by(
            "tree_id", "lft"
        )
        self.fields["unit"].choices = [("", "全部单位"), *((u.pk, "　" * u.level + u.name) for u in units)]


def year_choices() -> list[tuple[int, str]]:
    this_year = timezone.localdate().year
    return [(year, f"{year}年") for year in range(this_year, FIRST_YEAR - 1, -1)]


class StatisticsForm(forms.Form):
    organization = OrganizationChoiceField(
        label="机构",
        queryset=Organization.objects.filter(is_active=True).order_by("tree_id", "lft"),
        required=False,
        empty_label="全部机构（本级政府及所属各机构）",
        error_messages={"invalid_choice": "没有这个机构，请从列表中选择。"},
    )
    year = forms.TypedChoiceField(
        label="年度",
        coerce=int,
        required=False,
        error_messages={"invalid_choice": "请选择2008年至今年之间的年度。"},
    )
    scope = forms.ChoiceField(
        label="统计范围",
        required=False,
        choices=[("", "按机构类型（人民政府含所属机构）"), ("own", "仅本机关"), ("subtree", "本机关及所属机构")],
        error_messages={"invalid_choice": "统计范围只能是“仅本机关”或“本机关及所属机构”。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()

    def clean_year(self) -> int:
        return self.cleaned_data.get("year") or timezone.localdate().year

    def subtree(self) -> bool:
        """Whether the figures cover the organization's subtree: as its yearly report does by default
        (a people's government reports for itself and its organs, a department for itself)."""
        organization = self.cleaned_data.get("organization")
        scope = self.cleaned_data.get("scope")
        if organization is None:
            return True
        if scope:
            return scope == "subtree"
        return organization.kind == Organization.Kind.GOVERNMENT
