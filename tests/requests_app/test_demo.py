"""The demo data a new user sees after `make run`: applications in every state and with every outcome."""

import io

import pytest
from django.core.management import call_command

from requests_app.models import ApplicantType, Consultation, InfoRequest, LegalCase, Outcome, Status


@pytest.mark.django_db
def test_demo_has_every_state_outcome_and_applicant_type():
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    assert set(InfoRequest.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(InfoRequest.objects.exclude(outcome="").values_list("outcome", flat=True)) == set(Outcome.values)
    assert set(InfoRequest.objects.values_list("applicant_type", flat=True)) == set(ApplicantType.values)
    assert InfoRequest.objects.filter(received_on__year=2025, ended_on__year=2026).exists()  # carried over
    assert Consultation.objects.exists() and LegalCase.objects.exists()
    for info_request in InfoRequest.objects.filter(status=Status.ANSWERED):
        assert info_request.letters.filter(status="sent").exists()
