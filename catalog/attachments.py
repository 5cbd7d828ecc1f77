"""Attachments of catalog items: what we accept, how it is stored, and how the public downloads it.

The type is decided by the file's content, never by its name: a name is whatever the uploader typed.
Only formats a government office publishes are accepted (PDF, OFD, Word, Excel, WPS, JPG, PNG, ZIP);
HTML, SVG, scripts and executables are refused, so nothing we serve can run in a visitor's browser.
Files live under MEDIA_ROOT with a random name (Attachment.file's upload_to) and are only ever sent
as downloads with the original, usually Chinese, name (RFC 6266 / RFC 5987).

An attachment is public while its item is published and it does not wait in a revision under review
("先审查后公开"); a withdrawn item's attachments leave the public site with it.
"""

from __future__ import annotations

import codecs
import logging
import math
import re
import struct
import unicodedata
import zipfile
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from disclosure_site import audit, scoping
from disclosure_site.errors import DomainError
from disclosure_site.models import Role

from .models import Attachment, Item, ItemRevision, ItemStatus, RevisionStatus

logger = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_NAME_LENGTH = 255  # Attachment.original_name
STAFF_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
ACCEPTED_FORMATS = "只接受 PDF、OFD、Word、Excel、WPS、JPG、PNG、ZIP 格式的文件"

