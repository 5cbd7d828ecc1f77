"""The counting rules of the yearly report on hand-built data, tables written out cell by cell.

Applications are built as rows (InfoRequestFactory) with status, outcome, received and ended dates set
consistently: what the workflow would have stored. Reports are on 2024 and 2025.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annual_reports import formats, statistics
from annual_reports.tables import evaluate, run_checks
from catalog.models import DocumentType, Validity
from disclosure_site.models import Organization
from requests_app.models import ApplicantType, CaseKind, CaseResult, Consultation, Fee, LegalCase, Outcome, Status
from tests.catalog.factories import SHANGHAI, ItemFactory
from tests.requests_app.factories import InfoRequestFactory

D = dt.date
COLUMNS = ["natural", "business", "research", "public_interest", "legal_service", "other_org", "total"]


def app(org, applicant, received, ended=None, outcome="", status=None):
    """An application row as the workflow leaves it."""
    if status is None:
        status = (
            Status.PROCESSING if ended is None else (Status.ABANDONED if outcome in ("6.1", "6.2") else Status.ANSWERED)
        )
    return InfoRequestFactory(
        organization=org,
        applicant_type=applicant,
        id_type="" if applicant != ApplicantType.NATURAL else "resident_id",
        id_number="" if applicant != ApplicantType.NATURAL else "",
        received_on=received,
        ended_on=ended,
        outcome=outcome,
        status=status,
    )


def grid(org, year, code="2021"):
    organizations = Organization.objects.filter(pk=org.pk)
    figures = statistics.gather(organizations, year, today=D(2026, 6, 1))
    fmt = formats.get(code)
    return evaluate(fmt, statistics.named(figures), {}), fmt


def row(grids, key):
    return [grids["B"][(key, column)] for column in COLUMNS]


@pytest.fixture
def finance(county):
    return county.finance


def test_received_in_the_year_counts_in_one(finance):
    app(finance, "natural", D(2025, 1, 1))  # first day
    app(finance, "natural", D(2025, 12, 31))  # last day
    app(finance, "business", D(2025, 6, 1), D(2025, 6, 20), Outcome.DISCLOSED)
    app(finance, "natural", D(2024, 12, 31))  # the year before: carried, not new
    app(finance, "natural", D(2026, 1, 1))  # the year after: nowhere
    grids, _ = grid(finance, 2025)
    assert row(grids, "new") == [2, 1, 0, 0, 0, 0, 3]


def test_carry_over_across_two_years(finance):
    # Received in 2024: answered in 2024, answered in 2025, answered in 2026, still open.
    app(finance, "natural", D(2024, 3, 1), D(2024, 3, 20), Outcome.DISCLOSED)
    app(finance, "natural", D(2024, 12, 20), D(2025, 1, 10), Outcome.PARTIAL)
    app(finance, "legal_service", D(2024, 12, 28), D(2026, 1, 5), Outcome.DISCLOSED)
    app(finance, "research", D(2024, 12, 30))
    # Received in 2025: answered on 31 December, open at the end.
    app(finance, "natural", D(2025, 12, 1), D(2025, 12, 31), Outcome.WITHHELD_PROCESS)
    app(finance, "public_interest", D(2025, 12, 29))

    y2024, fmt = grid(finance, 2024)
    assert row(y2024, "new") == [2, 0, 1, 0, 1, 0, 4]
    assert row(y2024, "carried") == [0, 0, 0, 0, 0, 0, 0]
    assert row(y2024, "o1") == [1, 0, 0, 0, 0, 0, 1]
    assert row(y2024, "results_total") == [1, 0, 0, 0, 0, 0, 1]
    assert row(y2024, "open") == [1, 0, 1, 0, 1, 0, 3]
    assert run_checks(fmt, y2024) == []

    y2025, _ = grid(finance, 2025)
    assert row(y2025, "new") == [1, 0, 0, 1, 0, 0, 2]
    assert row(y2025, "carried") == row(y2024, "open") == [1, 0, 1, 0, 1, 0, 3]
    assert row(y2025, "o2") == [1, 0, 0, 0, 0, 0, 1]
    assert row(y2025, "o3.6") == [1, 0, 0, 0, 0, 0, 1]
    assert row(y2025, "results_total") == [2, 0, 0, 0, 0, 0, 2]
    assert row(y2025, "open") == [0, 0, 1, 1, 1, 0, 3]
    assert run_checks(fmt, y2025, previous=y2024) == []


OUTCOME_ROWS = [f"o{code}" for code in Outcome.values]


def test_every_outcome_row_and_every_applicant_column(finance):
    applicants = list(ApplicantType.values)
    for i, code in enumerate(Outcome.values):
        applicant = applicants[i % 6]
        app(finance, applicant, D(2025, 2, 1), D(2025, 3, 1), code)
    grids, fmt = grid(finance, 2025)
    for i, code in enumerate(Outcome.values):
        expected = [0] * 7
        expected[i % 6] = 1
        expected[6] = 1
        assert row(grids, f"o{code}") == expected, code
    assert row(grids, "results_total") == [4, 4, 4, 3, 3, 3, 21]
    assert row(grids, "new") == [4, 4, 4, 3, 3, 3, 21]
    assert row(grids, "open") == [0] * 7
    assert run_checks(fmt, grids) == []


def test_other_handling_is_one_row_in_the_trial_format(finance):
    app(finance, "natural", D(2020, 2, 1), D(2020, 3, 1), Outcome.OTHER_NO_CORRECTION)
    app(finance, "natural", D(2020, 2, 1), D(2020, 3, 1), Outcome.OTHER_FEE_UNPAID)
    app(finance, "business", D(2020, 2, 1), D(2020, 3, 1), Outcome.OTHER, status=Status.WITHDRAWN)
    grids, fmt = grid(finance, 2020, "2019")
    assert row(grids, "o6") == [2, 1, 0, 0, 0, 0, 3]
    assert run_checks(fmt, grids) == []


def test_an_application_withdrawn_before_it_was_received_counts_nowhere(finance):
    app(finance, "natural", None, D(2025, 3, 1), Outcome.OTHER, status=Status.WITHDRAWN)
    grids, _ = grid(finance, 2025)
    assert row(grids, "new") == [0] * 7
    assert row(grids, "results_total") == [0] * 7


def test_subtree_counts_descendants_and_one_organization_only_itself(county):
    app(county.finance, "natural", D(2025, 2, 1))
    app(county.treasury, "natural", D(2025, 2, 1))
    app(county.education, "natural", D(2025, 2, 1))
    subtree = county.finance.get_descendants(include_self=True)
    figures = statistics.gather(subtree, 2025, today=D(2026, 6, 1))
    assert figures.applications.new["natural"] == 2
    own = statistics.gather(Organization.objects.filter(pk=county.finance.pk), 2025, today=D(2026, 6, 1))
    assert own.applications.new["natural"] == 1


def test_table_c_counts_cases_filed_in_the_year_by_kind_and_result(finance):
    def case(kind, filed, result=CaseResult.PENDING, decided=None):
        LegalCase.objects.create(organization=finance, kind=kind, filed_on=filed, result=result, decided_on=decided)

    case(CaseKind.RECONSIDERATION, D(2025, 1, 1), CaseResult.UPHELD, D(2025, 3, 1))
    case(CaseKind.RECONSIDERATION, D(2025, 5, 1), CaseResult.CORRECTED, D(2025, 6, 1))
    case(CaseKind.RECONSIDERATION, D(2025, 12, 31))
    case(CaseKind.RECONSIDERATION, D(2025, 11, 1), CaseResult.UPHELD, D(2026, 1, 20))  # decided after 31 Dec
    case(CaseKind.RECONSIDERATION, D(2024, 11, 1), CaseResult.UPHELD, D(2025, 1, 20))  # filed the year before
    case(CaseKind.LAWSUIT_DIRECT, D(2025, 4, 1), CaseResult.OTHER, D(2025, 9, 1))
    case(CaseKind.LAWSUIT_DIRECT, D(2025, 4, 2), CaseResult.UPHELD, D(2025, 9, 2))
    case(CaseKind.LAWSUIT_AFTER, D(2025, 7, 1), CaseResult.CORRECTED, D(2025, 10, 1))
    case(CaseKind.LAWSUIT_AFTER, D(2025, 8, 1))
    grids, fmt = grid(finance, 2025)
    (block,) = fmt.tables["C"].blocks
    assert [grids["C"][("cases", c.key)] for c in block.columns] == [1, 1, 0, 2, 4, 1, 0, 1, 0, 2, 0, 1, 0, 1, 2]
    assert run_checks(fmt, grids) == []


def test_table_a_counts_rules_and_normative_documents(finance):
    def item(kind, published, written=None, validity=Validity.VALID, validity_date=None):
        return ItemFactory(
            organization=finance,
            published=True,
            document_type=kind,
            written_date=written or published,
            published_at=dt.datetime.combine(published, dt.time(9), tzinfo=SHANGHAI),
            validity=validity,
            validity_date=validity_date,
        )

    item(DocumentType.RULE, D(2025, 1, 1))
    item(DocumentType.RULE, D(2025, 12, 31), D(2025, 12, 1))
    item(DocumentType.RULE, D(2023, 5, 1), validity=Validity.REPEALED, validity_date=D(2025, 6, 1))
    item(DocumentType.NORMATIVE, D(2025, 3, 1))
    item(DocumentType.NORMATIVE, D(2024, 3, 1), validity=Validity.REPEALED, validity_date=D(2026, 2, 1))
    item(DocumentType.NORMATIVE, D(2024, 4, 1), validity=Validity.EXPIRED, validity_date=D(2024, 12, 31))
    item(DocumentType.NORMATIVE, D(2025, 4, 1), validity=Validity.AMENDED, validity_date=D(2025, 9, 1))
    item(DocumentType.NORMATIVE, D(2026, 1, 2))  # next year
    item(DocumentType.OTHER_DOCUMENT, D(2025, 4, 1))
    grids, _ = grid(finance, 2025)
    a = grids["A"]
    assert [a[("rule", c)] for c in ("issued", "repealed", "valid")] == [2, 1, 2]
    assert [a[("normative", c)] for c in ("issued", "repealed", "valid")] == [2, 0, 3]


def test_legacy_tables_count_channels_consultations_and_cases(finance):
    app(finance, "natural", D(2017, 2, 1), D(2017, 2, 20), Outcome.DISCLOSED)
    InfoRequestFactory(organization=finance, channel="oral", received_on=D(2017, 3, 1), status=Status.PROCESSING)
    Consultation.objects.create(organization=finance, channel="phone", on=D(2017, 5, 1), count=3)
    Consultation.objects.create(organization=finance, channel="online", on=D(2017, 5, 2))
    Consultation.objects.create(organization=finance, channel="phone", on=D(2018, 5, 1))
    LegalCase.objects.create(organization=finance, kind=CaseKind.LAWSUIT_AFTER, filed_on=D(2017, 8, 1))
    grids, _ = grid(finance, 2017, "legacy")
    assert grids["T2"][("received", "count")] == 2
    assert grids["T2"][("ch_in_person", "count")] == 1
    assert grids["T2"][("ch_other", "count")] == 1
    assert grids["T2"][("answered", "count")] == 1
    assert grids["T2"][("a_disclosed", "count")] == 1
    assert grids["T3"][("phone", "count")] == 3
    assert grids["T3"][("online", "count")] == 1
    assert grids["T4"][("lawsuit", "count")] == 1


def test_fees_of_the_year(finance):
    charged = app(finance, "natural", D(2025, 2, 1), D(2025, 3, 1), Outcome.DISCLOSED)
    Fee.objects.create(
        info_request=charged,
        method="per_page",
        pages=150,
        amount=1700,
        notice_on=D(2025, 2, 10),
        due_on=D(2025, 3, 10),
        paid_on=D(2025, 2, 20),
        receipt_number="NO1",
    )
    unpaid = app(finance, "natural", D(2025, 2, 1), D(2025, 4, 1), Outcome.OTHER_FEE_UNPAID)
    Fee.objects.create(
        info_request=unpaid, method="per_application", amount=100, notice_on=D(2025, 2, 10), due_on=D(2025, 3, 10)
    )
    figures = statistics.gather(Organization.objects.filter(pk=finance.pk), 2025, today=D(2026, 6, 1))
    assert figures.fees.notices == 2
    assert figures.fees.charged == 1800
    assert figures.fees.paid == 1
    assert figures.fees.received == 1700


def test_query_count_does_not_grow_with_the_data(finance):
    organizations = Organization.objects.filter(pk=finance.pk)
    with CaptureQueriesContext(connection) as few:
        statistics.gather(organizations, 2025, today=D(2026, 6, 1))
    for i in range(30):
        app(
            finance,
            ApplicantType.values[i % 6],
            D(2025, 1, 1) + dt.timedelta(days=i),
            D(2025, 6, 1),
            Outcome.values[i % 21],
        )
        LegalCase.objects.create(organization=finance, kind=CaseKind.RECONSIDERATION, filed_on=D(2025, 2, 1))
        ItemFactory(organization=finance, published=True, published_at=dt.datetime(2025, 3, 1, tzinfo=SHANGHAI))
    with CaptureQueriesContext(connection) as many:
        statistics.gather(organizations, 2025, today=D(2026, 6, 1))
    assert len(many) == len(few) == 6
