"""Error reports and logs without personal data (issue 5, issue 8, DESIGN.md).

Django's reports of a server error (the e-mail to ADMINS, the DEBUG page) list the request's POST and GET
values, the frame variables and the exception's message. PersonalDataFilter hides applicants' names,
identifiers, contacts, free texts and query codes under every form field name that carries them, in every
view, so no view can forget a @sensitive_post_parameters decorator; it hides every frame variable (they
may hold an application or a form's cleaned data).

The exception's message is a leak of its own: PostgreSQL explains a violated check or not-null constraint
with "DETAIL: Failing row contains (…)" — the whole row, ID number and phone included — and a unique
violation with "Key (…)=(…)". PersonalDataReporter masks those values in the report, and
PersonalDataLogFilter does the same for log records (message and traceback) before any handler writes them.
"""

from __future__ import annotations

import logging
import re
import traceback

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

PERSONAL_FIELDS = re.compile(
    r"id_number|credit_code|phone|mobile|email|address|postcode|query_code|code|password|applicant_name|"
    r"contact_person|legal_representative|description|(?:^|_)name$|recipient|body|purpose|note|details|"
    r"reason|^what$|^q$",
    flags=re.IGNORECASE,
)
# The values PostgreSQL (and psycopg) quote in a constraint violation's DETAIL line.
_FAILING_ROW = re.compile(r"(Failing row contains )\(.*?\)(?=\.?\s*$)", flags=re.MULTILINE)
_KEY_VALUES = re.compile(r"(Key \([^)]*\)=)\(.*?\)(?=(?: already exists| is not present| conflicts)|\.?\s*$)", re.M)
HIDDEN = "(…个人信息已隐去…)"


def scrub(text: str) -> str:
    """text with the row and key values of database errors masked."""
    if "Failing row" not in text and "Key (" not in text:
        return text
    return _KEY_VALUES.sub(rf"\1{HIDDEN}", _FAILING_ROW.sub(rf"\1{HIDDEN}", text))


class PersonalDataFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(SafeExceptionReporterFilter.hidden_settings.pattern + "|EMAIL_URL|DATABASE_URL", re.I)

    def _cleansed(self, parameters):
        if not parameters:
            return parameters
        cleansed = parameters.copy()
        for name in cleansed:
            if PERSONAL_FIELDS.search(name):
                cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_post_parameters(self, request):
        return self._cleansed(super().get_post_parameters(request))

    def get_get_parameters(self, request):
        return self._cleansed(request.GET if request is not None else {})

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if meta.get("QUERY_STRING"):
            meta["QUERY_STRING"] = self.cleansed_substitute  # the GET values again, unfiltered
        return meta

    def get_traceback_frame_variables(self, request, tb_frame):
        # Frame variables may hold an application (with its ID number) or a form's cleaned data.
        return [
            (name, self.cleansed_substitute)
            for name, _value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class PersonalDataReporter(ExceptionReporter):
    """The report of PersonalDataFilter, with GET values filtered and database error values masked."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if "exception_value" in data:
            data["exception_value"] = scrub(data["exception_value"])
        for frame in data.get("frames", []):
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = scrub(str(frame["exc_cause"]))
        if self.request is not None:
            data["request_GET_items"] = self.filter.get_get_parameters(self.request).items()
            # Without the query string; the raw host, as Django's own report (get_host() may raise here).
            raw_host = self.request._get_raw_host()
            data["request_insecure_uri"] = f"{self.request.scheme}://{raw_host}{self.request.path}"
        return data


class PersonalDataLogFilter(logging.Filter):
    """Mask database error values in a log record's message and traceback; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[1] is not None:
            text = record.exc_text or "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = scrub(text)
        return True
