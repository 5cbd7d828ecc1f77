"""The public pages every browser check visits, and the reading modes they are checked in.

PUBLIC_PAGES is the one list: test_every_public_url_is_a_checked_page_or_explained fails when
disclosure_site/public_urls.py gains a URL pattern that is neither here nor in NOT_PAGES, so a new
public page joins the axe run and the other checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from tests.conftest import County


@dataclass(frozen=True)
class PublicPage:
    name: str  # the URL name in the disclosure_site namespace; "404" for the not-found page
    path: Callable[[County], str]
    status: int = 200

    def __str__(self) -> str:  # the pytest id
        return self.name


def _named(name: str) -> PublicPage:
    return PublicPage(name, lambda county: reverse(f"disclosure_site:{name}"))


PUBLIC_PAGES: tuple[PublicPage, ...] = (
    _named("home"),
    _named("guide"),
    _named("rules"),
    _named("proactive"),
    _named("reports"),
    _named("apply"),
    # A department: the page with breadcrumbs (an ancestor) and a list of children.
    PublicPage("organization", lambda county: reverse("disclosure_site:organization", args=[county.finance.pk])),
    PublicPage("404", lambda county: "/no-such-page/", status=404),
)


def page_named(name: str) -> PublicPage:
    return next(public_page for public_page in PUBLIC_PAGES if public_page.name == name)


# URL names of disclosure_site that are not pages, with the reason.
NOT_PAGES = {
    "reading_mode": "redirects back to the page the reader came from, after setting a cookie",
}


@dataclass(frozen=True)
class ReadingMode:
    name: str
    switch_on: str  # the header link a reader clicks to turn the mode on
    switch_off: str  # the same link once the mode is on
    html_class: str  # what the base template puts on <html>
    cookie: str
    looks: tuple[str, str, str]  # what the reader sees: (selector, CSS property, computed value)

    def __str__(self) -> str:
        return self.name


LARGE_TEXT = ReadingMode("large", "大字模式", "标准字号", "mode-large", "a11y_text", ("main p", "font-size", "22px"))
HIGH_CONTRAST = ReadingMode(
    "contrast", "高对比度", "标准配色", "mode-contrast", "a11y_contrast", ("body", "background-color", "rgb(0, 0, 0)")
)

# None is the standard presentation.
MODES: tuple[ReadingMode | None, ...] = (None, LARGE_TEXT, HIGH_CONTRAST)
MODE_IDS = ["normal", "large", "contrast"]
