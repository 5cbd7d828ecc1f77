"""The public status page: number and query code by POST, the same answer for every miss, limited
attempts, and what an applicant sees of their application (timeline, deadline, correction, letters,
documents) without anyone else's or more of their own personal data than needed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from catalog import cache as page_cache
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.workdays import add_working_days
from requests_app import workflow
from requests_app.models import (
    DocumentKind,
    EventKind,
    InfoRequest,
    Letter,
    LetterKind,
    LetterStatus,
    RequestDocument,
    RequestEvent,
    Status,
)
from requests_app.views import NOT_FOUND, mask_phone

from .factories import noon, on_day, submitted_online

LOOKUP = reverse("disclosure_site:apply_status")
D = dt.date


@pytest.fixture
def calendar(db):
    seed_from_package({2025, 2026})


@pytest.fixture
def application(county):
    """An online application to 县财政局 of 2026-03-02 and its query code."""
    return submitted_online(county.finance, on=D(2026, 3, 2), phone="13812340000")


def detail_url(info_request) -> str:
    return reverse("disclosure_site:apply_status_detail", args=[info_request.number])


def look_up(client, number, code, **extra):
    return client.post(LOOKUP, {"number": number, "code": code}, **extra)


def opened(client, info_request, code):
    """The status page of info_request after giving its number and code."""
    response = look_up(client, info_request.number, code)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"])


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# Looking up ---------------------------------------------------------------------------------------------


def test_lookup_form_posts_and_is_private(citizen, county):
    response = citizen.get(LOOKUP)

    html = response.content.decode()
    assert re.search(r'<form method="post"[^>]*aria-label="申请查询"', html)
    assert 'name="number"' in html and 'name="code"' in html
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_right_number_and_code_open_the_status_page_without_the_code_in_any_url(citizen, application):
    info_request, code = application

    response = look_up(citizen, info_request.number, code)

    assert response.status_code == 302
    assert response["Location"] == detail_url(info_request)
    assert code not in response["Location"]
    page = citizen.get(response["Location"])
    assert page.status_code == 200
    assert info_request.number in page.content.decode()


def test_code_is_accepted_in_lower_case_with_spaces_and_full_width(citizen, application):
    info_request, code = application
    typed = f" {code[:5].lower()} {code[5:]} ".replace(code[5], chr(ord(code[5]) + 0xFEE0))

    response = look_up(citizen, info_request.number.lower(), typed)

    assert response.status_code == 302


def test_wrong_code_and_unknown_number_get_exactly_the_same_answer(application):
    info_request, code = application
    unknown_number = "YSQ-2026-999999"

    wrong_code = look_up(Client(), info_request.number, "AAAAAAAAAA")
    unknown = look_up(Client(), unknown_number, code)

    assert wrong_code.status_code == unknown.status_code == 200
    assert NOT_FOUND in wrong_code.content.decode()
    # Only the number typed, shown back in its field, differs.
    assert without_csrf(wrong_code).replace(info_request.number, "N") == without_csrf(unknown).replace(
        unknown_number, "N"
    ).replace(code, "AAAAAAAAAA")


def test_status_page_without_having_given_the_code_goes_back_to_the_lookup(citizen, application):
    info_request, _code = application

    response = citizen.get(detail_url(info_request))

    assert response.status_code == 302 and response["Location"] == LOOKUP


def test_access_to_one_application_does_not_open_another(citizen, county, application):
    info_request, code = application
    other, _ = submitted_online(county.finance, on=D(2026, 3, 3))
    opened(citizen, info_request, code)

    response = citizen.get(detail_url(other))

    assert response.status_code == 302


def test_missing_fields_are_named(citizen, county):
    response = citizen.post(LOOKUP, {"number": "", "code": ""})

    text = text_of(response)
    assert "请填写申请编号" in text and "请填写查询码" in text


def test_wrong_answers_from_one_address_are_limited(county, application, settings):
    info_request, code = application
    settings.REQUEST_LOOKUP_LIMIT_PER_IP = 3
    client = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(3):
        assert look_up(client, f"YSQ-2026-{n + 500:06d}", "AAAAAAAAAA").status_code == 200

    blocked = look_up(client, info_request.number, code)
    other_address = look_up(Client(REMOTE_ADDR="192.0.2.11"), info_request.number, code)

    assert blocked.status_code == 429
    assert "查询尝试次数过多" in text_of(blocked) and "分钟后再试" in text_of(blocked)
    assert other_address.status_code == 302


def test_wrong_answers_for_one_number_are_limited_from_every_address(county, application, settings):
    info_request, code = application
    settings.REQUEST_LOOKUP_LIMIT_PER_NUMBER = 3
    for n in range(3):
        look_up(Client(REMOTE_ADDR=f"192.0.2.{20 + n}"), info_request.number, "AAAAAAAAAA")

    blocked = look_up(Client(REMOTE_ADDR="192.0.2.99"), info_request.number, code)
    other_number = look_up(Client(REMOTE_ADDR="192.0.2.99"), "YSQ-2026-777777", "AAAAAAAAAA")

    assert blocked.status_code == 429
    assert other_number.status_code == 200 and NOT_FOUND in other_number.content.decode()


def test_lookups_are_allowed_again_when_the_window_ends(county, application, settings):
    info_request, code = application
    settings.REQUEST_LOOKUP_LIMIT_PER_NUMBER = 1
    settings.REQUEST_LOOKUP_WINDOW = 900
    with time_machine.travel("2026-03-03 10:01 +0800", tick=False) as traveller:
        look_up(Client(), info_request.number, "AAAAAAAAAA")
        assert look_up(Client(), info_request.number, code).status_code == 429
        traveller.move_to("2026-03-03 10:16 +0800")
        assert look_up(Client(), info_request.number, code).status_code == 302


def test_right_answers_are_not_counted(county, application, settings):
    info_request, code = application
    settings.REQUEST_LOOKUP_LIMIT_PER_IP = 1
    for _ in range(3):
        assert look_up(Client(), info_request.number, code).status_code == 302


# What the status page shows ------------------------------------------------------------------------------


def test_pending_application_waits_for_confirmation(citizen, application):
    info_request, code = application

    text = text_of(opened(citizen, info_request, code))

    assert "待受理" in text and "待确认收到" in text
    assert "提交申请" in text and "通过网站提交申请" in text


def test_timeline_and_due_date_after_the_clerk_confirms_receipt(citizen, calendar, county, clerk, application):
    info_request, code = application
    with on_day(D(2026, 3, 3)):
        workflow.confirm_receipt(info_request, by=clerk)
        workflow.add_note(info_request, by=clerk, note="内部备注：请财务科协助")

    with on_day(D(2026, 3, 4)):
        response = opened(citizen, info_request, code)

    text = text_of(response)
    due = add_working_days(D(2026, 3, 3), 20)
    assert due == D(2026, 3, 31)
    assert "办理中" in text
    assert "答复期限 2026年3月31日" in text
    rows = re.findall(r"<tr>\s*<td class=\"col-date\">.*?</tr>", response.content.decode(), re.S)
    assert [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows] == [
        "2026年3月2日 提交申请 通过网站提交申请",
        "2026年3月3日 确认收到 收到申请，开始计算答复期限",
    ]
    assert "内部备注" not in text


def test_due_date_in_a_year_without_calendar_says_it_cannot_be_computed_yet(citizen, calendar, county, clerk):
    info_request, code = submitted_online(county.finance, on=D(2026, 12, 7))
    with on_day(D(2026, 12, 8)):
        workflow.confirm_receipt(info_request, by=clerk)
        response = opened(citizen, info_request, code)

    text = text_of(response)
    assert "暂时无法计算" in text
    assert "2027年的法定节假日安排尚未录入系统" in text


def test_correction_request_shows_what_to_correct_and_by_when(citizen, calendar, county, clerk, application):
    info_request, code = application
    with on_day(D(2026, 3, 3)):
        workflow.confirm_receipt(info_request, by=clerk)
    with on_day(D(2026, 3, 5)):
        workflow.request_correction(
            info_request, by=clerk, what="请写明所需预算文件的年度和科目。", due_on=D(2026, 3, 20)
        )
        response = opened(citizen, info_request, code)

    text = text_of(response)
    assert "待补正" in text and "暂停计时（等待补正）" in text
    assert "需要补正" in text and "请写明所需预算文件的年度和科目。" in text
    assert "补正期限： 2026年3月20日" in text


def test_consultation_pauses_the_clock(citizen, calendar, county, clerk, application):
    info_request, code = application
    with on_day(D(2026, 3, 3)):
        workflow.confirm_receipt(info_request, by=clerk)
    with on_day(D(2026, 3, 5)):
        workflow.start_consultation(info_request, by=clerk, party="third_party", note="征求某公司意见")
        response = opened(citizen, info_request, code)

    text = text_of(response)
    assert "征求意见中" in text and "暂停计时" in text
    assert "征求意见 征求某公司意见" in text


def test_extension_is_stated_with_the_new_due_date(citizen, calendar, county, clerk, head, application):
    info_request, code = application
    with on_day(D(2026, 3, 3)):
        workflow.confirm_receipt(info_request, by=clerk)
    with on_day(D(2026, 3, 20)):
        workflow.extend(info_request, by=head, days=10, reason="需要调取档案")
        response = opened(citizen, info_request, code)

    text = text_of(response)
    assert "答复期限已延长10个工作日" in text
    assert f"{add_working_days(D(2026, 3, 3), 30):%Y年%-m月%-d日}" in text


def test_personal_data_is_not_shown(citizen, application):
    info_request, code = application

    html = opened(citizen, info_request, code).content.decode()

    assert info_request.id_number not in html
    assert "13812340000" not in html and "138****0000" in html
    assert info_request.email not in html
    assert info_request.address not in html


def test_status_page_is_private_and_not_in_the_public_page_cache(citizen, application, rf):
    from django.core.cache import cache

    info_request, code = application

    response = opened(citizen, info_request, code)

    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert cache.get(page_cache._key(rf.get(detail_url(info_request)))) is None


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812340000", "138****0000"), ("0571-12345678", "057*-****5678"), ("12345", "***45"), ("", "")],
)
def test_phone_numbers_are_masked(phone, masked):
    assert mask_phone(phone) == masked


# Letters and documents ------------------------------------------------------------------------------------


def sent_letter(info_request, reviewer, *, status=LetterStatus.SENT, title="政府信息公开申请答复书"):
    return Letter.objects.create(
        info_request=info_request,
        kind=LetterKind.REPLY,
        title=title,
        recipient=info_request.applicant_name,
        body=f"{info_request.applicant_name}：\n\n本机关已收到您的申请。",
        status=status,
        approved_by=None if status == LetterStatus.DRAFT else reviewer,
        sent_on=D(2026, 3, 20) if status == LetterStatus.SENT else None,
    )


def document(info_request, *, for_applicant, name="预算明细.pdf"):
    doc = RequestDocument(
        info_request=info_request,
        kind=DocumentKind.DISCLOSED if for_applicant else DocumentKind.IDENTITY,
        original_name=name,
        file_type="pdf",
        size=20,
        for_applicant=for_applicant,
    )
    doc.file.save("x", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    doc.save()
    return doc


def test_sent_letters_are_listed_and_drafts_are_not(citizen, application, reviewer):
    info_request, code = application
    letter = sent_letter(info_request, reviewer)
    sent_letter(info_request, reviewer, status=LetterStatus.DRAFT, title="尚未审核的补正告知书")

    html = opened(citizen, info_request, code).content.decode()

    url = reverse("disclosure_site:apply_status_letter", args=[info_request.number, letter.pk])
    assert f'<a href="{url}">政府信息公开申请答复书</a>' in html
    assert "尚未审核的补正告知书" not in html


def test_sent_letter_downloads_as_pdf(citizen, application, reviewer):
    info_request, code = application
    letter = sent_letter(info_request, reviewer)
    opened(citizen, info_request, code)

    response = citizen.get(reverse("disclosure_site:apply_status_letter", args=[info_request.number, letter.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]


def test_draft_letter_and_other_applications_letters_are_not_served(citizen, county, application, reviewer):
    info_request, code = application
    draft = sent_letter(info_request, reviewer, status=LetterStatus.DRAFT)
    other, _ = submitted_online(county.finance, on=D(2026, 3, 3))
    others = sent_letter(other, reviewer)
    opened(citizen, info_request, code)

    assert (
        citizen.get(reverse("disclosure_site:apply_status_letter", args=[info_request.number, draft.pk])).status_code
        == 404
    )
    assert (
        citizen.get(reverse("disclosure_site:apply_status_letter", args=[info_request.number, others.pk])).status_code
        == 404
    )
    assert (
        citizen.get(reverse("disclosure_site:apply_status_letter", args=[other.number, others.pk])).status_code == 404
    )


def test_documents_for_the_applicant_download_and_others_do_not(citizen, application, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    info_request, code = application
    disclosed = document(info_request, for_applicant=True)
    identity = document(info_request, for_applicant=False, name="身份证.pdf")
    # Not offered before the reply goes out.
    assert "预算明细.pdf" not in opened(citizen, info_request, code).content.decode()
    InfoRequest.objects.filter(pk=info_request.pk).update(
        status=Status.ANSWERED, outcome="1", received_on=D(2026, 3, 3), ended_on=D(2026, 3, 20)
    )

    html = opened(citizen, info_request, code).content.decode()
    response = citizen.get(reverse("disclosure_site:apply_status_document", args=[info_request.number, disclosed.pk]))
    refused = citizen.get(reverse("disclosure_site:apply_status_document", args=[info_request.number, identity.pk]))

    assert "预算明细.pdf" in html and "身份证.pdf" not in html
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    assert refused.status_code == 404


def test_downloads_need_the_code_first(application, reviewer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    info_request, _code = application
    letter = sent_letter(info_request, reviewer)
    disclosed = document(info_request, for_applicant=True)
    client = Client()

    assert (
        client.get(reverse("disclosure_site:apply_status_letter", args=[info_request.number, letter.pk])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("disclosure_site:apply_status_document", args=[info_request.number, disclosed.pk])
        ).status_code
        == 404
    )


def test_answered_application_shows_its_outcome_and_end_date(citizen, calendar, county, clerk, reviewer, application):
    info_request, code = application
    with on_day(D(2026, 3, 3)):
        workflow.confirm_receipt(info_request, by=clerk)
    letter = sent_letter(info_request, reviewer, status=LetterStatus.APPROVED)
    with on_day(D(2026, 3, 20)):
        workflow.reply(info_request, by=clerk, outcome="1", letter=letter)
        response = opened(citizen, info_request, code)

    text = text_of(response)
    assert "已答复" in text and "办理结果 予以公开" in text
    assert "办结日期 2026年3月20日" in text
    assert "政府信息公开申请答复书" in text


def test_internal_events_stay_internal(citizen, application, clerk):
    info_request, code = application
    RequestEvent.objects.create(info_request=info_request, kind=EventKind.REMINDED, on=D(2026, 3, 3), note="提醒承办人")

    text = text_of(opened(citizen, info_request, code))

    assert "提醒承办人" not in text and "发送办理提醒" not in text


def test_status_of_an_application_registered_by_staff_is_found_too(citizen, county, clerk):
    from .factories import InfoRequestFactory

    info_request = InfoRequestFactory.build(organization=county.finance, channel="letter")
    info_request.submitted_at = noon(D(2026, 3, 2))
    with on_day(D(2026, 3, 2)):
        info_request, code = workflow.register(info_request, by=clerk, received_on=D(2026, 3, 2))

    text = text_of(opened(citizen, info_request, code))

    assert "登记申请" in text
    assert Status(info_request.status).label in text
