import secrets

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from mptt.admin import DraggableMPTTAdmin

from disclosure_site import audit, scoping
from disclosure_site.admin_mixins import ALL, AuditedAdminMixin, ScopedAdminMixin
from disclosure_site.errors import DomainError
from disclosure_site.models import Role

from . import import_export, publishing
from .models import (
    Category,
    Channel,
    DocumentType,
    Guide,
    IndexNumberScheme,
    Item,
    ItemRevision,
    ItemStatus,
    RevisionStatus,
    Subject,
    Validity,
)
from .richtext import sanitize

STAFF = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
EDITORS = frozenset({Role.CLERK, Role.HEAD})


@admin.register(Subject)
class SubjectAdmin(AuditedAdminMixin, DraggableMPTTAdmin):
    """The subject tree is shared by the whole government: staff read it, administrators edit it."""

    list_display = ("tree_actions", "indented_title", "code")
    list_display_links = ("indented_title",)
    search_fields = ("name", "code")

    def has_module_permission(self, request):
        return scoping.has_any_role(request.user)

    def has_view_permission(self, request, obj=None):
        return scoping.has_any_role(request.user)

    def has_add_permission(self, request):
        return scoping.is_system_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return scoping.is_system_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return scoping.is_system_admin(request.user)


@admin.register(Category)
class CategoryAdmin(ScopedAdminMixin, DraggableMPTTAdmin):
    add_roles = change_roles = delete_roles = EDITORS
    list_display = ("tree_actions", "indented_title", "code", "organization", "kind", "is_active")
    list_display_links = ("indented_title",)
    list_filter = ("organization", "kind", "is_active")
    list_select_related = ("organization",)
    search_fields = ("name", "code")
    fields = ("organization", "parent", "name", "code", "kind", "description", "is_active", "update_period_days")

    def changelist_view(self, request, *args, **kwargs):
        if request.method == "POST" and request.POST.get("cmd") == "move_node":
            queryset = self.get_queryset(request)
            cut = queryset.filter(pk=request.POST.get("cut_item") or 0).first()
            target = queryset.filter(pk=request.POST.get("pasted_on") or 0).first()
            if cut is None or target is None or cut.organization_id != target.organization_id:
                self.message_user(request, "栏目只能在本机构的公开目录内移动。", level=messages.ERROR)
                return HttpResponse("FAIL, invalid objects.")
            parent_before = cut.parent
            with transaction.atomic():
                response = super().changelist_view(request, *args, **kwargs)
                cut.refresh_from_db()
                if response.content.startswith(b"OK"):
                    audit.record(
                        cut,
                        actor=request.user,
                        action="change",
                        changes={"上级栏目": [str(parent_before or "（顶级）"), str(cut.parent or "（顶级）")]},
                        comment="调整栏目位置",
                    )
            return response
        return super().changelist_view(request, *args, **kwargs)


class IndexNumberSchemeForm(forms.ModelForm):
    class Meta:
        model = IndexNumberScheme
        fields = ("organization", "template")


@admin.register(IndexNumberScheme)
class IndexNumberSchemeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    add_roles = change_roles = frozenset({Role.HEAD})
    form = IndexNumberSchemeForm
    list_display = ("organization", "template")
    list_select_related = ("organization",)


