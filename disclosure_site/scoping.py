"""Which organizations a staff member may see and act on.

One mechanism for every admin list, form, foreign-key choice, action and export: a membership in an
organization reaches its whole subtree; system administrators (superusers) reach everything.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import Membership, Organization, Role

ALL_ROLES = frozenset(Role.values)


def _memberships(user) -> list[Membership]:
    cached = getattr(user, "_disclosure_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organization"))
        user._disclosure_memberships = cached
    return cached


def is_system_admin(user) -> bool:
    return bool(user.is_active and user.is_superuser)


def has_any_role(user) -> bool:
    return bool(user.is_active and user.is_authenticated and (user.is_superuser or _memberships(user)))


def scope_organizations(user, roles: Iterable[str] = ALL_ROLES) -> QuerySet[Organization]:
    """The organizations in the subtrees where user holds one of roles."""
    if not (user.is_active and user.is_authenticated):
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    roles = set(roles)
    condition = Q(pk__in=[])
    for membership in _memberships(user):
        if membership.role in roles:
            org = membership.organization
            condition |= Q(tree_id=org.tree_id, lft__gte=org.lft, rght__lte=org.rght)
    return Organization.objects.filter(condition)


def filter_by_scope(queryset: QuerySet, user, field: str = "organization", roles: Iterable[str] = ALL_ROLES):
    """Restrict queryset to rows whose `field` (an Organization lookup, "" for Organization itself) is in scope."""
    if user.is_active and user.is_superuser:
        return queryset
    # A literal list rather than a subquery: PostgreSQL then knows how many rows match and walks the
    # list's ordering index for one page instead of sorting every row (13 ms instead of 280 ms for a
    # page of 200,000 applications).
    allowed = list(scope_organizations(user, roles).values_list("pk", flat=True))
    lookup = f"{field}__in" if field else "pk__in"
    return queryset.filter(**{lookup: allowed})


def has_role(user, organization: Organization | None, roles: Iterable[str] = ALL_ROLES) -> bool:
    """Whether user holds one of roles in organization or in one of its ancestors."""
    if not (user.is_active and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    if organization is None:
        return False
    roles = set(roles)
    return any(
        m.role in roles
        and m.organization.tree_id == organization.tree_id
        and m.organization.lft <= organization.lft
        and m.organization.rght >= organization.rght
        for m in _memberships(user)
    )
