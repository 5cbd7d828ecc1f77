"""Real-browser fixtures: Debian's chromium, driven by Playwright, against pytest-django's live server.

One browser for the whole tests/browser package, one fresh context (cookies, viewport) per test.
Playwright is imported inside the fixtures so that collection works where it is not installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, _browser_missing, _skip_or_fail

HERE = Path(__file__).parent

CHROMIUM_ARGS = [
    "--no-sandbox",  # containers and CI runners have no user namespaces for the sandbox
    "--disable-gpu",
    "--disable-dev-shm-usage",  # small /dev/shm in containers crashes tabs
    "--disable-background-networking",  # the tests must not reach the internet
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The live server listens on IPv4 only; without this, every request first tries ::1 (~300 ms each).
    "--host-resolver-rules=MAP localhost 127.0.0.1",
]
TIMEOUT_MS = 5_000  # our pages are local and small: fail fast rather than wait 30 s


def pytest_collection_modifyitems(config, items):
    """Mark every test here that drives the browser, so tests/conftest.py skips it without chromium."""
    for item in items:
        if item.path.is_relative_to(HERE) and "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser():
    # Package-scoped fixtures are set up before the autouse skip in tests/conftest.py, so check here too.
    if reason := _browser_missing():
        _skip_or_fail("REQUIRE_BROWSER", reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread while it is started, and Django
    # refuses database calls from a thread with a running loop. The calls are synchronous test code
    # (fixtures, flushing the test database), so allow them, and only while the browser runs.
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context: new_page(java_script_enabled=False, viewport=...)."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def expect(browser):
    """Playwright's web-first assertions (they wait until the page agrees, up to the timeout)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    return expect
