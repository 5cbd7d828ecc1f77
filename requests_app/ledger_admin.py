"""Back-office pages for the ledger (台账): import and export, wired by InfoRequestAdmin.get_urls as
"ledger/import/" and "ledger/export/". The rules are in requests_app/ledger.py; these views parse the
form, scope it to the user's organizations and render the report.

Scope: the organization field offers only the organizations of disclosure_site.scoping for the user
(importing: 经办人 or 机关负责人), and a crafted POST naming another organization fails the field's
validation like any choice not offered. Every problem with the file is shown on the form in Chinese.
"""

from __future__ import annotations

import tempfile

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from disclosure_site import scoping
from disclosure_site.errors import DomainError

from . import ledger

PREVIEW_ROWS = 200


class LedgerImportForm(forms.Form):
    organization = forms.ModelChoiceField(
        label="受理机关",
        queryset=None,
        empty_label=None,
        help_text="“受理机关”列为空的行导入到这个机构；该列也可以填写它的下属机构。",
    )
    file = forms.FileField(
        label="台账文件",
        help_text="CSV（UTF-8 或 GBK 编码）或 Excel 的 .xlsx 文件，第1行为表头，列名见下方说明。",
    )
    dry_run = forms.BooleanField(
        label="只检查，不写入（试运行）",
        required=False,
        initial=True,
        help_text="检查通过后，取消勾选并再次上传同一文件即正式导入。",
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, label_suffix="：", **kwargs)
        self.fields["organization"].queryset = organizations


class LedgerExportForm(forms.Form):
    organization = forms.ModelChoiceField(
        label="受理机关", queryset=None, empty_label=None, help_text="导出该机构及其下属机构的申请。"
    )
    date_from = forms.DateField(
        label="起始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="按收到日期；尚未收到的申请按提交日期。留空表示不限。",
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    format = forms.ChoiceField(
        label="文件格式",
        choices=[(ledger.XLSX, "Excel（.xlsx）"), (ledger.CSV, "CSV（UTF-8，Excel 可直接打开）")],
        initial=ledger.XLSX,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, label_suffix="：", **kwargs)
        self.fields["organization"].queryset = organizations

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return cleaned


def _changelist_url(model_admin) -> str | None:
    try:
        return reverse(f"{model_admin.admin_site.name}:requests_app_inforequest_changelist")
    except NoReverseMatch:
        return None


def _context(model_admin, request, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "changelist_url": _changelist_url(model_admin),
        **extra,
    }


def import_view(model_admin, request):
    """试运行 by default: the report lists every problem or the rows that would be imported; unticked,
    the same upload is imported all or nothing."""
    organizations = scoping.scope_organizations(request.user, ledger.IMPORT_ROLES).order_by("tree_id", "lft")
    if not organizations.exists():
        raise PermissionDenied
    report = None
    if request.method == "POST":
        form = LedgerImportForm(request.POST, request.FILES, organizations=organizations)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            organization = form.cleaned_data["organization"]
            try:
                report = ledger.import_ledger(
                    upload.read(ledger.MAX_FILE_BYTES + 1),
                    organization=organization,
                    by=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                    name=upload.name,
                )
            except DomainError as exc:
                form.add_error("file", str(exc))
            else:
                if report.ok and not report.dry_run:
                    model_admin.message_user(
                        request, f"已从“{upload.name}”导入 {report.created} 件申请到{organization.name}的台账。"
                    )
                    return HttpResponseRedirect(_changelist_url(model_admin) or request.path)
    else:
        form = LedgerImportForm(organizations=organizations)
    context = _context(
        model_admin,
        request,
        title="导入依申请公开台账",
        form=form,
        report=report,
        preview=report.rows[:PREVIEW_ROWS] if report and report.ok else [],
        columns=ledger.COLUMNS,
        required_columns=ledger.REQUIRED_COLUMNS,
    )
    return TemplateResponse(request, "admin/requests_app/ledger_import.html", context)


def export_view(model_admin, request):
    """The form (GET); the file, streamed (POST): CSV row by row, XLSX from a temporary file."""
    organizations = scoping.scope_organizations(request.user).order_by("tree_id", "lft")
    if not organizations.exists():
        raise PermissionDenied
    if request.method == "POST":
        form = LedgerExportForm(request.POST, organizations=organizations)
        if form.is_valid():
            organization = form.cleaned_data["organization"]
            date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
            format = form.cleaned_data["format"]
            queryset = ledger.ledger_queryset(organization, date_from=date_from, date_to=date_to)
            filename = ledger.export_filename(organization, date_from, date_to, format)
            if format == ledger.CSV:
                response = StreamingHttpResponse(ledger.csv_chunks(queryset), content_type=ledger.CONTENT_TYPES[format])
                response["Content-Disposition"] = content_disposition_header(True, filename)
                return response
            # A zip cannot be written front to back, so the workbook goes to a temporary file (rows on
            # disk, not in memory) that the response streams and closes.
            file = tempfile.TemporaryFile()  # FileResponse closes it
            ledger.write_xlsx(queryset, file)
            file.seek(0)
            return FileResponse(file, as_attachment=True, filename=filename, content_type=ledger.CONTENT_TYPES[format])
    else:
        today = timezone.localdate()
        form = LedgerExportForm(
            organizations=organizations,
            initial={"date_from": today.replace(month=1, day=1), "date_to": today, "format": ledger.XLSX},
        )
    context = _context(model_admin, request, title="导出依申请公开台账", form=form, columns=ledger.COLUMNS)
    return TemplateResponse(request, "admin/requests_app/ledger_export.html", context)
