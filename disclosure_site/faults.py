"""What the site does when the database or the disk fails under it.

Database outage (PostgreSQL stopped, restarting, unreachable): DatabaseUnavailableMiddleware, first in
MIDDLEWARE, turns django.db.OperationalError / InterfaceError into a 503 page in the site's layout
("系统维护中") with Retry-After, rendered without touching the database. Nothing has to be done when the
database is back: Django drops a connection that failed (CONN_HEALTH_CHECKS checks a reused one before a
request), so the next request connects anew.

Disk full or no write permission while saving an upload: SafeFileSystemStorage removes the partly
written file and raises FileNotSaved, a DomainError (so every form and admin page that shows domain
errors shows its Chinese message) that is also an OSError (so code expecting storage errors still
catches it). atomic_with_files() is transaction.atomic() that also deletes the files saved inside it
when it rolls back, so an application with two files, the second failing, leaves neither row nor file.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from functools import wraps

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.template import loader

from .errors import DomainError

log = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
_FLAG = "_disclosure_database_unavailable"
_LOG_INTERVAL = 10.0
_last_log = [-_LOG_INTERVAL]
_log_lock = threading.Lock()

# Used when even the template cannot be rendered (a broken template must not turn a 503 into a 500).
_BARE_PAGE = (
    '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>系统维护中</title></head>'
    "<body><main><h1>系统维护中，服务暂时不可用</h1><p>请稍后再试。</p></main></body></html>"
)
# Headers of the response being replaced that still describe the new one (security headers).
_NOT_COPIED = {"content-type", "content-length", "cache-control", "expires", "last-modified", "etag", "set-cookie"}


def _log_outage(error: BaseException) -> None:
    now = time.monotonic()
    with _log_lock:
        if now - _last_log[0] < _LOG_INTERVAL:
            return
        _last_log[0] = now
    log.error("database unavailable, answering 503: %s: %s", type(error).__name__, error)


def retry_after() -> int:
    return getattr(settings, "SERVICE_UNAVAILABLE_RETRY_AFTER", 30)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 page, rendered without the context processors (the site one reads the database)."""
    seconds = retry_after()
    context = {
        "request": request,
        "site_name": settings.SITE_NAME,
        "site_org": None,
        "a11y_large": request.COOKIES.get("a11y_text") == "large",
        "a11y_contrast": request.COOKIES.get("a11y_contrast") == "high",
        "retry_minutes": max(1, round(seconds / 60)),
    }
    try:
        content = loader.render_to_string("503.html", context)
    except Exception:  # noqa: BLE001 - the outage page must not fail in turn
        log.exception("503 page could not be rendered")
        content = _BARE_PAGE
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    # Django would log every 503 as an error; _log_outage() logs the outage at most every 10 seconds.
    response._has_been_logged = True
    return response


def _remember(sender, request=None, **kwargs) -> None:
    # Sent by Django's handler while it turns an exception raised outside the view (a middleware saving
    # the session, say) into a 500 response; the middleware below then answers 503 instead.
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        setattr(request, _FLAG, error)


got_request_exception.connect(_remember, dispatch_uid="disclosure_site.faults", weak=False)


class DatabaseUnavailableMiddleware:
    """Answer 503 (系统维护中, Retry-After) while the database cannot be reached. Place it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, _FLAG, None)
        if error is not None and response.status_code >= 500:
            _log_outage(error)
            replacement = unavailable_response(request)
            for name, value in response.items():
                if name.lower() not in _NOT_COPIED:
                    replacement[name] = value
            # XFrameOptionsMiddleware sits inside the middleware that failed, so its header is not there.
            replacement.setdefault("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY"))
            return replacement
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            _log_outage(exception)
            return unavailable_response(request)
        return None


# Uploads ------------------------------------------------------------------------------------------------


class FileNotSaved(DomainError, OSError):
    """A file could not be written (disk full, no permission); str() is the message for the user."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.errno = code


def file_error_message(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        cause = "服务器存储空间不足"
    elif isinstance(error, PermissionError) or error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        cause = "服务器没有文件写入权限"
    else:
        cause = "服务器存储出错"
    return f"{cause}，文件未能保存，本次提交的内容均未保存。请稍后重试；如仍不成功，请联系系统管理员。"


_saved_files: contextvars.ContextVar[list | None] = contextvars.ContextVar("saved_files", default=None)


class SafeFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that leaves no partial file behind and reports failures as FileNotSaved."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._attempt = threading.local()

    def get_available_name(self, name, max_length=None):
        name = super().get_available_name(name, max_length)
        self._attempt.name = name  # _save retries with a new name when another upload took this one
        return name

    def _save(self, name, content):
        self._attempt.name = name
        try:
            saved = super()._save(name, content)
        except FileNotSaved:
            raise
        except OSError as error:
            attempted = self.path(self._attempt.name)
            # _save creates the file with O_EXCL: a file at the name it last tried is its own, partly written.
            if os.path.isfile(attempted):
                with contextlib.suppress(OSError):
                    os.remove(attempted)
            log.error("upload %s not saved: %s", name, error)
            raise FileNotSaved(file_error_message(error), error.errno) from error
        pending = _saved_files.get()
        if pending is not None:
            pending.append((self, saved))
        return saved


@contextlib.contextmanager
def atomic_with_files(using=None) -> Iterator[None]:
    """transaction.atomic() that deletes the files saved (through SafeFileSystemStorage) inside it when
    it rolls back. Nested inside a plain atomic block that rolls back later, the files stay: use it as
    the outermost block around a rule function that stores files."""
    saved: list = []
    token = _saved_files.set(saved)
    try:
        with transaction.atomic(using=using):
            yield
    except BaseException:
        for storage, name in saved:
            with contextlib.suppress(OSError):
                storage.delete(name)
        saved.clear()
        raise
    finally:
        _saved_files.reset(token)
        parent = _saved_files.get()
        if parent is not None:
            parent.extend(saved)


def with_files(function):
    """Decorator form of atomic_with_files()."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with atomic_with_files():
            return function(*args, **kwargs)

    return wrapper


# Scheduled commands on several servers ------------------------------------------------------------------


def advisory_lock(name: str, using: str = "default") -> None:
    """Hold a PostgreSQL advisory lock named name until the current transaction ends.

    For a round that must run on one server at a time (another server running it at the same minute
    waits, then finds the work done). Call inside transaction.atomic(). On SQLite, which lets one
    writer in at a time anyway, it does nothing.
    """
    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    if not conn.in_atomic_block:
        raise RuntimeError("advisory_lock() must be called inside transaction.atomic()")
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
