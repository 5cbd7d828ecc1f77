"""The public 政府信息公开指南: the version in force, its earlier versions, never a future or unpublished one."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.catalog.factories import SHANGHAI, GuideFactory

TODAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def versions(county):
    """Four versions of finance's guide, told apart by their phone number."""
    return {
        "old": GuideFactory(organization=county.finance, effective_date=dt.date(2025, 1, 1), phone="0571-10000001"),
        "current": GuideFactory(organization=county.finance, effective_date=dt.date(2026, 1, 1), phone="0571-10000002"),
        "unpublished": GuideFactory(
            organization=county.finance, effective_date=dt.date(2026, 2, 1), phone="0571-10000003", is_published=False
        ),
        "future": GuideFactory(organization=county.finance, effective_date=dt.date(2026, 6, 1), phone="0571-10000004"),
    }


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


def guide_url(county) -> str:
    return reverse("catalog:guide", args=[county.finance.pk])


def test_the_guide_shown_is_the_latest_published_one_in_force(citizen, county, versions):
    page = citizen.get(guide_url(county)).content.decode()

    assert "0571-10000002" in page
    assert '施行日期：<time datetime="2026-01-01">2026年1月1日</time>' in page
    for other in ("0571-10000001", "0571-10000003", "0571-10000004"):
        assert other not in page


def test_a_future_version_becomes_the_guide_on_its_effective_date(citizen, county, versions):
    with time_machine.travel(dt.datetime(2026, 6, 1, 0, 5, tzinfo=SHANGHAI), tick=False):
        page = citizen.get(guide_url(county)).content.decode()
    assert "0571-10000004" in page
    with time_machine.travel(dt.datetime(2026, 5, 31, 23, 55, tzinfo=SHANGHAI), tick=False):
        page = citizen.get(guide_url(county)).content.decode()
    assert "0571-10000002" in page


def test_the_guide_lists_earlier_versions_with_their_dates(citizen, county, versions):
    page = citizen.get(guide_url(county)).content.decode()

    old_url = reverse("catalog:guide_version", args=[county.finance.pk, versions["old"].pk])
    assert f'<a href="{old_url}">2025年1月1日 施行</a>' in page
    assert "2026年2月1日" not in page
    assert "2026年6月1日" not in page


def test_an_earlier_version_says_it_is_no_longer_in_force(citizen, county, versions):
    page = citizen.get(reverse("catalog:guide_version", args=[county.finance.pk, versions["old"].pk])).content.decode()

    assert "0571-10000001" in page
    assert "历史版本，已不再适用" in page
    assert f'href="{guide_url(county)}"' in page


@pytest.mark.parametrize("version", ["unpublished", "future"])
def test_an_unpublished_or_future_version_is_not_public(citizen, county, versions, version):
    url = reverse("catalog:guide_version", args=[county.finance.pk, versions[version].pk])
    assert citizen.get(url).status_code == 404


def test_a_version_of_another_organization_is_not_found_under_this_one(citizen, county, versions):
    url = reverse("catalog:guide_version", args=[county.education.pk, versions["old"].pk])
    assert citizen.get(url).status_code == 404


def test_the_current_version_by_its_own_address_redirects_to_the_guide(citizen, county, versions):
    response = citizen.get(reverse("catalog:guide_version", args=[county.finance.pk, versions["current"].pk]))
    assert response.status_code == 302
    assert response.url == guide_url(county)


def test_an_organization_without_a_guide_says_so(citizen, county):
    response = citizen.get(guide_url(county))
    assert response.status_code == 200
    assert "本机构尚未发布政府信息公开指南" in response.content.decode()


def test_the_guide_section_lists_every_organization_with_its_guides_date(citizen, county, versions):
    page = citizen.get(reverse("catalog:guide_index")).content.decode()

    assert f'<a href="{guide_url(county)}">测试县财政局</a>' in page
    assert '<time datetime="2026-01-01">2026年1月1日</time>' in page
    assert "尚未发布" in page  # the other organizations
    for org in (county.government, county.treasury, county.education, county.town):
        assert reverse("catalog:guide", args=[org.pk]) in page


def test_the_guide_section_runs_the_same_queries_for_few_or_many_organizations(
    citizen, county, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        citizen.get(reverse("catalog:guide_index"))
