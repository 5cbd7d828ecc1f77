"""Redaction in Chromium (issue 9): a clerk marks two boxes on a reply's document, one with the mouse and
one with the keyboard, and submits; a reviewer approves; the applicant downloads from the status page a
copy in which the marked text is gone and the rest is still text. The redaction screen passes axe."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disclosure_site.calendar_data import seed_from_package
from disclosure_site.models import CalendarYear
from requests_app import documents, letters, redaction_pdf, workflow
from requests_app.models import DocumentKind, RedactionJob
from requests_app.redaction_models import RedactionStatus
from tests.requests_app import redaction_pdfs as pdfs
from tests.requests_app.factories import on_day, submitted_online

from . import axe
from .test_admin_clerk import log_in

pytestmark = pytest.mark.browser

PAGE_ONE = f"申请人{pdfs.NAME}，身份证号码{pdfs.ID_NUMBER}。\n经费决算总额为一百二十万元。"
PAGE_TWO = f"联系人：{pdfs.NAME}\n本页其余内容予以公开。"
PAGE_THREE = "附表：各项目支出明细，本页不含个人信息。"


@pytest.fixture
def application(db, county, clerk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_from_package({2026})
    CalendarYear.objects.get_or_create(year=2027, defaults={"source": CalendarYear.Source.MANUAL})
    info_request, code = submitted_online(county.finance, on=dt.date(2026, 3, 2))
    with on_day(dt.date(2026, 3, 3)):
        workflow.confirm_receipt(info_request, by=clerk)
    source = SimpleUploadedFile("决算明细.pdf", pdfs.text_pdf(PAGE_ONE, PAGE_TWO, PAGE_THREE))
    documents.store_document(info_request, source, kind=DocumentKind.DISCLOSED, by=clerk)
    return info_request, code


def _sheet_box(page, number: int):
    sheet = page.locator(f"#page-{number} .redaction-sheet")
    sheet.scroll_into_view_if_needed()
    page.wait_for_function(
        "n => { const i = document.querySelector(`#page-${n} img`); return i.complete && i.naturalWidth > 0 }",
        arg=number,
    )
    return sheet, sheet.bounding_box()


def _target(job: RedactionJob, text: str, number: int) -> redaction_pdf.Rect:
    with job.working_file.open("rb") as handle:
        found, _ = redaction_pdf.find_text(handle.read(), text)
    return next(rect for rect in found if rect.page == number)


def draw_with_mouse(page, job: RedactionJob, number: int, rect: redaction_pdf.Rect) -> None:
    _, box = _sheet_box(page, number)
    width, height = job.page_sizes[number - 1]
    to_x = box["width"] / width
    to_y = box["height"] / height
    page.mouse.move(box["x"] + (rect.x0 - 2) * to_x, box["y"] + (rect.y0 - 2) * to_y)
    page.mouse.down()
    page.mouse.move(box["x"] + (rect.x1 + 2) * to_x, box["y"] + (rect.y1 + 2) * to_y, steps=5)
    page.mouse.up()


def draw_with_keyboard(page, job: RedactionJob, number: int, rect: redaction_pdf.Rect) -> None:
    """Enter places a 120 × 24 point box in the middle of the page, arrows move it by 6 points, Shift+arrows
    grow it by 6 points, Enter adds it."""
    sheet, _ = _sheet_box(page, number)
    width, height = job.page_sizes[number - 1]
    x0, y0 = (width - 120) / 2, (height - 24) / 2
    sheet.focus()
    page.keyboard.press("Enter")
    steps_x = math.floor((rect.x0 - x0) / 6)
    steps_y = math.floor((rect.y0 - y0) / 6)
    for _ in range(abs(steps_x)):
        page.keyboard.press("ArrowRight" if steps_x > 0 else "ArrowLeft")
    for _ in range(abs(steps_y)):
        page.keyboard.press("ArrowDown" if steps_y > 0 else "ArrowUp")
    left, top = x0 + steps_x * 6, y0 + steps_y * 6
    for _ in range(max(0, math.ceil((rect.x1 - left - 120) / 6))):
        page.keyboard.press("Shift+ArrowRight")
    for _ in range(max(0, math.ceil((rect.y1 - top - 24) / 6))):
        page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Enter")


def test_clerk_marks_reviewer_approves_applicant_downloads_without_the_hidden_text(
    new_page, application, clerk, reviewer, expect
):
    info_request, code = application

    # The clerk starts the redaction from the application's page.
    clerk_page = new_page()
    log_in(clerk_page, "clerk")
    clerk_page.goto(reverse("admin:requests_app_inforequest_change", args=[info_request.pk]))
    clerk_page.locator(".object-tools").get_by_role("link", name="删除处理", exact=True).click()
    clerk_page.get_by_label("申请材料中的文件").select_option(label="决算明细.pdf")
    clerk_page.get_by_role("button", name="开始删除处理").click()
    expect(clerk_page.locator(".messagelist")).to_contain_text("已开始删除处理“决算明细.pdf”，共 3 页")
    job = RedactionJob.objects.get()
    found = {"redaction screen": axe.violations(clerk_page)}

    # Box one: the ID number on page 1, drawn with the mouse.
    clerk_page.get_by_label("不予公开理由").first.select_option(label="保护第三方合法权益")
    draw_with_mouse(clerk_page, job, 1, _target(job, pdfs.ID_NUMBER, 1))
    expect(clerk_page.locator(".messagelist")).to_contain_text("已在第1页添加删除框（保护第三方合法权益）")
    # Box two: the name on page 2, with the keyboard.
    draw_with_keyboard(clerk_page, job, 2, _target(job, pdfs.NAME, 2))
    expect(clerk_page.locator(".messagelist")).to_contain_text("已在第2页添加删除框")
    expect(clerk_page.locator("#redaction-box-total")).to_have_text("2")
    expect(clerk_page.locator(".redaction-box")).to_have_count(2)
    found["redaction screen with boxes"] = axe.violations(clerk_page)

    clerk_page.get_by_role("button", name="提交审核").click()
    expect(clerk_page.locator("#redaction-status")).to_have_text("待审核")
    expect(clerk_page.get_by_role("button", name="审核通过，提供给申请人")).to_have_count(0)

    # A reviewer checks the burned pages and approves.
    reviewer_page = new_page()
    log_in(reviewer_page, "reviewer")
    reviewer_page.goto(reverse("admin:requests_app_redactionjob_changelist") + "?status__exact=submitted")
    reviewer_page.get_by_role("link", name="决算明细.pdf").click()
    expect(reviewer_page.get_by_role("heading", name="审核")).to_be_visible()
    found["redaction review"] = axe.violations(reviewer_page)
    reviewer_page.get_by_role("button", name="审核通过，提供给申请人").click()
    expect(reviewer_page.locator(".messagelist")).to_contain_text("审核通过：“决算明细（部分公开）.pdf”")
    job.refresh_from_db()
    assert job.status == RedactionStatus.APPROVED

    # The 部分公开 reply goes out (the copy is offered to the applicant with it, not before).
    letter = letters.draft(info_request, kind="reply", by=clerk, outcome="2", details="涉及个人信息的部分不予公开。")
    letter = letters.approve(letter, by=reviewer)
    workflow.reply(info_request, by=clerk, outcome="2", letter=letter)

    # The applicant downloads the copy from the status page.
    citizen = new_page()
    citizen.goto(reverse("disclosure_site:apply_status"))
    citizen.get_by_label("申请编号").fill(info_request.number)
    citizen.get_by_label("查询码").fill(code)
    citizen.get_by_role("button", name="查询").click()
    with citizen.expect_download() as download_info:
        citizen.get_by_role("link", name="决算明细（部分公开）.pdf").click()
    with open(download_info.value.path(), "rb") as handle:
        delivered = handle.read()
    text = pdfs.pdftotext(delivered)
    assert pdfs.ID_NUMBER not in text
    assert pdfs.NAME not in text
    assert "本页不含个人信息" in pdfs.pdftotext(delivered, page=3)  # a page without a box keeps its text
    axe.assert_none(found)
