"""The back office of yearly reports: start one, rebuild it, enter values and write the narrative,
submit, return, publish (office head), correct. A thin shell over annual_reports.workflow; scoping from
ScopedAdminMixin, so staff see and act on their organizations' reports only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from disclosure_site import scoping
from disclosure_site.admin_mixins import ScopedAdminMixin
from disclosure_site.errors import DomainError

from . import building, exports, formats, import_admin, workflow
from .models import Report, ReportStatus, Scope
from .tables import plain

EDIT = workflow.EDIT_ROLES


def _entered_field(name: str) -> str:
    return "entered__" + name.replace(".", "__")


def _narrative_field(key: str) -> str:
    return f"narrative__{key}"


class ReportAddForm(forms.ModelForm):
    format = forms.ChoiceField(
        label="报告格式", required=False, choices=[("", "按年度自动选择")], help_text="一般无需选择"
    )
    scope = forms.ChoiceField(
        label="统计范围",
        required=False,
        choices=[("", "按机构类型自动选择"), *Scope.choices],
        help_text="人民政府默认汇总本级政府及所属各机构；政府部门默认只统计本机关",
    )

    class Meta:
        model = Report
        fields = ["organization", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [("", "按年度自动选择"), *formats.choices()]
        self.fields["year"].initial = timezone.localdate().year - 1
        self.fields["year"].error_messages["invalid"] = "年度应为四位数字，例如2025。"


class ReportDraftForm(forms.ModelForm):
    """Entered values and narrative of a draft; the values are checked by the rule that stores them."""

    class Meta:
        model = Report
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        fmt = formats.get(self.instance.format)
        raw = {v.name: data.get(_entered_field(v.name), "") for v in fmt.entered}
        try:
            data["entered"] = workflow.clean_entered(self.instance, raw)
        except DomainError as error:
            raise forms.ValidationError(str(error)) from None
        data["narrative"] = {s.key: data.get(_narrative_field(s.key), "") for s in fmt.narrative_sections}
        return data


def draft_form_class(report: Report) -> type[ReportDraftForm]:
    fmt = formats.get(report.format)
    current = building.entered_values(report)
    attrs = {}
    for value in fmt.entered:
        initial = current.get(value.name)
        attrs[_entered_field(value.name)] = forms.CharField(
            label=value.label,
            required=False,
            initial="" if initial is None else plain(initial),
            help_text=f"单位：{value.unit}" + ("，可填负数" if value.signed else "，不能为负数"),
            widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 12}),
        )
    for section in fmt.narrative_sections:
        attrs[_narrative_field(section.key)] = forms.CharField(
            label=section.title,
            required=False,
            initial=(report.narrative or {}).get(section.key, ""),
            help_text=section.hint,
            widget=forms.Textarea(attrs={"rows": 8, "cols": 100}),
        )
    return type("ReportDraftForm", (ReportDraftForm,), attrs)


@admin.register(Report)
class ReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    add_roles = change_roles = EDIT
    list_display = ("__str__", "year", "revision", "scope", "status", "deadline_display", "published_at")
    list_filter = ("status", "year", "scope")
    list_select_related = ("organization",)
    search_fields = ("organization__name",)
    change_form_template = "admin/annual_reports/report/change_form.html"

    @admin.display(description="发布期限")
    def deadline_display(self, obj):
        return f"{workflow.deadline(obj.year, obj.scope):%Y年%m月%d日}"

    def has_delete_permission(self, request, obj=None):
        return False  # a report is a public record: drafts are kept, published ones corrected, never deleted

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status == ReportStatus.DRAFT)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, self.view_roles, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ReportAddForm
            kwargs["fields"] = ["organization", "year"]
            form = super().get_form(request, obj, change=change, **kwargs)
            return form
        kwargs["form"] = draft_form_class(obj)
        kwargs["fields"] = []
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": ("organization", "year", "format", "scope")}),)
        if obj.status != ReportStatus.DRAFT or not self.has_change_permission(request, obj):
            return ()
        fmt = formats.get(obj.format)
        return (
            ("填报数据（来自其他业务系统）", {"fields": [_entered_field(v.name) for v in fmt.entered]}),
            ("文字部分", {"fields": [_narrative_field(s.key) for s in fmt.narrative_sections]}),
        )

    def get_readonly_fields(self, request, obj=None):
        return ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = scoping.scope_organizations(request.user, EDIT).order_by("tree_id", "lft")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            workflow.update_draft(obj, by=request.user, entered=data["entered"], narrative=data["narrative"])
            return
        created = workflow.create(
            data["organization"],
            year=data["year"],
            by=request.user,
            format_code=data.get("format") or None,
            scope=data.get("scope") or None,
        )
        obj.pk = created.pk
        self.message_user(request, f"已生成{created}（草稿）。请填写填报数据，核对统计表和文字部分后提交审批。")

    def save_related(self, request, form, formsets, change):
        pass

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:annual_reports_report_change", args=[obj.pk]))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return HttpResponseRedirect(request.path)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None and self.has_view_permission(request, obj):
            extra.update(self._panel(request, obj))
        return super().change_view(request, object_id, form_url, extra)

    def _panel(self, request, obj: Report) -> dict:
        document = obj.snapshot if obj.is_published else building.assemble(obj)
        user = request.user

        def may(roles) -> bool:
            return scoping.has_role(user, obj.organization, roles)

        buttons = []
        if obj.status == ReportStatus.DRAFT and may(EDIT):
            buttons += [("build", "按当前数据重新生成统计表", False), ("submit", "提交审批", False)]
        if obj.status == ReportStatus.PENDING:
            if may(workflow.PUBLISH_ROLES):
                buttons.append(("publish", "批准并发布", False))
            if may(workflow.RETURN_ROLES):
                buttons.append(("return", "退回修改", True))
        if obj.status == ReportStatus.PUBLISHED and may(EDIT):
            buttons.append(("correct", "发起更正", True))
        return {
            "document": document,
            "report": obj,
            "deadline": workflow.deadline(obj.year, obj.scope),
            "buttons": buttons,
            "facts": obj.facts,
            "exports": exports.FORMATS,
        }

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/do/<str:action>/", view(self.action_view), name="annual_reports_report_action"),
            path("<int:pk>/export/<str:kind>/", view(self.export_view), name="annual_reports_report_export"),
            path("import/", view(self.import_view), name="annual_reports_report_import"),
            path("import/template/", view(self.import_template_view), name="annual_reports_report_import_template"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        return import_admin.import_view(self, request)

    def import_template_view(self, request):
        return import_admin.template_view(self, request)

    def _get_scoped(self, request, pk) -> Report:
        obj = get_object_or_404(self.get_queryset(request).select_related("organization"), pk=pk)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return obj

    ACTIONS = {
        "build": ("已按当前数据重新生成统计表。", lambda r, u, note: workflow.build(r, by=u)),
        "submit": ("已提交审批，等待机关负责人批准发布。", lambda r, u, note: workflow.submit(r, by=u)),
        "return": ("已退回修改。", lambda r, u, note: workflow.return_to_draft(r, by=u, reason=note)),
        "publish": ("年度报告已发布。", lambda r, u, note: workflow.publish(r, by=u)),
        "correct": ("已发起更正，请修改后提交审批。", lambda r, u, note: workflow.start_correction(r, by=u, note=note)),
    }

    def action_view(self, request, pk: int, action: str):
        if request.method != "POST":
            return require_POST(lambda r: None)(request)
        report = self._get_scoped(request, pk)
        if action not in self.ACTIONS:
            raise Http404("没有这个操作。")
        done, run = self.ACTIONS[action]
        try:
            result = run(report, request.user, request.POST.get("note", ""))
        except DomainError as error:
            self.message_user(request, str(error), level=messages.ERROR)
            result = report
        else:
            self.message_user(request, done, level=messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:annual_reports_report_change", args=[result.pk]))

    def export_view(self, request, pk: int, kind: str):
        report = self._get_scoped(request, pk)
        if kind not in exports.FORMATS:
            raise Http404("没有这种导出格式。")
        document = report.snapshot if report.is_published else building.assemble(report)
        content, content_type, filename = exports.export(document, kind, draft=not report.is_published)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = exports.content_disposition(filename)
        return response
