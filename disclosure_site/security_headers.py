"""Security headers on every response, and one guard on every request.

Headers: a Content-Security-Policy without inline scripts and a Permissions-Policy that turns off the
browser features the site never uses; Django's SecurityMiddleware and XFrameOptionsMiddleware send the
others (nosniff, Referrer-Policy, Cross-Origin-Opener-Policy, X-Frame-Options, HSTS in production).

The public pages load only our own scripts, styles and images (and data: images), so a script that
gets into a page through a bug in escaping or sanitizing does not run. The admin gets the same policy
with one exception: inline styles are allowed there, because django-mptt indents the organization and
column trees with style attributes, Django 5.2's change list writes a <style> block, the select2 widget
of autocomplete fields builds elements with style attributes, and the redaction screen positions its
boxes with them. Inline scripts stay forbidden everywhere (tests/browser/test_csp.py).

This middleware sits just after SecurityMiddleware (settings.py), above the public page cache, so a
page answered from the cache gets the same headers as a freshly rendered one. A view that sets a
header itself keeps its own value.

Guard: a NUL character (%00) in the path or a query parameter is answered with the 400 page at once.
PostgreSQL text cannot hold NUL, so any query with such a value (an application number in a status URL,
an index number in the API, a search in the admin's change list) would otherwise fail as a server
error; no page of the site has a use for one. Form fields refuse NUL themselves (Django's CharField).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import reverse

PUBLIC_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
ADMIN_POLICY = {**PUBLIC_POLICY, "style-src": "'self' 'unsafe-inline'"}

# Features no page of the site uses; an injected frame or script cannot ask for them either. Only names
# Chromium knows: an unknown one is reported as an error in the console.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def policy_header(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


PUBLIC_CSP = policy_header(PUBLIC_POLICY)
ADMIN_CSP = policy_header(ADMIN_POLICY)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.admin_prefix: str | None = None  # resolved on the first request: URLconf is not ready at startup

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        is_admin = request.path.startswith(self.admin_prefix)
        response.headers.setdefault("Content-Security-Policy", ADMIN_CSP if is_admin else PUBLIC_CSP)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists())


class RefuseNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            return HttpResponseBadRequest(render_to_string("400.html", request=request))
        return self.get_response(request)
