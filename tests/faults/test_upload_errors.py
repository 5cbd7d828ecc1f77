"""A full disk or a directory without write permission while an upload is saved: the person sees a clear
Chinese message, and nothing is half-written (no row in the database, no partial file in MEDIA_ROOT)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog.attachments import add_attachment
from catalog.models import Attachment
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.errors import DomainError
from requests_app import redaction
from requests_app.models import EventKind, InfoRequest, RequestDocument, RequestEvent, Status
from requests_app.redaction_models import RedactionJob
from tests.catalog.factories import ItemFactory
from tests.catalog.test_attachments import pdf_bytes
from tests.requests_app import redaction_pdfs as pdfs
from tests.requests_app.factories import on_day, registered
from tests.requests_app.test_admin import _registration
from tests.requests_app.test_apply import APPLY, natural

from .conftest import stored_files


def pdf(name: str = "身份证.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


@pytest.fixture
def calendar(db):
    seed_from_package({2026})


# Catalog attachments ----------------------------------------------------------------------------------


def test_attachment_on_a_failing_disk_is_refused_with_a_message(county, clerk, media, disk_fault, expected_message):
    draft = ItemFactory(organization=county.finance, author=clerk)
    disk_fault()

    with pytest.raises(DomainError) as raised:
        add_attachment(draft, pdf("预算公开通知.pdf"), by=clerk)

    assert expected_message in str(raised.value) and "未能保存" in str(raised.value)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


# The public application form ---------------------------------------------------------------------------


def test_application_whose_second_file_fails_stores_nothing(county, media, disk_fault, expected_message):
    fault = disk_fault(after=1)  # the first identity file is written, the second one fails

    response = Client().post(APPLY, {**natural(county), "identity_files": [pdf(), pdf("背面.pdf")]})

    assert response.status_code == 200
    page = response.content.decode()
    assert expected_message in page and "本次提交的内容均未保存" in page
    assert fault.calls == 2
    assert not InfoRequest.objects.exists()
    assert not RequestDocument.objects.exists()
    assert stored_files(media) == []


def test_application_goes_through_once_the_disk_is_fixed(county, media, monkeypatch):
    from tests.faults.conftest import DiskFault

    DiskFault(monkeypatch, "full")
    Client().post(APPLY, {**natural(county), "identity_files": [pdf()]})
    monkeypatch.undo()

    response = Client().post(APPLY, {**natural(county), "identity_files": [pdf()]})

    assert response.status_code == 302
    assert InfoRequest.objects.count() == 1 and RequestDocument.objects.count() == 1
    assert len(stored_files(media)) == 1


# Staff uploads in the applications' back office ------------------------------------------------------------


def test_registration_with_scan_on_a_failing_disk_writes_nothing(
    client, calendar, county, clerk, media, disk_fault, expected_message
):
    disk_fault(after=1)  # the scan is written, the identity proof fails
    client.force_login(clerk)
    data = {**_registration(county), "scan": pdf("申请书扫描件.pdf"), "identity": pdf()}

    with on_day(dt.date(2026, 3, 6)):
        response = client.post("/admin/requests_app/inforequest/add/", data, follow=True)

    assert response.status_code == 200
    assert expected_message in response.content.decode()
    assert not InfoRequest.objects.exists()
    assert not RequestDocument.objects.exists()
    assert stored_files(media) == []


def test_document_upload_step_on_a_failing_disk_writes_nothing(
    client, calendar, county, clerk, media, disk_fault, expected_message
):
    application = registered(county.finance, by=clerk, received_on=dt.date(2026, 3, 6))
    disk_fault()
    client.force_login(clerk)

    response = client.post(
        f"/admin/requests_app/inforequest/{application.pk}/step/upload/",
        {"kind": "other", "file": pdf("补充材料.pdf")},
    )

    assert response.status_code == 200
    assert expected_message in response.content.decode()
    assert not RequestDocument.objects.exists()
    assert stored_files(media) == []


def test_reply_whose_disclosed_file_fails_is_not_recorded(
    client, calendar, county, clerk, reviewer, media, disk_fault, expected_message, mailoutbox
):
    from requests_app import letters

    application = registered(county.finance, by=clerk, received_on=dt.date(2026, 3, 6), delivery="email")
    with on_day(dt.date(2026, 3, 20)):
        letter = letters.draft(application, kind="reply", by=clerk, outcome="1", details="相关文件随本答复书提供。")
        letters.approve(letter, by=reviewer)
        disk_fault()
        client.force_login(clerk)
        response = client.post(
            f"/admin/requests_app/inforequest/{application.pk}/step/reply/",
            {"outcome": "1", "on": "2026-03-20", "letter": letter.pk, "disclosed": pdf("三公经费明细.pdf")},
        )

    assert expected_message in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.PROCESSING  # the reply did not happen half-way
    assert not RequestEvent.objects.filter(info_request=application, kind=EventKind.ANSWERED).exists()
    assert not application.documents.exists()
    assert stored_files(media) == []
    assert not [m for m in mailoutbox if "已答复" in m.subject]


# Redaction -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("after", [0, 1], ids=["source-fails", "working-copy-fails"])
def test_redaction_upload_on_a_failing_disk_writes_nothing(
    calendar, county, clerk, media, disk_fault, expected_message, after
):
    application = registered(county.finance, by=clerk, received_on=dt.date(2026, 3, 6))
    source = SimpleUploadedFile("答复材料.pdf", pdfs.text_pdf(f"申请人{pdfs.NAME}。"))
    disk_fault(after=after)

    with pytest.raises(DomainError) as raised:
        redaction.start(application, by=clerk, uploaded=source)

    assert expected_message in str(raised.value)
    assert not RedactionJob.objects.exists()
    assert not RequestDocument.objects.exists()
    assert stored_files(media) == []
