"""The back-office redaction screen (删除处理) and the list of redaction jobs.

RedactionJobAdmin lists the jobs of the user's organizations (a reviewer finds what waits for review)
and owns the pages: an application's redaction page (its jobs, documents to start from, an upload),
and a job's screen (page images with the boxes, drawing with mouse or keyboard through
static/requests_app/redaction.js, a form per box that works without JavaScript, text search, undo,
preview, submit, approve or send back). Every POST calls a function of requests_app/redaction.py and
reports its DomainError as a message; the views hold no rules.

Registered by importing this module from requests_app/admin.py; the application's page links here.
"""

from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from catalog.attachments import content_disposition
from disclosure_site import scoping
from disclosure_site.admin_mixins import ScopedAdminMixin
from disclosure_site.errors import DomainError
from disclosure_site.models import Role

from . import redaction
from .models import InfoRequest, RequestDocument
from .redaction_models import REDACTION_REASONS, RedactionJob, RedactionStatus

PAGES_PER_SCREEN = 20
DEFAULT_REASON = "3.4"  # 保护第三方合法权益: personal data of others, by far the most frequent
SESSION_REASON = "redaction_reason"


# Forms: input checks only; the rules (page bounds, reasons, roles) are in requests_app/redaction.py.


class StartForm(forms.Form):
    document = forms.ModelChoiceField(
        label="申请材料中的文件", queryset=RequestDocument.objects.none(), required=False, empty_label="（不选择）"
    )
    file = forms.FileField(
        label="或上传文件",
        required=False,
        help_text="PDF、Word（.docx/.doc）、Excel（.xlsx/.xls）、WPS 文件或 JPG、PNG 扫描图片，最多 500 页。原件不会被修改。",
    )

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, label_suffix="：", **kwargs)
        self.fields["document"].queryset = documents

    def clean(self):
        data = super().clean()
        if bool(data.get("document")) == bool(data.get("file")):
            raise forms.ValidationError("请选择申请材料中的一个文件，或上传一个文件（二者选一）。")
        return data


class BoxForm(forms.Form):
    page = forms.IntegerField(label="页码", min_value=1)
    x0 = forms.FloatField(label="左", widget=forms.NumberInput(attrs={"step": "any"}))
    y0 = forms.FloatField(label="上", widget=forms.NumberInput(attrs={"step": "any"}))
    x1 = forms.FloatField(label="右", widget=forms.NumberInput(attrs={"step": "any"}))
    y1 = forms.FloatField(label="下", widget=forms.NumberInput(attrs={"step": "any"}))
    reason = forms.ChoiceField(label="不予公开理由", choices=REDACTION_REASONS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="：", **kwargs)


class SearchForm(forms.Form):
    text = forms.CharField(
        label="查找文字",
        max_length=redaction.MAX_SEARCH_LENGTH,
        help_text="如身份证号码、姓名、电话；在每一页查找并全部标注。扫描页没有文字，需手工框选。",
    )
    reason = forms.ChoiceField(label="不予公开理由", choices=REDACTION_REASONS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="：", **kwargs)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="：", **kwargs)


def _pages_text(numbers: list[int], limit: int = 30) -> str:
    """Page numbers as Chinese text lists them: 1、3、5 (and 等 when there are more than limit)."""
    return "、".join(str(number) for number in numbers[:limit]) + ("等" if len(numbers) > limit else "")


def _form_errors(form: forms.Form) -> str:
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}{'：' if name in form.fields else ''}{error}"
        for name, errors in form.errors.items()
        for error in errors
    )


