"""Applicants' personal data (name, ID number, phone, e-mail, address, postcode, contact person, legal
representative, identity files) is never exported, logged, written to the audit trail or an error report,
nor shown to staff of another organization. The ledger names the applicant (a 台账 must) and nothing more."""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import get_exception_reporter_class

from annual_reports import building, exports
from annual_reports import workflow as report_workflow
from disclosure_site import audit
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.checkdigits import make_resident_id
from disclosure_site.models import AuditEvent
from disclosure_site.reporting import PersonalDataLogFilter, PersonalDataReporter, scrub
from requests_app import documents, ledger, letters, workflow
from requests_app.models import DocumentKind, InfoRequest, LegalCase, Outcome, Status

from .factories import on_day, registered, submitted_online

D = dt.date
NAME = "欧阳秀梅"
ID_NUMBER = make_resident_id("330122", "19820419", "047")
PHONE = "136" + "5555" + "0123"
EMAIL = "ouyang.xiumei@example.com"
ADDRESS = "测试县桂花巷17号"
POSTCODE = "318888"
CONTACT = "慕容联系"
LEGAL_REP = "司马法代"
COMPANY_PHONE = "0571" + "88889999"
PERSONAL = (NAME, ID_NUMBER, PHONE, EMAIL, ADDRESS, POSTCODE, CONTACT, LEGAL_REP, COMPANY_PHONE)
PERSON = {
    "applicant_name": NAME,
    "id_number": ID_NUMBER,
    "phone": PHONE,
    "email": EMAIL,
    "address": ADDRESS,
    "postcode": POSTCODE,
}


def assert_no_personal_data(text: str, *, but: tuple[str, ...] = ()) -> None:
    leaked = [value for value in PERSONAL if value in text and value not in but]
    assert leaked == []


@pytest.fixture
def calendar(db):
    seed_from_package({2025, 2026})


@pytest.fixture
def answered(calendar, county, clerk, reviewer, settings, tmp_path):
    """A natural person's application to 县财政局, answered in 2025 with its identity proof stored, and an
    organization's, withdrawn."""
    settings.MEDIA_ROOT = tmp_path
    application = registered(county.finance, by=clerk, received_on=D(2025, 3, 3), **PERSON)
    with on_day(D(2025, 3, 20)):
        documents.store_document(
            application, SimpleUploadedFile("身份证.pdf", b"%PDF-1.4\n%%EOF\n"), kind=DocumentKind.IDENTITY, by=clerk
        )
        letter = letters.draft(application, kind="reply", by=clerk, outcome=Outcome.DISCLOSED)
        letters.approve(letter, by=reviewer)
        workflow.reply(application, by=clerk, outcome=Outcome.DISCLOSED, letter=letter, on=D(2025, 3, 20))
    company = registered(
        county.finance,
        by=clerk,
        received_on=D(2025, 4, 1),
        organization_applicant=True,
        contact_person=CONTACT,
        legal_representative=LEGAL_REP,
        phone=COMPANY_PHONE,
    )
    with on_day(D(2025, 4, 8)):
        workflow.withdraw(company, by=clerk, note="电话撤回", on=D(2025, 4, 8))
    application.refresh_from_db()
    return application


# Exports ----------------------------------------------------------------------------------------------


def test_the_ledger_names_the_applicant_and_holds_no_identifier_or_contact(answered, county):
    csv_text = b"".join(ledger.csv_chunks(ledger.ledger_queryset(county.finance))).decode("utf-8-sig")
    buffer = io.BytesIO()
    ledger.write_xlsx(ledger.ledger_queryset(county.finance), buffer)
    with zipfile.ZipFile(buffer) as workbook:
        xlsx_text = "".join(workbook.read(name).decode() for name in workbook.namelist() if name.endswith(".xml"))
    for text in (csv_text, xlsx_text):
        assert answered.number in text
        assert_no_personal_data(text, but=(NAME,))


