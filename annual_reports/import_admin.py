"""Back-office page that imports entered values from a spreadsheet (annual_reports/entered_import.py),
wired by ReportAdmin.get_urls as "import/" and "import/template/". The view parses the form, scopes it to
the organizations the user may edit reports of, calls the rule and renders its result.

试运行 (a dry run) is ticked by default: the page lists every bad cell, or the values that would be
stored; the same upload unticked stores them all or none.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from catalog.filters import is_id
from disclosure_site import scoping
from disclosure_site.errors import DomainError

from . import entered_import, exports, workflow


class _ScopedForm(forms.Form):
    organization = forms.ModelChoiceField(
        label="机构",
        queryset=None,
        empty_label=None,
        help_text="“机构”列为空（或没有这一列）的行导入到这个机构的报告；该列也可以填写它的下属机构。",
    )
    year = forms.IntegerField(
        label="年度",
        min_value=workflow.FIRST_YEAR,
        error_messages={"invalid": "年度应为四位数字，例如2025。", "min_value": "年度不能早于%(limit_value)s年。"},
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, label_suffix="：", **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["year"].initial = entered_import.default_year()

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(f"{year}年度尚未开始。")
        return year


class EnteredImportForm(_ScopedForm):
    file = forms.FileField(
        label="填报数据文件",
        help_text="CSV（UTF-8 或 GBK 编码）或 Excel 的 .xlsx 文件，第1行为表头：机构、项目、数值、单位。",
    )
    dry_run = forms.BooleanField(
        label="只检查，不写入（试运行）",
        required=False,
        initial=True,
        help_text="检查通过后，取消勾选并再次上传同一文件即正式导入。",
    )


def _organizations(request):
    return scoping.scope_organizations(request.user, workflow.EDIT_ROLES).order_by("tree_id", "lft")


def _context(model_admin, request, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "changelist_url": reverse("admin:annual_reports_report_changelist"),
        **extra,
    }


def import_view(model_admin, request):
    organizations = _organizations(request)
    if not organizations.exists():
        raise PermissionDenied
    result = None
    if request.method == "POST":
        form = EnteredImportForm(request.POST, request.FILES, organizations=organizations)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            organization, year = form.cleaned_data["organization"], form.cleaned_data["year"]
            try:
                result = entered_import.import_entered(
                    upload.read(entered_import.MAX_FILE_BYTES + 1),
                    organization=organization,
                    year=year,
                    by=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                    name=upload.name,
                )
            except DomainError as error:
                form.add_error("file", str(error))
                result = None
            else:
                if result.ok and not result.dry_run:
                    model_admin.message_user(
                        request,
                        f"已从“{upload.name}”导入 {len(result.rows)} 项填报数据，涉及 {result.written} 份{year}年度报告。",
                    )
                    return HttpResponseRedirect(reverse("admin:annual_reports_report_changelist"))
    else:
        initial = {}
        # is_id: ASCII digits of a sane length ("²".isdigit() is true, and int() refuses 5000 digits).
        if is_id(request.GET.get("organization", "")):
            initial["organization"] = organizations.filter(pk=request.GET["organization"]).first()
        if is_id(request.GET.get("year", "")):
            initial["year"] = int(request.GET["year"])
        form = EnteredImportForm(organizations=organizations, initial=initial)
    template_form = _ScopedForm(organizations=organizations, initial=form.initial, auto_id="template_%s")
    context = _context(
        model_admin,
        request,
        title="从表格导入填报数据",
        form=form,
        template_form=template_form,
        result=result,
        columns=entered_import.COLUMNS,
        required_columns=entered_import.REQUIRED_COLUMNS,
    )
    return TemplateResponse(request, "admin/annual_reports/report/import.html", context)


def template_view(model_admin, request):
    """The XLSX template (GET organization, year): the items of the year's drafts, values filled so far."""
    organizations = _organizations(request)
    if not organizations.exists():
        raise PermissionDenied
    form = _ScopedForm(request.GET, organizations=organizations)
    if not form.is_valid():
        model_admin.message_user(request, "请选择机构并填写正确的年度后再下载模板。", level="ERROR")
        return HttpResponseRedirect(reverse("admin:annual_reports_report_import"))
    organization, year = form.cleaned_data["organization"], form.cleaned_data["year"]
    rows = entered_import.template_rows(organization, year, request.user)
    response = HttpResponse(
        entered_import.template_xlsx(rows), content_type=entered_import.CONTENT_TYPES[entered_import.XLSX]
    )
    response["Content-Disposition"] = exports.content_disposition(entered_import.template_filename(organization, year))
    return response
