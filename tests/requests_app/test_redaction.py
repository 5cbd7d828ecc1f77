"""Redaction for partial disclosure: what is under a box is gone from the applicant's copy (text, pixels,
metadata, attachments), the four-eyes review, permissions, and clear messages for files we cannot take."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from disclosure_site.audit import events_for
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.errors import DomainError
from disclosure_site.models import Role
from requests_app import documents, redaction, redaction_pdf
from requests_app.models import DocumentKind, EventKind, RedactionBox, RedactionJob, RequestDocument, Status
from requests_app.redaction_models import RedactionStatus
from tests.factories import MembershipFactory

from . import redaction_pdfs as pdfs
from .factories import registered

THIRD_PARTY = "3.4"
INTERNAL = "3.5"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


@pytest.fixture
def application(db, county, clerk):
    seed_from_package({2026})
    return registered(county.finance, by=clerk, received_on=dt.date(2026, 3, 6))


@pytest.fixture
def second_reviewer(county):
    return MembershipFactory(organization=county.finance, role=Role.REVIEWER).user


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def source_document(application, clerk, content: bytes, name: str = "答复材料.pdf") -> RequestDocument:
    return documents.store_document(application, upload(content, name), kind=DocumentKind.DISCLOSED, by=clerk)


def sha256(field) -> str:
    with field.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


TWO_PAGES = (
    f"第一页：申请人{pdfs.NAME}，身份证号码{pdfs.ID_NUMBER}。\n本页其余内容予以公开。",
    f"第二页：经费决算总额为一百二十万元。\n联系人{pdfs.NAME}。",
)


def approved_copy(job, *, clerk, reviewer) -> bytes:
    redaction.submit(job, by=clerk)
    document = redaction.approve(job, by=reviewer)
    return read(document.file)


# What the applicant receives ------------------------------------------------------------------------


def test_text_found_by_search_is_absent_from_the_approved_copy(application, clerk, reviewer):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)

    marked = redaction.mark_text(job, by=clerk, text=pdfs.ID_NUMBER, reason=THIRD_PARTY)
    output = approved_copy(job, clerk=clerk, reviewer=reviewer)

    assert marked.boxes == 1 and marked.pages == [1]
    text = pdfs.pdftotext(output)
    assert pdfs.ID_NUMBER not in text
    assert pdfs.ID_NUMBER.encode() not in pdfs.every_object(output)
    # The page without a box keeps its text layer.
    assert "经费决算总额为一百二十万元" in pdfs.pdftotext(output, page=2)


def test_a_box_drawn_over_a_name_hides_it_on_every_marked_page(application, clerk, reviewer):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)
    found, _ = redaction_pdf.find_text(read(job.working_file), pdfs.NAME)
    for rect in found:
        redaction.add_box(
            job, by=clerk, page=rect.page, x0=rect.x0, y0=rect.y0, x1=rect.x1, y1=rect.y1, reason=THIRD_PARTY
        )

    output = approved_copy(job, clerk=clerk, reviewer=reviewer)

    assert {rect.page for rect in found} == {1, 2}
    assert pdfs.NAME not in pdfs.pdftotext(output)
    assert len(PdfReader(io.BytesIO(output)).pages) == 2


def test_metadata_attachments_scripts_and_annotations_of_the_source_are_stripped(application, clerk, reviewer):
    source_pdf = pdfs.with_extras(pdfs.text_pdf(*TWO_PAGES, title="内部机密标题", author="作者某某"))
    source = source_document(application, clerk, source_pdf)
    job = redaction.start(application, by=clerk, document=source)
    redaction.mark_text(job, by=clerk, text=pdfs.ID_NUMBER, reason=THIRD_PARTY)

    output = approved_copy(job, clerk=clerk, reviewer=reviewer)

    assert job.flattened_pages == [1]  # the sticky note: the page becomes an image, its note text goes
    reader = PdfReader(io.BytesIO(output))
    assert not reader.metadata
    assert reader.xmp_metadata is None
    assert not reader.attachments
    assert set(reader.trailer["/Root"].keys()) <= {"/Type", "/Pages"}
    assert all("/Annots" not in page and "/AA" not in page for page in reader.pages)
    everything = pdfs.every_object(output)
    secrets = (pdfs.ATTACHED, pdfs.XMP_MARK.encode(), pdfs.SCRIPT_MARK.encode(), pdfs.SECRET_NOTE.encode("utf-16-be"))
    for secret in (*secrets, "作者某某".encode("utf-16-be")):
        assert secret not in everything
    assert b"/JavaScript" not in everything and b"/EmbeddedFile" not in everything
    # The source still has them: it is never changed.
    assert read(source.file) == source_pdf


def test_a_box_on_a_scanned_page_hides_its_pixels(application, clerk, reviewer):
    job = redaction.start(application, by=clerk, uploaded=upload(pdfs.scan_png(), "扫描件.png"))
    assert job.scanned_pages == [1]
    width, height = job.page_sizes[0]
    scale = width / 1240  # the scan fills the A4 page's width
    redaction.add_box(
        job, by=clerk, page=1, x0=290 * scale, y0=390 * scale, x1=710 * scale, y1=510 * scale, reason=INTERNAL
    )

    output = approved_copy(job, clerk=clerk, reviewer=reviewer)

    pixels = pdfs.page_pixels(output, 1).get_flattened_data()
    assert not any(r > 200 and g < 60 and b < 60 for r, g, b in pixels)  # no red left
    assert any(r < 90 and g < 90 and b > 120 for r, g, b in pixels)  # the unmarked blue block is still there
    assert len(PdfReader(io.BytesIO(output)).pages) == 1


def test_a_search_on_a_scan_finds_nothing_and_names_the_page(application, clerk):
    job = redaction.start(application, by=clerk, uploaded=upload(pdfs.scan_png(), "扫描件.png"))

    marked = redaction.mark_text(job, by=clerk, text=pdfs.NAME, reason=THIRD_PARTY)

    assert marked.boxes == 0
    assert marked.without_text == [1]


def test_an_image_shared_with_a_redacted_page_does_not_travel_with_a_kept_page(application, clerk, reviewer):
    source = source_document(application, clerk, pdfs.shared_resources_pdf())
    job = redaction.start(application, by=clerk, document=source)
    redaction.add_box(job, by=clerk, page=2, x0=90, y0=130, x1=310, y1=350, reason=INTERNAL)

    output = approved_copy(job, clerk=clerk, reviewer=reviewer)

    everything = pdfs.every_object(output)
    assert bytes((255, 0, 255)) * 64 not in everything  # the magenta image of page 2
    assert bytes((0, 200, 0)) * 64 in everything  # page 1 keeps its own image untouched


def test_rotated_pages_are_searched_and_burned_where_the_text_is_shown(application, clerk, reviewer):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdfs.text_pdf(*TWO_PAGES))))
    writer.pages[0].rotate(90)
    rotated = io.BytesIO()
    writer.write(rotated)
    source = source_document(application, clerk, rotated.getvalue())
    job = redaction.start(application, by=clerk, document=source)
    assert job.page_sizes[0][0] > job.page_sizes[0][1]  # shown in landscape
    redaction.mark_text(job, by=clerk, text=pdfs.ID_NUMBER, reason=THIRD_PARTY)

    output = approved_copy(job, clerk=clerk, reviewer=reviewer)

    assert pdfs.ID_NUMBER not in pdfs.pdftotext(output)


def test_a_word_document_is_converted_on_the_server(application, clerk, reviewer):
    from docx import Document

    word = Document()
    word.add_paragraph(f"申请人{pdfs.NAME}的联系电话为13912345678。")
    word.add_paragraph("本段内容予以公开。")
    buffer = io.BytesIO()
    word.save(buffer)
    job = redaction.start(application, by=clerk, uploaded=upload(buffer.getvalue(), "答复材料.docx"))
    redaction.mark_text(job, by=clerk, text="13912345678", reason=THIRD_PARTY)

    output = approved_copy(job, clerk=clerk, reviewer=reviewer)

    assert job.source.file_type == "docx"
    assert "13912345678" not in pdfs.pdftotext(output)
    assert PdfReader(io.BytesIO(output)).pages


# The review and the delivery ------------------------------------------------------------------------


def test_approval_provides_the_burned_copy_to_the_applicant_and_keeps_the_original(application, clerk, reviewer):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES), name="决算明细.pdf")
    before = sha256(source.file)
    job = redaction.start(application, by=clerk, document=source)
    redaction.mark_text(job, by=clerk, text=pdfs.NAME, reason=THIRD_PARTY)
    redaction.submit(job, by=clerk)
    job.refresh_from_db()
    assert job.status == RedactionStatus.SUBMITTED
    assert not application.documents.filter(for_applicant=True).exists()

    document = redaction.approve(job, by=reviewer)

    job.refresh_from_db()
    source.refresh_from_db()
    assert job.status == RedactionStatus.APPROVED and job.reviewed_by == reviewer and job.result == document
    assert document.for_applicant and document.original_name == "决算明细（部分公开）.pdf"
    assert read(document.file) == read(job.redacted_file)
    assert not source.for_applicant and sha256(source.file) == before
    note = application.events.filter(kind=EventKind.NOTE).last()
    assert "保护第三方合法权益" in note.note
    assert [e.action for e in events_for(job)] == ["审核通过", "提交审核", "开始删除处理"]  # newest first


def test_the_marker_cannot_approve_their_own_redaction(application, county, clerk, reviewer, second_reviewer):
    source = source_document(application, reviewer, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)
    redaction.add_box(job, by=reviewer, page=1, x0=50, y0=50, x1=200, y1=80, reason=THIRD_PARTY)
    redaction.submit(job, by=clerk)

    with pytest.raises(DomainError, match="不能审核自己的删除处理"):
        redaction.approve(job, by=reviewer)

    job.refresh_from_db()
    assert job.status == RedactionStatus.SUBMITTED
    assert not application.documents.filter(for_applicant=True).exists()
    redaction.approve(job, by=second_reviewer)


def test_a_reviewer_who_started_the_job_cannot_approve_it(application, reviewer, second_reviewer, clerk):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=reviewer, document=source)
    redaction.add_box(job, by=clerk, page=1, x0=50, y0=50, x1=200, y1=80, reason=THIRD_PARTY)
    redaction.submit(job, by=clerk)

    with pytest.raises(DomainError, match="不能审核自己的删除处理"):
        redaction.approve(job, by=reviewer)


def test_only_a_reviewer_approves(application, clerk, head):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)
    redaction.add_box(job, by=clerk, page=1, x0=50, y0=50, x1=200, y1=80, reason=THIRD_PARTY)
    redaction.submit(job, by=clerk)

    with pytest.raises(DomainError, match="审核人可以审核删除处理"):
        redaction.approve(job, by=head)


def test_outsiders_can_neither_start_mark_nor_approve(application, clerk, outsider, county):
    other_reviewer = MembershipFactory(organization=county.education, role=Role.REVIEWER).user
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    with pytest.raises(DomainError, match="测试县财政局"):
        redaction.start(application, by=outsider, document=source)
    job = redaction.start(application, by=clerk, document=source)
    with pytest.raises(DomainError):
        redaction.add_box(job, by=outsider, page=1, x0=50, y0=50, x1=200, y1=80, reason=THIRD_PARTY)
    with pytest.raises(DomainError):
        redaction.mark_text(job, by=outsider, text=pdfs.NAME, reason=THIRD_PARTY)
    redaction.add_box(job, by=clerk, page=1, x0=50, y0=50, x1=200, y1=80, reason=THIRD_PARTY)
    redaction.submit(job, by=clerk)
    with pytest.raises(DomainError):
        redaction.approve(job, by=other_reviewer)
    assert RedactionBox.objects.filter(created_by=outsider).count() == 0
    job.refresh_from_db()
    assert job.status == RedactionStatus.SUBMITTED


def test_submitting_without_a_box_is_refused(application, clerk):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)

    with pytest.raises(DomainError, match="尚未标注任何删除框"):
        redaction.submit(job, by=clerk)

    job.refresh_from_db()
    assert job.status == RedactionStatus.DRAFT and not job.redacted_file


def test_return_needs_a_reason_and_reopens_the_boxes(application, clerk, reviewer):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)
    redaction.add_box(job, by=clerk, page=1, x0=50, y0=50, x1=200, y1=80, reason=THIRD_PARTY)
    redaction.submit(job, by=clerk)
    with pytest.raises(DomainError, match="理由"):
        redaction.return_to_draft(job, by=reviewer, reason=" ")
    with pytest.raises(DomainError, match="不能再修改删除框"):
        redaction.add_box(job, by=clerk, page=1, x0=50, y0=100, x1=200, y1=120, reason=THIRD_PARTY)

    redaction.return_to_draft(job, by=reviewer, reason="第二页的姓名也要删除")

    job.refresh_from_db()
    assert job.status == RedactionStatus.DRAFT and job.return_note == "第二页的姓名也要删除"
    assert not job.redacted_file and job.redacted_sha256 == ""
    redaction.add_box(job, by=clerk, page=2, x0=50, y0=50, x1=200, y1=80, reason=THIRD_PARTY)


def test_a_reply_waits_for_the_redaction_to_be_approved(application, clerk, reviewer):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES), name="决算明细.pdf")
    job = redaction.start(application, by=clerk, document=source)
    redaction.add_box(job, by=clerk, page=1, x0=50, y0=50, x1=200, y1=80, reason=THIRD_PARTY)
    redaction.submit(job, by=clerk)

    with pytest.raises(DomainError, match="删除处理尚未审核通过：“决算明细.pdf”（待审核）"):
        redaction.check_reply(application)
    redaction.approve(job, by=reviewer)
    redaction.check_reply(application)


def test_only_the_organs_own_documents_are_offered_as_sources(application, clerk):
    disclosed = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    documents.store_document(application, upload(pdfs.scan_png(), "身份证.png"), kind=DocumentKind.IDENTITY, by=clerk)

    assert list(redaction.redactable_documents(application)) == [disclosed]


def test_a_second_open_job_on_the_same_document_is_refused(application, clerk):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    redaction.start(application, by=clerk, document=source)

    with pytest.raises(DomainError, match="已有一项未完成的删除处理"):
        redaction.start(application, by=clerk, document=source)

    assert RedactionJob.objects.count() == 1


def test_a_document_already_given_to_the_applicant_is_not_a_source(application, clerk):
    given = documents.store_document(
        application,
        upload(pdfs.text_pdf(*TWO_PAGES), "已公开.pdf"),
        kind=DocumentKind.DISCLOSED,
        by=clerk,
        for_applicant=True,
    )

    with pytest.raises(DomainError, match="已提供给申请人"):
        redaction.start(application, by=clerk, document=given)


def test_no_redaction_for_a_withdrawn_application(application, clerk):
    from requests_app import workflow

    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    workflow.withdraw(application, by=clerk, note="申请人书面撤回", on=dt.date(2026, 3, 6))
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN

    with pytest.raises(DomainError, match="不能进行删除处理"):
        redaction.start(application, by=clerk, document=source)


def test_discarding_a_draft_keeps_the_source(application, clerk, outsider, django_capture_on_commit_callbacks):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)
    working = job.working_file.name
    with pytest.raises(DomainError):
        redaction.discard(job, by=outsider)

    with django_capture_on_commit_callbacks(execute=True):
        redaction.discard(job, by=clerk)

    assert not RedactionJob.objects.exists()
    assert RequestDocument.objects.filter(pk=source.pk).exists() and source.file.storage.exists(source.file.name)
    assert not source.file.storage.exists(working)


# Undo -----------------------------------------------------------------------------------------------


def test_undo_reverses_add_change_remove_and_a_whole_search(application, clerk):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)
    box = redaction.add_box(job, by=clerk, page=1, x0=50, y0=50, x1=200, y1=80, reason=THIRD_PARTY)
    changed = redaction.change_box(job, box.pk, by=clerk, page=1, x0=60, y0=50, x1=220, y1=90, reason=INTERNAL)
    redaction.mark_text(job, by=clerk, text=pdfs.NAME, reason=THIRD_PARTY)
    redaction.remove_box(job, changed.pk, by=clerk)

    def active():
        return sorted((b.page, b.x0, b.reason) for b in redaction.active_boxes(job))

    assert [(page, reason) for page, _, reason in active()] == [(1, THIRD_PARTY), (2, THIRD_PARTY)]
    assert redaction.undo(job, by=clerk) == "已恢复删除的 1 个删除框。"
    assert (1, 60.0, INTERNAL) in active() and len(active()) == 3
    assert redaction.undo(job, by=clerk) == "已撤销添加的 2 个删除框。"
    assert active() == [(1, 60.0, INTERNAL)]
    assert redaction.undo(job, by=clerk) == "已撤销对删除框的修改。"
    assert active() == [(1, 50.0, THIRD_PARTY)]
    redaction.undo(job, by=clerk)
    assert active() == []
    with pytest.raises(DomainError, match="没有可以撤销的操作"):
        redaction.undo(job, by=clerk)


def test_searching_twice_marks_each_place_once(application, clerk):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)

    first = redaction.mark_text(job, by=clerk, text=pdfs.NAME, reason=THIRD_PARTY)
    second = redaction.mark_text(job, by=clerk, text=pdfs.NAME, reason=THIRD_PARTY)

    assert first.boxes == 2 and second.boxes == 0
    assert redaction.active_boxes(job).count() == 2


# Bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (pdfs.damaged_pdf(), "损坏.pdf", "PDF 文件已损坏或格式不正确"),
        (b"PK\x03\x04" + b"\x00" * 100, "材料.zip", "损坏的压缩文件"),
        (b"MZ\x90\x00" + b"\x00" * 200, "程序.pdf", "文件扩展名与实际内容不符"),
        ("这是一段纯文本".encode(), "说明.txt", "不支持的文件类型"),
    ],
    ids=["damaged-pdf", "broken-zip", "program-named-pdf", "plain-text"],
)
def test_a_file_that_cannot_be_redacted_is_refused_with_a_message_and_nothing_is_stored(
    application, clerk, media, content, name, message
):
    before = RequestDocument.objects.count()

    with pytest.raises(DomainError, match=message):
        redaction.start(application, by=clerk, uploaded=upload(content, name))

    assert RequestDocument.objects.count() == before
    assert not RedactionJob.objects.exists()
    assert stored_files(media) == []


def test_a_zip_archive_is_not_a_document(application, clerk):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "内容")

    with pytest.raises(DomainError, match="压缩包不是可以删除处理的文档"):
        redaction.start(application, by=clerk, uploaded=upload(buffer.getvalue(), "材料.zip"))


def test_an_encrypted_pdf_is_refused_and_the_stored_original_is_unchanged(application, clerk, media):
    locked = pdfs.encrypted(pdfs.text_pdf(*TWO_PAGES), user_password="open-sesame")
    source = source_document(application, clerk, locked, name="加密.pdf")
    files = stored_files(media)

    with pytest.raises(DomainError, match="设有打开密码（已加密）"):
        redaction.start(application, by=clerk, document=source)

    assert read(source.file) == locked
    assert stored_files(media) == files
    assert not RedactionJob.objects.exists()


def test_a_pdf_with_only_an_owner_password_is_redacted_without_its_encryption(application, clerk, reviewer):
    restricted = pdfs.encrypted(pdfs.text_pdf(*TWO_PAGES), user_password="")
    source = source_document(application, clerk, restricted)
    job = redaction.start(application, by=clerk, document=source)
    redaction.mark_text(job, by=clerk, text=pdfs.ID_NUMBER, reason=THIRD_PARTY)

    output = approved_copy(job, clerk=clerk, reviewer=reviewer)

    reader = PdfReader(io.BytesIO(output))
    assert not reader.is_encrypted
    assert pdfs.ID_NUMBER not in pdfs.pdftotext(output)
    assert "经费决算总额" in pdfs.pdftotext(output)


def test_a_pdf_of_more_than_500_pages_is_refused(application, clerk, media):
    with pytest.raises(DomainError, match="文件共 501 页，超过删除处理单个文件 500 页的上限"):
        redaction.start(application, by=clerk, uploaded=upload(pdfs.blank_pdf(501), "汇编.pdf"))

    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ({"page": 1, "x0": 500, "y0": 100, "x1": 700, "y1": 120}, "超出了页面范围"),
        ({"page": 1, "x0": -5, "y0": 100, "x1": 50, "y1": 120}, "超出了页面范围"),
        ({"page": 1, "x0": 10, "y0": 800, "x1": 50, "y1": 900}, "超出了页面范围"),
        ({"page": 3, "x0": 10, "y0": 10, "x1": 50, "y1": 50}, "页码应在 1 到 2 之间"),
        ({"page": 1, "x0": 10, "y0": 10, "x1": 10.5, "y1": 50}, "删除框太小"),
        ({"page": 1, "x0": "nan", "y0": 10, "x1": 50, "y1": 50}, "必须是数字"),
        ({"page": 1, "x0": 10, "y0": 10, "x1": 50, "y1": 50, "reason": "4.1"}, "不予公开的理由"),
    ],
    ids=["right-edge", "left-edge", "bottom-edge", "no-such-page", "too-small", "not-a-number", "not-a-reason"],
)
def test_a_bad_box_is_refused_with_a_message_and_not_stored(application, clerk, box, message):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)

    with pytest.raises(DomainError, match=message):
        redaction.add_box(job, by=clerk, **{"reason": THIRD_PARTY, **box})

    assert not RedactionBox.objects.exists()
    job.refresh_from_db()
    assert job.last_action == 0


def test_a_box_given_by_any_two_corners_is_stored_top_left_first(application, clerk):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)

    box = redaction.add_box(job, by=clerk, page=1, x0=200, y0=80, x1=50, y1=50, reason=THIRD_PARTY)

    box.refresh_from_db()
    assert (box.x0, box.y0, box.x1, box.y1) == (50, 50, 200, 80)


def test_a_too_short_search_is_refused(application, clerk):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)

    with pytest.raises(DomainError, match="至少 2 个字符"):
        redaction.mark_text(job, by=clerk, text=" 张 ", reason=THIRD_PARTY)


# The back office --------------------------------------------------------------------------------------


def _screen(job):
    return reverse("admin:requests_app_redactionjob_screen", args=[job.pk])


def _act(job, action):
    return reverse("admin:requests_app_redactionjob_act", args=[job.pk, action])


def test_the_application_page_links_to_redaction_and_a_clerk_starts_one_by_upload(client, application, clerk):
    client.force_login(clerk)
    page = client.get(reverse("admin:requests_app_inforequest_change", args=[application.pk])).content.decode()
    start = reverse("admin:requests_app_redactionjob_request", args=[application.pk])
    assert start in page

    response = client.post(start, {"file": upload(pdfs.text_pdf(*TWO_PAGES), "决算.pdf")})

    job = RedactionJob.objects.get()
    assert response.status_code == 302 and response.url == _screen(job)
    screen = client.get(_screen(job)).content.decode()
    assert "决算.pdf" in screen and 'id="page-2"' in screen
    image = client.get(reverse("admin:requests_app_redactionjob_page", args=[job.pk, 1]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg" and image.content[:3] == b"\xff\xd8\xff"


def test_an_upload_that_cannot_be_redacted_is_explained_on_the_page(client, application, clerk):
    client.force_login(clerk)
    start = reverse("admin:requests_app_redactionjob_request", args=[application.pk])

    response = client.post(start, {"file": upload(pdfs.blank_pdf(501), "汇编.pdf")})

    assert response.status_code == 200
    assert "超过删除处理单个文件 500 页的上限" in response.content.decode()
    assert not RedactionJob.objects.exists()


def test_clerk_adds_boxes_with_the_numeric_form_and_a_box_outside_the_page_is_explained(client, application, clerk):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)
    client.force_login(clerk)
    box = {"add-page": 2, "add-x0": 50, "add-y0": 60, "add-x1": 250, "add-y1": 90, "add-reason": THIRD_PARTY}

    response = client.post(_act(job, "add"), box)
    outside = client.post(_act(job, "add"), {**box, "add-x1": 900}, follow=True)

    assert response.status_code == 302 and response.url.endswith("#page-2")
    assert redaction.active_boxes(job).count() == 1
    assert "超出了页面范围" in outside.content.decode()
    painted = client.get(reverse("admin:requests_app_redactionjob_page", args=[job.pk, 2]) + "?painted=1")
    assert painted.status_code == 200


def test_clerk_searches_undoes_and_submits_then_reviewer_approves_over_http(client, application, clerk, reviewer):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)
    client.force_login(clerk)

    searched = client.post(_act(job, "search"), {"text": pdfs.NAME, "reason": THIRD_PARTY}, follow=True)
    assert f"已标注“{pdfs.NAME}”2 处" in searched.content.decode()
    client.post(_act(job, "undo"))
    assert redaction.active_boxes(job).count() == 0
    client.post(_act(job, "search"), {"text": pdfs.ID_NUMBER, "reason": THIRD_PARTY})
    preview = client.get(reverse("admin:requests_app_redactionjob_preview", args=[job.pk]))
    assert preview["Content-Type"] == "application/pdf" and pdfs.ID_NUMBER not in pdfs.pdftotext(preview.content)
    client.post(_act(job, "submit"))
    own = client.post(_act(job, "approve"), follow=True)
    assert "只有测试县财政局的审核人可以审核删除处理" in own.content.decode()

    client.force_login(reviewer)
    screen = client.get(_screen(job)).content.decode()
    assert "审核通过，提供给申请人" in screen
    response = client.post(_act(job, "approve"))

    job.refresh_from_db()
    assert response.status_code == 302
    assert job.status == RedactionStatus.APPROVED
    assert job.result.for_applicant


def test_outsider_cannot_see_or_act_on_a_redaction(client, application, clerk, outsider):
    source = source_document(application, clerk, pdfs.text_pdf(*TWO_PAGES))
    job = redaction.start(application, by=clerk, document=source)
    client.force_login(outsider)
    box = {"add-page": 1, "add-x0": 50, "add-y0": 60, "add-x1": 250, "add-y1": 90, "add-reason": THIRD_PARTY}

    assert client.get(_screen(job)).status_code == 404
    assert client.get(reverse("admin:requests_app_redactionjob_page", args=[job.pk, 1])).status_code == 404
    assert client.get(reverse("admin:requests_app_redactionjob_preview", args=[job.pk])).status_code == 404
    assert client.post(_act(job, "add"), box).status_code == 404
    assert client.get(reverse("admin:requests_app_redactionjob_request", args=[application.pk])).status_code == 404
    assert (
        client.post(
            reverse("admin:requests_app_redactionjob_request", args=[application.pk]),
            {"document": source.pk},
        ).status_code
        == 404
    )
    assert not RedactionBox.objects.exists()
    assert RedactionJob.objects.count() == 1


def test_the_list_of_redactions_waiting_for_review_has_a_constant_number_of_queries(
    client, application, clerk, reviewer, django_assert_max_num_queries
):
    pdf = pdfs.text_pdf(*TWO_PAGES)
    for number in range(3):
        job = redaction.start(
            application, by=clerk, document=source_document(application, clerk, pdf, name=f"{number}.pdf")
        )
        redaction.add_box(job, by=clerk, page=1, x0=50, y0=50, x1=200, y1=80, reason=THIRD_PARTY)
    client.force_login(reviewer)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:requests_app_redactionjob_changelist"))

    assert response.status_code == 200
    assert response.content.decode().count("/admin/requests_app/redactionjob/") >= 3
