"""A server error's report (the ADMINS e-mail, the DEBUG page) shows no applicant's personal data."""

from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from disclosure_site.checkdigits import make_resident_id
from disclosure_site.reporting import PersonalDataFilter

# Built at run time: the report quotes source lines around each frame, which must not be what matches.
ID_NUMBER = make_resident_id("110105", "19491231", "002")
PHONE = "139" + "1234" + "5678"
ADDRESS = "秘密路" + "9号"


def _raise(info):  # noqa: ARG001 - `info` is a frame variable the report would show
    raise ValueError("boom")


def test_error_report_hides_personal_post_values_and_frame_variables(settings):
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = "disclosure_site.reporting.PersonalDataFilter"
    request = RequestFactory().post(
        "/apply/", {"id_number": ID_NUMBER, "phone": PHONE, "address": ADDRESS, "organization": "3"}
    )
    try:
        _raise({"id_number": ID_NUMBER})
    except ValueError as error:
        reporter = ExceptionReporter(request, type(error), error, error.__traceback__)
        text = reporter.get_traceback_text()
        html = reporter.get_traceback_html()
    for report in (text, html):
        assert ID_NUMBER not in report
        assert PHONE not in report
        assert ADDRESS not in report
    assert isinstance(reporter.filter, PersonalDataFilter)
