"""Error reports without personal data (issue 5, DESIGN.md): Django's reports of a server error (the
e-mail to ADMINS, the DEBUG page) list the request's POST values and the frame variables. This filter hides
applicants' identifiers, contacts and query codes under every form field name that carries them, in every
view, so no view can forget a @sensitive_post_parameters decorator."""

from __future__ import annotations

import re

from django.views.debug import SafeExceptionReporterFilter

PERSONAL_FIELDS = re.compile(
    r"id_number|credit_code|phone|mobile|email|address|postcode|query_code|code|password|applicant_name|"
    r"contact_person|legal_representative|description",
    flags=re.IGNORECASE,
)


class PersonalDataFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(SafeExceptionReporterFilter.hidden_settings.pattern + "|EMAIL_URL|DATABASE_URL", re.I)

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if not parameters:
            return parameters
        cleansed = parameters.copy()
        for name in cleansed:
            if PERSONAL_FIELDS.search(name):
                cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        # Frame variables may hold an application (with its ID number) or a form's cleaned data.
        return [
            (name, self.cleansed_substitute)
            for name, _value in super().get_traceback_frame_variables(request, tb_frame)
        ]
