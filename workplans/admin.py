"""The back office of work plans: drafting (by hand or imported from a Word or Excel table), approval
and publication by the office head, progress entered by the lead units and reviewed by the disclosure
office, notes by cooperating units. A thin shell over workplans.workflow and workplans.plan_import.

Scoping: a plan belongs to its organization (ScopedAdminMixin). Tasks, progress and notes are also seen
by the units named on the task, wherever they sit in the tree: a department leading a task of the
county's plan sees that task and its own progress without seeing the rest of the county's records.
"""

from __future__ import annotations

import secrets

from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from disclosure_site import audit, scoping
from disclosure_site.admin_mixins import ScopedAdminMixin
from disclosure_site.errors import DomainError
from disclosure_site.models import Organization

from . import plan_import, public, workflow
from .admin_forms import ImportForm, NoteForm, PlanAddForm, ProgressForm, TaskInlineForm
from .models import Heading, Plan, PlanStatus, Progress, ProgressState, ReviewStatus, Task, TaskNote, TaskUnit, UnitRole

EDIT = workflow.EDIT_ROLES


def _allowed_ids(user) -> list[int] | None:
    """The user's organizations as a literal list; None for a system administrator (everything)."""
    if scoping.is_system_admin(user):
        return None
    return list(scoping.scope_organizations(user).values_list("pk", flat=True))


def _task_visible(user, task_field: str = "") -> Q:
    """Rows whose task (task_field: lookup to the Task, "" for Task itself) is in a plan of the user's
    organizations, or names one of them as lead or cooperating unit."""
    allowed = _allowed_ids(user)
    if allowed is None:
        return Q()
    prefix = f"{task_field}__" if task_field else ""
    outer = f"{task_field}_id" if task_field else "pk"
    named = TaskUnit.objects.filter(task=OuterRef(outer), organization__in=allowed)
    return Q(**{f"{prefix}plan__organization__in": allowed}) | Q(Exists(named))


def _may_see_task(user, task: Task) -> bool:
    if scoping.has_role(user, task.plan.organization):
        return True
    return any(scoping.has_role(user, unit.organization) for unit in task.units.select_related("organization"))


# Plans ------------------------------------------------------------------------------------------------


class HeadingInline(admin.TabularInline):
    model = Heading
    extra = 0
    fields = ("position", "title")

    def _editable(self, request, obj) -> bool:
        return (
            obj is not None
            and obj.status == PlanStatus.DRAFT
            and scoping.has_role(request.user, obj.organization, EDIT)
        )

    def has_view_permission(self, request, obj=None):
        return True  # the plan's own view permission decides

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)


class TaskInline(admin.StackedInline):
    model = Task
    form = TaskInlineForm
    extra = 0
    fields = (("number", "heading", "due_on"), "text", ("leads", "supports"))

    _editable = HeadingInline._editable
    has_view_permission = HeadingInline.has_view_permission
    has_add_permission = HeadingInline.has_add_permission
    has_change_permission = HeadingInline.has_change_permission
    has_delete_permission = HeadingInline.has_delete_permission

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("units__organization")

    # Shown instead of the form fields of the same names when the plan is no longer a draft.
    @admin.display(description="牵头单位")
    def leads(self, obj):
        return "、".join(u.organization.name for u in obj.units.all() if u.role == UnitRole.LEAD)

    @admin.display(description="配合单位")
    def supports(self, obj):
        return "、".join(u.organization.name for u in obj.units.all() if u.role == UnitRole.SUPPORT) or "—"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None and "heading" in formset.form.base_fields:
            formset.form.base_fields["heading"].queryset = obj.headings.all()
        return formset


