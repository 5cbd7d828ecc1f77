"""The four import pages of the back office with hostile uploads (names, contents) and hostile values in
their other fields and query strings: the page comes back with a Chinese message or the import is done
whole, never a server error, nothing written unless the page says it was imported (a redirect)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from annual_reports import workflow as report_workflow
from annual_reports.models import EnteredFigure
from catalog.import_export import COLUMNS as ITEM_COLUMNS
from catalog.models import Item
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.models import AuditEvent, Role
from requests_app.ledger import COLUMNS as LEDGER_COLUMNS
from requests_app.models import InfoRequest
from tests.factories import MembershipFactory
from workplans.models import Plan, Task

from .strategies import CORPUS, hostile_settings, hostile_text
from .test_imports import ENTERED_COLUMNS, ENTERED_ROW, ITEM_ROW, LEDGER_ROW, SHANGHAI, hostile_rows, table


@dataclass(frozen=True)
class ImportPage:
    url_name: str
    fields: tuple[str, ...]  # the form's fields besides the file, filled with good values unless drawn
    columns: tuple[str, ...]
    row: dict

    def __str__(self) -> str:
        return self.url_name.removeprefix("admin:")


PAGES = (
    ImportPage("admin:catalog_item_import", ("organization", "publish"), ITEM_COLUMNS, ITEM_ROW),
    ImportPage("admin:requests_app_inforequest_ledger_import", ("organization", "dry_run"), LEDGER_COLUMNS, LEDGER_ROW),
    ImportPage("admin:annual_reports_report_import", ("organization", "year", "dry_run"), ENTERED_COLUMNS, ENTERED_ROW),
    ImportPage("admin:workplans_plan_import", ("organization", "year", "title"), ("序号", "任务", "牵头单位"), {}),
)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def staff_client(client, county):
    """A 经办人 of the county government and of 县财政局 (the plan is the government's), with a draft
    yearly report of 县财政局 for 2025 to import entered values into."""
    seed_from_package({2024, 2025, 2026})
    user = MembershipFactory(organization=county.finance, role=Role.CLERK).user
    MembershipFactory(user=user, organization=county.government, role=Role.CLERK)
    report_workflow.create(county.finance, year=2025, by=user, today=dt.date(2026, 1, 15))
    client.force_login(user)
    return client


def _good(county, page: ImportPage) -> dict:
    organization = county.government if "workplans" in page.url_name else county.finance
    good = {"organization": organization.pk, "publish": "draft", "dry_run": "", "year": 2025, "title": ""}
    if "workplans" in page.url_name:
        good["year"] = 2026
    return {name: good[name] for name in page.fields}


def _counts() -> tuple:
    return (
        Item.objects.count(),
        InfoRequest.objects.count(),
        tuple(EnteredFigure.objects.order_by("pk").values_list("value", flat=True)),
        Plan.objects.count(),
        Task.objects.count(),
        AuditEvent.objects.count(),
    )


def uploads(page: ImportPage) -> st.SearchStrategy[SimpleUploadedFile]:
    name = st.one_of(st.sampled_from(CORPUS), st.text(max_size=20)).flatmap(
        lambda stem: st.sampled_from((".csv", ".xlsx", ".docx", ".xls", "")).map(lambda ext: (stem or "x") + ext)
    )
    content = st.one_of(
        st.tuples(hostile_rows(page.row, page.columns), st.sampled_from(("csv", "xlsx"))).map(
            lambda args: table(page.columns, *args)[0]
        ),
        st.binary(max_size=300),
        hostile_text().map(lambda text: text.encode("utf-8", "surrogatepass")),
    )
    return st.builds(SimpleUploadedFile, name, content)


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_hostile_upload_is_imported_whole_or_refused_with_a_message(staff_client, county, page):
    # The pages cover how a view passes on what was posted; test_imports.py searches the imports deeper.
    @hostile_settings(max_examples=8)
    @given(data=st.data())
    def check(data):
        before = _counts()
        fields = {**_good(county, page), **data.draw(st.dictionaries(st.sampled_from(page.fields), hostile_text()))}
        upload = data.draw(uploads(page), label="upload")
        response = staff_client.post(reverse(page.url_name), {**fields, "file": upload})
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert _counts() == before

    check()


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_hostile_query_string_and_confirmation_token_are_normal_answers(staff_client, county, page):
    before = _counts()

    @hostile_settings(max_examples=8)
    @given(organization=hostile_text(), year=hostile_text(), token=hostile_text())
    @example(organization="²", year="²", token="")  # str.isdigit() is true, int() refuses it
    @example(organization="9" * 5000, year="9" * 5000, token="x" * 5000)
    def check(organization, year, token):
        shown = staff_client.get(reverse(page.url_name), {"organization": organization, "year": year})
        confirmed = staff_client.post(reverse(page.url_name), {"token": token})
        assert shown.status_code == 200 or shown.status_code == 400
        assert confirmed.status_code < 500
        assert _counts() == before

    check()
