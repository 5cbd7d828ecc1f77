"""Every public URL with hostile values in every parameter (query string and path): a normal page, a 400
with the Chinese explanation, a 404 or a redirect, never a server error, and nothing written.

URLS is the list; test_every_public_url_is_fuzzed fails when a public URL pattern is added without a
place here, so a new page is not forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.urls import URLPattern, URLResolver, reverse
from hypothesis import given
from hypothesis import strategies as st

from catalog import urls as catalog_urls
from catalog.models import Item
from disclosure_site import public_urls
from disclosure_site.models import AuditEvent
from requests_app.models import InfoRequest
from requests_app.views import ACCESS_KEY

from .conftest import Site
from .strategies import hostile_id, hostile_params, hostile_settings, hostile_text

FILTERS = ("organization", "category", "subject", "document_type", "validity", "year", "date_from", "date_to", "page")
SEARCH = ("q", "order", "title_only", *FILTERS)
STATISTICS = ("organization", "year", "scope")


@dataclass(frozen=True)
class Url:
    name: str  # the URL name
    path: Callable[[Site, st.DataObject], str]  # the site and the drawn path values: the path
    params: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name


def fixed(name: str, *args: str, params: tuple[str, ...] = ()) -> Url:
    """A URL whose path arguments are attributes of the site (`site.item.pk`…)."""

    def path(site, data):
        values = []
        for attribute in args:
            value = site
            for part in attribute.split("."):
                value = getattr(value, part)
            values.append(value)
        return reverse(name, args=values)

    return Url(name, path, params)


def drawn(name: str, *kinds: str, params: tuple[str, ...] = ()) -> Url:
    """A URL whose path arguments are drawn: "id" a large or small integer, "text" hostile text
    (quoted, so that a slash or a question mark stays inside the segment), or a site attribute."""

    def path(site, data):
        # reverse() refuses the hostile values, so it gets placeholders that are then replaced.
        args, values = [], {}
        for i, kind in enumerate(kinds):
            if kind == "id":
                args.append(placeholder := str(987654320 + i))
                values[placeholder] = str(data.draw(hostile_id(), label=f"{name} id"))
            elif kind == "text":
                args.append(placeholder := f"placeholder{i}")
                values[placeholder] = quote(data.draw(hostile_text(), label=f"{name} text") or "x", safe="")
            else:
                args.append(getattr(site, kind).pk)
        result = reverse(name, args=args)
        for placeholder, value in values.items():
            result = result.replace(placeholder, value, 1)
        return result

    return Url(name, path, params)


URLS: tuple[Url, ...] = (
    # disclosure_site
    fixed("disclosure_site:home"),
    fixed("disclosure_site:rules"),
    fixed("disclosure_site:organization", "county.finance.pk"),
    drawn("disclosure_site:organization", "id"),
    fixed("disclosure_site:reading_mode", params=("next", "text", "contrast")),
    # yearly reports
    fixed("disclosure_site:reports"),
    fixed("disclosure_site:report", "report.pk"),
    drawn("disclosure_site:report", "id"),
    drawn("disclosure_site:report_download", "report", "text"),
    # on-request disclosure (the forms themselves: test_public_forms.py)
    fixed("disclosure_site:apply", params=("organization",)),
    fixed("disclosure_site:apply_submitted"),
    fixed("disclosure_site:apply_status"),
    drawn("disclosure_site:apply_status_detail", "text"),
    drawn("disclosure_site:apply_status_letter", "text", "id"),
    drawn("disclosure_site:apply_status_document", "text", "id"),
    # work plans and statistics
    fixed("disclosure_site:plans"),
    fixed("disclosure_site:plan", "plan.pk", params=("unit", "state")),
    drawn("disclosure_site:plan", "id", params=("unit", "state")),
    fixed("disclosure_site:statistics", params=STATISTICS),
    drawn("disclosure_site:statistics_csv", "text", params=STATISTICS),
    Url(
        "disclosure_site:statistics_csv (a real table)",
        lambda site, data: reverse("disclosure_site:statistics_csv", args=["requests"]),
        STATISTICS,
    ),
    # catalog
    fixed("catalog:guide_index"),
    fixed("catalog:proactive"),
    fixed("catalog:items", params=FILTERS),
    fixed("catalog:search", params=SEARCH),
    fixed("catalog:item", "item.pk"),
    drawn("catalog:item", "id"),
    drawn("catalog:attachment", "id"),
    fixed("catalog:organization", "county.finance.pk"),
    drawn("catalog:organization", "id"),
    fixed("catalog:category", "county.finance.pk", "category.pk", params=FILTERS),
    drawn("catalog:category", "id", "id", params=FILTERS),
    fixed("catalog:guide", "county.finance.pk"),
    fixed("catalog:guide_version", "county.finance.pk", "guide.pk"),
    drawn("catalog:guide_version", "id", "id"),
    fixed("catalog:feed", "county.finance.pk"),
    drawn("catalog:feed", "id"),
    fixed("catalog:sitemap", params=("p",)),
    drawn("catalog:sitemap_section", "text", params=("p",)),
    fixed("catalog:api_root"),
    fixed("catalog:api_organizations", params=("page",)),
    fixed("catalog:api_categories", params=("organization", "page")),
    fixed("catalog:api_items", params=FILTERS),
    fixed("catalog:api_search", params=SEARCH),
    fixed("catalog:api_item_by_index", "index_number", params=("organization",)),
    drawn("catalog:api_item_by_index", "text", params=("organization",)),
)


def _counts() -> dict[str, int]:
    return {
        "items": Item.objects.count(),
        "applications": InfoRequest.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def _pattern_names(patterns, namespace: str) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _pattern_names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}")
    return names


def test_every_public_url_is_fuzzed():
    public = _pattern_names(public_urls.urlpatterns, "disclosure_site") | _pattern_names(
        catalog_urls.urlpatterns, "catalog"
    )
    fuzzed = {url.name.split(" ")[0] for url in URLS}
    assert public - fuzzed == set()


@pytest.fixture
def visitor(client, site):
    """A visitor whose session may see one application, so the status pages query the database."""
    from tests.requests_app.factories import InfoRequestFactory

    info_request = InfoRequestFactory(organization=site.county.finance)
    session = client.session
    session[ACCESS_KEY] = [info_request.pk]
    session.save()
    return client


# Inputs that broke something once, sent to every parameter of every URL on every run (Hypothesis tries a
# sample of the corpus per URL).
KNOWN = ("\x00", "²", "9" * 5000, "' OR 1=1 --", "%_\\", "😀\u202e", "字" * 20_000)


class Known:
    """Stands in for Hypothesis' data object: every drawn path value is the same known input."""

    def __init__(self, text: str) -> None:
        self.text = text

    def draw(self, strategy, label: str = ""):
        return 2**63 if label.endswith(" id") else self.text


@pytest.mark.parametrize("url", URLS, ids=str)
def test_hostile_parameters_never_cause_a_server_error_or_a_write(visitor, site, url):
    url.path(site, Known("x"))  # makes the data the page shows
    before = _counts()
    for text in KNOWN:
        path = url.path(site, Known(text))
        params = dict.fromkeys(url.params, text)
        assert visitor.get(path, params).status_code < 500, (path, text[:20])
    assert _counts() == before

    # Ten examples per URL: 47 URLs, and the known inputs above already reach every parameter.
    @hostile_settings(max_examples=10)
    @given(data=st.data())
    def check(data):
        path = url.path(site, data)
        params = data.draw(hostile_params(url.params), label="query") if url.params else {}
        response = visitor.get(path, params)
        assert response.status_code < 500, (path, params)
        assert _counts() == before

    check()
