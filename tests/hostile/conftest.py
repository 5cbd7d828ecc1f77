"""Hypothesis settings for the hostile-input tests, and a site with something on every public page.

The "hostile" profile is reproducible (derandomized: CI tries the same inputs on every run, and a
failure found once is found again) and small enough for the whole folder to run in well under a minute.
HYPOTHESIS_PROFILE=hostile-long runs ten times more examples, for a deeper search by hand. The tests take
the profile through strategies.hostile_settings(), so other folders keep Hypothesis' defaults.
"""

from __future__ import annotations

from functools import cached_property

import pytest
from hypothesis import HealthCheck, settings

COMMON = {
    "derandomize": True,
    "deadline": None,
    "database": None,  # derandomized runs need no example database, and the tree stays clean
    # The Django test database and client are function-scoped fixtures on purpose: every example of a
    # test runs in the same transaction, and the tests compare row counts before and after each one.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("hostile", max_examples=15, **COMMON)
settings.register_profile("hostile-long", max_examples=150, **COMMON)


class Site:
    """The county with published items, a yearly report and a work plan, each made only when a test
    first asks for it (most public URLs need one of them or none)."""

    def __init__(self, county) -> None:
        self.county = county

    @cached_property
    def catalog(self):
        from tests.browser.pages import catalog_data

        return catalog_data(self.county)

    @cached_property
    def item(self):
        return self.catalog.policy

    @property
    def category(self):
        return self.item.category

    @property
    def index_number(self) -> str:
        return self.item.index_number

    @property
    def guide(self):
        return self.catalog.earlier_guide

    @cached_property
    def report(self):
        from tests.browser.pages import published_report

        return published_report(self.county)

    @cached_property
    def plan(self):
        from tests.browser.pages import published_plan

        return published_plan(self.county)


@pytest.fixture
def site(county) -> Site:
    return Site(county)
