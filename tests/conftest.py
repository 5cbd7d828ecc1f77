"""Shared fixtures: the organizations of a small county and the personas who work in them.

Tests that need PostgreSQL, the browser or Redis carry a marker; where the service is missing they
skip with the reason, or fail when REQUIRE_POSTGRES / REQUIRE_BROWSER / REQUIRE_REDIS is 1 (CI).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from disclosure_site.models import Organization, Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")


def _required(name: str) -> bool:
    return os.environ.get(name, "") == "1"


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright for Python is not installed"
    return None


def _skip_or_fail(env_name: str, reason: str) -> None:
    if _required(env_name):
        pytest.fail(f"{env_name}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _close_search_side_connection(django_db_setup):
    """Searches outside a transaction (live server, transactional tests) count on a side connection
    (catalog/search/parallel.py): close it before the test database is dropped."""
    yield
    from catalog.search import parallel

    parallel.close()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached public pages must not leak between tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _services(request):
    node = request.node
    if node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _skip_or_fail("REQUIRE_POSTGRES", "needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/NAME")
    if node.get_closest_marker("browser") and (reason := _browser_missing()):
        _skip_or_fail("REQUIRE_BROWSER", reason)
    if node.get_closest_marker("redis") and not _redis_available():
        _skip_or_fail("REQUIRE_REDIS", "no Redis server answers at 127.0.0.1:6379")


@dataclass
class County:
    government: Organization
    finance: Organization
    treasury: Organization  # under finance: a subtree member
    education: Organization
    town: Organization


@pytest.fixture
def county(db) -> County:
    government = OrganizationFactory(name="测试县人民政府", kind=Organization.Kind.GOVERNMENT, parent=None)
    finance = OrganizationFactory(name="测试县财政局", parent=government)
    treasury = OrganizationFactory(name="测试县财政局国库支付中心", kind=Organization.Kind.OTHER, parent=finance)
    education = OrganizationFactory(name="测试县教育局", parent=government)
    town = OrganizationFactory(name="测试县城关镇人民政府", kind=Organization.Kind.TOWN, parent=government)
    for org in (government, finance, treasury, education, town):
        org.refresh_from_db()
    return County(government, finance, treasury, education, town)


def _staff(username: str, org: Organization, role: str):
    return MembershipFactory(user=UserFactory(username=username), organization=org, role=role).user


@pytest.fixture
def clerk(county):
    """经办人 of 县财政局."""
    return _staff("clerk", county.finance, Role.CLERK)


@pytest.fixture
def reviewer(county):
    return _staff("reviewer", county.finance, Role.REVIEWER)


@pytest.fixture
def head(county):
    return _staff("head", county.finance, Role.HEAD)


@pytest.fixture
def outsider(county):
    """经办人 of 县教育局: another organization."""
    return _staff("outsider", county.education, Role.CLERK)


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", is_superuser=True)


@pytest.fixture
def citizen(client):
    """The public: no account."""
    return client
