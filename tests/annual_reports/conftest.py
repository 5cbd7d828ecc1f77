from __future__ import annotations

import datetime as dt

import pytest

from annual_reports import workflow
from requests_app.models import ApplicantType, Outcome, Status
from tests.requests_app.factories import InfoRequestFactory

D = dt.date
TODAY = D(2026, 1, 15)
ENTERED = {"licensing": "12", "penalty": "3", "enforcement": "0", "fees": "1.25"}


def application(org, applicant=ApplicantType.NATURAL, received=None, ended=None, outcome=""):
    status = Status.PROCESSING if ended is None else Status.ANSWERED
    return InfoRequestFactory(
        organization=org, applicant_type=applicant, received_on=received, ended_on=ended, outcome=outcome, status=status
    )


@pytest.fixture
def data_2025(county):
    """县财政局 in 2024 and 2025: one application carried over, two new, one still open at the end of 2025."""
    application(county.finance, received=D(2024, 12, 20), ended=D(2025, 1, 10), outcome=Outcome.DISCLOSED)
    application(county.finance, ApplicantType.BUSINESS, D(2025, 3, 2), D(2025, 3, 20), Outcome.PARTIAL)
    application(county.finance, received=D(2025, 12, 30))
    return county


@pytest.fixture
def draft(data_2025, clerk):
    report = workflow.create(data_2025.finance, year=2025, by=clerk, today=TODAY)
    return workflow.update_draft(report, by=clerk, entered=ENTERED)


@pytest.fixture
def published(draft, clerk, head):
    workflow.submit(draft, by=clerk)
    return workflow.publish(draft, by=head, today=TODAY)
