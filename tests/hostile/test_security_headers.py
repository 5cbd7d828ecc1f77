"""The security headers every response carries, the policy that forbids inline scripts on public pages,
public templates without inline script or style, and the 400 page for a NUL character in the URL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from disclosure_site.security_headers import ADMIN_CSP, PUBLIC_CSP

ROOT = Path(__file__).resolve().parents[2]


def _directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_public_policy_forbids_inline_scripts_styles_plugins_and_framing():
    directives = _directives(PUBLIC_CSP)

    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in PUBLIC_CSP


def test_admin_policy_allows_inline_styles_but_never_inline_scripts():
    directives = _directives(ADMIN_CSP)

    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"


@pytest.mark.parametrize(
    "path",
    ["/", "/items/", "/search/?q=预算", "/apply/", "/api/v1/", "/no-such-page/"],
)
def test_every_public_response_carries_the_security_headers(client, county, path):
    response = client.get(path)

    assert response["Content-Security-Policy"] == PUBLIC_CSP
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_a_page_from_the_public_page_cache_carries_the_headers_too(client, county):
    first = client.get("/items/")
    second = client.get("/items/")

    assert first.status_code == second.status_code == 200
    assert second["Content-Security-Policy"] == PUBLIC_CSP
    assert "camera=()" in second["Permissions-Policy"]


def test_admin_pages_carry_the_admin_policy(client, clerk):
    client.force_login(clerk)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == ADMIN_CSP


def test_login_page_carries_the_admin_policy(client, db):
    response = client.get(reverse("admin:login"))

    assert response["Content-Security-Policy"] == ADMIN_CSP


@pytest.mark.parametrize(
    "path",
    [
        "/apply/status/%00/",
        "/api/v1/items/by-index/TEST%00X",
        "/search/?q=%00",
        "/items/?year=2026&organization=1%00",
        "/admin/catalog/item/?q=%00",
    ],
)
def test_a_nul_character_in_the_url_gets_the_400_page(client, county, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
    assert response["Content-Security-Policy"] == (ADMIN_CSP if path.startswith("/admin/") else PUBLIC_CSP)


INLINE = re.compile(r"""\sstyle=|\son[a-z]+\s*=|<style|<script(?![^>]*\bsrc=)(?![^>]*type="application/(ld\+)?json")""")


def _public_templates() -> list[Path]:
    """Templates of the public site: not the admin's, and not those printed to PDF (never in a browser)."""
    printed = {"letters/letter.html", "report_pdf.html"}
    found = []
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        for path in folder.rglob("*.html"):
            relative = path.relative_to(folder).as_posix()
            if relative.startswith("admin/") or any(relative.endswith(name) for name in printed):
                continue
            found.append(path)
    return found


def test_public_templates_have_no_inline_script_or_style():
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in _public_templates()
        for match in INLINE.finditer(path.read_text(encoding="utf-8"))
    ]

    assert len(_public_templates()) > 20
    assert offenders == []