# kind -> (label for messages, extensions accepted for it (the first is the one we add), Content-Type)
KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "pdf": ("PDF 文档", ("pdf",), "application/pdf"),
    "ofd": ("OFD 版式文档", ("ofd",), "application/ofd"),
    "doc": ("Word 文档（.doc）", ("doc",), "application/msword"),
    "docx": (
        "Word 文档（.docx）",
        ("docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xls": ("Excel 表格（.xls）", ("xls",), "application/vnd.ms-excel"),
    "xlsx": ("Excel 表格（.xlsx）", ("xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    # Kingsoft's own formats have no registered media type; the browser only needs to save them.
    "wps": ("WPS 文字文档", ("wps",), "application/octet-stream"),
    "et": ("WPS 表格", ("et",), "application/octet-stream"),
    "jpg": ("JPG 图片", ("jpg", "jpeg"), "image/jpeg"),
    "png": ("PNG 图片", ("png",), "image/png"),
    "zip": ("ZIP 压缩包", ("zip",), "application/zip"),
}
ACCEPTED_EXTENSIONS = frozenset(extension for _, extensions, _ in KINDS.values() for extension in extensions)
# A Kingsoft WPS/ET file is an OLE compound file laid out like a Word/Excel 97 one: the content says
# "Word-like" or "Excel-like" and the extension says which program's file it is.
OLE_VARIANTS = {"doc": {"doc": "doc", "wps": "wps"}, "xls": {"xls": "xls", "et": "et"}}

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Parts of [Content_Types].xml that name the main part of a Word or Excel document. Macro-enabled
# (.docm, .xlsm) and template variants have other types and so are not taken for DOCX/XLSX.
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CONTENT_TYPES_READ_LIMIT = 256 * 1024

# What looks like an extension: a few ASCII letters and digits, at least one letter. "通知2026.1" and
# "方案（2026.3版）" have none, so the real one is added instead of the name being refused.
_EXTENSION = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}")
_UNSAFE_IN_NAME = re.compile(r'[<>:"|?*]')
_ASCII_SAFE_NAME = re.compile(r"[A-Za-z0-9 ._()\-]+")


# Content sniffing -----------------------------------------------------------------------------------


def sniff_kind(fileobj: IO[bytes] | File) -> str | None:
    """The accepted kind of the file's content, or None.

    Reads only the signature and, for containers, their directory (a ZIP's central directory and
    [Content_Types].xml, an OLE file's directory); the file position is restored. An OLE file with a
    Word stream is "doc" and one with an Excel stream "xls": Kingsoft WPS/ET files look the same
    inside, so validate_upload tells them apart by the extension.
    """
    position = fileobj.tell()
    try:
        fileobj.seek(0)
        head = fileobj.read(8)
        if head.startswith(PDF_MAGIC):
            return "pdf"
        if head.startswith(PNG_MAGIC):
            return "png"
        if head.startswith(JPEG_MAGIC):
            return "jpg"
        if head.startswith(ZIP_MAGIC):
            return _zip_kind(fileobj)
        if head == OLE_MAGIC:
            return _ole_kind(fileobj)
        return None
    finally:
        fileobj.seek(position)


def _zip_kind(fileobj) -> str | None:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = {name.lower(): name for name in archive.namelist()}
            if "ofd.xml" in names:  # GB/T 33190: the document's entry file sits at the root
                return "ofd"
            content_types = names.get("[content_types].xml")
            if content_types is not None:
                try:
                    with archive.open(content_types) as member:
                        declared = member.read(CONTENT_TYPES_READ_LIMIT)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
                    declared = b""  # encrypted or damaged member: still a ZIP, not a Word file
                if DOCX_MAIN in declared:
                    return "docx"
                if XLSX_MAIN in declared:
                    return "xlsx"
            return "zip"
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None


class _CorruptOle(Exception):
    pass


_MAX_REGULAR_SECTOR = 0xFFFFFFFA  # numbers above are markers: end of chain, free, FAT or DIFAT sector
_END_OF_CHAIN = 0xFFFFFFFE
_NOSTREAM = 0xFFFFFFFF
_MAX_DIRECTORY_SECTORS = 4096  # real documents have a handful; this bounds a hostile file
_MAX_DIFAT_SECTORS = 4096


def _ole_kind(fileobj) -> str | None:
    try:
        names = _ole_root_stream_names(fileobj)
    except (_CorruptOle, struct.error, UnicodeDecodeError):
        return None
    if "worddocument" in names:
        return "doc"
    if "workbook" in names or "book" in names:  # BIFF8 and the older BIFF5
        return "xls"
    return None  # PowerPoint, Outlook, installers (MSI), encrypted OOXML, …


def _ole_root_stream_names(fileobj) -> set[str]:
    """Lower-cased names of the streams at the root of an OLE compound file ([MS-CFB])."""
    fileobj.seek(0)
    header = fileobj.read(512)
    if len(header) < 512:
        raise _CorruptOle
    sector_shift = struct.unpack_from("<H", header, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise _CorruptOle
    sector_size = 1 << sector_shift
    (first_directory,) = struct.unpack_from("<I", header, 0x30)
    first_difat, difat_count = struct.unpack_from("<II", header, 0x44)
    fat_locations = list(struct.unpack_from("<109I", header, 0x4C))
    per_sector = sector_size // 4

    def read(sector: int, length: int = sector_size, offset: int = 0) -> bytes:
        if sector > _MAX_REGULAR_SECTOR:
            raise _CorruptOle
        fileobj.seek((sector + 1) * sector_size + offset)
        data = fileobj.read(length)
        if len(data) < length:
            raise _CorruptOle
        return data

    difat_next = first_difat
    difat_read = 0

    def fat_location(index: int) -> int:
        # The first 109 FAT sectors are listed in the header, the rest in a chain of DIFAT sectors.
        nonlocal difat_next, difat_read
        while index >= len(fat_locations):
            if difat_read >= min(difat_count, _MAX_DIFAT_SECTORS):
                raise _CorruptOle
            entries = struct.unpack(f"<{per_sector}I", read(difat_next))
            fat_locations.extend(entries[:-1])
            difat_next = entries[-1]
            difat_read += 1
        return fat_locations[index]

    directory = bytearray()
    sector, seen = first_directory, set()
    while sector != _END_OF_CHAIN:
        if sector in seen or len(seen) >= _MAX_DIRECTORY_SECTORS:
            raise _CorruptOle
        seen.add(sector)
        directory += read(sector)
        quotient, remainder = divmod(sector, per_sector)
        sector = struct.unpack("<I", read(fat_location(quotient), 4, remainder * 4))[0]

    def entry(number: int) -> bytes:
        if (number + 1) * 128 > len(directory):
            raise _CorruptOle
        return bytes(directory[number * 128 : (number + 1) * 128])

    root = entry(0)
    if root[66] != 5:  # the first entry must be the root storage
        raise _CorruptOle
    names: set[str] = set()
    # Root-level entries are a tree linked by left/right siblings under the root's child; streams of
    # embedded objects sit deeper and must not count (an Excel file may embed a Word document).
    pending, visited = [struct.unpack_from("<I", root, 76)[0]], set()
    while pending:
        number = pending.pop()
        if number == _NOSTREAM or number in visited:
            continue
        visited.add(number)
        data = entry(number)
        name_length = min(struct.unpack_from("<H", data, 64)[0], 64)
        if data[66] == 2:  # stream
            names.add(data[: max(name_length - 2, 0)].decode("utf-16-le").lower())
        pending.extend(struct.unpack_from("<II", data, 68))
    return names


def _describe_unaccepted(fileobj) -> str | None:
    """A name for content we refuse, to make the message concrete ("Windows 可执行程序")."""
    position = fileobj.tell()
    try:
        fileobj.seek(0)
        head = fileobj.read(1024)
    finally:
        fileobj.seek(position)
    signatures = [
        (b"MZ", "Windows 可执行程序"),
        (b"\x7fELF", "Linux 可执行程序"),
        (b"#!", "脚本文件"),
        (b"GIF8", "GIF 图片"),
        (b"Rar!", "RAR 压缩包"),
        (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
        (b"{\\rtf", "RTF 文档"),
        (OLE_MAGIC, "其他 Office 复合文档（如 PPT 演示文稿或加密文档）"),
        (ZIP_MAGIC, "损坏的压缩文件"),
    ]
    for magic, label in signatures:
        if head.startswith(magic):
            return label
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text:
        return "SVG 图像"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<meta")):
        return "HTML 网页"
    if text.startswith(b"<?xml"):
        return "XML 文件"
    if head and b"\x00" not in head:
        for encoding in ("utf-8", "gb18030"):
            try:
                # final=False: the 1024 bytes may end inside a multi-byte character.
                codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            except UnicodeDecodeError:
                continue
            return "纯文本文件"
    return None


# Names ------------------------------------------------------------------------------------------------


def clean_file_name(name: str | None) -> str:
    """A safe display name from what the browser sent; "" when nothing usable is left.

    Keeps only the last path component (old browsers send C:\\Users\\…\\通知.pdf), drops control and
    invisible formatting characters (a right-to-left override can make "gpj.exe" read "exe.jpg"),
    replaces characters Windows forbids in file names, and shortens it to 255 characters keeping the
    extension.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if unicodedata.category(ch) in {"Zs", "Zl", "Zp"} else ch
        for ch in name
        if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"}
    )
    name = _UNSAFE_IN_NAME.sub("_", name)
    name = re.sub(r" {2,}", " ", name).strip(" .")
    return _shorten(name)


def _shorten(name: str, limit: int = MAX_NAME_LENGTH) -> str:
    if len(name) <= limit:
        return name
    stem, extension = _split_extension(name)
    suffix = f".{extension}" if extension else ""
    return stem[: limit - len(suffix)].rstrip(" .") + suffix


def _split_extension(name: str) -> tuple[str, str | None]:
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and _EXTENSION.fullmatch(suffix):
        return stem, suffix
    return name, None


def _spaced(label: str) -> str:
    # Chinese typesetting: a space between Chinese text and a following Latin word.
    return f" {label}" if label[:1].isascii() else label


def _megabytes(size: int, *, round_up: bool) -> str:
    if size % MB == 0:
        return str(size // MB)
    tenths = math.ceil(size * 10 / MB) if round_up else math.floor(size * 10 / MB)
    return f"{tenths / 10:.1f}"


# Validation --------------------------------------------------------------------------------------------


def inspect_upload(uploaded_file) -> tuple[str, str]:
    """(kind, display name) of an acceptable upload; ValidationError with the reason otherwise.

    The display name always ends with an extension of the detected kind: one is added to a name
    that has none, so a citizen's computer opens the download with the right program.
    """
    name = clean_file_name(getattr(uploaded_file, "name", ""))
    if not name:
        raise ValidationError(
            "文件名无效：去掉路径和控制字符后没有剩下可用的文件名，请重命名文件后再上传。", code="invalid_name"
        )
    size = uploaded_file.size
    if not size:
        raise ValidationError(f"文件“{name}”是空文件（0 字节），请检查后重新上传。", code="empty")
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            f"附件大小超过上限 {_megabytes(limit, round_up=False)} MB：“{name}”为 "
            f"{_megabytes(size, round_up=True)} MB，请压缩或拆分后再上传。",
            code="too_large",
        )

    stem, extension = _split_extension(name)
    content = sniff_kind(uploaded_file)
    if content is None:
        found = _describe_unaccepted(uploaded_file)
        if extension and extension.lower() in ACCEPTED_EXTENSIONS:
            found_text = f"内容为{_spaced(found)}" if found else "内容无法识别"
            raise ValidationError(
                f"文件扩展名与实际内容不符：扩展名为 .{extension}，{found_text}。{ACCEPTED_FORMATS}。",
                code="type_mismatch",
            )
        if found:
            raise ValidationError(
                f"不支持的文件类型（内容为{_spaced(found)}）：{ACCEPTED_FORMATS}。", code="unsupported_type"
            )
        raise ValidationError(f"无法识别的文件类型：{ACCEPTED_FORMATS}。", code="unknown_type")

    if extension is None:
        kind = content
        return kind, _shorten(f"{stem}.{KINDS[kind][1][0]}")
    lowered = extension.lower()
    kind = OLE_VARIANTS.get(content, {}).get(lowered, content)
    label, extensions, _ = KINDS[kind]
    if lowered not in extensions:
        raise ValidationError(
            f"文件扩展名与实际内容不符：扩展名为 .{extension}，内容为{_spaced(label)}。"
            f"请核对是否选错了文件；如内容无误，请将扩展名改为 .{extensions[0]} 后再上传。",
            code="type_mismatch",
        )
    return kind, name


def validate_upload(uploaded_file) -> str:
    """The kind of an acceptable upload (a key of KINDS); ValidationError with a Chinese message otherwise."""
    return inspect_upload(uploaded_file)[0]


# Storing -------------------------------------------------------------------------------------------------


def _check_state(item: Item, revision: ItemRevision | None) -> None:
    if item.status == ItemStatus.PUBLISHED:
        if revision is None:
            raise DomainError("该信息已发布，新增附件须随修改稿提交审核，审核通过后才会公开。")
        return
    if revision is not None:
        raise DomainError("修改稿只用于已发布的信息；未发布的信息请直接添加附件。")
    if item.status == ItemStatus.WITHDRAWN:
        raise DomainError(f"“{item.title}”已撤回，不能再添加附件。")
    if item.status == ItemStatus.SCHEDULED:
        raise DomainError(f"“{item.title}”已审核通过、等待定时发布，不能再添加附件；如需添加，请审核人先退回修改。")


def _lock_revision(item: Item, revision: ItemRevision | None) -> ItemRevision | None:
    if revision is None:
        return None
    revision = ItemRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.item_id != item.pk:
        raise DomainError("该修改稿不属于这条信息。")
    if revision.status not in {RevisionStatus.DRAFT, RevisionStatus.PENDING}:
        raise DomainError("该修改稿已审核完毕，不能再添加附件。")
    return revision


def add_attachment(item: Item, uploaded_file, *, by, revision: ItemRevision | None = None) -> Attachment:
    """Check an upload, store it under MEDIA_ROOT and attach it to item, with an audit event.

    A draft or pending item takes attachments directly. A published item's new attachment belongs to
    revision (an open ItemRevision of the item) and stays private until the revision is approved.
    Raises DomainError (not allowed) or ValidationError (bad file); either way nothing is written:
    the stored file is deleted again when the database write fails. (Called inside a caller's own
    transaction that later rolls back, the file would stay behind: call it on its own.)
    """
    if not scoping.has_role(by, item.organization, STAFF_ROLES):
        raise DomainError("只有本机构的经办人、审核人或机关负责人可以上传附件。")
    kind, name = inspect_upload(uploaded_file)
    attachment = None
    try:
        with transaction.atomic():
            item = Item.objects.select_for_update(of=("self",)).select_related("organization").get(pk=item.pk)
            revision = _lock_revision(item, revision)
            _check_state(item, revision)
            last = item.attachments.aggregate(last=Max("sort_order"))["last"]
            attachment = Attachment(
                item=item,
                revision=revision,
                original_name=name,
                kind=kind,
                size=uploaded_file.size,
                sort_order=0 if last is None else last + 1,
            )
            attachment.file.save(name, uploaded_file, save=False)
            attachment.save()
            audit.record(item, actor=by, action="change", comment=f"上传附件：{name}")
    except BaseException:
        if attachment is not None and attachment.file:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


# Serving ---------------------------------------------------------------------------------------------------


def download_name(attachment: Attachment) -> str:
    """The name the browser saves the file under: the original one, with an extension of its kind."""
    name = clean_file_name(attachment.original_name) or "附件"
    extensions = KINDS[attachment.kind][1] if attachment.kind in KINDS else ()
    _, extension = _split_extension(name)
    if extensions and (extension is None or extension.lower() not in extensions):
        name = _shorten(f"{name}.{extensions[0]}")
    return name


def content_disposition(attachment: Attachment) -> str:
    """RFC 6266 header: an ASCII filename for old clients, then the real name as RFC 5987 filename*."""
    name = download_name(attachment)
    if _ASCII_SAFE_NAME.fullmatch(name):
        fallback = name
    else:
        _, extension = _split_extension(name)
        fallback = f"attachment-{attachment.pk}" + (f".{extension.lower()}" if extension else "")
    # quote() with no safe characters leaves only RFC 5987 attr-chars unescaped.
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(attachment: Attachment) -> FileResponse:
    """The file as a download that no browser renders or runs (FileNotFoundError if it is missing)."""
    content_type = KINDS[attachment.kind][2] if attachment.kind in KINDS else "application/octet-stream"
    handle = attachment.file.storage.open(attachment.file.name, "rb")
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(attachment)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_safe
def serve_public_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The public download (catalog:attachment): only while the item is published and the attachment
    is not waiting in a revision under review."""
    attachment = (
        Attachment.objects.select_related("item")
        .filter(pk=pk, item__status=ItemStatus.PUBLISHED, revision__isnull=True)
        .first()
    )
    if attachment is None:
        raise Http404("附件不存在或已不再公开。")
    try:
        return download_response(attachment)
    except FileNotFoundError:
        logger.error("Attachment %s: file %s is missing from storage", attachment.pk, attachment.file.name)
        raise Http404("附件文件缺失，请联系发布机构。") from None
