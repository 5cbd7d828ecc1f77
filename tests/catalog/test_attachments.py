"""Attachments: the type comes from the content, the size is bounded, the download never renders."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.http import Http404
from django.test import RequestFactory

from catalog import attachments, publishing
from catalog.attachments import (
    KINDS,
    add_attachment,
    clean_file_name,
    download_response,
    inspect_upload,
    serve_public_attachment,
    sniff_kind,
    validate_upload,
)
from catalog.models import Attachment, ItemStatus, RevisionStatus
from disclosure_site.errors import DomainError
from disclosure_site.models import AuditEvent
from tests.catalog.factories import AttachmentFactory, ItemFactory, ItemRevisionFactory

MB = 1024 * 1024
ACCEPTED = "只接受 PDF、OFD、Word、Excel、WPS、JPG、PNG、ZIP 格式的文件。"
BUDGET_NOTICE = "关于2026年预算公开的通知.pdf"

# Real files, built here --------------------------------------------------------------------------------


def pdf_bytes(padding: int = 0) -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    out += b"%" + b"0" * padding + b"\n" if padding else b""
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_of_size(size: int) -> bytes:
    """A valid PDF of exactly size bytes (a comment line pads it)."""
    padding = size - len(pdf_bytes()) - 2
    while len(data := pdf_bytes(padding=padding)) != size:  # the startxref offset may gain a digit
        padding += size - len(data)
    return data


def png_bytes() -> bytes:
    """A 1×1 white RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# The start of a JFIF file (SOI, APP0) and its end marker: what the signature check looks at.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def content_types(main_part: str, main_type: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="{main_part}" ContentType="{main_type}"/>'
        "</Types>"
    ).encode()


def docx_bytes(
    main_type: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
) -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": content_types("/word/document.xml", main_type),
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            "word/document.xml": "<w:document><w:body><w:p><w:r><w:t>预算</w:t></w:r></w:p></w:body></w:document>".encode(),
        }
    )


def xlsx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": content_types(
                "/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
            ),
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            "xl/workbook.xml": b"<workbook><sheets/></workbook>",
        }
    )


def ofd_bytes() -> bytes:
    return zip_bytes(
        {
            "OFD.xml": b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"><ofd:DocBody/></ofd:OFD>',
            "Doc_0/Document.xml": b"<ofd:Document/>",
        }
    )


FREESECT, ENDOFCHAIN, FATSECT, DIFSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC, 0xFFFFFFFF


