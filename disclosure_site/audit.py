"""The audit trail: every state change and every edit of a published record becomes an AuditEvent.

Our own table rather than a row-history library: the events carry domain facts (the transition, the
comment the reviewer typed, the organization for scoping) and are written by the rule functions
inside their own transaction, so a change and its record commit or roll back together.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent, Organization


def organization_of(obj: models.Model) -> Organization | None:
    if isinstance(obj, Organization):
        return obj
    return getattr(obj, "organization", None)


def _display(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | models.QuerySet):
        return [str(v) for v in value]
    return str(value)


# Shown instead of the old and new value of a personal field: the trail says that it changed, not to what.
MASKED = "（个人信息，不予记录）"


def form_changes(form) -> dict[str, list[Any]]:
    """{field label: [old, new]} for the fields a ModelForm changed. Fields the model lists in its
    `personal_fields` (an applicant's ID number, phone, address…) are recorded as changed, values masked:
    the audit trail is kept longer and read more widely than the record, and must not copy personal data."""
    changes = {}
    model = getattr(getattr(form, "_meta", None), "model", None)
    personal = frozenset(getattr(model, "personal_fields", ()))
    for name in form.changed_data:
        field = form.fields[name]
        if name in personal:
            changes[str(field.label or name)] = [MASKED, MASKED]
            continue
        old = form.initial.get(name)
        if old is not None and hasattr(field, "queryset") and not isinstance(old, list | tuple):
            old = field.queryset.model._default_manager.filter(pk=old).first() or old
        changes[str(field.label or name)] = [_display(old), _display(form.cleaned_data.get(name))]
    return changes


def record(
    obj: models.Model,
    *,
    actor,
    action: str,
    comment: str = "",
    changes: dict | None = None,
    from_state: str = "",
    to_state: str = "",
) -> AuditEvent:
    """Store one audit event for obj; call it inside the transaction that made the change."""
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    org = organization_of(obj)
    return AuditEvent.objects.create(
        actor=actor_user,
        actor_name=(actor_user.get_full_name() or actor_user.get_username()) if actor_user else "系统",
        organization=org if org is not None and org.pk else None,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        from_state=from_state,
        to_state=to_state,
        changes=changes or {},
        comment=comment,
    )


def events_for(obj: models.Model):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
    ).select_related("actor")