@admin.register(Plan)
class PlanAdmin(ScopedAdminMixin, admin.ModelAdmin):
    add_roles = change_roles = delete_roles = EDIT
    list_display = ("title", "organization", "year", "status", "task_count", "published_at")
    list_filter = ("status", "year")
    list_select_related = ("organization",)
    search_fields = ("title", "organization__name")
    change_form_template = "admin/workplans/plan/change_form.html"
    change_list_template = "admin/workplans/plan/change_list.html"
    readonly_fields = ("organization", "year", "status", "source_name", "approved_by", "approved_at", "published_at")

    @admin.display(description="任务数")
    def task_count(self, obj):
        return obj.n_tasks

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_tasks=Count("tasks"))

    def get_inline_instances(self, request, obj=None):
        if obj is None:
            return []
        return [HeadingInline(self.model, self.admin_site), TaskInline(self.model, self.admin_site)]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status == PlanStatus.DRAFT)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status == PlanStatus.DRAFT)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, self.view_roles, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a draft is deleted from its own page, one at a time
        return actions

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            organizations = scoping.scope_organizations(request.user, EDIT).order_by("tree_id", "lft")
            form = PlanAddForm

            class ScopedAddForm(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, organizations=organizations, **kw)

            kwargs["form"] = ScopedAddForm
            kwargs["fields"] = ["organization", "year", "title"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "year", "title"]
        return ["title", "organization", "year", "status", "source_name", "approved_by", "approved_at", "published_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)  # the title; audited by the mixin
            return
        data = form.cleaned_data
        try:
            created = workflow.create(
                data["organization"], year=data["year"], by=request.user, title=data.get("title") or ""
            )
        except DomainError as error:
            raise _FormError(str(error)) from None
        obj.pk = created.pk
        self.message_user(request, f"已创建{created}（草稿）。请添加分组和任务，再请机关负责人批准。")

    def save_formset(self, request, form, formset, change):
        if formset.model is not Task:
            super().save_formset(request, form, formset, change)
            return
        with transaction.atomic():
            self.audit_inline_deletions(request, formset)
            formset.save()
            for task_form in formset.forms:
                if task_form in formset.deleted_forms or not task_form.instance.pk or not task_form.has_changed():
                    continue
                task = task_form.instance
                workflow.set_units(
                    task,
                    leads=task_form.cleaned_data["leads"],
                    supports=task_form.cleaned_data["supports"],
                    by=request.user,
                )
                audit.record(task, actor=request.user, action="change", changes=audit.form_changes(task_form))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _FormError as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return HttpResponseRedirect(request.path)

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:workplans_plan_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None and self.has_view_permission(request, obj):
            extra.update(self._panel(request, obj))
        return super().change_view(request, object_id, form_url, extra)

    def _panel(self, request, plan: Plan) -> dict:
        user = request.user
        buttons = []
        if scoping.has_role(user, plan.organization, workflow.APPROVE_ROLES):
            if plan.status == PlanStatus.DRAFT:
                buttons.append(("approve", "批准", False))
            elif plan.status == PlanStatus.APPROVED:
                buttons += [("publish", "发布", False), ("return", "退回修改", True)]
        return {
            "plan": plan,
            "buttons": buttons,
            "events": audit.events_for(plan)[:20],
            "public_url": plan.get_absolute_url() if plan.is_published else "",
        }

    ACTIONS = {
        "approve": ("工作要点已批准，可以发布。", lambda p, u, note: workflow.approve(p, by=u)),
        "publish": ("工作要点已发布，公众可以查看。", lambda p, u, note: workflow.publish(p, by=u)),
        "return": ("已退回修改。", lambda p, u, note: workflow.return_to_draft(p, by=u, reason=note)),
    }

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/do/<str:action>/", view(self.action_view), name="workplans_plan_action"),
            path("import/", view(self.import_view), name="workplans_plan_import"),
            *super().get_urls(),
        ]

    def action_view(self, request, pk: int, action: str):
        if request.method != "POST":
            return require_POST(lambda r: None)(request)
        plan = get_object_or_404(self.get_queryset(request).select_related("organization"), pk=pk)
        if action not in self.ACTIONS:
            raise Http404("没有这个操作。")
        done, run = self.ACTIONS[action]
        try:
            run(plan, request.user, request.POST.get("note", ""))
        except DomainError as error:
            self.message_user(request, str(error), level=messages.ERROR)
        else:
            self.message_user(request, done, level=messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:workplans_plan_change", args=[plan.pk]))

    # Import (workplans/plan_import.py) -------------------------------------------------------------

    # The file waits between the dry run and the confirmation in the shared cache under a random token
    # kept in the user's session (as the catalog import does): any app server can finish the import,
    # nothing lands on disk, and an abandoned upload expires.
    IMPORT_SESSION_KEY = "workplans_plan_import_token"
    IMPORT_CACHE_PREFIX = "workplans-plan-import:"
    IMPORT_CACHE_SECONDS = 60 * 60

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        organizations = scoping.scope_organizations(request.user, EDIT).order_by("tree_id", "lft")
        form = ImportForm(organizations=organizations)
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
                    report = plan_import.import_plan(
                        pending["content"],
                        organization=organization,
                        year=pending["year"],
                        by=request.user,
                        name=pending["name"],
                        title=pending["title"],
                        dry_run=False,
                    )
                except DomainError as exc:
                    error, token = str(exc), None
                else:
                    if report.ok and report.plan is not None:
                        cache.delete(key)
                        request.session.pop(self.IMPORT_SESSION_KEY, None)
                        self.message_user(
                            request,
                            f"已从“{pending['name']}”导入{report.plan}：{len(report.tasks)}项任务（草稿）。"
                            "请核对后请机关负责人批准、发布。",
                            level=messages.SUCCESS,
                        )
                        return HttpResponseRedirect(reverse("admin:workplans_plan_change", args=[report.plan.pk]))
                    token = None
        elif request.method == "POST":
            form = ImportForm(request.POST, request.FILES, organizations=organizations)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                content = upload.read(plan_import.MAX_FILE_BYTES + 1)
                try:
                    report = plan_import.import_plan(
                        content,
                        organization=form.cleaned_data["organization"],
                        year=form.cleaned_data["year"],
                        by=request.user,
                        name=upload.name,
                        title=form.cleaned_data["title"],
                        dry_run=True,
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
                            "year": report.year,
                            "title": form.cleaned_data["title"],
                            "name": upload.name,
                            "content": content,
                        }
                        cache.set(self.IMPORT_CACHE_PREFIX + token, pending, self.IMPORT_CACHE_SECONDS)
                        request.session[self.IMPORT_SESSION_KEY] = token
        context = {
            **self.admin_site.each_context(request),
            "title": "导入政务公开工作要点",
            "opts": self.opts,
            "form": form,
            "report": report,
            "token": token,
            "error": error,
            "columns": plan_import.COLUMNS,
            "optional_columns": plan_import.OPTIONAL_COLUMNS,
        }
        return TemplateResponse(request, "admin/workplans/plan/import.html", context)


class _FormError(DomainError):
    """A rule refused what a valid form asked (say, the plan of that year exists already)."""


# Tasks (read-only: edited on their plan) -------------------------------------------------------------


@admin.register(Task)
class TaskAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_field = "plan__organization"
    list_display = ("number", "short_text", "plan", "units_display", "due_on", "state_display")
    list_display_links = ("number", "short_text")
    list_filter = ("plan__year", "plan__status")
    search_fields = ("text", "plan__title")
    list_select_related = ("plan__organization",)
    change_form_template = "admin/workplans/task/change_form.html"
    fields = ("plan", "heading", "number", "text", "due_on")
    readonly_fields = fields

    def get_queryset(self, request):
        # Not the mixin's scope alone: units named on a task see it too (see the module docstring).
        queryset = admin.ModelAdmin.get_queryset(self, request).filter(_task_visible(request.user))
        return public.with_latest(queryset).prefetch_related("units__organization")

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return scoping.has_any_role(request.user)
        return _may_see_task(request.user, obj)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Tasks are edited on their plan's page; they go with a draft plan when it is deleted (audited).
        return (
            obj is not None and obj.plan.status == PlanStatus.DRAFT and HeadingInline._editable(self, request, obj.plan)
        )

    @admin.display(description="任务")
    def short_text(self, obj):
        return obj.short_text

    @admin.display(description="牵头单位 / 配合单位")
    def units_display(self, obj):
        units = list(obj.units.all())
        leads = "、".join(u.organization.name for u in units if u.role == UnitRole.LEAD)
        supports = "、".join(u.organization.name for u in units if u.role == UnitRole.SUPPORT)
        return f"{leads} / {supports or '—'}"

    @admin.display(description="完成状态（已公开）")
    def state_display(self, obj):
        return ProgressState(obj.current_state).label

    def change_view(self, request, object_id, form_url="", extra_context=None):
        task = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if task is not None and self.has_view_permission(request, task):
            allowed = _allowed_ids(request.user)
            units = list(task.units.select_related("organization"))

            def mine(role):
                return [
                    u.organization
                    for u in units
                    if u.role == role and (allowed is None or u.organization_id in allowed)
                ]

            published = task.plan.status == PlanStatus.PUBLISHED
            extra.update(
                {
                    "task": task,
                    "units": units,
                    "progress": task.progress.select_related("organization", "entered_by", "reviewed_by"),
                    "notes": task.notes.select_related("organization", "created_by"),
                    "may_report": published and bool(mine(UnitRole.LEAD)),
                    "may_note": published and bool(mine(UnitRole.SUPPORT)),
                }
            )
        return super().change_view(request, object_id, form_url, extra)


# Progress ---------------------------------------------------------------------------------------------


@admin.register(Progress)
class ProgressAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = ProgressForm
    add_roles = change_roles = workflow.PROGRESS_ROLES
    list_display = ("task_display", "organization", "on", "state", "percent", "status", "entered_by")
    list_filter = ("status", "state", "task__plan__year")
    list_select_related = ("task__plan", "organization", "entered_by")
    search_fields = ("text", "task__text", "organization__name")
    change_form_template = "admin/workplans/progress/change_form.html"
    actions = ["publish_selected"]

    @admin.display(description="任务")
    def task_display(self, obj):
        return f"{obj.task.plan.title} 第{obj.task.number}项"

    def get_queryset(self, request):
        allowed = _allowed_ids(request.user)
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if allowed is None:
            return queryset
        return queryset.filter(Q(organization__in=allowed) | Q(task__plan__organization__in=allowed))

    def _is_reviewer(self, request, obj) -> bool:
        return scoping.has_role(request.user, obj.task.plan.organization, workflow.REVIEW_ROLES)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return scoping.has_any_role(request.user)
        return scoping.has_role(request.user, obj.organization) or scoping.has_role(
            request.user, obj.task.plan.organization
        )

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request, obj)
        return obj.status in workflow.EDITABLE_PROGRESS and scoping.has_role(
            request.user, obj.organization, workflow.PROGRESS_ROLES
        )

    def has_delete_permission(self, request, obj=None):
        return False  # an update is a record: a wrong one is returned by the reviewer, a newer one supersedes

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return [
                "task",
                "organization",
                "on",
                "state",
                "percent",
                "text",
                "reason",
                "status",
                "entered_by",
                "reviewed_by",
                "review_note",
            ]
        return ["task", "organization", "on", "state", "percent", "text", "reason"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if not self.has_change_permission(request, obj):
            return self.get_fields(request, obj)
        return ("task", "organization")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("on", timezone.localdate())
        task = Task.objects.filter(pk=request.GET.get("task") or 0).first()
        if task is not None:
            allowed = _allowed_ids(request.user)
            leads = [
                u.organization_id
                for u in task.units.filter(role=UnitRole.LEAD)
                if allowed is None or u.organization_id in allowed
            ]
            if leads:
                initial["organization"] = leads[0]
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        allowed = _allowed_ids(request.user)
        if db_field.name == "task":
            tasks = Task.objects.filter(plan__status=PlanStatus.PUBLISHED).select_related("plan")
            if allowed is not None:
                tasks = tasks.filter(units__role=UnitRole.LEAD, units__organization__in=allowed).distinct()
            kwargs["queryset"] = tasks.order_by("-plan__year", "plan__organization__tree_id", "number")
            return db_field.formfield(**kwargs)
        if db_field.name == "organization":
            leads = Organization.objects.filter(
                work_tasks__role=UnitRole.LEAD, work_tasks__task__plan__status=PlanStatus.PUBLISHED
            )
            if allowed is not None:
                leads = leads.filter(pk__in=allowed)
            kwargs["queryset"] = leads.distinct().order_by("tree_id", "lft")
            return db_field.formfield(**kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "on": data["on"],
            "state": data["state"],
            "text": data["text"],
            "percent": data.get("percent"),
            "reason": data.get("reason", ""),
        }
        if change:
            saved = workflow.update_progress(obj, by=request.user, **fields)
        else:
            saved = workflow.record_progress(data["task"], organization=data["organization"], by=request.user, **fields)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        pass

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, "进展已提交，经政务公开工作机构审核后公开。", level=messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:workplans_progress_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None and self.has_view_permission(request, obj):
            extra.update(
                {
                    "progress": obj,
                    "may_review": obj.status == ReviewStatus.PENDING and self._is_reviewer(request, obj),
                    "events": audit.events_for(obj)[:20],
                }
            )
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/review/<str:decision>/", view(self.review_view), name="workplans_progress_review"),
            *super().get_urls(),
        ]

    def review_view(self, request, pk: int, decision: str):
        if request.method != "POST":
            return require_POST(lambda r: None)(request)
        progress = get_object_or_404(self.get_queryset(request).select_related("task__plan__organization"), pk=pk)
        try:
            if decision == "publish":
                workflow.publish_progress(progress, by=request.user, note=request.POST.get("note", ""))
                done = "进展已审核通过并公开。"
            elif decision == "return":
                workflow.return_progress(progress, by=request.user, note=request.POST.get("note", ""))
                done = "进展已退回填报单位修改。"
            else:
                raise Http404("没有这个操作。")
        except DomainError as error:
            self.message_user(request, str(error), level=messages.ERROR)
        else:
            self.message_user(request, done, level=messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:workplans_progress_change", args=[progress.pk]))

    @admin.action(description="审核通过并公开所选进展")
    def publish_selected(self, request, queryset):
        done, refused = 0, []
        for progress in queryset.select_related("task__plan__organization"):
            try:
                workflow.publish_progress(progress, by=request.user)
                done += 1
            except DomainError as error:
                refused.append(f"{progress}：{error}")
        if done:
            self.message_user(request, f"已公开{done}条进展。", level=messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, level=messages.ERROR)


# Notes of cooperating units ---------------------------------------------------------------------------


@admin.register(TaskNote)
class TaskNoteAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = NoteForm
    add_roles = workflow.NOTE_ROLES
    list_display = ("__str__", "organization", "created_by", "created_at")
    list_select_related = ("task__plan", "organization", "created_by")
    search_fields = ("text", "task__text", "organization__name")

    def get_queryset(self, request):
        allowed = _allowed_ids(request.user)
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if allowed is None:
            return queryset
        leads = TaskUnit.objects.filter(task=OuterRef("task_id"), role=UnitRole.LEAD, organization__in=allowed)
        return queryset.filter(Q(organization__in=allowed) | Q(task__plan__organization__in=allowed) | Q(Exists(leads)))

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return scoping.has_any_role(request.user)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("task", "organization", "text", "created_by", "created_at") if obj else ()

    def get_fields(self, request, obj=None):
        return ("task", "organization", "text", "created_by", "created_at") if obj else ("task", "organization", "text")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        task = Task.objects.filter(pk=request.GET.get("task") or 0).first()
        if task is not None:
            allowed = _allowed_ids(request.user)
            supports = [
                u.organization_id
                for u in task.units.filter(role=UnitRole.SUPPORT)
                if allowed is None or u.organization_id in allowed
            ]
            if supports:
                initial["organization"] = supports[0]
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        allowed = _allowed_ids(request.user)
        if db_field.name == "task":
            tasks = Task.objects.filter(plan__status=PlanStatus.PUBLISHED).select_related("plan")
            if allowed is not None:
                tasks = tasks.filter(units__role=UnitRole.SUPPORT, units__organization__in=allowed).distinct()
            kwargs["queryset"] = tasks.order_by("-plan__year", "number")
            return db_field.formfield(**kwargs)
        if db_field.name == "organization":
            supports = Organization.objects.filter(work_tasks__role=UnitRole.SUPPORT)
            if allowed is not None:
                supports = supports.filter(pk__in=allowed)
            kwargs["queryset"] = supports.distinct().order_by("tree_id", "lft")
            return db_field.formfield(**kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        note = workflow.add_note(data["task"], organization=data["organization"], by=request.user, text=data["text"])
        obj.pk = note.pk

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, "备注已保存，牵头单位和工作要点制定机关可以看到。", level=messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:workplans_task_change", args=[obj.task_id]))
