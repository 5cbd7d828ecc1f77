"""Admin building blocks every app reuses: organization scoping by role, and the audit trail.

Staff see and act only on rows of their organizations' subtrees (disclosure_site.scoping), in the
change list, the change form, foreign-key choices, autocomplete, actions and the history view.
Django's per-model permissions are not used: what a role may do is declared on the admin class.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.template.response import TemplateResponse

from . import audit, scoping
from .models import Organization

ALL = scoping.ALL_ROLES
NOBODY: frozenset[str] = frozenset()


class AuditedDeletionMixin:
    """Every deletion made through this admin, of a record or of an inline's row, becomes an AuditEvent in
    the same transaction. Deleting is allowed only where an admin says so (drafts, register entries); what
    a deletion removes stays named in the audit trail, with who deleted it and when.
    """

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            audit.record(obj, actor=request.user, action="delete")
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit.record(obj, actor=request.user, action="delete")
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change) -> None:
        with transaction.atomic():
            self.audit_inline_deletions(request, formset)
            super().save_formset(request, form, formset, change)

    @staticmethod
    def audit_inline_deletions(request, formset) -> None:
        """Record the rows an inline's 删除 boxes remove, before they go (their ids are gone afterwards)."""
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk is not None:
                audit.record(inline_form.instance, actor=request.user, action="delete")


class AuditedAdminMixin(AuditedDeletionMixin):
    """Creations and changes are audited too (with the changed fields' old and new values)."""

    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change:
                changes = audit.form_changes(form)
                if changes:
                    audit.record(obj, actor=request.user, action="change", changes=changes)
            else:
                audit.record(obj, actor=request.user, action="create")


class ScopedAdminMixin(AuditedAdminMixin):
    """Scope an admin to the user's organizations.

    scope_field: lookup from the model to its Organization ("" when the model is Organization).
    view_roles / add_roles / change_roles / delete_roles: roles allowed each operation, inside the
    scope; system administrators may do everything.
    """

    scope_field = "organization"
    view_roles: frozenset[str] = ALL
    add_roles: frozenset[str] = NOBODY
    change_roles: frozenset[str] = NOBODY
    delete_roles: frozenset[str] = NOBODY

    def get_queryset(self, request):
        return scoping.filter_by_scope(super().get_queryset(request), request.user, self.scope_field)

    def _organization_of(self, obj) -> Organization | None:
        if not self.scope_field:
            return obj
        target = obj
        for part in self.scope_field.split("__"):
            target = getattr(target, part, None)
        return target

    def _allowed(self, request, roles, obj=None) -> bool:
        user = request.user
        if scoping.is_system_admin(user):
            return True
        if not roles:
            return False
        if obj is None:
            # Asked for every model and permission on the admin index: answer once per request and roles.
            answers = request.__dict__.setdefault("_scope_has_roles", {})
            key = frozenset(roles)
            if key not in answers:
                answers[key] = scoping.scope_organizations(user, roles).exists()
            return answers[key]
        return scoping.has_role(user, self._organization_of(obj), roles)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request, self.view_roles | self.change_roles, obj)

    def has_add_permission(self, request, *args) -> bool:
        return self._allowed(request, self.add_roles)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request, self.change_roles, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request, self.delete_roles, obj)

    def get_list_filter(self, request):
        # Django's filter on a foreign key offers every row of the related table: organizations are
        # offered from the user's scope only (tests/security/test_permission_matrix.py).
        return [
            (entry, ScopedOrganizationListFilter) if _names_organization(self.model, entry) else entry
            for entry in super().get_list_filter(request)
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scope_choices(formfield, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scope_choices(formfield, request)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"审计记录：{obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "events": audit.events_for(obj),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/audit_history.html", context)


class ScopedOrganizationListFilter(admin.RelatedFieldListFilter):
    """A list filter on an organization that offers only the organizations in the user's scope."""

    def field_choices(self, field, request, model_admin):
        allowed = set(scoping.scope_organizations(request.user).values_list("pk", flat=True))
        return [(pk, label) for pk, label in super().field_choices(field, request, model_admin) if pk in allowed]


def _names_organization(model, entry) -> bool:
    """Whether a list_filter entry is a plain field path ending at an Organization foreign key."""
    if not isinstance(entry, str):
        return False
    try:
        path = get_fields_from_path(model, entry)
    except (FieldDoesNotExist, NotRelationField):
        return False
    return bool(path) and getattr(path[-1], "related_model", None) is Organization


def _scope_choices(formfield, request):
    """Limit a foreign-key or many-to-many choice to rows the user may see."""
    if formfield is None or not hasattr(formfield, "queryset"):
        return formfield
    related = formfield.queryset.model
    if related is Organization:
        formfield.queryset = formfield.queryset.filter(pk__in=scoping.scope_organizations(request.user).values("pk"))
        return formfield
    related_admin = admin.site._registry.get(related)
    if isinstance(related_admin, ScopedAdminMixin):
        formfield.queryset = scoping.filter_by_scope(formfield.queryset, request.user, related_admin.scope_field)
    return formfield
