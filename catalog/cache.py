"""A shared cache of anonymous public pages, invalidated at once when the catalog changes.

Every cached page's key carries the catalog's generation number, kept in the shared cache (Redis in
production, so every app server sees the same number). Any committed change to an item, attachment,
category, guide, subject or organization bumps the generation: the next request on any server misses
and renders the new state. A withdrawn item is therefore gone from every server the moment the
withdrawal commits.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone

GENERATION_KEY = "catalog:generation"
PAGE_TIMEOUT = 10 * 60
_READING_MODE_COOKIES = ("a11y_text", "a11y_contrast")


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not in the cache (evicted or first change): start a new generation
        cache.set(GENERATION_KEY, generation() + 1, timeout=None)


def _changed(sender, **kwargs) -> None:
    # Bumped at once and again at commit: a page rendered between the two from the old state would
    # otherwise stay cached under the new generation. A rollback only costs a few cache misses.
    bump()
    transaction.on_commit(bump)


def connect_signals(*models) -> None:
    for model in models:
        uid = f"catalog_cache_{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}_save", weak=False)
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}_delete", weak=False)
    from .models import Item

    m2m_changed.connect(_changed, sender=Item.interprets.through, dispatch_uid="catalog_cache_interprets", weak=False)


def _key(request) -> str:
    modes = "|".join(request.COOKIES.get(name, "") for name in _READING_MODE_COOKIES)
    # Today's date is part of the key: what is in force (a guide version, a validity) changes at
    # midnight without any write to the database.
    raw = f"{request.get_host()}|{request.get_full_path()}|{modes}|{timezone.localdate()}"
    return f"catalog:page:{hashlib.sha256(raw.encode()).hexdigest()}"


def _is_anonymous(request) -> bool:
    """True without loading the session: a visitor with no session cookie has never logged in."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def _lookup(request) -> HttpResponse | None:
    """The cached page for request if it was rendered in the current generation (one cache round trip)."""
    key = _key(request)
    found = cache.get_many([GENERATION_KEY, key])
    entry = found.get(key)
    if entry is None or GENERATION_KEY not in found or entry[0] != found[GENERATION_KEY]:
        return None
    _, content_type, content = entry
    response = HttpResponse(content, content_type=content_type)
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    return response


def cached_public_page(view):
    """Serve anonymous GETs of view from the shared cache; staff and other methods always render.

    A page is stored with the generation it was rendered in; PublicPageCacheMiddleware answers hits
    before the session, authentication and CSRF middleware run.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not _is_anonymous(request):
            return view(request, *args, **kwargs)
        cached = _lookup(request)
        if cached is not None:
            return cached
        current = generation()
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not getattr(response, "streaming", False):
            if hasattr(response, "render") and callable(response.render):
                response.render()
            cache.set(_key(request), (current, response["Content-Type"], response.content), PAGE_TIMEOUT)
        return response

    return wrapper


class PublicPageCacheMiddleware:
    """Answer anonymous GETs of cached public pages straight from the cache (place it after WhiteNoise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and _is_anonymous(request) and not request.path.startswith("/admin/"):
            cached = _lookup(request)
            if cached is not None:
                return cached
        return self.get_response(request)