def test_the_yearly_report_and_its_downloads_hold_no_applicant_data(answered, county, head, client):
    report = report_workflow.create(county.finance, year=2025, by=head, today=D(2026, 1, 15))
    document = building.assemble(report)
    assert report.statistics["requests.new.natural"] == 1
    texts = [str(document), exports.export(document, "json")[0].decode()]
    with zipfile.ZipFile(io.BytesIO(exports.export(document, "xlsx")[0])) as archive:
        texts.append("".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml")))
    for text in texts:
        assert_no_personal_data(text)


def test_the_public_statistics_and_the_catalog_api_hold_no_applicant_data(answered, county, client):
    params = {"year": 2025, "organization": county.finance.pk}
    page = client.get(reverse("disclosure_site:statistics"), params).content.decode()
    assert "新收" in page or "申请" in page
    texts = [page]
    for key in ("applications-by-month", "outcomes", "reply-time", "timeliness", "cases"):
        texts.append(client.get(reverse("disclosure_site:statistics_csv", args=[key]), params).content.decode())
    for name in ("catalog:api_root", "catalog:api_organizations", "catalog:api_items"):
        texts.append(client.get(reverse(name)).content.decode("unicode_escape"))
    texts.append(client.get(reverse("catalog:api_search"), {"q": NAME}).content.decode("unicode_escape"))
    for text in texts:
        assert_no_personal_data(text)


# The audit trail ------------------------------------------------------------------------------------------


def _change_form(application: InfoRequest, **changes) -> dict:
    data = {
        name: getattr(application, name)
        for name in (
            "applicant_type",
            "applicant_name",
            "id_type",
            "id_number",
            "credit_code",
            "legal_representative",
            "contact_person",
            "phone",
            "email",
            "address",
            "postcode",
            "description",
            "document_title",
            "document_number",
            "purpose",
            "wanted_form",
            "delivery",
        )
    }
    return {**data, **changes}


def test_a_staff_edit_is_audited_with_personal_values_masked(calendar, county, clerk, client):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 2), **PERSON)
    client.force_login(clerk)
    new_phone, new_address = "13512340000", "测试县新址路1号"
    response = client.post(
        reverse("admin:requests_app_inforequest_change", args=[application.pk]),
        _change_form(application, phone=new_phone, address=new_address, document_title="拆迁补偿方案"),
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.phone, application.address) == (new_phone, new_address)
    change = AuditEvent.objects.get(object_id=str(application.pk), action="change")
    assert change.changes == {
        "联系电话": [audit.MASKED, audit.MASKED],
        "通信地址": [audit.MASKED, audit.MASKED],
        "所需信息的名称": ["", "拆迁补偿方案"],
    }
    assert_no_personal_data(str(change.changes) + new_phone + new_address, but=())


# Logs ----------------------------------------------------------------------------------------------------


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(f"mail server refused {email_messages[0].to}")


def test_a_failed_mail_to_the_applicant_is_logged_without_personal_data(
    calendar, county, clerk, settings, caplog, django_capture_on_commit_callbacks
):
    application, _code = submitted_online(county.finance, **PERSON)
    settings.EMAIL_BACKEND = "tests.requests_app.test_personal_data.FailingBackend"
    with on_day(D(2026, 3, 3)), django_capture_on_commit_callbacks(execute=True):
        workflow.confirm_receipt(application, by=clerk)
    assert application.number in caplog.text and "failed" in caplog.text
    assert_no_personal_data(caplog.text)


def test_sql_with_its_values_is_not_logged_even_at_debug_level(calendar, county, clerk, caplog):
    # An operator debugging turns Django's loggers to DEBUG; the queries' parameters must still stay out.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    connection.force_debug_cursor = True
    try:
        registered(county.finance, by=clerk, received_on=D(2026, 3, 2), **PERSON)
    finally:
        connection.force_debug_cursor = False
    assert InfoRequest.objects.filter(id_number=ID_NUMBER).exists()
    assert_no_personal_data(caplog.text)


def test_every_configured_log_handler_masks_database_error_values(settings):
    assert settings.LOGGING["handlers"]
    for handler in settings.LOGGING["handlers"].values():
        assert "personal_data" in handler["filters"]
    assert settings.LOGGING["filters"]["personal_data"]["()"] == "disclosure_site.reporting.PersonalDataLogFilter"


# psycopg's words for a check and a unique violation, with the row PostgreSQL quotes.
PG_ERROR = (
    'new row for relation "requests_app_inforequest" violates check constraint "inforequest_outcome_iff_ended"\n'
    f"DETAIL:  Failing row contains (7, YSQ-2025-000007, {NAME}, resident_id, {ID_NUMBER}, {PHONE}, {ADDRESS}).\n"
    'duplicate key value violates unique constraint "x"\n'
    f"DETAIL:  Key (id_number, phone)=({ID_NUMBER}, {PHONE}) already exists."
)


