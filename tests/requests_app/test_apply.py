"""The public application form (条例 第二十九条): validation, storing through the workflow, the one-time
confirmation, and the protection against scripts (CSRF, honeypot, per-address limit with a question)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from disclosure_site.checkdigits import make_credit_code, make_resident_id
from disclosure_site.env import parse_cache_url
from disclosure_site.models import Organization
from requests_app import captcha, ratelimit
from requests_app.forms import FILES_NOT_KEPT, HONEYPOT_FIELD
from requests_app.models import (
    ApplicantType,
    DocumentKind,
    EventKind,
    InfoRequest,
    RequestDocument,
    Status,
)
from requests_app.views import SUBMITTED_KEY
from tests.catalog.factories import GuideFactory

APPLY = reverse("disclosure_site:apply")
SUBMITTED = reverse("disclosure_site:apply_submitted")
RESIDENT_ID = make_resident_id("330122", "19800101", "123")
CREDIT_CODE = make_credit_code("330122", "20000001", "91")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def natural(county, **overrides) -> dict:
    data = {
        "organization": county.finance.pk,
        "applicant_kind": "natural",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": RESIDENT_ID,
        "phone": "13812340000",
        "email": "zhangsan@example.com",
        "address": "测试县人民路2号",
        "postcode": "311500",
        "description": "请公开2025年度部门预算中三公经费的明细。",
        "document_title": "",
        "document_number": "",
        "wanted_form": "electronic",
        "delivery": "email",
        "truthful": "on",
    }
    data.update(overrides)
    return data


def organization(county, **overrides) -> dict:
    data = natural(
        county,
        applicant_kind="organization",
        name="",
        id_number="",
        org_type=ApplicantType.LEGAL_SERVICE,
        org_name="测试县某某律师事务所",
        credit_code=CREDIT_CODE,
        legal_representative="李四",
        contact_person="王五",
    )
    data.update(overrides)
    return data


def post(client, data, files=None, **extra):
    return client.post(APPLY, {**data, **(files or {})}, **extra)


def pdf_upload(name="身份证.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def errors_of(response) -> str:
    """The text of the error summary at the top of the page."""
    html = response.content.decode()
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return re.sub(r"<[^>]+>", "", match.group(0))


def question_of(response) -> str:
    match = re.search(r"验证问题：(\S+?等于几？)", response.content.decode())
    assert match, "no question on the page"
    return match.group(1)


def answer_to(question: str) -> str:
    digits = "零一二三四五六七八九"

    def number(text: str) -> int:
        if "十" in text:
            tens, _, ones = text.partition("十")
            return (digits.index(tens) if tens else 1) * 10 + (digits.index(ones) if ones else 0)
        return digits.index(text)

    a, op, b = re.fullmatch(r"(\S+?)([加减])(\S+?)等于几？", question).groups()
    return str(number(a) + number(b) if op == "加" else number(a) - number(b))


def token_of(response) -> str:
    return re.search(r'name="captcha_token" value="([^"]+)"', response.content.decode()).group(1)


# The page ----------------------------------------------------------------------------------------------


def test_form_offers_the_active_organizations_in_tree_order(citizen, county):
    county.education.is_active = False
    county.education.save(update_fields=["is_active"])

    response = citizen.get(APPLY)

    html = response.content.decode()
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', html)
    names = [option.strip("\u3000 ") for option in options]
    tree = Organization.objects.filter(is_active=True).order_by("tree_id", "lft").values_list("name", flat=True)
    assert names == list(tree)
    assert "测试县教育局" not in names
    assert ">\u3000\u3000测试县财政局国库支付中心<" in html


def test_form_links_the_chosen_organizations_guide(citizen, county):
    GuideFactory(organization=county.finance)

    response = citizen.get(APPLY, {"organization": county.finance.pk})

    guide_url = reverse("catalog:guide", args=[county.finance.pk])
    assert f'<a href="{guide_url}">阅读测试县财政局的政府信息公开指南</a>' in response.content.decode()


def test_form_links_the_guide_index_when_the_organization_has_no_guide(citizen, county):
    GuideFactory(organization=county.finance, is_published=False)

    response = citizen.get(APPLY, {"organization": county.finance.pk})

    html = response.content.decode()
    assert reverse("catalog:guide", args=[county.finance.pk]) not in html
    assert f'<a href="{reverse("catalog:guide_index")}">查看各机关的政府信息公开指南</a>' in html


def test_form_has_both_applicant_fieldsets_with_legends_and_a_hidden_honeypot(citizen, county):
    html = citizen.get(APPLY).content.decode()

    assert "<legend>自然人填写</legend>" in html
    assert "<legend>法人或其他组织填写</legend>" in html
    assert re.search(r'<div class="hp-field" aria-hidden="true">\s*<label for="id_leave_blank">', html)
    assert 'name="leave_blank"' in html and 'tabindex="-1"' in html
    assert "captcha_answer" not in html  # no question until there is cause


def test_form_page_is_private_and_never_in_the_public_page_cache(citizen, county, rf):
    from django.core.cache import cache

    from catalog import cache as page_cache

    response = citizen.get(APPLY)

    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert cache.get(page_cache._key(rf.get(APPLY))) is None


# A good submission --------------------------------------------------------------------------------------


def test_good_submission_stores_one_pending_application_and_mails_the_applicant(
    citizen, county, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(citizen, natural(county))

    assert response.status_code == 302 and response["Location"] == SUBMITTED
    info_request = InfoRequest.objects.get()
    assert info_request.status == Status.PENDING
    assert info_request.channel == "online"
    assert info_request.organization == county.finance
    assert info_request.applicant_type == ApplicantType.NATURAL
    assert (info_request.applicant_name, info_request.id_number) == ("张三", RESIDENT_ID)
    assert list(info_request.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhangsan@example.com"]
    assert info_request.number in message.body


def test_submission_mail_gives_the_number_and_the_query_code(citizen, county, django_capture_on_commit_callbacks):
    # Issue 5: "A confirmation page and e-mail give the application number and a random query code."
    with django_capture_on_commit_callbacks(execute=True):
        post(citizen, natural(county))

    code = citizen.session[SUBMITTED_KEY]["code"]
    info_request = InfoRequest.objects.get()
    assert code in mail.outbox[0].body and info_request.number in mail.outbox[0].body
    assert code not in mail.outbox[0].subject


def test_confirmation_shows_number_and_code_once(citizen, county):
    post(citizen, natural(county))
    info_request = InfoRequest.objects.get()
    code = citizen.session[SUBMITTED_KEY]["code"]

    first = citizen.get(SUBMITTED)
    again = citizen.get(SUBMITTED)

    shown = first.content.decode()
    assert info_request.number in shown
    assert f"{code[:5]} {code[5:]}" in shown
    assert "打印本页" in shown
    assert "确认收到" in shown and "20个工作日" in shown
    assert "private" in first["Cache-Control"] and "no-store" in first["Cache-Control"]
    assert code[:5] not in again.content.decode()
    assert "只在提交成功后显示一次" in again.content.decode()
    assert info_request.check_query_code(code)


def test_a_head_request_does_not_use_the_code_up(citizen, county):
    post(citizen, natural(county))
    code = citizen.session[SUBMITTED_KEY]["code"]

    citizen.head(SUBMITTED)

    assert code[:5] in citizen.get(SUBMITTED).content.decode()


def test_confirmation_leads_to_the_status_page_without_asking_for_the_code(citizen, county):
    post(citizen, natural(county))
    info_request = InfoRequest.objects.get()
    citizen.get(SUBMITTED)

    response = citizen.get(reverse("disclosure_site:apply_status_detail", args=[info_request.number]))

    assert response.status_code == 200
    assert "待确认收到" in response.content.decode()


def test_organization_applicant_keeps_its_fields_and_drops_the_natural_ones(citizen, county):
    response = post(citizen, organization(county, name="不该保存的姓名", id_number="123"))

    assert response.status_code == 302
    info_request = InfoRequest.objects.get()
    assert info_request.applicant_type == ApplicantType.LEGAL_SERVICE
    assert info_request.applicant_name == "测试县某某律师事务所"
    assert (info_request.credit_code, info_request.legal_representative, info_request.contact_person) == (
        CREDIT_CODE,
        "李四",
        "王五",
    )
    assert (info_request.id_type, info_request.id_number) == ("", "")


def test_natural_applicant_is_not_checked_on_the_organization_fields(citizen, county):
    response = post(citizen, natural(county, org_name="某公司", credit_code="NOT-A-CODE"))

    assert response.status_code == 302
    assert InfoRequest.objects.get().credit_code == ""


def test_full_width_id_number_and_lower_case_x_are_accepted(citizen, county):
    number = make_resident_id("110101", "19900307", "002")
    while not number.endswith("X"):  # find a number whose check character is X
        number = make_resident_id("110101", "19900307", f"{int(number[14:17]) + 1:03d}")
    typed = number[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x"

    response = post(citizen, natural(county, id_number=typed))

    assert response.status_code == 302
    assert InfoRequest.objects.get().id_number == number


def test_identity_proof_is_stored_with_the_application(citizen, county, media):
    response = post(citizen, natural(county), {"identity_files": [pdf_upload(), pdf_upload("背面.pdf")]})

    assert response.status_code == 302
    documents = RequestDocument.objects.order_by("pk")
    assert [(d.kind, d.original_name, d.file_type) for d in documents] == [
        (DocumentKind.IDENTITY, "身份证.pdf", "pdf"),
        (DocumentKind.IDENTITY, "背面.pdf", "pdf"),
    ]
    assert not documents[0].for_applicant
    assert len(stored_files(media)) == 2


# Bad input: a Chinese message, nothing written -----------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "field", "message"),
    [
        (
            lambda c: natural(c, id_number=RESIDENT_ID[:17] + ("1" if RESIDENT_ID[17] != "1" else "2")),
            "id_number",
            "校验位不符",
        ),
        (lambda c: natural(c, id_number=make_resident_id("330122", "20991231", "123")), "id_number", "出生日期"),
        (lambda c: natural(c, id_number="33012219800101123"), "id_number", "应为18位"),
        (lambda c: natural(c, name=""), "name", "请填写申请人姓名"),
        (
            lambda c: organization(c, credit_code=CREDIT_CODE[:17] + ("1" if CREDIT_CODE[17] != "1" else "2")),
            "credit_code",
            "校验位不符",
        ),
        (lambda c: organization(c, org_type=""), "org_type", "请选择组织类型"),
        (lambda c: organization(c, legal_representative=""), "legal_representative", "请填写法定代表人"),
        (lambda c: natural(c, description="   "), "description", "请描述所需政府信息的内容"),
        (lambda c: natural(c, phone=""), "phone", "请填写联系电话"),
        (lambda c: natural(c, phone="电话"), "phone", "联系电话格式不正确"),
        (lambda c: natural(c, postcode="31150"), "postcode", "邮政编码应为6位数字"),
        (lambda c: natural(c, delivery="email", email=""), "email", "请填写电子邮箱"),
        (lambda c: natural(c, delivery="post", address=""), "address", "请填写通信地址"),
        (lambda c: natural(c, delivery="fax"), "delivery", ""),
        (lambda c: natural(c, applicant_kind=""), "applicant_kind", "请选择申请人类型"),
        (lambda c: natural(c, organization=""), "organization", "请选择受理机关"),
        (lambda c: natural(c, truthful=""), "truthful", "请阅读并勾选信息真实性承诺"),
    ],
    ids=[
        "id-check-character",
        "id-future-birth-date",
        "id-too-short",
        "no-name",
        "credit-code-check-character",
        "no-organization-type",
        "no-legal-representative",
        "blank-description",
        "no-phone",
        "bad-phone",
        "bad-postcode",
        "email-delivery-without-email",
        "post-without-address",
        "fax-not-offered",
        "no-applicant-type",
        "no-organization",
        "no-consent",
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_written(citizen, county, media, make, field, message):
    response = post(citizen, make(county), {"identity_files": [pdf_upload()]})

    assert response.status_code == 200
    assert InfoRequest.objects.count() == 0
    assert stored_files(media) == []
    summary = errors_of(response)
    assert message in summary
    html = response.content.decode()
    # The field says it is invalid and points at its message.
    assert re.search(rf'id="id_{field}_error"', html)


def test_inactive_organization_cannot_be_chosen(citizen, county):
    county.finance.is_active = False
    county.finance.save(update_fields=["is_active"])

    response = post(citizen, natural(county))

    assert "所选机关不存在或已停止受理" in errors_of(response)
    assert InfoRequest.objects.count() == 0


def test_error_summary_links_to_each_field_and_inputs_describe_their_errors(citizen, county):
    response = post(citizen, natural(county, description="", id_number="123", wanted_form=""))

    html = response.content.decode()
    assert (
        html.index('href="#id_id_number"')
        < html.index('href="#id_description"')
        < html.index('href="#id_wanted_form_0"')
    )
    assert re.search(r'<textarea[^>]*aria-describedby="id_description_helptext id_description_error"', html)
    assert re.search(r'<textarea[^>]*aria-invalid="true"', html)
    assert re.search(r'<fieldset class="field choices field-error"\s+aria-describedby="id_wanted_form_error"', html)
    assert re.search(r"<title>\s*错误：政府信息公开申请", html)


def test_typed_text_is_kept_after_a_validation_error(citizen, county):
    response = post(citizen, natural(county, phone="", description="关于测试县人民路改造工程的批复文件"))

    html = response.content.decode()
    assert "关于测试县人民路改造工程的批复文件</textarea>" in html
    assert 'value="张三"' in html
    assert f'value="{RESIDENT_ID}"' in html
    assert re.search(rf'<option value="{county.finance.pk}" selected>', html)


def test_disguised_executable_is_refused_and_the_reselect_notice_shown(citizen, county, media):
    exe = SimpleUploadedFile("身份证.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")

    response = post(citizen, natural(county), {"identity_files": [exe]})

    summary = errors_of(response)
    assert "文件扩展名与实际内容不符" in summary and "Windows 可执行程序" in summary
    assert FILES_NOT_KEPT in summary
    assert InfoRequest.objects.count() == 0
    assert stored_files(media) == []


def test_oversized_attachment_is_refused(citizen, county, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000

    response = post(citizen, natural(county), {"identity_files": [pdf_upload(content=PDF + b"0" * 2000)]})

    assert "附件大小超过上限" in errors_of(response)
    assert InfoRequest.objects.count() == 0
    assert stored_files(media) == []


def test_too_many_files_are_refused(citizen, county, media):
    files = [pdf_upload(f"{n}.pdf") for n in range(6)]

    response = post(citizen, natural(county), {"identity_files": files})

    assert "最多上传5个文件" in errors_of(response)
    assert InfoRequest.objects.count() == 0


def test_other_errors_with_a_good_file_say_the_file_must_be_chosen_again(citizen, county, media):
    response = post(citizen, natural(county, description=""), {"identity_files": [pdf_upload()]})

    assert FILES_NOT_KEPT in errors_of(response)
    assert stored_files(media) == []


def test_file_size_limit_is_stated_from_settings(citizen, county, settings):
    settings.ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024

    assert "每个不超过 5 MB" in citizen.get(APPLY).content.decode()


# Scripts ------------------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(county):
    client = Client(enforce_csrf_checks=True)

    response = post(client, natural(county))

    assert response.status_code == 403
    assert InfoRequest.objects.count() == 0


def test_post_with_the_pages_csrf_token_is_accepted(county):
    client = Client(enforce_csrf_checks=True)
    page = client.get(APPLY)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    response = post(client, natural(county, csrfmiddlewaretoken=token))

    assert response.status_code == 302


def test_filled_honeypot_stores_nothing_and_asks_the_question(citizen, county):
    response = post(citizen, natural(county, **{HONEYPOT_FIELD: "http://spam.example"}))

    assert response.status_code == 200
    assert InfoRequest.objects.count() == 0
    assert "为防止自动提交，请回答验证问题后再提交" in errors_of(response)
    html = response.content.decode()
    assert 'name="leave_blank"' in html and "http://spam.example" not in html
    assert "请公开2025年度部门预算中三公经费的明细。" in html  # a person loses nothing they typed


def test_person_whose_browser_filled_the_honeypot_gets_through_by_answering(citizen, county):
    asked = post(citizen, natural(county, **{HONEYPOT_FIELD: "自动填写"}))

    response = post(
        citizen, natural(county, captcha_token=token_of(asked), captcha_answer=answer_to(question_of(asked)))
    )

    assert response.status_code == 302
    assert InfoRequest.objects.count() == 1


def test_past_the_limit_the_form_asks_a_question_instead_of_refusing(citizen, county, settings):
    settings.REQUEST_RATE_LIMIT = 2
    for _ in range(2):
        assert post(citizen, natural(county)).status_code == 302

    shown = citizen.get(APPLY)
    unanswered = post(citizen, natural(county))

    assert "验证问题：" in shown.content.decode()
    assert unanswered.status_code == 200
    assert "为防止自动提交，请回答验证问题后再提交" in errors_of(unanswered)
    assert InfoRequest.objects.count() == 2
    question = question_of(unanswered)
    assert re.fullmatch(r"[一二三四五六七八九十]+[加减][一二三四五六七八九十]+等于几？", question)

    answered = post(citizen, natural(county, captcha_token=token_of(unanswered), captcha_answer=answer_to(question)))

    assert answered.status_code == 302
    assert InfoRequest.objects.count() == 3


def test_wrong_answer_stores_nothing_and_asks_a_new_question(citizen, county, settings):
    settings.REQUEST_RATE_LIMIT = 1
    post(citizen, natural(county))
    first = citizen.get(APPLY)
    wrong = str(int(answer_to(question_of(first))) + 1)

    response = post(citizen, natural(county, captcha_token=token_of(first), captcha_answer=wrong))

    assert "答案不正确，请回答新的问题" in errors_of(response)
    assert token_of(response) != token_of(first)
    assert InfoRequest.objects.count() == 1


def test_question_is_kept_while_other_fields_are_corrected(citizen, county, settings):
    settings.REQUEST_RATE_LIMIT = 1
    post(citizen, natural(county))
    first = citizen.get(APPLY)
    answer = answer_to(question_of(first))

    response = post(citizen, natural(county, description="", captcha_token=token_of(first), captcha_answer=answer))
    fixed = post(citizen, natural(county, captcha_token=token_of(response), captcha_answer=answer))

    assert token_of(response) == token_of(first)
    assert f'value="{answer}"' in response.content.decode()
    assert fixed.status_code == 302


def test_a_solved_question_cannot_be_replayed(citizen, county, settings):
    settings.REQUEST_RATE_LIMIT = 1
    post(citizen, natural(county))
    page = citizen.get(APPLY)
    solved = natural(county, captcha_token=token_of(page), captcha_answer=answer_to(question_of(page)))
    assert post(citizen, solved).status_code == 302

    replayed = post(citizen, solved)

    assert replayed.status_code == 200
    assert InfoRequest.objects.count() == 2


def test_the_limit_counts_per_address(citizen, county, settings):
    settings.REQUEST_RATE_LIMIT = 1
    post(citizen, natural(county), REMOTE_ADDR="192.0.2.1")

    elsewhere = post(Client(), natural(county), REMOTE_ADDR="192.0.2.2")

    assert elsewhere.status_code == 302


def test_the_limit_ends_with_its_window(citizen, county, settings):
    import time_machine

    settings.REQUEST_RATE_LIMIT = 1
    settings.REQUEST_RATE_WINDOW = 3600
    with time_machine.travel("2026-03-02 09:10 +0800", tick=False) as traveller:
        post(citizen, natural(county))
        assert "验证问题：" in citizen.get(APPLY).content.decode()
        traveller.move_to("2026-03-02 10:01 +0800")
        assert "验证问题：" not in citizen.get(APPLY).content.decode()


def test_address_behind_a_proxy_is_taken_from_x_forwarded_for(rf, settings):
    settings.RATE_LIMIT_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")

    assert ratelimit.client_address(request) == "198.51.100.7"


def test_address_without_a_proxy_ignores_x_forwarded_for(rf, settings):
    settings.RATE_LIMIT_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert ratelimit.client_address(request) == "198.51.100.7"


def test_ipv6_addresses_count_by_their_64_network(rf):
    first = rf.get("/", REMOTE_ADDR="2001:db8:1:2::10")
    second = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::1")

    assert ratelimit.client_address(first) == ratelimit.client_address(second) == "2001:db8:1:2::/64"


@pytest.mark.parametrize(
    ("typed", "value"),
    [("12", 12), ("１２", 12), (" 7 ", 7), ("十二", 12), ("十", 10), ("二十", 20), ("两", 2), ("零", 0), ("九", 9)],
)
def test_answers_may_be_digits_or_chinese_numerals(typed, value):
    assert captcha.parse_answer(typed) == value


@pytest.mark.parametrize("typed", ["", "abc", "十十", "一二", "1234"])
def test_unreadable_answers_are_none(typed):
    assert captcha.parse_answer(typed) is None


def test_a_forged_token_is_not_accepted(db):
    assert not captcha.check("forged", "3")


@pytest.mark.redis
def test_submission_count_is_shared_through_redis(county, settings):
    """Two app servers: the second sees the first one's count, so the question is asked there too."""
    redis = {**parse_cache_url("redis://127.0.0.1:6379/15"), "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    settings.REQUEST_RATE_LIMIT = 1
    with override_settings(CACHES={"default": redis, "other": redis}):
        from django.core.cache import caches

        try:
            assert post(Client(), natural(county), REMOTE_ADDR="192.0.2.50").status_code == 302
            key = ratelimit._key("apply", "192.0.2.50", settings.REQUEST_RATE_WINDOW)
            assert caches["other"].get(key) == 1
            second_server = Client().get(APPLY, REMOTE_ADDR="192.0.2.50")
            assert "验证问题：" in second_server.content.decode()
        finally:
            caches["default"].delete(ratelimit._key("apply", "192.0.2.50", settings.REQUEST_RATE_WINDOW))


def test_a_refusal_by_the_model_is_shown_on_the_field(citizen, county, monkeypatch):
    from django.core.exceptions import ValidationError

    from requests_app import workflow

    def refuse(info_request, *, documents=()):
        raise ValidationError({"applicant_name": ["申请人姓名过长。"], "purpose": ["用途无效。"]})

    monkeypatch.setattr(workflow, "submit_online", refuse)

    response = post(citizen, natural(county))

    summary = errors_of(response)
    assert "姓名：申请人姓名过长。" in summary and "用途无效。" in summary
    assert InfoRequest.objects.count() == 0


def test_a_domain_error_is_shown_and_the_text_kept(citizen, county, monkeypatch):
    from disclosure_site.errors import DomainError
    from requests_app import workflow

    def refuse(info_request, *, documents=()):
        raise DomainError("该机关暂停受理网上申请。")

    monkeypatch.setattr(workflow, "submit_online", refuse)

    response = post(citizen, natural(county))

    assert "该机关暂停受理网上申请。" in errors_of(response)
    assert "请公开2025年度部门预算中三公经费的明细。" in response.content.decode()
