"""The Content-Security-Policy in Chromium: every public page and the admin pages a clerk uses load and
work without one violation or console error, and the policy really stops an inline script."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from catalog.models import ItemStatus
from tests.catalog.factories import SHANGHAI, ItemFactory
from tests.requests_app.factories import InfoRequestFactory

from .pages import PUBLIC_PAGES

# Runs before any script of the page: every violation the browser reports is kept for the test to read.
LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


class Watcher:
    """The CSP violations and console errors of each page the browser opens."""

    def __init__(self, page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.context.add_init_script(script=LISTENER)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message) -> None:
        # The site has no favicon; the browser asking for one is not a fault of the page.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.errors.append(message.text)

    def visit(self, path: str, *, status: int = 200) -> list[str]:
        """Open path; the violations and console errors seen on it (a page that is meant to answer
        400 or 404 logs that status as an error, which is no fault)."""
        self.errors.clear()
        response = self.page.goto(path)
        assert response.status == status, path
        self.page.wait_for_load_state("load")
        found = self.page.evaluate("window.__cspViolations")
        return found + [
            error for error in self.errors if not (status != 200 and error.startswith("Failed to load resource"))
        ]


def log_in(page, user, live_server) -> None:
    """A staff session in the browser without the login form (its steps are tested elsewhere)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_every_public_page_loads_without_a_policy_violation(page, county):
    watcher = Watcher(page)

    problems = {}
    for public_page in PUBLIC_PAGES:
        path = public_page.path(county)
        if found := watcher.visit(path, status=public_page.status):
            problems[f"{public_page.name} ({path})"] = found

    assert problems == {}


def test_the_policy_stops_an_inline_script_on_a_public_page(page, county):
    watcher = Watcher(page)
    assert watcher.visit("/") == []

    page.evaluate(
        """() => {
          const script = document.createElement('script');
          script.textContent = 'window.__inlineRan = true';
          document.body.append(script);
        }"""
    )

    assert page.evaluate("window.__inlineRan === true") is False
    assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))


def test_the_apply_form_scripts_still_work_under_the_policy(page, county, expect):
    watcher = Watcher(page)
    assert watcher.visit(reverse("disclosure_site:apply")) == []

    # public.js shows only the chosen applicant type's fields.
    page.get_by_label("法人或其他组织").check()

    expect(page.get_by_label("统一社会信用代码")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []
    assert watcher.errors == []


def test_admin_pages_a_clerk_uses_load_without_a_policy_violation(page, county, clerk, live_server):
    item = ItemFactory(organization=county.finance, title="预算公开", status=ItemStatus.DRAFT)
    ItemFactory(
        organization=county.finance,
        published=True,
        published_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI),
    )
    info_request = InfoRequestFactory(organization=county.finance)
    log_in(page, clerk, live_server)
    watcher = Watcher(page)

    problems = {}
    for path in (
        reverse("admin:index"),
        reverse("admin:catalog_item_changelist"),
        reverse("admin:catalog_item_add"),
        reverse("admin:catalog_item_change", args=[item.pk]),
        reverse("admin:requests_app_inforequest_changelist"),
        reverse("admin:requests_app_inforequest_change", args=[info_request.pk]),
        reverse("admin:disclosure_site_organization_changelist"),
    ):
        if found := watcher.visit(path):
            problems[path] = found

    assert problems == {}