def test_database_error_values_are_masked_in_logs(caplog):
    caplog.handler.addFilter(PersonalDataLogFilter())  # as on every configured handler
    try:
        raise IntegrityError(PG_ERROR)
    except IntegrityError:
        logging.getLogger("django.request").exception("Internal Server Error: /admin/ %s", PG_ERROR.splitlines()[1])
    assert "Failing row contains (…个人信息已隐去…)" in caplog.text
    assert "Key (id_number, phone)=(…个人信息已隐去…) already exists" in caplog.text
    assert_no_personal_data(caplog.text)
    assert scrub(PG_ERROR).startswith('new row for relation "requests_app_inforequest" violates check constraint')


def _report(request, error: Exception) -> tuple[str, str, object]:
    reporter = get_exception_reporter_class(request)(request, type(error), error, error.__traceback__)
    return reporter.get_traceback_text(), reporter.get_traceback_html(), reporter


def test_an_error_report_hides_the_forms_names_search_terms_and_database_values(settings):
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = "disclosure_site.reporting.PersonalDataFilter"
    request = RequestFactory().post(
        f"/apply/?q={NAME}", {"name": NAME, "org_name": NAME, "id_number": ID_NUMBER, "recipient": NAME}
    )
    try:
        raise IntegrityError(PG_ERROR)
    except IntegrityError as error:
        text, html, reporter = _report(request, error)
    assert isinstance(reporter, PersonalDataReporter)
    for report in (text, html):
        assert_no_personal_data(report)
    assert "inforequest_outcome_iff_ended" in text  # what went wrong is still said


@pytest.mark.postgres
def test_a_real_postgresql_constraint_error_is_masked_in_the_report_and_the_log(calendar, county, caplog):
    application = InfoRequest(
        organization=county.finance,
        number="YSQ-2025-999999",
        channel="letter",
        applicant_type="natural",
        wanted_form="paper",
        delivery="post",
        description="请公开",
        status=Status.ANSWERED,  # without an outcome: the check constraint refuses the row
        received_on=D(2025, 3, 3),
        **PERSON,
    )
    caplog.handler.addFilter(PersonalDataLogFilter())
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        assert ID_NUMBER in str(error)  # the leak is real: PostgreSQL quotes the row
        text, html, _reporter = _report(RequestFactory().get("/admin/"), error)
        logging.getLogger("django.request").error("Internal Server Error: /admin/", exc_info=True)
    else:
        pytest.fail("the check constraint did not refuse the row")
    for report in (text, html, caplog.text):
        assert_no_personal_data(report)


# Staff of another organization ---------------------------------------------------------------------------


def test_staff_of_another_organization_see_nothing_of_the_application(answered, client, clerk, outsider):
    LegalCase.objects.create(organization=answered.organization, kind="reconsideration", filed_on=D(2025, 5, 6))
    document = answered.documents.get()
    letter = answered.letters.get()
    pages = {
        "list": reverse("admin:requests_app_inforequest_changelist"),
        "search": reverse("admin:requests_app_inforequest_changelist") + f"?q={NAME}",
        "letters": reverse("admin:requests_app_letter_changelist"),
        "audit": reverse("admin:disclosure_site_auditevent_changelist"),
        "autocomplete": "/admin/autocomplete/?app_label=requests_app&model_name=legalcase"
        f"&field_name=info_request&term={answered.number}",
    }
    client.force_login(clerk)
    for key, url in pages.items():  # the handling staff see it: the checks below can fail
        assert answered.number in client.get(url).content.decode(), key

    client.force_login(outsider)
    for key, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, key
        assert answered.number not in response.content.decode(), key
        # The search box shows the term the outsider typed; nothing else may show the name.
        assert_no_personal_data(response.content.decode(), but=(NAME,) if key == "search" else ())
    for url in (
        reverse("admin:requests_app_inforequest_change", args=[answered.pk]),
        reverse("admin:requests_app_inforequest_history", args=[answered.pk]),
        reverse("admin:requests_app_letter_change", args=[letter.pk]),
    ):
        response = client.get(url, follow=True)
        assert_no_personal_data(response.content.decode())
        assert answered.number not in response.content.decode()
    for url in (
        reverse("admin:requests_app_inforequest_document", args=[answered.pk, document.pk]),
        reverse("admin:requests_app_letter_file", args=[letter.pk, "docx"]),
    ):
        assert client.get(url).status_code == 404