@admin.register(RedactionJob)
class RedactionJobAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "info_request__organization"
    change_roles = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
    list_display = ("source_name", "request_number", "status", "box_count", "created_by", "submitted_at", "reviewed_by")
    list_filter = ("status",)
    list_select_related = ("info_request", "source", "created_by", "reviewed_by")
    search_fields = ("=info_request__number",)
    search_help_text = "输入完整的申请编号"
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(active_boxes=Count("boxes", filter=Q(boxes__removed_in__isnull=True)))
        )

    @admin.display(description="原件", ordering="source__original_name")
    def source_name(self, obj):
        return obj.source.original_name

    @admin.display(description="申请编号", ordering="info_request__number")
    def request_number(self, obj):
        return obj.info_request.number

    @admin.display(description="删除框", ordering="active_boxes")
    def box_count(self, obj):
        return obj.active_boxes

    def has_add_permission(self, request, *args):
        return False  # jobs start from an application's redaction page

    def has_delete_permission(self, request, obj=None):
        return False  # a draft is abandoned through redaction.discard, which keeps the source

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(reverse("admin:requests_app_redactionjob_screen", args=[obj.pk]))

    # Pages ---------------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("request/<int:pk>/", view(self.request_view), name="requests_app_redactionjob_request"),
            path("<int:pk>/screen/", view(self.screen_view), name="requests_app_redactionjob_screen"),
            path("<int:pk>/page/<int:number>/", view(self.page_view), name="requests_app_redactionjob_page"),
            path("<int:pk>/preview/", view(self.preview_view), name="requests_app_redactionjob_preview"),
            path("<int:pk>/act/<str:action>/", view(self.action_view), name="requests_app_redactionjob_act"),
            *super().get_urls(),
        ]

    def _info_request(self, request, pk: int) -> InfoRequest:
        queryset = scoping.filter_by_scope(InfoRequest.objects.select_related("organization"), request.user)
        return get_object_or_404(queryset, pk=pk)

    def _job(self, request, pk: int) -> RedactionJob:
        queryset = scoping.filter_by_scope(
            RedactionJob.objects.select_related("info_request__organization", "source", "result"),
            request.user,
            self.scope_field,
        )
        return get_object_or_404(queryset, pk=pk)

    def _context(self, request, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.opts, **extra}

    def request_view(self, request, pk: int):
        """An application's redaction page: its jobs, and starting one from a document or an upload."""
        info_request = self._info_request(request, pk)
        documents = redaction.redactable_documents(info_request)
        form = StartForm(request.POST or None, request.FILES or None, documents=documents)
        error = None
        if request.method == "POST":
            if form.is_valid():
                try:
                    job = redaction.start(
                        info_request,
                        by=request.user,
                        document=form.cleaned_data.get("document"),
                        uploaded=form.cleaned_data.get("file"),
                    )
                except DomainError as exc:
                    error = str(exc)
                else:
                    self.message_user(request, f"已开始删除处理“{job.source.original_name}”，共 {job.page_count} 页。")
                    return HttpResponseRedirect(reverse("admin:requests_app_redactionjob_screen", args=[job.pk]))
        jobs = (
            info_request.redaction_jobs.select_related("source", "result", "created_by", "reviewed_by")
            .annotate(active_boxes=Count("boxes", filter=Q(boxes__removed_in__isnull=True)))
            .order_by("-created_at", "-pk")
        )
        context = self._context(
            request,
            f"删除处理：{info_request.number}",
            original=info_request,
            jobs=jobs,
            form=form,
            error=error,
            request_open=info_request.status in redaction.REQUEST_STATUSES,
            may_start=scoping.has_role(request.user, info_request.organization, redaction.STAFF_ROLES)
            and info_request.status in redaction.REQUEST_STATUSES,
        )
        return TemplateResponse(request, "admin/requests_app/redactionjob/request.html", context)

    def screen_view(self, request, pk: int):
        job = self._job(request, pk)
        info_request = job.info_request
        count = job.page_count
        try:
            first = max(1, min(int(request.GET.get("from", 1)), count))
        except ValueError:
            first = 1
        first = (first - 1) // PAGES_PER_SCREEN * PAGES_PER_SCREEN + 1
        last = min(count, first + PAGES_PER_SCREEN - 1)
        painted = request.GET.get("painted") == "1" or not job.is_draft
        boxes = list(redaction.active_boxes(job).select_related("created_by"))
        on_page: dict[int, list] = {}
        for box in boxes:
            on_page.setdefault(box.page, []).append(box)
        version = job.redacted_sha256[:12] if not job.is_draft else str(job.last_action)
        pages = []
        for number in range(first, last + 1):
            width, height = job.page_sizes[number - 1]
            page_boxes = []
            for box in on_page.get(number, []):
                box.left = round(box.x0 / width * 100, 3)
                box.top = round(box.y0 / height * 100, 3)
                box.width = round((box.x1 - box.x0) / width * 100, 3)
                box.height = round((box.y1 - box.y0) / height * 100, 3)
                box.form = BoxForm(
                    initial={
                        "page": box.page,
                        "x0": box.x0,
                        "y0": box.y0,
                        "x1": box.x1,
                        "y1": box.y1,
                        "reason": box.reason,
                    },
                    prefix=f"box{box.pk}",
                )
                page_boxes.append(box)
            query = f"?v={version}" + ("&painted=1" if painted else "")
            pages.append(
                {
                    "number": number,
                    "width": width,
                    "height": height,
                    "image": reverse("admin:requests_app_redactionjob_page", args=[job.pk, number]) + query,
                    "boxes": page_boxes,
                    "scanned": number in job.scanned_pages,
                    "flattened": number in job.flattened_pages,
                }
            )
        user = request.user
        staff = scoping.has_role(user, info_request.organization, redaction.STAFF_ROLES)
        reviewer = scoping.has_role(user, info_request.organization, redaction.APPROVER_ROLES)
        marked_by_user = (
            job.created_by_id == user.pk
            or job.submitted_by_id == user.pk
            or any(box.created_by_id == user.pk for box in boxes)
        )
        reason = request.session.get(SESSION_REASON, DEFAULT_REASON)
        context = self._context(
            request,
            f"删除处理：{job.source.original_name}",
            original=info_request,
            job=job,
            pages=pages,
            box_total=len(boxes),
            boxed_pages=_pages_text(sorted(on_page)),
            flattened_pages=_pages_text(job.flattened_pages),
            ranges=[
                (start, min(count, start + PAGES_PER_SCREEN - 1), start == first)
                for start in range(1, count + 1, PAGES_PER_SCREEN)
            ]
            if count > PAGES_PER_SCREEN
            else [],
            first=first,
            painted=painted,
            can_edit=job.is_draft and staff,
            can_review=job.status == RedactionStatus.SUBMITTED and reviewer,
            marked_by_user=marked_by_user,
            add_form=BoxForm(initial={"page": first, "reason": reason}, prefix="add"),
            search_form=SearchForm(initial={"reason": reason}),
            return_form=ReturnForm(),
            reasons=REDACTION_REASONS,
        )
        return TemplateResponse(request, "admin/requests_app/redactionjob/screen.html", context)

    def page_view(self, request, pk: int, number: int):
        job = self._job(request, pk)
        try:
            image = redaction.page_image(job, number, painted=request.GET.get("painted") == "1")
        except FileNotFoundError:
            raise Http404("文件缺失，请联系系统管理员。") from None
        except DomainError as error:
            raise Http404(str(error)) from None
        response = HttpResponse(image, content_type="image/jpeg")
        response["X-Content-Type-Options"] = "nosniff"
        # The URL carries the version of the boxes (or of the burned copy): a changed page gets a new URL.
        response["Cache-Control"] = "private, max-age=3600"
        return response

    def preview_view(self, request, pk: int):
        job = self._job(request, pk)
        try:
            content = redaction.preview(job)
        except FileNotFoundError:
            raise Http404("文件缺失，请联系系统管理员。") from None
        except DomainError as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:requests_app_redactionjob_screen", args=[pk]))
        stem = job.source.original_name.rsplit(".", 1)[0] or "政府信息"
        suffix = "（部分公开）" if not job.is_draft else "（删除处理预览）"
        response = HttpResponse(content, content_type="application/pdf")
        name = SimpleNamespace(pk=job.pk, original_name=f"{stem}{suffix}.pdf", kind="pdf")
        response["Content-Disposition"] = content_disposition(name)
        response["X-Content-Type-Options"] = "nosniff"
        return response

    # Actions -------------------------------------------------------------------------------------

    def action_view(self, request, pk: int, action: str):
        return require_POST(self._act)(request, pk, action)

    def _act(self, request, pk: int, action: str):
        job = self._job(request, pk)
        handler = {
            "add": self._add,
            "change": self._change,
            "remove": self._remove,
            "search": self._search,
            "undo": self._undo,
            "submit": self._submit,
            "approve": self._approve,
            "return": self._return,
            "discard": self._discard,
        }.get(action)
        if handler is None:
            raise Http404("没有这个操作。")
        screen = reverse("admin:requests_app_redactionjob_screen", args=[job.pk])
        try:
            target = handler(request, job)
        except DomainError as error:
            self.message_user(request, str(error), level=messages.ERROR)
            target = None
        if target is None:
            back = request.POST.get("back", "")
            target = screen + (back if back.startswith(("?", "#")) and "//" not in back else "")
        return HttpResponseRedirect(target)

    def _screen_at(self, job: RedactionJob, page: int) -> str:
        first = (page - 1) // PAGES_PER_SCREEN * PAGES_PER_SCREEN + 1
        return reverse("admin:requests_app_redactionjob_screen", args=[job.pk]) + f"?from={first}#page-{page}"

    def _add(self, request, job):
        form = BoxForm(request.POST, prefix="add")
        if not form.is_valid():
            raise DomainError(f"删除框未添加：{_form_errors(form)}")
        data = form.cleaned_data
        request.session[SESSION_REASON] = data["reason"]
        box = redaction.add_box(job, by=request.user, **data)
        self.message_user(request, f"已在第{box.page}页添加删除框（{box.reason_label}）。")
        return self._screen_at(job, box.page)

    def _box_pk(self, request) -> int:
        try:
            return int(request.POST.get("box", ""))
        except ValueError:
            raise DomainError("请选择删除框。") from None

    def _change(self, request, job):
        box_pk = self._box_pk(request)
        form = BoxForm(request.POST, prefix=f"box{box_pk}")
        if not form.is_valid():
            raise DomainError(f"删除框未修改：{_form_errors(form)}")
        box = redaction.change_box(job, box_pk, by=request.user, **form.cleaned_data)
        self.message_user(request, f"已修改第{box.page}页的删除框。")
        return self._screen_at(job, box.page)

    def _remove(self, request, job):
        redaction.remove_box(job, self._box_pk(request), by=request.user)
        self.message_user(request, "已删除该删除框（可以撤销）。")

    def _search(self, request, job):
        form = SearchForm(request.POST)
        if not form.is_valid():
            raise DomainError(_form_errors(form))
        request.session[SESSION_REASON] = form.cleaned_data["reason"]
        text = form.cleaned_data["text"]
        result = redaction.mark_text(job, by=request.user, text=text, reason=form.cleaned_data["reason"])
        if result.boxes:
            self.message_user(request, f"已标注“{text}”{result.boxes} 处（第{_pages_text(result.pages, 20)}页）。")
        else:
            self.message_user(request, f"未找到需要新标注的“{text}”。", level=messages.WARNING)
        if result.without_text:
            self.message_user(
                request,
                f"第{_pages_text(result.without_text, 20)}页没有文字层（扫描件），无法查找，请逐页核对并手工框选。",
                level=messages.WARNING,
            )
        if result.pages:
            return self._screen_at(job, result.pages[0])
        return None

    def _undo(self, request, job):
        self.message_user(request, redaction.undo(job, by=request.user))

    def _submit(self, request, job):
        redaction.submit(job, by=request.user)
        self.message_user(request, "已提交审核：删除框已涂黑并生成处理后的文件，请审核人核对后审核。")

    def _approve(self, request, job):
        document = redaction.approve(job, by=request.user)
        self.message_user(
            request,
            format_html(
                "审核通过：“{}”已作为提供给申请人的政府信息，申请人可在申请查询页面下载。", document.original_name
            ),
        )
        return reverse("admin:requests_app_inforequest_change", args=[job.info_request_id])

    def _return(self, request, job):
        form = ReturnForm(request.POST)
        if not form.is_valid():
            raise DomainError("退回删除处理必须写明理由。")
        redaction.return_to_draft(job, by=request.user, reason=form.cleaned_data["reason"])
        self.message_user(request, "已退回标注人修改。")

    def _discard(self, request, job):
        redaction.discard(job, by=request.user)
        self.message_user(request, "已放弃该删除处理，原件仍保留在申请材料中。")
        return reverse("admin:requests_app_redactionjob_request", args=[job.info_request_id])
