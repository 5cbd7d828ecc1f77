"""Anonymous public pages come from the shared cache and leave it the moment the catalog changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import publishing
from tests.catalog.factories import ItemFactory, category_of


@pytest.fixture
def item(county, clerk, reviewer):
    draft = ItemFactory(organization=county.finance, category=category_of(county.finance), author=clerk)
    publishing.submit(draft, by=clerk)
    return publishing.approve(draft, by=reviewer)


def _queries(client, url, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    return response, len(captured)


def test_a_second_visit_is_served_without_touching_the_database(citizen, item):
    first, n_first = _queries(citizen, item.get_absolute_url())
    second, n_second = _queries(citizen, item.get_absolute_url())
    assert first.status_code == second.status_code == 200
    assert n_first > 0
    assert n_second == 0
    assert second.content == first.content


def test_a_withdrawn_item_leaves_the_public_site_at_once(citizen, item, reviewer):
    assert citizen.get(item.get_absolute_url()).status_code == 200
    assert item.title in citizen.get("/items/").content.decode()
    publishing.withdraw(item, by=reviewer, reason="发布有误")
    assert citizen.get(item.get_absolute_url()).status_code == 404
    assert item.title not in citizen.get("/items/").content.decode()


def test_an_approved_revision_shows_at_once(citizen, item, clerk, reviewer):
    citizen.get(item.get_absolute_url())
    revision = publishing.propose_revision(item, {"title": "更正后的标题"}, by=clerk)
    assert "更正后的标题" not in citizen.get(item.get_absolute_url()).content.decode()
    publishing.approve_revision(revision, by=reviewer)
    assert "更正后的标题" in citizen.get(item.get_absolute_url()).content.decode()


def test_reading_modes_are_cached_separately(citizen, item):
    citizen.get(item.get_absolute_url())
    citizen.cookies["a11y_text"] = "large"
    assert "mode-large" in citizen.get(item.get_absolute_url()).content.decode()


def test_staff_always_see_a_fresh_page(client, item, clerk):
    client.get(item.get_absolute_url())
    client.force_login(clerk)
    _, n = _queries(client, item.get_absolute_url())
    assert n > 0
