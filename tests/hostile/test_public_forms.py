"""The public forms with hostile values in any of their fields: the application form (依申请公开) and the
status lookup. Each submission is either stored whole (one application, its files, its events) or
refused with the form shown again; never a server error, never half an application."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from disclosure_site.checkdigits import make_resident_id
from disclosure_site.models import AuditEvent
from requests_app.models import InfoRequest, RequestDocument, RequestEvent

from .strategies import CORPUS, hostile_settings, hostile_text

APPLY = reverse("disclosure_site:apply")
STATUS = reverse("disclosure_site:apply_status")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
APPLICATION_FIELDS = (
    "organization",
    "applicant_kind",
    "name",
    "id_type",
    "id_number",
    "org_type",
    "org_name",
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
    "wanted_form",
    "delivery",
    "truthful",
    "captcha_token",
    "captcha_answer",
    "leave_blank",  # the honeypot
)


@pytest.fixture(autouse=True)
def _media_and_limits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Past the limit the form asks a question first; these tests want every submission to reach the rules.
    settings.REQUEST_RATE_LIMIT = 10**6
    settings.REQUEST_LOOKUP_LIMIT_PER_IP = 10**6
    settings.REQUEST_LOOKUP_LIMIT_PER_NUMBER = 10**6


def _valid(county) -> dict:
    return {
        "organization": county.finance.pk,
        "applicant_kind": "natural",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": make_resident_id("330122", "19800101", "123"),
        "phone": "13812340000",
        "email": "zhangsan@example.com",
        "address": "测试县人民路2号",
        "postcode": "311500",
        "description": "请公开2025年度部门预算中三公经费的明细。",
        "wanted_form": "electronic",
        "delivery": "email",
        "truthful": "on",
    }


def _counts() -> tuple[int, ...]:
    return (
        InfoRequest.objects.count(),
        RequestDocument.objects.count(),
        RequestEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def _files(media) -> list:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def hostile_upload() -> st.SearchStrategy[SimpleUploadedFile]:
    name = st.one_of(st.sampled_from(CORPUS), st.text(max_size=30)).map(lambda n: (n or "x") + ".png")
    content = st.sampled_from((PNG, b"MZ\x90\x00 not an image", b"", b"\x00" * 64, "身份证".encode()))
    return st.builds(lambda n, c: SimpleUploadedFile(n, c, content_type="image/png"), name, content)


@hostile_settings()
@given(
    changes=st.dictionaries(st.sampled_from(APPLICATION_FIELDS), hostile_text(), min_size=1, max_size=5),
    uploads=st.lists(hostile_upload(), max_size=2),
)
@example(changes={"description": "' OR 1=1 -- %_\\ 😀𠮷 \u202e{{ 7*7 }}<script>alert(1)</script>"}, uploads=[])
@example(changes={"document_title": "字" * 300, "leave_blank": ""}, uploads=[])
def test_hostile_application_is_stored_whole_or_refused_whole(client, county, settings, changes, uploads):
    before, files_before = _counts(), _files(settings.MEDIA_ROOT)
    data = {**_valid(county), **changes}
    if uploads:
        data["identity_files"] = uploads

    response = client.post(APPLY, data)

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        stored = InfoRequest.objects.latest("pk")
        assert _counts()[0] == before[0] + 1
        assert stored.description == data["description"].strip()  # stored as typed, metacharacters and all
        assert RequestDocument.objects.filter(info_request=stored).count() == len(uploads)
    else:
        assert _counts() == before
        assert _files(settings.MEDIA_ROOT) == files_before
        assert "error" in response.content.decode()  # the form came back with its messages


@hostile_settings()
@given(number=hostile_text(), code=hostile_text())
def test_hostile_status_lookup_is_a_normal_answer(client, county, number, code):
    before = _counts()

    response = client.post(STATUS, {"number": number, "code": code})

    assert response.status_code in (200, 302, 429)
    assert _counts() == before


def test_metacharacters_in_an_application_are_stored_as_typed(client, county):
    description = "' OR 1=1 -- %_\\ 😀𠮷 \u202e{{ 7*7 }}<script>alert(1)</script>"

    response = client.post(APPLY, {**_valid(county), "description": description, "document_title": "字" * 300})

    assert response.status_code == 302
    stored = InfoRequest.objects.get()
    assert stored.description == description
    assert stored.document_title == "字" * 300
