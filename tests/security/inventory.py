"""What the matrix enumerates, read from the code at collection time (no database): the admin models,
their views, actions and autocomplete fields, and every pattern of the URL resolver."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from .access import STANDARD_VIEWS


def superuser_request():
    request = RequestFactory().get("/")
    request.user = User(username="inventory", is_superuser=True, is_active=True, is_staff=True)
    return request


def model_admins() -> list[tuple[type, admin.ModelAdmin]]:
    return sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label_lower)


def label(model) -> str:
    return model._meta.label_lower


def url_prefix(model) -> str:
    return f"{model._meta.app_label}_{model._meta.model_name}_"


def custom_views(model, model_admin) -> list[str]:
    """URL names a ModelAdmin adds to the standard ones."""
    standard = {url_prefix(model) + view for view in STANDARD_VIEWS}
    return [p.name for p in model_admin.get_urls() if p.name and p.name not in standard]


def actions(model_admin) -> list[str]:
    """The actions offered to a system administrator (every other role sees a subset)."""
    return list(model_admin.get_actions(superuser_request()))


def autocomplete_fields() -> list[tuple[type, str]]:
    """(model holding the field, field name) of every autocomplete widget, inlines included."""
    request = superuser_request()
    found = set()
    for model, model_admin in model_admins():
        found.update((model, name) for name in model_admin.get_autocomplete_fields(request))
        for inline_class in model_admin.inlines:
            inline = inline_class(model, admin.site)
            found.update((inline.model, name) for name in inline.get_autocomplete_fields(request))
    return sorted(found, key=lambda pair: (label(pair[0]), pair[1]))


@dataclass(frozen=True)
class Route:
    namespace: str  # "" for none
    name: str | None
    route: str

    @property
    def qualified(self) -> str:
        return f"{self.namespace}:{self.name}" if self.namespace else str(self.name)


def routes() -> list[Route]:
    """Every URL pattern of the site, with its namespace ('admin' for the back office)."""
    found: list[Route] = []

    def walk(patterns, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                found.append(Route(namespace, entry.name, str(entry.pattern)))

    walk(get_resolver().url_patterns, "")
    return found
