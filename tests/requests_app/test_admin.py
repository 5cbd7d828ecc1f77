"""The back office of applications: registering for the applicant, the workflow steps, lists without
personal data, and scoping to the staff member's organizations."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosure_site.calendar_data import seed_from_package
from disclosure_site.checkdigits import make_resident_id
from requests_app.models import EventKind, InfoRequest, Status

from .factories import InfoRequestFactory, noon, on_day, registered

D = dt.date
ID_NUMBER = make_resident_id("330122", "19850304", "123")


@pytest.fixture
def calendar(db):
    seed_from_package({2025, 2026})


def _registration(county, **overrides):
    data = {
        "organization": county.finance.pk,
        "channel": "letter",
        "submitted_at_0": "2026-03-04",
        "submitted_at_1": "09:30",
        "received_on": "2026-03-06",
        "applicant_type": "natural",
        "applicant_name": "张三",
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
        "phone": "13912345678",
        "address": "测试县人民路3号",
        "postcode": "311500",
        "description": "请提供2025年县财政局三公经费决算明细",
        "wanted_form": "paper",
        "delivery": "post",
    }
    data.update(overrides)
    return data


def test_clerk_registers_a_letter_application_and_gets_the_query_code(client, calendar, county, clerk):
    client.force_login(clerk)
    with on_day(D(2026, 3, 6)):
        response = client.post("/admin/requests_app/inforequest/add/", _registration(county), follow=True)
    assert response.status_code == 200
    application = InfoRequest.objects.get()
    assert application.status == Status.PROCESSING
    assert application.received_on == D(2026, 3, 6)
    assert application.due_on == D(2026, 4, 3)
    assert application.registered_by == clerk
    code = re.search(r"查询码 ([0-9A-Z]{10})", response.content.decode()).group(1)
    assert application.check_query_code(code)
    assert list(application.events.values_list("kind", flat=True)) == [EventKind.REGISTERED, EventKind.RECEIVED]


def test_registration_with_a_bad_id_number_writes_nothing(client, calendar, county, clerk):
    client.force_login(clerk)
    bad = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    with on_day(D(2026, 3, 6)):
        response = client.post("/admin/requests_app/inforequest/add/", _registration(county, id_number=bad))
    assert response.status_code == 200
    assert "居民身份证号码校验位不符" in response.content.decode()
    assert not InfoRequest.objects.exists()


def test_received_before_submitted_is_refused(client, calendar, county, clerk):
    client.force_login(clerk)
    with on_day(D(2026, 3, 6)):
        response = client.post("/admin/requests_app/inforequest/add/", _registration(county, received_on="2026-03-03"))
    assert "收到日期不能早于提交日期" in response.content.decode()
    assert not InfoRequest.objects.exists()


def test_letter_application_needs_a_received_date(client, calendar, county, clerk):
    client.force_login(clerk)
    with on_day(D(2026, 3, 6)):
        response = client.post("/admin/requests_app/inforequest/add/", _registration(county, received_on=""))
    assert "信函申请须填写收到日期" in response.content.decode()
    assert not InfoRequest.objects.exists()


def test_clerk_cannot_register_for_another_organization(client, calendar, county, outsider):
    client.force_login(outsider)
    with on_day(D(2026, 3, 6)):
        response = client.post("/admin/requests_app/inforequest/add/", _registration(county))
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not InfoRequest.objects.exists()


def test_confirm_receipt_step_starts_the_clock(client, calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=None, channel="email", submitted_on=D(2026, 3, 5))
    client.force_login(clerk)
    url = f"/admin/requests_app/inforequest/{application.pk}/step/confirm/"
    with on_day(D(2026, 3, 6)):
        assert client.get(url).status_code == 200
        response = client.post(url, {"on": "2026-03-06"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.PROCESSING and application.due_on == D(2026, 4, 3)


def test_step_not_allowed_in_the_current_state_is_explained(client, calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    client.force_login(clerk)
    with on_day(D(2026, 3, 9)):
        response = client.post(
            f"/admin/requests_app/inforequest/{application.pk}/step/correction_received/", {"on": "2026-03-09"}
        )
    assert "不能收到补正" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.PROCESSING


def test_correction_step_with_a_late_notice_shows_the_rule(client, calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    client.force_login(clerk)
    with on_day(D(2026, 3, 18)):
        response = client.post(
            f"/admin/requests_app/inforequest/{application.pk}/step/correction/",
            {"what": "请写明文件名称", "on": "2026-03-18"},
        )
    assert response.status_code == 200
    assert "7个工作日内" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.PROCESSING


def test_extension_step_is_for_the_head_only(client, calendar, county, clerk, head):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    url = f"/admin/requests_app/inforequest/{application.pk}/step/extend/"
    client.force_login(clerk)
    with on_day(D(2026, 3, 20)):
        response = client.post(url, {"days": 20, "reason": "需要调档", "on": "2026-03-20"})
    assert "机关负责人" in response.content.decode()
    client.force_login(head)
    with on_day(D(2026, 3, 20)):
        response = client.post(url, {"days": 20, "reason": "需要调档", "on": "2026-03-20"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.due_on == D(2026, 5, 7)


def test_outsider_cannot_run_a_step_on_another_organizations_application(client, calendar, county, clerk, outsider):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    client.force_login(outsider)
    with on_day(D(2026, 3, 9)):
        response = client.post(
            f"/admin/requests_app/inforequest/{application.pk}/step/withdraw/", {"note": "撤回", "on": "2026-03-09"}
        )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == Status.PROCESSING


def test_list_shows_no_personal_data_and_constant_queries(client, calendar, county, clerk):
    client.force_login(clerk)
    InfoRequestFactory(organization=county.finance, id_number=ID_NUMBER, phone="13912345678", address="秘密路9号")
    client.get("/admin/requests_app/inforequest/")
    with CaptureQueriesContext(connection) as few:
        response = client.get("/admin/requests_app/inforequest/")
    body = response.content.decode()
    assert ID_NUMBER not in body and "13912345678" not in body and "秘密路9号" not in body
    InfoRequestFactory.create_batch(20, organization=county.finance)
    with CaptureQueriesContext(connection) as many:
        client.get("/admin/requests_app/inforequest/")
    assert len(many) == len(few)


def test_overdue_filter_lists_only_late_open_applications(client, calendar, county, clerk):
    late = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))  # due 2026-04-03
    on_time = registered(county.finance, by=clerk, received_on=D(2026, 3, 30))
    client.force_login(clerk)
    with on_day(D(2026, 4, 7)):
        body = client.get("/admin/requests_app/inforequest/?clock=overdue").content.decode()
    assert late.number in body and on_time.number not in body


def test_applications_are_never_deleted(client, calendar, county, head):
    application = InfoRequestFactory(organization=county.finance, submitted_at=noon(D(2026, 3, 2)))
    client.force_login(head)
    response = client.post(f"/admin/requests_app/inforequest/{application.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert InfoRequest.objects.filter(pk=application.pk).exists()


def test_reply_through_the_admin_needs_an_approved_letter(client, calendar, county, clerk, reviewer):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    client.force_login(clerk)
    with on_day(D(2026, 3, 20)):
        response = client.post(
            f"/admin/requests_app/inforequest/{application.pk}/step/draft_letter/",
            {"kind": "reply", "outcome": "1", "details": "相关文件随本答复书一并提供。"},
        )
        letter_url = response.url
        assert "/admin/requests_app/letter/" in letter_url
        letter = application.letters.get()
        # No approved letter yet: the reply step offers none and refuses.
        refused = client.post(
            f"/admin/requests_app/inforequest/{application.pk}/step/reply/",
            {"outcome": "1", "on": "2026-03-20", "letter": letter.pk},
        )
        assert "选择一个有效的选项" in refused.content.decode()
        # The drafter cannot approve; the reviewer can.
        client.post(f"/admin/requests_app/letter/{letter.pk}/approve/")
        letter.refresh_from_db()
        assert letter.status == "draft"
        client.force_login(reviewer)
        client.post(f"/admin/requests_app/letter/{letter.pk}/approve/")
        letter.refresh_from_db()
        assert letter.status == "approved"
        pdf = client.get(f"/admin/requests_app/letter/{letter.pk}/file.pdf")
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        client.force_login(clerk)
        done = client.post(
            f"/admin/requests_app/inforequest/{application.pk}/step/reply/",
            {"outcome": "1", "on": "2026-03-20", "letter": letter.pk},
        )
    assert done.status_code == 302
    application.refresh_from_db()
    letter.refresh_from_db()
    assert application.status == Status.ANSWERED and application.outcome == "1"
    assert application.ended_on == D(2026, 3, 20)
    assert letter.status == "sent" and letter.sent_on == D(2026, 3, 20)


def test_outsider_cannot_download_another_organizations_letter(client, calendar, county, clerk, outsider):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    client.force_login(clerk)
    with on_day(D(2026, 3, 20)):
        client.post(
            f"/admin/requests_app/inforequest/{application.pk}/step/draft_letter/",
            {"kind": "correction_notice", "details": "请写明文件名称"},
        )
    letter = application.letters.get()
    client.force_login(outsider)
    assert client.get(f"/admin/requests_app/letter/{letter.pk}/file.pdf").status_code == 404
    assert client.post(f"/admin/requests_app/letter/{letter.pk}/approve/").status_code == 404


def test_reply_by_email_attaches_the_letter_and_the_disclosed_file(
    client, calendar, county, clerk, reviewer, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core import mail
    from django.core.files.uploadedfile import SimpleUploadedFile

    from requests_app import letters

    settings.MEDIA_ROOT = tmp_path
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6), delivery="email")
    with on_day(D(2026, 3, 20)):
        letter = letters.draft(application, kind="reply", by=clerk, outcome="1", details="相关文件随本答复书一并提供。")
        letters.approve(letter, by=reviewer)
        client.force_login(clerk)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/admin/requests_app/inforequest/{application.pk}/step/reply/",
                {
                    "outcome": "1",
                    "on": "2026-03-20",
                    "letter": letter.pk,
                    "disclosed": SimpleUploadedFile("三公经费明细.pdf", b"%PDF-1.4\n%%EOF\n"),
                },
            )
    assert response.status_code == 302
    sent = [m for m in mail.outbox if "已答复" in m.subject]
    assert len(sent) == 1
    names = [name for name, _content, _type in sent[0].attachments]
    assert names == [letters.download_name(letter, "pdf"), "三公经费明细.pdf"]
    assert sent[0].attachments[0][1].startswith(b"%PDF")


def test_partial_reply_refuses_a_direct_upload(client, calendar, county, clerk, reviewer, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from requests_app import letters

    settings.MEDIA_ROOT = tmp_path
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 20)):
        letter = letters.draft(application, kind="reply", by=clerk, outcome="2", details="部分内容涉及商业秘密。")
        letters.approve(letter, by=reviewer)
        client.force_login(clerk)
        response = client.post(
            f"/admin/requests_app/inforequest/{application.pk}/step/reply/",
            {
                "outcome": "2",
                "on": "2026-03-20",
                "letter": letter.pk,
                "disclosed": SimpleUploadedFile("合同.pdf", b"%PDF-1.4\n%%EOF\n"),
            },
        )
    assert "须先经“删除处理”" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.PROCESSING and not application.documents.exists()