@admin.register(Guide)
class GuideAdmin(ScopedAdminMixin, admin.ModelAdmin):
    add_roles = change_roles = delete_roles = EDITORS
    list_display = ("organization", "effective_date", "is_published", "office_name", "updated_at")
    list_filter = ("is_published", "organization")
    list_select_related = ("organization",)
    date_hierarchy = "effective_date"
    exclude = ("created_by",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_delete_permission(self, request, obj=None):
        # A published version is a public record (which guide was in force when); only unpublished drafts go.
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # drafts are deleted one at a time, from their own page
        return actions

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ItemForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label="其他发布渠道", choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Item
        fields = (
            "organization",
            "category",
            "subject",
            "document_type",
            "title",
            "document_number",
            "written_date",
            "scheduled_at",
            "validity",
            "validity_date",
            "replaced_by",
            "keywords",
            "summary",
            "body",
            "channels",
            "interprets",
        )
        widgets = {"summary": forms.Textarea(attrs={"rows": 4, "maxlength": 500})}

    def clean_body(self):
        return sanitize(self.cleaned_data.get("body", ""))

    def clean_written_date(self):
        written = self.cleaned_data["written_date"]
        if written and written > timezone.localdate():
            raise ValidationError("成文日期不能晚于今天。")
        return written

    def clean(self):
        cleaned = super().clean()
        organization, category = cleaned.get("organization"), cleaned.get("category")
        if organization is None and self.instance.pk:
            organization = self.instance.organization  # read-only once published
        if organization and category and category.organization_id != organization.pk:
            self.add_error("category", "所选栏目不属于该发布机构的公开目录。")
        validity = cleaned.get("validity")
        if validity and validity != Validity.VALID and not cleaned.get("validity_date"):
            self.add_error("validity_date", "有效性为修改、失效或废止时，请填写变更日期。")
        if validity == Validity.VALID and cleaned.get("replaced_by"):
            self.add_error("replaced_by", "有效的文件不应有替代文件。")
        interprets = cleaned.get("interprets")
        if interprets and cleaned.get("document_type") != DocumentType.INTERPRETATION:
            self.add_error("interprets", "只有文件类型为“政策解读”的信息才能关联被解读的政策文件。")
        return cleaned


@admin.register(Item)
class ItemAdmin(ScopedAdminMixin, admin.ModelAdmin):
    add_roles = frozenset({Role.CLERK, Role.HEAD})
    change_roles = delete_roles = STAFF
    form = ItemForm
    list_display = ("title", "organization", "category", "document_type", "status", "index_number", "published_at")
    list_filter = ("status", "document_type", "validity", "is_late", "organization")
    list_select_related = ("organization", "category")
    search_fields = ("title", "index_number", "document_number")
    date_hierarchy = "published_at"
    autocomplete_fields = ("replaced_by", "interprets")
    readonly_fields = ("status", "index_number", "published_at", "author", "approved_by", "is_late")
    actions = ("submit_selected", "approve_selected", "export_selected_xlsx", "export_selected_csv")
    change_form_template = "admin/catalog/item/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status in (ItemStatus.PENDING, ItemStatus.SCHEDULED, ItemStatus.WITHDRAWN):
            # Under review or withdrawn: nothing changes but through the workflow.
            return [*self.readonly_fields, *ItemForm.Meta.fields]
        if obj is not None and obj.status == ItemStatus.PUBLISHED:
            return [*self.readonly_fields, "organization", "scheduled_at", "interprets"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # A number once published stays in the records: only drafts may be deleted.
        if obj is not None and obj.status != ItemStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if change and obj.status == ItemStatus.PUBLISHED:
            changes = {
                name: form.cleaned_data[name] for name in form.changed_data if name in publishing.REVISABLE_FIELDS
            }
            if changes:
                publishing.propose_revision(obj, changes, by=request.user)
            obj._revision_proposed = True
            return
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if getattr(form.instance, "_revision_proposed", False):
            return
        super().save_related(request, form, formsets, change)

    def response_change(self, request, obj):
        if getattr(obj, "_revision_proposed", False):
            self.message_user(request, "修改已作为修改稿提交审核；审核通过前，公众看到的仍是已发布的版本。")
            return HttpResponseRedirect(reverse("admin:catalog_item_change", args=[obj.pk]))
        return super().response_change(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return HttpResponseRedirect(request.path)

    # Workflow ----------------------------------------------------------------------------------

    TRANSITIONS = {
        "submit": ("提交审核", publishing.submit, False),
        "approve": ("审核通过并发布", publishing.approve, False),
        "return": ("退回修改", publishing.return_to_draft, True),
        "withdraw": ("撤回", publishing.withdraw, True),
    }

    def get_urls(self):
        return [
            path(
                "<int:pk>/workflow/",
                self.admin_site.admin_view(self.workflow_view),
                name="catalog_item_workflow",
            ),
            path("import/", self.admin_site.admin_view(self.import_view), name="catalog_item_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="catalog_item_export"),
            *super().get_urls(),
        ]

    def available_transitions(self, item):
        allowed = {
            ItemStatus.DRAFT: ["submit"],
            ItemStatus.PENDING: ["approve", "return"],
            ItemStatus.SCHEDULED: ["return"],
            ItemStatus.PUBLISHED: ["withdraw"],
        }
        return [(key, self.TRANSITIONS[key][0]) for key in allowed.get(item.status, [])]

    def workflow_view(self, request, pk):
        item = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_or_change_permission(request, item):
            raise PermissionDenied
        error = None
        if request.method == "POST":
            key = request.POST.get("transition", "")
            comment = request.POST.get("comment", "").strip()
            if key not in dict(self.available_transitions(item)):
                error = "该操作在当前状态下不可用，请刷新页面后重试。"
            else:
                label, function, needs_reason = self.TRANSITIONS[key]
                try:
                    if needs_reason:
                        function(item, by=request.user, reason=comment)
                    else:
                        function(item, by=request.user, comment=comment)
                except DomainError as exc:
                    error = str(exc)
                else:
                    self.message_user(request, f"“{item.title}”已{label}。")
                    return HttpResponseRedirect(reverse("admin:catalog_item_change", args=[item.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"审核流程：{item.title}",
            "opts": self.opts,
            "item": item,
            "transitions": self.available_transitions(item),
            "error": error,
            "comment": request.POST.get("comment", ""),
            "events": audit.events_for(item)[:20],
        }
        return TemplateResponse(request, "admin/catalog/item/workflow.html", context)

    def _bulk(self, request, queryset, function, label):
        done, failed = 0, []
        for item in queryset:
            try:
                function(item, by=request.user)
                done += 1
            except DomainError as error:
                failed.append(f"“{item.title}”：{error}")
        if done:
            self.message_user(request, f"{done} 条信息已{label}。")
        for message in failed:
            self.message_user(request, message, level=messages.ERROR)

    @admin.action(description="提交审核所选信息")
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, publishing.submit, "提交审核")

    @admin.action(description="审核通过并发布所选信息")
    def approve_selected(self, request, queryset):
        self._bulk(request, queryset, publishing.approve, "审核通过")

    # Import and export (catalog/import_export.py) ----------------------------------------------

    # The uploaded file waits between the dry run and the confirmation in the shared cache (Redis in
    # production, so any app server can finish the import) under a random token kept in the user's
    # session and tied to the user: the confirmation imports exactly the file, organization and status
    # that were checked, nothing lands on a server's disk or in MEDIA_ROOT (published attachments), and
    # an abandoned upload simply expires.
    IMPORT_SESSION_KEY = "catalog_item_import_token"
    IMPORT_CACHE_PREFIX = "catalog-item-import:"
    IMPORT_CACHE_SECONDS = 60 * 60
    IMPORT_PREVIEW_ROWS = 1000

    class ImportForm(forms.Form):
        organization = forms.ModelChoiceField(label="机构", queryset=None, empty_label=None)
        file = forms.FileField(
            label="文件",
            help_text="CSV（UTF-8 或 GBK 编码）或 Excel 的 .xlsx 文件，第1行为表头，列名见使用说明。",
        )
        publish = forms.TypedChoiceField(
            label="导入后状态",
            choices=[("draft", "草稿"), ("published", "已发布")],
            coerce=lambda value: value == "published",
            initial="draft",
            widget=forms.RadioSelect,
            help_text="已发布：用于迁移已在原系统公开的信息，必须填写发布日期；草稿不能带索引号。",
        )

        def __init__(self, *args, organizations, **kwargs):
            super().__init__(*args, label_suffix="：", **kwargs)
            self.fields["organization"].queryset = organizations

    def import_view(self, request):
        """试运行 (dry run) on upload, then 确认导入 with the same file: see catalog/import_export.py."""

        if not self.has_add_permission(request):
            raise PermissionDenied
        organizations = scoping.scope_organizations(request.user, EDITORS).order_by("tree_id", "lft")
        form = self.ImportForm(organizations=organizations)
        report, token, error = None, None, None
        if request.method == "POST" and "token" in request.POST:
            token = request.POST["token"]
            key = self.IMPORT_CACHE_PREFIX + token
            pending = cache.get(key) if token and request.session.get(self.IMPORT_SESSION_KEY) == token else None
            if pending is None or pending["user"] != request.user.pk:
                error = "上传的文件已过期（保留1小时）或不属于当前登录，请重新上传并试运行。"
                token = None
            else:
                organization = organizations.filter(pk=pending["organization"]).first()
                if organization is None:
                    raise PermissionDenied
                try:
                    report = import_export.import_items(
                        pending["content"],
                        organization=organization,
                        by=request.user,
                        publish=pending["publish"],
                        dry_run=False,
                        name=pending["name"],
                    )
                except DomainError as exc:
                    error = str(exc)
                else:
                    if report.ok:
                        cache.delete(key)
                        request.session.pop(self.IMPORT_SESSION_KEY, None)
                        self.message_user(
                            request,
                            f"已从“{pending['name']}”导入 {len(report.created)} 条信息到{organization.name}，"
                            f"状态为“{report.status_label}”。",
                        )
                        return HttpResponseRedirect(reverse("admin:catalog_item_changelist"))
                    # The catalog changed since the dry run (say, an index number was taken): nothing written.
                    token = None
        elif request.method == "POST":
            form = self.ImportForm(request.POST, request.FILES, organizations=organizations)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                content = upload.read(import_export.MAX_FILE_BYTES + 1)
                try:
                    report = import_export.import_items(
                        content,
                        organization=form.cleaned_data["organization"],
                        by=request.user,
                        publish=form.cleaned_data["publish"],
                        dry_run=True,
                        name=upload.name,
                    )
                except DomainError as exc:
                    form.add_error("file", str(exc))
                else:
                    if report.ok:
                        previous = request.session.get(self.IMPORT_SESSION_KEY)
                        if previous:
                            cache.delete(self.IMPORT_CACHE_PREFIX + previous)
                        token = secrets.token_urlsafe(32)
                        pending = {
                            "user": request.user.pk,
                            "organization": report.organization.pk,
                            "publish": report.publish,
                            "name": upload.name,
                            "content": content,
                        }
                        cache.set(self.IMPORT_CACHE_PREFIX + token, pending, self.IMPORT_CACHE_SECONDS)
                        request.session[self.IMPORT_SESSION_KEY] = token
        context = {
            **self.admin_site.each_context(request),
            "title": "导入信息条目",
            "opts": self.opts,
            "form": form,
            "report": report,
            "preview": report.rows[: self.IMPORT_PREVIEW_ROWS] if report and report.ok else [],
            "token": token,
            "error": error,
            "columns": import_export.COLUMNS,
            "required_columns": import_export.REQUIRED_COLUMNS,
        }
        return TemplateResponse(request, "admin/catalog/item/import.html", context)

    def _export_response(self, queryset, format):

        content = import_export.export_items(queryset, format)
        response = HttpResponse(content, content_type=import_export.CONTENT_TYPES[format])
        filename = f"信息条目-{timezone.localdate():%Y%m%d}.{format}"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    def export_view(self, request):
        """The change list as it is filtered and searched, as a file (the 导出 links above the list)."""

        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        request.GET = request.GET.copy()
        format = request.GET.pop("format", [import_export.XLSX])[-1]
        if format not in import_export.FORMATS:
            format = import_export.XLSX
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:catalog_item_changelist"))
        return self._export_response(queryset, format)

    @admin.action(description="导出所选信息（Excel）")
    def export_selected_xlsx(self, request, queryset):
        return self._export_response(queryset, "xlsx")

    @admin.action(description="导出所选信息（CSV）")
    def export_selected_csv(self, request, queryset):
        return self._export_response(queryset, "csv")


@admin.register(ItemRevision)
class ItemRevisionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "item__organization"
    view_roles = ALL
    list_display = ("item", "status", "author", "created_at", "decided_by")
    list_filter = ("status",)
    list_select_related = ("item", "author", "decided_by")
    readonly_fields = ("item", "status", "author", "comment", "created_at", "decided_by", "decided_at", "content_table")
    fields = readonly_fields
    change_form_template = "admin/catalog/itemrevision/change_form.html"

    @admin.display(description="修改内容")
    def content_table(self, obj):
        rows = []
        for name, value in obj.content.items():
            field = Item._meta.get_field(name)
            current = getattr(obj.item, field.attname)
            rows.append(
                format_html(
                    "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>", field.verbose_name, current, value
                )
            )
        header = format_html(
            "<tr><th scope='col'>字段</th><th scope='col'>已发布版本</th><th scope='col'>修改后</th></tr>"
        )
        return format_html("<table>{}{}</table>", header, format_html("".join(str(r) for r in rows)))

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and request.POST.get("decision") in ("approve", "return"):
            revision = self.get_object(request, object_id)
            if revision is None:
                return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
            comment = request.POST.get("comment", "").strip()
            try:
                if request.POST["decision"] == "approve":
                    publishing.approve_revision(revision, by=request.user, comment=comment)
                    self.message_user(request, "修改稿已审核通过，公开版本已更新。")
                else:
                    publishing.return_revision(revision, by=request.user, reason=comment)
                    self.message_user(request, "修改稿已退回。")
            except DomainError as error:
                self.message_user(request, str(error), level=messages.ERROR)
            return HttpResponseRedirect(request.path)
        extra_context = {**(extra_context or {}), "show_decision": True, "pending": RevisionStatus.PENDING}
        return super().change_view(request, object_id, form_url, extra_context)