def ole_bytes(
    streams: list[str],
    *,
    storages: dict[str, list[str]] | None = None,
    sector_shift: int = 9,
    padding_sectors: int = 0,
) -> bytes:
    """An OLE compound file ([MS-CFB]) with the given empty streams at its root.

    storages adds sub-storages holding their own streams (an embedded object). padding_sectors puts
    unused sectors before the directory, so that it can be placed beyond what the header's 109 FAT
    entries cover and must be found through the DIFAT chain.
    """
    size = 1 << sector_shift
    per_sector = size // 4

    def entry(name: str, kind: int, right: int = NOSTREAM, child: int = NOSTREAM) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00" if name else b""
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", NOSTREAM, right, child)
            + b"\x00" * 36
            + struct.pack("<IQ", ENDOFCHAIN if kind == 2 else 0, 0)
        )

    # [name, type, right sibling, child]; siblings of one level are chained through "right".
    records: list[list] = [["Root Entry", 5, NOSTREAM, NOSTREAM]]

    def add_level(members: list[tuple[str, int, list[str]]]) -> int:
        first, previous = NOSTREAM, None
        for name, kind, children in members:
            index = len(records)
            records.append([name, kind, NOSTREAM, NOSTREAM])
            if previous is None:
                first = index
            else:
                records[previous][2] = index
            previous = index
            if children:
                records[index][3] = add_level([(child, 2, []) for child in children])
        return first

    records[0][3] = add_level(
        [(name, 2, []) for name in streams] + [(name, 1, kids) for name, kids in (storages or {}).items()]
    )
    directory = b"".join(entry(*record) for record in records)
    directory += entry("", 0) * (-len(records) % (size // 128))
    directory_sectors = len(directory) // size

    fat_sectors = difat_sectors = 1
    while True:
        total = padding_sectors + directory_sectors + fat_sectors + difat_sectors
        needed_fat = -(-total // per_sector)
        needed_difat = max(0, -(-(needed_fat - 109) // (per_sector - 1)))
        if (needed_fat, needed_difat) == (fat_sectors, difat_sectors):
            break
        fat_sectors, difat_sectors = needed_fat, needed_difat

    first_directory = padding_sectors
    first_fat = first_directory + directory_sectors
    first_difat = first_fat + fat_sectors
    fat = [FREESECT] * (fat_sectors * per_sector)
    for offset in range(directory_sectors):
        sector = first_directory + offset
        fat[sector] = sector + 1 if offset + 1 < directory_sectors else ENDOFCHAIN
    for offset in range(fat_sectors):
        fat[first_fat + offset] = FATSECT
    for offset in range(difat_sectors):
        fat[first_difat + offset] = DIFSECT
    fat_locations = [first_fat + offset for offset in range(fat_sectors)]

    difat = bytearray()
    rest = fat_locations[109:]
    for offset in range(difat_sectors):
        chunk = rest[offset * (per_sector - 1) : (offset + 1) * (per_sector - 1)]
        chunk += [FREESECT] * (per_sector - 1 - len(chunk))
        following = first_difat + offset + 1 if offset + 1 < difat_sectors else ENDOFCHAIN
        difat += struct.pack(f"<{per_sector}I", *chunk, following)

    header_difat = (fat_locations[:109] + [FREESECT] * 109)[:109]
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3 if sector_shift == 9 else 4, 0xFFFE, sector_shift, 6)
        + b"\x00" * 6
        + struct.pack("<II", 0 if sector_shift == 9 else directory_sectors, fat_sectors)
        + struct.pack(
            "<IIIIIII",
            first_directory,
            0,
            4096,
            ENDOFCHAIN,
            0,
            first_difat if difat_sectors else ENDOFCHAIN,
            difat_sectors,
        )
        + struct.pack("<109I", *header_difat)
    ).ljust(size, b"\x00")
    body = b"\x00" * (padding_sectors * size) + directory + struct.pack(f"<{len(fat)}I", *fat) + bytes(difat)
    return header + body


DOC = ole_bytes(["\x01CompObj", "1Table", "WordDocument", "\x05SummaryInformation"])
XLS = ole_bytes(["\x01CompObj", "Workbook", "\x05SummaryInformation"])
HTML = "<!DOCTYPE html>\n<html><head><script>alert(document.cookie)</script></head><body>通知</body></html>".encode()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def message(error: ValidationError) -> str:
    return " ".join(error.messages)


@pytest.fixture
def media(db, settings, tmp_path):
    """An empty MEDIA_ROOT of this test's own (every test that stores files also uses the database)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def draft(county, clerk):
    return ItemFactory(organization=county.finance, author=clerk)


# Sniffing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        pytest.param(pdf_bytes(), "pdf", id="pdf"),
        pytest.param(png_bytes(), "png", id="png"),
        pytest.param(JPEG, "jpg", id="jpg"),
        pytest.param(docx_bytes(), "docx", id="docx"),
        pytest.param(xlsx_bytes(), "xlsx", id="xlsx"),
        pytest.param(ofd_bytes(), "ofd", id="ofd"),
        pytest.param(zip_bytes({"材料/说明.txt": "说明".encode()}), "zip", id="zip"),
        pytest.param(DOC, "doc", id="doc"),
        pytest.param(XLS, "xls", id="xls"),
        pytest.param(ole_bytes(["Book"]), "xls", id="xls-biff5"),
        pytest.param(ole_bytes(["WordDocument", "1Table"], sector_shift=12), "doc", id="doc-4096-byte-sectors"),
        pytest.param(ole_bytes([f"Stream{n}" for n in range(20)] + ["WordDocument"]), "doc", id="doc-long-directory"),
        pytest.param(ole_bytes(["Workbook"], padding_sectors=110 * 128), "xls", id="xls-directory-via-difat"),
    ],
)
def test_content_decides_the_kind(data, kind):
    assert sniff_kind(io.BytesIO(data)) == kind


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(HTML, id="html"),
        pytest.param(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', id="svg"),
        pytest.param(b"#!/bin/sh\nrm -rf /\n", id="script"),
        pytest.param(EXE, id="exe"),
        pytest.param(b"\x7fELF\x02\x01\x01" + b"\x00" * 9, id="elf"),
        pytest.param("关于2026年预算公开的通知".encode(), id="text"),
        pytest.param(b"GIF89a\x01\x00\x01\x00", id="gif"),
        pytest.param(b"", id="empty"),
        pytest.param(ole_bytes(["\x05SummaryInformation", "PowerPoint Document"]), id="ole-powerpoint"),
        pytest.param(ole_bytes(["EncryptedPackage", "EncryptionInfo"]), id="ole-encrypted-ooxml"),
        pytest.param(DOC[:600], id="ole-truncated"),
        pytest.param(docx_bytes()[:40], id="zip-truncated"),
    ],
)
def test_content_we_do_not_publish_has_no_kind(data):
    assert sniff_kind(io.BytesIO(data)) is None


def test_a_macro_enabled_word_file_is_not_taken_for_docx():
    docm = docx_bytes(main_type="application/vnd.ms-word.document.macroEnabled.main+xml")
    assert sniff_kind(io.BytesIO(docm)) == "zip"


def test_a_word_document_embedded_in_a_workbook_does_not_make_it_a_word_file():
    workbook = ole_bytes(["Workbook"], storages={"MBD00000001": ["WordDocument", "1Table"]})
    assert sniff_kind(io.BytesIO(workbook)) == "xls"


def test_a_directory_chain_that_loops_is_refused():
    data = bytearray(DOC)
    first_directory, first_fat = struct.unpack_from("<I", data, 0x30)[0], struct.unpack_from("<I", data, 0x4C)[0]
    # The FAT entry of the first directory sector points back at that sector.
    struct.pack_into("<I", data, (first_fat + 1) * 512 + first_directory * 4, first_directory)
    assert sniff_kind(io.BytesIO(bytes(data))) is None


def test_sniffing_restores_the_file_position():
    fileobj = io.BytesIO(docx_bytes())
    fileobj.seek(17)
    sniff_kind(fileobj)
    assert fileobj.tell() == 17


# Validation: names, types and sizes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        (BUDGET_NOTICE, pdf_bytes(), "pdf"),
        ("现场照片.PNG", png_bytes(), "png"),
        ("现场照片.jpeg", JPEG, "jpg"),
        ("实施方案.docx", docx_bytes(), "docx"),
        ("收费目录.xlsx", xlsx_bytes(), "xlsx"),
        ("批复.ofd", ofd_bytes(), "ofd"),
        ("附件材料.zip", zip_bytes({"a.pdf": pdf_bytes()}), "zip"),
        ("旧文件.doc", DOC, "doc"),
        ("旧报表.xls", XLS, "xls"),
        ("文字稿.wps", DOC, "wps"),
        ("统计表.et", XLS, "et"),
    ],
)
def test_a_file_whose_extension_matches_its_content_is_accepted(settings, name, data, kind):
    assert validate_upload(upload(name, data)) == kind


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("关于2026年预算公开的通知", "关于2026年预算公开的通知.pdf"),
        ("通知2026.1", "通知2026.1.pdf"),
        ("实施方案（2026.3版）", "实施方案（2026.3版）.pdf"),
    ],
)
def test_a_file_without_extension_is_accepted_and_named_after_its_content(name, expected):
    assert inspect_upload(upload(name, pdf_bytes())) == ("pdf", expected)


def test_a_png_renamed_pdf_is_refused():
    with pytest.raises(ValidationError) as raised:
        validate_upload(upload("预算表.pdf", png_bytes()))
    assert message(raised.value) == (
        "文件扩展名与实际内容不符：扩展名为 .pdf，内容为 PNG 图片。请核对是否选错了文件；如内容无误，请将扩展名改为 .png 后再上传。"
    )


def test_an_html_page_renamed_pdf_is_refused():
    with pytest.raises(ValidationError) as raised:
        validate_upload(upload("通知.pdf", HTML))
    assert message(raised.value) == f"文件扩展名与实际内容不符：扩展名为 .pdf，内容为 HTML 网页。{ACCEPTED}"


def test_an_executable_renamed_docx_is_refused():
    with pytest.raises(ValidationError) as raised:
        validate_upload(upload("实施方案.docx", EXE))
    assert message(raised.value) == f"文件扩展名与实际内容不符：扩展名为 .docx，内容为 Windows 可执行程序。{ACCEPTED}"


def test_a_word_file_renamed_xls_is_refused():
    with pytest.raises(ValidationError) as raised:
        validate_upload(upload("报表.xls", DOC))
    assert message(raised.value).startswith("文件扩展名与实际内容不符：扩展名为 .xls，内容为 Word 文档（.doc）。")


def test_a_pdf_named_exe_is_refused():
    with pytest.raises(ValidationError) as raised:
        validate_upload(upload("通知.pdf.exe", pdf_bytes()))
    assert message(raised.value).startswith("文件扩展名与实际内容不符：扩展名为 .exe，内容为 PDF 文档。")


def test_a_text_file_is_refused_as_unsupported():
    with pytest.raises(ValidationError) as raised:
        validate_upload(upload("说明.txt", "请于3月31日前报送。".encode()))
    assert message(raised.value) == f"不支持的文件类型（内容为纯文本文件）：{ACCEPTED}"


def test_unrecognizable_content_is_refused():
    with pytest.raises(ValidationError) as raised:
        validate_upload(upload("数据", b"\x00\x01\x02\x03\xfe\xfd" * 10))
    assert message(raised.value) == f"无法识别的文件类型：{ACCEPTED}"


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as raised:
        validate_upload(upload("通知.pdf", b""))
    assert message(raised.value) == "文件“通知.pdf”是空文件（0 字节），请检查后重新上传。"


def test_a_file_over_the_limit_is_refused_naming_the_limit_and_its_size(settings):
    settings.ATTACHMENT_MAX_BYTES = 50 * MB
    big = upload("年度决算.pdf", pdf_bytes())
    big.size = 63 * MB + MB // 5
    with pytest.raises(ValidationError) as raised:
        validate_upload(big)
    assert message(raised.value) == "附件大小超过上限 50 MB：“年度决算.pdf”为 63.2 MB，请压缩或拆分后再上传。"


def test_a_real_file_one_byte_over_a_lowered_limit_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 1 * MB
    with pytest.raises(ValidationError) as raised:
        validate_upload(upload("决算.pdf", pdf_of_size(MB + 1)))
    assert message(raised.value) == "附件大小超过上限 1 MB：“决算.pdf”为 1.1 MB，请压缩或拆分后再上传。"


def test_a_file_exactly_at_the_limit_is_accepted(settings):
    settings.ATTACHMENT_MAX_BYTES = 1 * MB
    assert validate_upload(upload("决算.pdf", pdf_of_size(MB))) == "pdf"


@pytest.mark.parametrize(
    ("sent", "clean"),
    [
        ("C:\\Users\\张三\\Desktop\\通知.pdf", "通知.pdf"),
        ("../../etc/passwd", "passwd"),
        ("通知\r\nSet-Cookie: a=b.pdf", "通知Set-Cookie_ a=b.pdf"),
        ("通知\x00.pdf", "通知.pdf"),
        ("照片\u202egpj.exe", "照片gpj.exe"),
        ('预算"表"<1>.xlsx', "预算_表__1_.xlsx"),
        ("  ..隐藏文件.pdf.  ", "隐藏文件.pdf"),
        ("关于\u3000印发   方案.docx", "关于 印发 方案.docx"),
        ("长" * 300 + ".pdf", "长" * 251 + ".pdf"),
    ],
)
def test_file_names_are_cleaned_for_display(sent, clean):
    assert clean_file_name(sent) == clean


def test_a_name_with_nothing_usable_is_refused():
    with pytest.raises(ValidationError) as raised:
        validate_upload(upload("\x01\x02", pdf_bytes()))
    assert message(raised.value) == "文件名无效：去掉路径和控制字符后没有剩下可用的文件名，请重命名文件后再上传。"


# Storing ------------------------------------------------------------------------------------------------------


def test_a_clerk_attaches_a_file_to_a_draft(media, county, clerk, draft):
    attachment = add_attachment(draft, upload(BUDGET_NOTICE, pdf_bytes()), by=clerk)

    attachment.refresh_from_db()
    assert (attachment.original_name, attachment.kind, attachment.size) == (BUDGET_NOTICE, "pdf", len(pdf_bytes()))
    assert attachment.revision is None
    [stored] = stored_files(media)
    assert stored.parent == media / "catalog" / str(county.finance.pk)
    assert stored.suffix == ""  # a random name: nothing a web server could execute or render
    assert stored.read_bytes() == pdf_bytes()
    event = AuditEvent.objects.get(object_id=str(draft.pk), comment__startswith="上传附件")
    assert (event.actor, event.action, event.comment) == (clerk, "change", f"上传附件：{BUDGET_NOTICE}")


def test_each_new_attachment_goes_after_the_last(media, clerk, draft):
    first = add_attachment(draft, upload("正文.pdf", pdf_bytes()), by=clerk)
    second = add_attachment(draft, upload("附表.xlsx", xlsx_bytes()), by=clerk)
    assert (first.sort_order, second.sort_order) == (0, 1)


def test_a_clerk_of_the_parent_organization_attaches_to_its_subtree(media, county, clerk):
    item = ItemFactory(organization=county.treasury, author=clerk)
    assert add_attachment(item, upload("通知.pdf", pdf_bytes()), by=clerk).item == item


@pytest.mark.parametrize(
    ("name", "data"),
    [
        pytest.param("预算表.pdf", png_bytes(), id="png-renamed-pdf"),
        pytest.param("通知.pdf", HTML, id="html-renamed-pdf"),
        pytest.param("实施方案.docx", EXE, id="exe-renamed-docx"),
        pytest.param("通知.pdf", b"", id="empty"),
        pytest.param("决算.pdf", pdf_of_size(2049), id="oversized"),
    ],
)
def test_a_refused_file_writes_nothing(settings, media, clerk, draft, name, data):
    settings.ATTACHMENT_MAX_BYTES = 2048
    with pytest.raises(ValidationError):
        add_attachment(draft, upload(name, data), by=clerk)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    assert not AuditEvent.objects.filter(comment__startswith="上传附件").exists()


def test_staff_of_another_organization_cannot_attach(media, outsider, draft):
    with pytest.raises(DomainError) as raised:
        add_attachment(draft, upload("通知.pdf", pdf_bytes()), by=outsider)
    assert str(raised.value) == "只有本机构的经办人、审核人或机关负责人可以上传附件。"
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_the_public_cannot_attach(media, draft):
    with pytest.raises(DomainError):
        add_attachment(draft, upload("通知.pdf", pdf_bytes()), by=AnonymousUser())
    assert stored_files(media) == []


def test_a_failed_database_write_removes_the_stored_file(media, monkeypatch, clerk, draft):
    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(attachments.audit, "record", fail)
    with pytest.raises(DatabaseError):
        add_attachment(draft, upload("通知.pdf", pdf_bytes()), by=clerk)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_published_item_takes_new_attachments_only_through_a_revision(media, county, clerk):
    item = ItemFactory(organization=county.finance, author=clerk, published=True)
    with pytest.raises(DomainError) as raised:
        add_attachment(item, upload("补充材料.pdf", pdf_bytes()), by=clerk)
    assert str(raised.value) == "该信息已发布，新增附件须随修改稿提交审核，审核通过后才会公开。"
    assert stored_files(media) == []


def test_an_attachment_of_a_revision_belongs_to_it(media, county, clerk):
    revision = ItemRevisionFactory(item__organization=county.finance, author=clerk)
    attachment = add_attachment(revision.item, upload("补充材料.pdf", pdf_bytes()), by=clerk, revision=revision)
    attachment.refresh_from_db()
    assert attachment.revision == revision


@pytest.mark.parametrize("status", [RevisionStatus.APPROVED, RevisionStatus.RETURNED])
def test_a_decided_revision_takes_no_attachments(media, county, clerk, status):
    revision = ItemRevisionFactory(item__organization=county.finance, author=clerk, status=status)
    with pytest.raises(DomainError) as raised:
        add_attachment(revision.item, upload("补充材料.pdf", pdf_bytes()), by=clerk, revision=revision)
    assert str(raised.value) == "该修改稿已审核完毕，不能再添加附件。"
    assert stored_files(media) == []


def test_a_revision_of_another_item_is_refused(media, county, clerk):
    revision = ItemRevisionFactory(item__organization=county.finance, author=clerk)
    other = ItemFactory(organization=county.finance, author=clerk, published=True)
    with pytest.raises(DomainError) as raised:
        add_attachment(other, upload("补充材料.pdf", pdf_bytes()), by=clerk, revision=revision)
    assert str(raised.value) == "该修改稿不属于这条信息。"


def test_a_withdrawn_item_takes_no_attachments(media, county, clerk):
    item = ItemFactory(organization=county.finance, author=clerk, withdrawn=True, title="旧通知")
    with pytest.raises(DomainError) as raised:
        add_attachment(item, upload("补充材料.pdf", pdf_bytes()), by=clerk)
    assert str(raised.value) == "“旧通知”已撤回，不能再添加附件。"
    assert stored_files(media) == []


def test_a_scheduled_item_takes_no_attachments(media, county, clerk):
    item = ItemFactory(organization=county.finance, author=clerk, status=ItemStatus.SCHEDULED, title="定时通知")
    with pytest.raises(DomainError) as raised:
        add_attachment(item, upload("补充材料.pdf", pdf_bytes()), by=clerk)
    assert str(raised.value).startswith("“定时通知”已审核通过、等待定时发布，不能再添加附件")


# Downloading --------------------------------------------------------------------------------------------------


def test_the_download_carries_the_chinese_name_rfc_5987_encoded(media):
    attachment = AttachmentFactory(original_name=BUDGET_NOTICE)
    response = download_response(attachment)
    assert response["Content-Disposition"] == (
        f'attachment; filename="attachment-{attachment.pk}.pdf"; '
        "filename*=UTF-8''%E5%85%B3%E4%BA%8E2026%E5%B9%B4%E9%A2%84%E7%AE%97%E5%85%AC%E5%BC%80%E7%9A%84%E9%80%9A%E7%9F%A5.pdf"
    )


def test_an_ascii_name_is_its_own_fallback(media):
    attachment = AttachmentFactory(original_name="budget 2026 (final).pdf")
    response = download_response(attachment)
    assert response["Content-Disposition"] == (
        "attachment; filename=\"budget 2026 (final).pdf\"; filename*=UTF-8''budget%202026%20%28final%29.pdf"
    )


def test_a_stored_name_without_the_right_extension_gets_it_on_download(media):
    attachment = AttachmentFactory(original_name="通知.html", kind="pdf")
    assert download_response(attachment)["Content-Disposition"].endswith("filename*=UTF-8''%E9%80%9A%E7%9F%A5.html.pdf")


def test_the_download_can_be_neither_sniffed_nor_rendered(media):
    attachment = AttachmentFactory()
    response = download_response(attachment)
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"


@pytest.mark.parametrize("kind", [*KINDS, "html", ""])
def test_the_content_type_is_never_html(media, kind):
    response = download_response(AttachmentFactory(kind=kind))
    content_type = response["Content-Type"]
    assert "html" not in content_type
    assert not content_type.startswith(("text/", "image/svg"))


def get(pk):
    return serve_public_attachment(RequestFactory().get(f"/attachments/{pk}/"), pk)


def test_an_attachment_of_a_published_item_is_downloadable(media):
    attachment = AttachmentFactory()
    response = get(attachment.pk)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"


@pytest.mark.parametrize(
    "item",
    [
        pytest.param({"withdrawn": True}, id="withdrawn"),
        pytest.param({"published": False}, id="draft"),
        pytest.param({"published": False, "status": ItemStatus.PENDING}, id="pending"),
        pytest.param({"published": False, "status": ItemStatus.SCHEDULED}, id="scheduled"),
    ],
)
def test_an_attachment_of_an_unpublished_item_is_not_found(media, item):
    attachment = AttachmentFactory(**{f"item__{key}": value for key, value in item.items()})
    with pytest.raises(Http404):
        get(attachment.pk)


@pytest.mark.parametrize("status", [RevisionStatus.PENDING, RevisionStatus.RETURNED])
def test_an_attachment_waiting_in_a_revision_is_not_found(media, status):
    revision = ItemRevisionFactory(status=status)
    attachment = AttachmentFactory(item=revision.item, revision=revision)
    with pytest.raises(Http404):
        get(attachment.pk)


def test_an_attachment_of_an_approved_revision_becomes_downloadable(media, county, clerk, reviewer):
    revision = ItemRevisionFactory(item__organization=county.finance, author=clerk)
    attachment = add_attachment(revision.item, upload("补充材料.pdf", pdf_bytes()), by=clerk, revision=revision)
    publishing.approve_revision(revision, by=reviewer)
    assert get(attachment.pk).status_code == 200


def test_an_unknown_attachment_is_not_found(media):
    with pytest.raises(Http404):
        get(999999)


def test_a_file_missing_from_storage_is_not_found(media):
    attachment = AttachmentFactory()
    attachment.file.storage.delete(attachment.file.name)
    with pytest.raises(Http404):
        get(attachment.pk)


def test_the_public_download_answers_only_get_and_head(media):
    attachment = AttachmentFactory()
    response = serve_public_attachment(RequestFactory().post(f"/attachments/{attachment.pk}/"), attachment.pk)
    assert response.status_code == 405
