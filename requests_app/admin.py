"""The back office of on-request disclosure: register, handle, answer; letters; consultations and cases.

Every step is a small form on the application's page that calls requests_app.workflow; the status, dates
and outcome are never edited directly. Scoping comes from ScopedAdminMixin (staff see only their
organizations' applications); personal data (ID numbers, phones, addresses) stays on the change page of
an application the user may handle, never in lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from disclosure_site import scoping
from disclosure_site.admin_mixins import ScopedAdminMixin
from disclosure_site.errors import DomainError
from disclosure_site.faults import atomic_with_files
from disclosure_site.models import Role
from disclosure_site.pagination import DeferredJoinPaginator

from . import admin_forms as f
from . import deadlines, documents, workflow
from .models import (
    OPEN_STATUSES,
    Consultation,
    DocumentKind,
    InfoRequest,
    LegalCase,
    Letter,
    LetterStatus,
    Status,
)

STAFF = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
S = Status


@dataclass(frozen=True)
class Step:
    label: str
    form: type
    statuses: frozenset
    run: Callable  # (info_request, user, cleaned_data) -> a Letter to open next, or None
    done: str = ""
    roles: frozenset = STAFF
    hint: str = ""


def _reply(info_request, user, data):
    with atomic_with_files():  # the reply and its disclosed file together, or neither
        workflow.reply(info_request, by=user, outcome=data["outcome"], letter=data["letter"], on=data["on"])
        if data.get("disclosed"):
            documents.store_document(
                info_request, data["disclosed"], kind=DocumentKind.DISCLOSED, by=user, for_applicant=True
            )


def _draft_letter(info_request, user, data):
    from . import letters

    return letters.draft(
        info_request, kind=data["kind"], by=user, outcome=data.get("outcome") or "", details=data.get("details") or ""
    )


def _upload(info_request, user, data):
    documents.store_document(
        info_request, data["file"], kind=data["kind"], by=user, for_applicant=data.get("for_applicant", False)
    )


ALL_OPEN = frozenset(OPEN_STATUSES)
RUNNING = frozenset({S.PROCESSING, S.CONSULTING, S.AWAITING_FEE})
STEPS: dict[str, Step] = {
    "confirm": Step(
        "确认收到",
        f.ConfirmReceiptForm,
        frozenset({S.PENDING}),
        lambda r, u, d: workflow.confirm_receipt(r, by=u, on=d["on"]),
        done="已确认收到，开始计算答复期限。",
        hint="网上、电子邮件、传真申请以确认收到之日为收到日期（条例第三十一条）。",
    ),
    "correction": Step(
        "告知补正",
        f.CorrectionForm,
        frozenset({S.PROCESSING}),
        lambda r, u, d: workflow.request_correction(
            r, by=u, what=d["what"], on=d["on"], due_on=d.get("due_on"), letter=d.get("letter")
        ),
        done="已告知补正，等待申请人补正期间暂停计时。",
        hint="应在收到申请之日起7个工作日内一次性告知（条例第三十条）。",
    ),
    "correction_received": Step(
        "收到补正",
        f.CorrectionReceivedForm,
        frozenset({S.CORRECTING}),
        lambda r, u, d: workflow.receive_correction(r, by=u, on=d["on"], note=d.get("note", "")),
        done="已登记补正，答复期限自收到补正之日起重新计算。",
    ),
    "consult": Step(
        "征求意见",
        f.ConsultationForm,
        frozenset({S.PROCESSING}),
        lambda r, u, d: workflow.start_consultation(
            r, by=u, party=d["party"], note=d["note"], on=d["on"], due_on=d.get("due_on"), letter=d.get("letter")
        ),
        done="已登记征求意见，期间不计入答复期限。",
    ),
    "consult_end": Step(
        "收到意见",
        f.ConsultationEndedForm,
        frozenset({S.CONSULTING}),
        lambda r, u, d: workflow.end_consultation(r, by=u, on=d["on"], note=d.get("note", "")),
        done="已恢复计时。",
    ),
    "extend": Step(
        "延长答复期限",
        f.ExtensionForm,
        RUNNING,
        lambda r, u, d: workflow.extend(
            r, by=u, days=d["days"], reason=d["reason"], on=d["on"], letter=d.get("letter")
        ),
        done="已延长答复期限。",
        roles=frozenset({Role.HEAD}),
        hint="须经机关负责人同意，在原答复期限届满前告知申请人，只能延长一次，最长20个工作日（条例第三十三条）。",
    ),
    "later_date": Step(
        "确定延后答复期限",
        f.LaterDateForm,
        RUNNING,
        lambda r, u, d: workflow.set_later_date(r, by=u, due_on=d["due_on"], reason=d["reason"]),
        done="已确定延后的答复期限。",
        roles=frozenset({Role.HEAD}),
        hint="申请数量、频次明显超过合理范围的，可以确定延迟答复的合理期限（条例第三十五条）。",
    ),
    "fee": Step(
        "发出收费通知",
        f.FeeNoticeForm,
        frozenset({S.PROCESSING}),
        lambda r, u, d: workflow.send_fee_notice(
            r, by=u, method=d["method"], pages=d.get("pages"), on=d["on"], letter=d.get("letter")
        ),
        done="已发出收费通知，等待缴费期间暂停计时。",
    ),
    "payment": Step(
        "登记缴费",
        f.PaymentForm,
        frozenset({S.AWAITING_FEE}),
        lambda r, u, d: workflow.record_payment(r, by=u, receipt_number=d["receipt_number"], on=d["on"]),
        done="已登记缴费，恢复计时。",
    ),
    "reply": Step("答复", f.ReplyForm, frozenset({S.PROCESSING}), _reply, done="已答复申请人。"),
    "withdraw": Step(
        "登记撤回",
        f.WithdrawForm,
        ALL_OPEN,
        lambda r, u, d: workflow.withdraw(r, by=u, note=d["note"], on=d["on"]),
        done="已登记申请人撤回申请。",
    ),
    "draft_letter": Step("起草文书", f.DraftLetterForm, ALL_OPEN | {S.ANSWERED}, _draft_letter),
    "upload": Step("上传材料", f.DocumentUploadForm, frozenset(S), _upload, done="材料已上传。"),
    "note": Step(
        "添加备注",
        f.NoteForm,
        frozenset(S),
        lambda r, u, d: workflow.add_note(r, by=u, note=d["note"]),
        done="已添加备注。",
    ),
    "assign": Step(
        "指定承办人",
        f.AssignForm,
        ALL_OPEN,
        lambda r, u, d: workflow.assign(r, by=u, handler=d.get("handler")),
        done="已指定承办人。",
    ),
}


def _staff_of(info_request) -> object:
    """Users who may handle an application: staff of its organization or of an organization above it."""
    ancestors = info_request.organization.get_ancestors(include_self=True)
    return get_user_model().objects.filter(memberships__organization__in=ancestors, is_active=True).distinct()


class OpenFilter(admin.SimpleListFilter):
    title = "办理情况"
    parameter_name = "clock"

    def lookups(self, request, model_admin):
        return [
            ("open", "未办结"),
            ("overdue", "已超期"),
            ("due_soon", "5个工作日内到期"),
            ("waiting", "等待申请人或第三方"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "overdue":
            return queryset.filter(status__in=OPEN_STATUSES, due_on__lt=today)
        if value == "due_soon":
            try:
                limit = deadlines.due_soon_limit(today)
            except DomainError:
                limit = today + timezone.timedelta(days=7)
            return queryset.filter(status__in=OPEN_STATUSES, due_on__gte=today, due_on__lte=limit)
        if value == "waiting":
            return queryset.filter(status__in=[S.CORRECTING, S.CONSULTING, S.AWAITING_FEE])
        return queryset


class ReceivedYearFilter(admin.SimpleListFilter):
    """收到年份 without a query (a date hierarchy would read every row for its years)."""

    title = "收到年份"
    parameter_name = "received_year"

    def lookups(self, request, model_admin):
        this_year = timezone.localdate().year
        return [(str(year), f"{year}年") for year in range(this_year, this_year - 6, -1)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isascii() and value.isdigit() and len(value) == 4:
            year = int(value)
            return queryset.filter(received_on__gte=dt.date(year, 1, 1), received_on__lt=dt.date(year + 1, 1, 1))
        return queryset


@admin.register(InfoRequest)
class InfoRequestAdmin(ScopedAdminMixin, admin.ModelAdmin):
    add_roles = change_roles = STAFF
    list_display = (
        "number",
        "organization",
        "applicant_name",
        "applicant_type",
        "channel",
        "description_short",
        "status",
        "received_on",
        "due_display",
        "outcome",
        "handler",
    )
    list_filter = (OpenFilter, ReceivedYearFilter, "status", "channel", "applicant_type", "outcome", "organization")
    list_select_related = ("organization", "handler")
    # Prefix searches use the indexes; a substring search of every description would scan the table.
    search_fields = ("=number", "^applicant_name")
    search_help_text = "输入完整的申请编号，或申请人姓名、名称的开头"
    show_full_result_count = False
    list_per_page = 50
    paginator = DeferredJoinPaginator
    change_form_template = "admin/requests_app/inforequest/change_form.html"
    workflow_fields = (
        "number",
        "status",
        "outcome",
        "received_on",
        "ended_on",
        "due_on",
        "channel",
        "submitted_at",
        "handler",
        "registered_by",
        "personal_data_state",
    )
    fieldsets = (
        ("办理", {"fields": workflow_fields}),
        (
            "申请人",
            {
                "fields": (
                    "applicant_type",
                    "applicant_name",
                    "id_type",
                    "id_number",
                    "credit_code",
                    "legal_representative",
                    "contact_person",
                    "phone",
                    "email",
                    "address",
                    "postcode",
                )
            },
        ),
        (
            "申请内容",
            {
                "fields": (
                    "description",
                    "document_title",
                    "document_number",
                    "purpose",
                    "wanted_form",
                    "delivery",
                    "fee_waiver_requested",
                )
            },
        ),
    )

    @admin.display(description="申请人个人信息")
    def personal_data_state(self, obj):
        if obj.anonymized_at:
            return f"已匿名（{timezone.localdate(obj.anonymized_at):%Y-%m-%d}，保存期限届满）"
        return "保存中（办结满保存期限后匿名化）" if not obj.is_open else "保存中"

    @admin.display(description="申请内容")
    def description_short(self, obj):
        return obj.short_description

    @admin.display(description="答复期限", ordering="due_on")
    def due_display(self, obj):
        if obj.due_on is None:
            return {
                S.CORRECTING: "待补正",
                S.CONSULTING: "暂停计时",
                S.AWAITING_FEE: "暂停计时",
                S.PENDING: "待确认收到",
            }.get(obj.status, "—")
        if obj.is_open and obj.due_on < timezone.localdate():
            return format_html('<strong class="overdue">{}（已超期）</strong>', obj.due_on.isoformat())
        return obj.due_on.isoformat()

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if not obj.is_open:
            return [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]
        return self.workflow_fields

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": list(f.RegistrationForm.base_fields)}),)
        return self.fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            organizations = scoping.scope_organizations(request.user, STAFF)
            users = (
                get_user_model()
                .objects.filter(Q(memberships__organization__in=organizations) | Q(is_superuser=True), is_active=True)
                .distinct()
            )

            class Registration(f.RegistrationForm):
                def __init__(self, *args, **kw):
                    super().__init__(*args, organizations=organizations, handlers=users, **kw)

            kwargs["form"] = Registration
        return super().get_form(request, obj, change=change, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # an application is a legal record: it is withdrawn or answered, never deleted

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        files = [(DocumentKind.APPLICATION_SCAN, data.get("scan")), (DocumentKind.IDENTITY, data.get("identity"))]
        obj, code = workflow.register(
            obj, by=request.user, received_on=data.get("received_on"), documents=[(k, u) for k, u in files if u]
        )
        self.message_user(
            request,
            f"已登记申请 {obj.number}。请将申请编号和查询码 {code} 告知申请人（查询码只显示这一次）。",
            level=messages.SUCCESS,
        )

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:requests_app_inforequest_change", args=[obj.pk]))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return HttpResponseRedirect(request.path)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None:
            extra.update(self._panels(request, obj))
        return super().change_view(request, object_id, form_url, extra)

    def _panels(self, request, obj) -> dict:
        events = list(obj.events.select_related("by", "approved_by"))
        return {
            "clock": deadlines.clock(obj, events=events),
            "events": events,
            "letters": list(obj.letters.select_related("drafted_by", "approved_by")),
            "documents": list(obj.documents.all()),
            "fee": getattr(obj, "fee", None),
            "steps": self.available_steps(request, obj),
            "cases": list(obj.legal_cases.all()),
        }

    def available_steps(self, request, obj) -> list[tuple[str, str]]:
        return [
            (key, step.label)
            for key, step in STEPS.items()
            if obj.status in step.statuses
            and (scoping.is_system_admin(request.user) or scoping.has_role(request.user, obj.organization, step.roles))
        ]

    # Step views ----------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/step/<str:key>/", view(self.step_view), name="requests_app_inforequest_step"),
            path(
                "<int:pk>/document/<int:document_pk>/",
                view(self.document_view),
                name="requests_app_inforequest_document",
            ),
            path("ledger/import/", view(self.ledger_import_view), name="requests_app_inforequest_ledger_import"),
            path("ledger/export/", view(self.ledger_export_view), name="requests_app_inforequest_ledger_export"),
            *super().get_urls(),
        ]

    def ledger_import_view(self, request):
        from . import ledger_admin

        return ledger_admin.import_view(self, request)

    def ledger_export_view(self, request):
        from . import ledger_admin

        return ledger_admin.export_view(self, request)

    def _get_scoped(self, request, pk) -> InfoRequest:
        obj = get_object_or_404(self.get_queryset(request).select_related("organization"), pk=pk)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def step_view(self, request, pk: int, key: str):
        info_request = self._get_scoped(request, pk)
        step = STEPS.get(key)
        if step is None:
            raise Http404("没有这个办理步骤。")
        allowed = dict(self.available_steps(request, info_request))
        error = None
        kwargs = {"info_request": info_request}
        if key == "assign":
            kwargs["handlers"] = _staff_of(info_request)
        form = step.form(request.POST or None, request.FILES or None, **kwargs)
        if key not in allowed:
            if info_request.status not in step.statuses:
                error = f"申请当前状态为“{info_request.get_status_display()}”，不能{step.label}。"
            else:
                names = "、".join(Role(r).label for r in sorted(step.roles))
                error = f"只有本机构的{names}可以{step.label}。"
        elif request.method == "POST" and form.is_valid():
            try:
                result = step.run(info_request, request.user, form.cleaned_data)
            except DomainError as exc:
                error = str(exc)
            else:
                if isinstance(result, Letter):
                    self.message_user(request, f"已起草{result.get_kind_display()}，请核对正文后送审核人审核。")
                    return HttpResponseRedirect(reverse("admin:requests_app_letter_change", args=[result.pk]))
                self.message_user(request, f"{info_request.number}：{step.done}")
                return HttpResponseRedirect(reverse("admin:requests_app_inforequest_change", args=[info_request.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{step.label}：{info_request.number}",
            "opts": self.opts,
            "original": info_request,
            "step": step,
            "step_key": key,
            "form": form,
            "error": error,
            "allowed": key in allowed,
            "clock": deadlines.clock(info_request),
        }
        return TemplateResponse(request, "admin/requests_app/inforequest/step.html", context)

    def document_view(self, request, pk: int, document_pk: int):
        info_request = self._get_scoped(request, pk)
        document = get_object_or_404(info_request.documents, pk=document_pk)
        try:
            return documents.download_response(document)
        except FileNotFoundError:
            raise Http404("文件缺失，请联系系统管理员。") from None


@admin.register(Letter)
class LetterAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "info_request__organization"
    change_roles = STAFF
    list_display = ("title", "request_number", "kind", "status", "drafted_by", "approved_by", "sent_on")
    list_filter = ("kind", "status")
    list_select_related = ("info_request", "drafted_by", "approved_by")
    search_fields = ("title", "info_request__number")
    fields = (
        "info_request",
        "kind",
        "outcome",
        "reference",
        "recipient",
        "title",
        "body",
        "status",
        "drafted_by",
        "approved_by",
        "approved_at",
        "sent_on",
    )
    change_form_template = "admin/requests_app/letter/change_form.html"

    @admin.display(description="申请编号", ordering="info_request__number")
    def request_number(self, obj):
        return obj.info_request.number

    def has_add_permission(self, request, *args):
        return False  # letters are drafted from an application's page

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != LetterStatus.DRAFT:
            return False
        return self._allowed(request, STAFF, obj)

    def get_readonly_fields(self, request, obj=None):
        fixed = (
            "info_request",
            "kind",
            "outcome",
            "reference",
            "status",
            "drafted_by",
            "approved_by",
            "approved_at",
            "sent_on",
        )
        if obj is not None and obj.status != LetterStatus.DRAFT:
            return (*fixed, "recipient", "title", "body")
        return fixed

    def save_model(self, request, obj, form, change):
        from . import letters

        data = form.cleaned_data
        letters.edit(obj, by=request.user, title=data["title"], body=data["body"], recipient=data.get("recipient"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return HttpResponseRedirect(request.path)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/approve/", view(self.approve_view), name="requests_app_letter_approve"),
            path("<int:pk>/file.<str:ext>", view(self.file_view), name="requests_app_letter_file"),
            *super().get_urls(),
        ]

    def _get_scoped(self, request, pk) -> Letter:
        letter = get_object_or_404(self.get_queryset(request).select_related("info_request__organization"), pk=pk)
        if not self.has_view_or_change_permission(request, letter):
            raise PermissionDenied
        return letter

    def approve_view(self, request, pk: int):
        from . import letters

        letter = self._get_scoped(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:requests_app_letter_change", args=[pk]))
        try:
            letters.approve(letter, by=request.user)
        except DomainError as error:
            self.message_user(request, str(error), level=messages.ERROR)
        else:
            self.message_user(request, f"“{letter.title}”已审核通过，可以随办理步骤送达。")
        return HttpResponseRedirect(reverse("admin:requests_app_letter_change", args=[pk]))

    def file_view(self, request, pk: int, ext: str):
        from . import letters

        letter = self._get_scoped(request, pk)
        if ext == "pdf":
            content, content_type = letters.render_pdf(letter), "application/pdf"
        elif ext == "docx":
            content = letters.render_docx(letter)
            content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        else:
            raise Http404("不支持的文书格式。")
        response = HttpResponse(content, content_type=content_type)
        from urllib.parse import quote

        name = letters.download_name(letter, ext)
        response["Content-Disposition"] = (
            f"attachment; filename=\"letter-{letter.pk}.{ext}\"; filename*=UTF-8''{quote(name, safe='')}"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


@admin.register(Consultation)
class ConsultationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    add_roles = change_roles = delete_roles = STAFF
    list_display = ("on", "organization", "channel", "count", "topic", "answered_on")
    list_filter = ("channel", "organization")
    list_select_related = ("organization",)
    date_hierarchy = "on"
    fields = ("organization", "channel", "on", "count", "topic", "question", "answered_on")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(LegalCase)
class LegalCaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    add_roles = change_roles = STAFF
    delete_roles = frozenset({Role.HEAD})
    list_display = ("case_number", "organization", "kind", "filed_on", "result", "decided_on", "info_request")
    list_filter = ("kind", "result", "organization")
    list_select_related = ("organization", "info_request")
    autocomplete_fields = ("info_request",)
    date_hierarchy = "filed_on"
    fields = ("organization", "info_request", "kind", "case_number", "filed_on", "result", "decided_on", "note")


from . import redaction_admin  # noqa: E402, F401 - registers the redaction screen (RedactionJobAdmin)
