"""The public site as a citizen meets it in Chromium: WCAG 2.1 AA in every reading mode, on a phone, by keyboard."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLResolver, resolve
from django.urls.exceptions import Resolver404

from catalog import urls as catalog_urls
from disclosure_site import public_urls

from . import axe
from .focus import tab_stops
from .pages import (
    CATALOG_NOT_PAGES,
    HIGH_CONTRAST,
    LARGE_TEXT,
    MODE_IDS,
    MODES,
    NOT_PAGES,
    PUBLIC_PAGES,
    ReadingMode,
    page_named,
)

DISCLOSURE_ENTRIES = ["政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开"]
PHONE_WIDTH = 360


def _classes(page) -> list[str]:
    return (page.locator("html").get_attribute("class") or "").split()


def _has_class(name: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


def switch_on(page, mode: ReadingMode) -> None:
    """Click the header link that turns mode on, as a reader would; it brings them back to the same page."""
    before = page.url
    with page.expect_navigation():
        page.get_by_role("navigation", name="阅读模式").get_by_role("link", name=mode.switch_on).click()
    assert page.url == before
    assert mode.html_class in _classes(page)


def start_in(page, mode: ReadingMode | None) -> None:
    """Open the home page and, for a reading mode, switch it on; its cookie then holds on every page."""
    page.goto("/")
    if mode is not None:
        switch_on(page, mode)


def each_public_page(page, county, mode: ReadingMode | None) -> Iterator[str]:
    """Open every public page in turn, checking it is the page meant and in the mode meant; yield its label."""
    for public_page in PUBLIC_PAGES:
        path = public_page.path(county)
        response = page.goto(path)
        assert response.status == public_page.status, path
        if mode is not None:
            assert mode.html_class in _classes(page), f"{mode} mode lost on {path}"
        yield f"{public_page.name} ({path})"


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_every_public_page_meets_wcag_21_aa(page, county, mode):
    axe.preload(page.context)
    start_in(page, mode)

    found = {label: axe.violations(page) for label in each_public_page(page, county, mode)}

    axe.assert_none(found)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_no_public_page_scrolls_sideways_on_a_phone(new_page, county, mode):
    page = new_page(viewport={"width": PHONE_WIDTH, "height": 740})
    start_in(page, mode)

    widths = {
        label: page.evaluate("document.documentElement.scrollWidth") for label in each_public_page(page, county, mode)
    }

    assert {label: width for label, width in widths.items() if width > PHONE_WIDTH} == {}


def _looks(page, mode: ReadingMode):
    selector, css_property, value = mode.looks
    return page.locator(selector).first, css_property, value


@pytest.mark.parametrize("mode", [LARGE_TEXT, HIGH_CONTRAST], ids=str)
def test_reading_mode_turns_on_without_javascript_and_holds_across_pages(new_page, county, mode, expect):
    page = new_page(java_script_enabled=False)
    page.goto("/guide/")

    page.get_by_role("link", name=mode.switch_on).click()

    expect(page).to_have_url(re.compile(r"/guide/$"))
    expect(page.locator("html")).to_have_class(_has_class(mode.html_class))
    element, css_property, value = _looks(page, mode)
    expect(element).to_have_css(css_property, value)
    assert mode.cookie in {cookie["name"] for cookie in page.context.cookies()}
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="依申请公开").click()
    expect(page).to_have_url(re.compile(r"/apply/$"))
    expect(page.locator("html")).to_have_class(_has_class(mode.html_class))
    expect(page.get_by_role("link", name=mode.switch_off)).to_be_visible()


@pytest.mark.parametrize("mode", [LARGE_TEXT, HIGH_CONTRAST], ids=str)
def test_reading_mode_turns_off_without_javascript(new_page, county, mode, expect):
    page = new_page(java_script_enabled=False)
    page.goto("/guide/")
    page.get_by_role("link", name=mode.switch_on).click()
    expect(page.locator("html")).to_have_class(_has_class(mode.html_class))

    page.get_by_role("link", name=mode.switch_off).click()

    expect(page).to_have_url(re.compile(r"/guide/$"))
    expect(page.locator("html")).not_to_have_class(_has_class(mode.html_class))
    element, css_property, value = _looks(page, mode)
    expect(element).not_to_have_css(css_property, value)
    assert mode.cookie not in {cookie["name"] for cookie in page.context.cookies()}
    expect(page.get_by_role("link", name=mode.switch_on)).to_be_visible()


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, county, expect):
    page.goto("/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="跳到主要内容")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")

    main = page.get_by_role("main")
    expect(main).to_be_focused()
    page.keyboard.press("Tab")
    expect(main.get_by_role("link").first).to_be_focused()


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_every_tab_stop_shows_an_outline_that_stands_out(page, county, mode):
    """A visible outline: not 'none', at least 2 px, whole, 3:1 against what surrounds it (WCAG 1.4.11)."""
    start_in(page, mode)
    hidden = {}
    for name in ("home", "organization"):  # between them, every kind of link the site has
        page.goto(page_named(name).path(county))
        stops = tab_stops(page)
        assert len(stops) > 10, name
        hidden[name] = [
            stop
            for stop in stops
            if stop["style"] == "none" or stop["width"] < 2 or stop["contrast"] < 3 or stop["clipped"]
        ]

    assert hidden == {"home": [], "organization": []}


def test_header_shows_the_site_name_and_the_five_disclosure_entries(page, county, expect):
    page.goto("/")

    expect(page.get_by_role("banner")).to_contain_text("测试县人民政府")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link")).to_have_text(
        ["首页", *DISCLOSURE_ENTRIES]
    )


def test_footer_shows_the_root_organizations_contact_phone(page, county, expect):
    county.government.phone = "0571-87000001"
    county.government.save(update_fields=["phone"])

    page.goto("/guide/")

    footer = page.get_by_role("contentinfo")
    expect(footer).to_contain_text("测试县人民政府")
    expect(footer).to_contain_text("0571-87000001")


def _view_names(patterns, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _view_names(
                pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            )
        else:
            yield f"{prefix}{pattern.name or pattern.pattern}"


@pytest.mark.django_db
def test_every_public_url_is_a_checked_page_or_explained(county):
    """A new public page (disclosure_site or catalog) must join PUBLIC_PAGES (tests/browser/pages.py), and with
    it the browser checks."""
    modules = {public_urls.app_name: (public_urls, NOT_PAGES), catalog_urls.app_name: (catalog_urls, CATALOG_NOT_PAGES)}
    checked = set()
    for public_page in PUBLIC_PAGES:
        if public_page.status == 404:
            with pytest.raises(Resolver404):
                resolve(public_page.path(county))
            continue
        match = resolve(public_page.path(county).partition("?")[0])
        assert match.namespace in modules
        checked.add(match.view_name)

    patterns = {f"{name}:{view}" for name, (module, _) in modules.items() for view in _view_names(module.urlpatterns)}
    not_pages = {f"{name}:{view}" for name, (_, excluded) in modules.items() for view in excluded}

    assert patterns - checked - not_pages == set()
    assert not_pages <= patterns  # no stale exclusions
