"""Forms of the work plans back office (workplans/admin.py). They validate input and nothing else: the
rules they check are workplans.workflow's (check_progress, check_note, clean_percent), called again by
the functions that write."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from disclosure_site.errors import DomainError
from disclosure_site.models import Organization

from . import workflow
from .forms import OrganizationChoiceField
from .models import Plan, Progress, Task, TaskNote, UnitRole


def all_organizations():
    """Lead and cooperating units may be any organization of the tree, not only the user's scope."""
    return Organization.objects.filter(is_active=True).order_by("tree_id", "lft")


class OrganizationMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return "　" * obj.level + obj.name


class TaskInlineForm(forms.ModelForm):
    leads = OrganizationMultipleChoiceField(
        label="牵头单位",
        queryset=Organization.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 4}),
        error_messages={"required": "请选择至少一个牵头单位。"},
    )
    supports = OrganizationMultipleChoiceField(
        label="配合单位",
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    class Meta:
        model = Task
        fields = ["number", "heading", "text", "due_on", "leads", "supports"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "cols": 50})}
        error_messages = {"number": {"required": "请填写序号。"}, "text": {"required": "请填写任务内容。"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = all_organizations()
        self.fields["leads"].queryset = organizations
        self.fields["supports"].queryset = organizations
        if self.instance.pk:
            units = list(self.instance.units.all())
            self.initial["leads"] = [u.organization_id for u in units if u.role == UnitRole.LEAD]
            self.initial["supports"] = [u.organization_id for u in units if u.role == UnitRole.SUPPORT]

    def clean(self):
        data = super().clean()
        both = set(data.get("leads") or ()) & set(data.get("supports") or ())
        if both:
            names = "、".join(org.name for org in both)
            self.add_error("supports", f"{names}已是牵头单位，不能同时列为配合单位。")
        return data


class PlanAddForm(forms.ModelForm):
    organization = OrganizationChoiceField(label="制定机关", queryset=Organization.objects.none(), empty_label=None)

    class Meta:
        model = Plan
        fields = ["organization", "year", "title"]
        help_texts = {"title": "留空时为“机关名称+年度+政务公开工作要点”"}

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["year"].initial = timezone.localdate().year
        self.fields["year"].error_messages["invalid"] = "年度应为四位数字，例如2026。"
        if organizations is not None:
            self.fields["organization"].queryset = organizations


class ImportForm(forms.Form):
    organization = OrganizationChoiceField(label="制定机关", queryset=Organization.objects.none(), empty_label=None)
    year = forms.IntegerField(
        label="年度", min_value=2000, max_value=2200, error_messages={"invalid": "年度应为四位数字，例如2026。"}
    )
    title = forms.CharField(
        label="标题", required=False, max_length=200, help_text="留空时为“机关名称+年度+政务公开工作要点”"
    )
    file = forms.FileField(
        label="文件",
        help_text="Word（.docx）或 Excel（.xlsx）文件，分工表的表头含“序号”“任务”“牵头单位”“配合单位”，可另有“完成时限”。",
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, label_suffix="：", **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["year"].initial = timezone.localdate().year


class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Task) -> str:
        return f"{obj.plan.title} 第{obj.number}项：{obj.short_text}"


class ProgressForm(forms.ModelForm):
    percent = forms.CharField(
        label="完成进度（%）",
        required=False,
        max_length=10,
        help_text="0到100之间的整数，可不填",
        widget=forms.TextInput(attrs={"size": 6, "inputmode": "numeric"}),
    )

    class Meta:
        model = Progress
        fields = ["task", "organization", "on", "state", "percent", "text", "reason"]
        field_classes = {"task": TaskChoiceField, "organization": OrganizationChoiceField}
        help_texts = {
            "organization": "以哪个牵头单位的名义填报",
            "reason": "状态为“延期”时必填：延期的原因和预计完成时间",
        }
        error_messages = {
            "task": {
                "required": "请选择任务。",
                "invalid_choice": "只能为本单位牵头的任务填报进展，所选任务不在其中。",
            },
            "organization": {
                "required": "请选择填报单位（牵头单位）。",
                "invalid_choice": "只有任务的牵头单位可以填报进展，请选择本单位（牵头单位）。",
            },
            "on": {"required": "请填写进展日期。", "invalid": "请填写有效的日期，例如2026-03-24。"},
            "state": {"required": "请选择完成状态。"},
            "text": {"required": "请填写进展情况。"},
        }

    user = None

    def clean_percent(self):
        try:
            return workflow.clean_percent(self.cleaned_data.get("percent"))
        except DomainError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        data = super().clean()
        task = data.get("task") or (self.instance.task if self.instance.pk else None)
        organization = data.get("organization") or (self.instance.organization if self.instance.pk else None)
        if self.errors or task is None or organization is None:
            return data
        try:
            data["percent"] = workflow.check_progress(
                task,
                organization=organization,
                by=self.user,
                on=data["on"],
                state=data["state"],
                percent=data.get("percent"),
                text=data.get("text", ""),
                reason=data.get("reason", ""),
            )
        except DomainError as error:
            raise forms.ValidationError(str(error)) from None
        return data


class NoteForm(forms.ModelForm):
    class Meta:
        model = TaskNote
        fields = ["task", "organization", "text"]
        field_classes = {"task": TaskChoiceField, "organization": OrganizationChoiceField}
        help_texts = {"organization": "以哪个配合单位的名义填写"}
        error_messages = {
            "task": {
                "required": "请选择任务。",
                "invalid_choice": "只能为本单位配合的任务添加备注，所选任务不在其中。",
            },
            "organization": {
                "required": "请选择配合单位。",
                "invalid_choice": "只有任务的配合单位可以添加备注，请选择本单位。",
            },
            "text": {"required": "请填写备注内容。"},
        }

    user = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            workflow.check_note(data["task"], organization=data["organization"], by=self.user, text=data["text"])
        except DomainError as error:
            raise forms.ValidationError(str(error)) from None
        return data
