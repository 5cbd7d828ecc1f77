"""The PDF side of redaction (删除处理, 条例 第三十七条): bytes in, bytes out, no database.

- to_pdf(): a Word or Excel file becomes a PDF through LibreOffice (headless, a throw-away profile per
  run), a JPG or PNG scan through Pillow; anything else is refused with a Chinese message.
- inspect(): opens a PDF with PDFium and pypdf, refuses an encrypted (password to open), damaged or
  too long one, and returns a normalized copy written by PDFium (repaired cross-reference table,
  permission-only encryption removed) with each page's size as shown, the pages without a text layer
  (scans) and the pages that must become images even without a box (visible annotations, form fields,
  hidden layers: what they show cannot be checked otherwise).
- page_image(): a page as the screen shows it, optionally with the boxes painted.
- find_text(): boxes around every occurrence of a string, from PDFium's character boxes.
- burn(): every page carrying a box is rasterized by PDFium, the boxes painted black in the pixels, and
  the page replaced by that image, so nothing under a box survives as text, vector or image data.
  Pages without a box keep their text layer but lose annotations, actions, page metadata and every
  resource their content does not use (a resource dictionary shared with a redacted page would
  otherwise carry that page's images along). The document gets no information dictionary, XMP
  metadata, attachments, JavaScript, outline or form.

Coordinates are PDF points in the page as displayed (crop box, rotation applied), origin at the top
left, x to the right and y downwards: what a person sees and draws on.

PDFium is not thread-safe, so every use holds one lock per process.
"""

from __future__ import annotations

import ctypes
import functools
import io
import math
import os
import shutil
import subprocess  # noqa: S404 - LibreOffice is run with a fixed argument list, never a shell
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import ContentStream, DictionaryObject, NameObject

from disclosure_site.errors import DomainError

MAX_PAGES = 500
BURN_DPI = 150
SCREEN_DPI = 96
JPEG_QUALITY = 85
CONVERT_TIMEOUT_SECONDS = 180
SEARCH_PADDING = 1.5  # points around the characters found, so no anti-aliased edge of a glyph shows
MIN_BOX_SIDE = 1.0  # points
# A scan photographed by a phone is resized to fit an A4 page at most this many pixels on its long side.
MAX_IMAGE_SIDE = 4000
A4 = (595.28, 841.89)
OFFICE_KINDS = frozenset({"docx", "xlsx", "doc", "xls", "wps", "et"})
IMAGE_KINDS = frozenset({"jpg", "png"})
REDACTABLE_KINDS = frozenset({"pdf"}) | OFFICE_KINDS | IMAGE_KINDS
# Annotations that draw nothing on the page; any other kind makes the page an image (see inspect()).
_INVISIBLE_ANNOTATIONS = frozenset({pdfium_c.FPDF_ANNOT_LINK, pdfium_c.FPDF_ANNOT_POPUP})
# Page entries that carry data beyond what the page shows (or scripts); dropped from kept pages.
_PAGE_EXTRAS = ("/Annots", "/AA", "/Metadata", "/PieceInfo", "/Thumb", "/B", "/StructParents", "/Tabs", "/ID")
_RESOURCE_CATEGORIES = ("/XObject", "/Font", "/ExtGState", "/Pattern", "/Shading", "/ColorSpace", "/Properties")
_NESTED_RESOURCE_DEPTH = 12

_pdfium_lock = threading.RLock()

ENCRYPTED_MESSAGE = (
    "该 PDF 文件设有打开密码（已加密），无法读取。请取得未加密的文件，或在 PDF 软件中取消密码后另存再上传。"
)
DAMAGED_MESSAGE = "PDF 文件已损坏或格式不正确，无法读取。请用 PDF 阅读器打开核对，另存为新文件后再上传。"


class RedactionFileError(DomainError):
    """A file that cannot be redacted; the message says why, in Chinese."""


@dataclass(frozen=True)
class Rect:
    """A box on page `page` (1-based), in points of the displayed page, origin top left."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float

    def scaled(self, factor: float) -> tuple[int, int, int, int]:
        """Pixel edges at factor pixels per point, rounded outwards so the box covers every touched pixel."""
        return (
            math.floor(self.x0 * factor),
            math.floor(self.y0 * factor),
            math.ceil(self.x1 * factor),
            math.ceil(self.y1 * factor),
        )


@dataclass(frozen=True)
class Painted(Rect):
    """A box with the text to print on it (the reason), when it fits."""

    label: str = ""


@dataclass(frozen=True)
class PdfFacts:
    pdf: bytes  # the normalized copy
    sizes: list[tuple[float, float]]
    scanned: list[int]  # pages without any text
    flattened: list[int]  # pages that become images even without a box


@contextmanager
def _document(pdf: bytes) -> Iterator[pdfium.PdfDocument]:
    with _pdfium_lock:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as error:
            raise RedactionFileError(
                ENCRYPTED_MESSAGE if error.err_code == pdfium_c.FPDF_ERR_PASSWORD else DAMAGED_MESSAGE
            ) from None
        try:
            yield document
        finally:
            document.close()


# Converting ---------------------------------------------------------------------------------------


def to_pdf(data: bytes, kind: str) -> bytes:
    """The document as PDF bytes; kind is catalog.attachments' content kind of the upload."""
    if kind == "pdf":
        return data
    if kind in IMAGE_KINDS:
        return _image_to_pdf(data)
    if kind in OFFICE_KINDS:
        return _office_to_pdf(data, kind)
    if kind == "ofd":
        raise RedactionFileError("暂不支持 OFD 版式文件：请用 OFD 阅读器将其另存为 PDF 后再上传。")
    if kind == "zip":
        raise RedactionFileError("压缩包不是可以删除处理的文档，请解压后分别上传其中的文件。")
    raise RedactionFileError(
        "该文件不是可以删除处理的文档：只能处理 PDF、Word（.docx/.doc）、Excel（.xlsx/.xls）、WPS 文件和 JPG、PNG 扫描图片。"
    )


def _image_to_pdf(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RedactionFileError("图片像素过多（超过约9000万像素），请缩小后再上传。") from None
    except (OSError, ValueError, SyntaxError):
        raise RedactionFileError("图片文件已损坏，无法读取，请重新扫描或另存后再上传。") from None
    # A new RGB image: nothing of the file (EXIF with the camera's GPS position, comments) comes along.
    image = image.convert("RGB")
    if max(image.size) > MAX_IMAGE_SIDE:
        image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    width, height = image.size
    page = A4 if height >= width else (A4[1], A4[0])
    scale = min(page[0] / width, page[1] / height)
    return _image_page(image, (width * scale, height * scale))


def _office_to_pdf(data: bytes, kind: str) -> bytes:
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        raise RedactionFileError(
            "服务器未安装 LibreOffice，无法转换 Word、Excel、WPS 文件。请将文件另存为 PDF 后再上传，"
            "或请系统管理员安装 libreoffice-writer-nogui 和 libreoffice-calc-nogui。"
        )
    extension = {"wps": "doc", "et": "xls"}.get(kind, kind)
    with tempfile.TemporaryDirectory(prefix="redaction-convert-") as work:
        folder = Path(work)
        source = folder / f"source.{extension}"
        source.write_bytes(data)
        # A profile of its own per run: two conversions at once never share (and lock) one.
        profile = (folder / "profile").as_uri()
        command = [
            program,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder / "out"),
            str(source),
        ]
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "LANG": "C.UTF-8"}
        try:
            subprocess.run(  # noqa: S603 - fixed arguments, our own temporary files
                command,
                cwd=work,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=CONVERT_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RedactionFileError(
                f"文件转换超时（超过{CONVERT_TIMEOUT_SECONDS}秒），请将文件另存为 PDF 后再上传。"
            ) from None
        result = folder / "out" / "source.pdf"
        if not result.exists() or result.stat().st_size == 0:
            raise RedactionFileError(
                "文件无法转换为 PDF：文件可能已损坏或设有密码。请用办公软件打开核对，另存为 PDF 后再上传。"
            )
        return result.read_bytes()


def _image_page(image: Image.Image, size: tuple[float, float]) -> bytes:
    """A one-page PDF of exactly size (points) showing image; nothing but the image is in it. A page
    without colour (most letters and tables) is stored in grey, a fifth smaller."""
    if image.mode == "RGB" and _is_grey(image):
        image = image.convert("L")
    width, height = image.size
    buffer = io.BytesIO()
    image.save(buffer, "PDF", dpi=(width * 72 / size[0], height * 72 / size[1]), quality=JPEG_QUALITY)
    return buffer.getvalue()


def _is_grey(image: Image.Image, tolerance: int = 8) -> bool:
    red, green, blue = image.split()
    return all(
        ImageChops.difference(one, other).getextrema()[1] <= tolerance for one, other in ((red, green), (green, blue))
    )


# Inspecting ---------------------------------------------------------------------------------------


def inspect(data: bytes) -> PdfFacts:
    """Check a PDF can be redacted and describe it (see the module's docstring); RedactionFileError if not."""
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise RedactionFileError(DAMAGED_MESSAGE)
    with _document(data) as document:
        count = len(document)
        if count == 0:
            raise RedactionFileError(DAMAGED_MESSAGE)
        if count > MAX_PAGES:
            raise RedactionFileError(
                f"文件共 {count} 页，超过删除处理单个文件 {MAX_PAGES} 页的上限，请拆分为几个文件后分别处理。"
            )
        sizes, scanned, flattened = [], [], []
        for number in range(1, count + 1):
            page = document[number - 1]
            try:
                width, height = page.get_size()
                if width < 1 or height < 1:
                    raise RedactionFileError(f"第{number}页的页面尺寸无效，文件可能已损坏。")
                sizes.append((round(width, 2), round(height, 2)))
                text = page.get_textpage()
                try:
                    if text.count_chars() <= 0:
                        scanned.append(number)
                finally:
                    text.close()
                if _has_visible_annotations(page):
                    flattened.append(number)
            finally:
                page.close()
        buffer = io.BytesIO()
        encrypted = pdfium_c.FPDF_GetSecurityHandlerRevision(document) != -1
        document.save(buffer, flags=pdfium_c.FPDF_REMOVE_SECURITY if encrypted else pdfium_c.FPDF_NO_INCREMENTAL)
    normalized = buffer.getvalue()
    try:
        reader = PdfReader(io.BytesIO(normalized), strict=False)
        if len(reader.pages) != count:
            raise RedactionFileError(DAMAGED_MESSAGE)
        for page in reader.pages:
            page.get_contents()
        if _has_hidden_layers(reader):
            flattened = list(range(1, count + 1))
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError):
        raise RedactionFileError(DAMAGED_MESSAGE) from None
    return PdfFacts(pdf=normalized, sizes=sizes, scanned=scanned, flattened=flattened)


def _has_visible_annotations(page: pdfium.PdfPage) -> bool:
    for index in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
        annotation = pdfium_c.FPDFPage_GetAnnot(page, index)
        try:
            if pdfium_c.FPDFAnnot_GetSubtype(annotation) not in _INVISIBLE_ANNOTATIONS:
                return True
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annotation)
    return False


def _has_hidden_layers(reader: PdfReader) -> bool:
    """Optional content switched off by default: text in it is not shown, so nobody checked it."""
    properties = reader.trailer["/Root"].get("/OCProperties")
    if properties is None:
        return False
    default = properties.get_object().get("/D")
    if default is None:
        return False
    default = default.get_object()
    return bool(default.get("/OFF")) or default.get("/BaseState") in ("/OFF", "/Unchanged")


# Page images and text -----------------------------------------------------------------------------


def page_image(pdf: bytes, number: int, *, dpi: int = SCREEN_DPI, boxes: Iterable[Painted] = ()) -> bytes:
    """Page number (1-based) as JPEG, with boxes painted black if given."""
    with _document(pdf) as document:
        document.init_forms()
        image = _render(document, number, dpi)
    _paint(image, [box for box in boxes if box.page == number], dpi / 72)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _render(document: pdfium.PdfDocument, number: int, dpi: int) -> Image.Image:
    page = document[number - 1]
    try:
        bitmap = page.render(scale=dpi / 72, may_draw_forms=True)
        try:
            return bitmap.to_pil().convert("RGB")
        finally:
            bitmap.close()
    finally:
        page.close()


@functools.cache
def _label_font(size: int) -> ImageFont.FreeTypeFont | None:
    for path in (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    ):
        if os.path.exists(path):
            return ImageFont.truetype(path, size, index=2)  # index 2: the Simplified Chinese face
    return None


def _paint(image: Image.Image, boxes: list[Painted], factor: float) -> None:
    if not boxes:
        return
    draw = ImageDraw.Draw(image)
    for box in boxes:
        x0, y0, x1, y1 = box.scaled(factor)
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=(0, 0, 0))
        if box.label:
            _label(draw, box.label, (x0, y0, x1, y1), factor)


def _label(draw: ImageDraw.ImageDraw, text: str, edges: tuple[int, int, int, int], factor: float) -> None:
    """The reason in small white type inside the box, only if it fits whole (it is not secret)."""
    x0, y0, x1, y1 = edges
    size = min(int(9 * factor), int((y1 - y0) * 0.7))
    if size < int(5 * factor):
        return
    font = _label_font(size)
    if font is None:
        return
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    if right - left > (x1 - x0) - 4 or bottom - top > (y1 - y0) - 2:
        return
    draw.text(
        (x0 + (x1 - x0 - (right - left)) / 2 - left, y0 + (y1 - y0 - (bottom - top)) / 2 - top),
        text,
        font=font,
        fill=(255, 255, 255),
    )


def find_text(pdf: bytes, text: str) -> tuple[list[Rect], list[int]]:
    """Boxes around every occurrence of text (ignoring case), one per line it sits on, and the pages
    that have no text layer at all (scans: they must be marked by hand)."""
    found: list[Rect] = []
    without_text: list[int] = []
    with _document(pdf) as document:
        for number in range(1, len(document) + 1):
            page = document[number - 1]
            textpage = page.get_textpage()
            try:
                if textpage.count_chars() <= 0:
                    without_text.append(number)
                    continue
                width, height = page.get_size()
                searcher = textpage.search(text, match_case=False)
                try:
                    while (match := searcher.get_next()) is not None:
                        start, length = match
                        found.extend(_match_boxes(page, textpage, number, start, length, width, height))
                finally:
                    searcher.close()
            finally:
                textpage.close()
                page.close()
    return found, without_text


def _match_boxes(page, textpage, number: int, start: int, length: int, width: float, height: float) -> list[Rect]:
    # Consecutive characters that touch make one box: a line, in whatever direction the page runs.
    lines: list[list[float]] = []  # [x0, y0, x1, y1], display coordinates
    for index in range(start, start + length):
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        if right - left <= 0 or top - bottom <= 0:
            continue  # a generated space or line break
        ax, ay = _to_display(page, width, height, left, bottom)
        bx, by = _to_display(page, width, height, right, top)
        box = [min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)]
        if lines:
            line = lines[-1]
            near = 0.6 * min(box[2] - box[0], box[3] - box[1])
            gap_x = max(0.0, box[0] - line[2], line[0] - box[2])
            gap_y = max(0.0, box[1] - line[3], line[1] - box[3])
            if gap_x <= near and gap_y <= near:
                line[:] = [min(line[0], box[0]), min(line[1], box[1]), max(line[2], box[2]), max(line[3], box[3])]
                continue
        lines.append(box)
    pad = SEARCH_PADDING
    return [
        Rect(
            number,
            round(max(0.0, x0 - pad), 2),
            round(max(0.0, y0 - pad), 2),
            round(min(width, x1 + pad), 2),
            round(min(height, y1 + pad), 2),
        )
        for x0, y0, x1, y1 in lines
    ]


_DEVICE_SCALE = 100  # PDFium maps to integer device pixels: a hundredth of a point is precise enough


def _to_display(page, width: float, height: float, x: float, y: float) -> tuple[float, float]:
    device_x, device_y = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(
        page,
        0,
        0,
        round(width * _DEVICE_SCALE),
        round(height * _DEVICE_SCALE),
        0,
        x,
        y,
        device_x,
        device_y,
    )
    return device_x.value / _DEVICE_SCALE, device_y.value / _DEVICE_SCALE


# Burning ------------------------------------------------------------------------------------------


def burn(pdf: bytes, boxes: Iterable[Painted], *, flattened: Iterable[int] = (), dpi: int = BURN_DPI) -> bytes:
    """The redacted PDF: pages with boxes (and the flattened pages) as images with the boxes painted,
    the other pages as they are without annotations or unused resources; no document metadata."""
    by_page: dict[int, list[Painted]] = defaultdict(list)
    for box in boxes:
        by_page[box.page].append(box)
    as_images = set(by_page) | set(flattened)
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        writer = PdfWriter()
        with _document(pdf) as document:
            if len(document) != len(reader.pages):
                raise RedactionFileError(DAMAGED_MESSAGE)
            if as_images:
                document.init_forms()
            for number, page in enumerate(reader.pages, start=1):
                if number in as_images:
                    writer.add_page(_image_of(document, number, by_page.get(number, []), dpi))
                else:
                    _keep(writer.add_page(page))
        return _reachable_only(writer)
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError):
        raise RedactionFileError(DAMAGED_MESSAGE) from None


def _reachable_only(writer: PdfWriter) -> bytes:
    """The pages of writer in a new file holding only what they reach: objects dropped from a page
    (its old, shared resource dictionary and the images in it) are left behind, and so is everything
    of the document (information dictionary, XMP, attachments, scripts, outline, form)."""
    first = io.BytesIO()
    writer.write(first)
    clean = PdfWriter()
    for page in PdfReader(first, strict=False).pages:
        clean.add_page(page)
    clean.metadata = None
    clean.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    output = io.BytesIO()
    clean.write(output)
    return output.getvalue()


def _image_of(document: pdfium.PdfDocument, number: int, boxes: list[Painted], dpi: int):
    page = document[number - 1]
    try:
        size = page.get_size()
    finally:
        page.close()
    image = _render(document, number, dpi)
    _paint(image, boxes, dpi / 72)
    return PdfReader(io.BytesIO(_image_page(image, size))).pages[0]


def _keep(page) -> None:
    """Strip a page that is kept as it is down to what it shows."""
    for key in _PAGE_EXTRAS:
        if key in page:
            del page[NameObject(key)]
    resources = page.get("/Resources")
    if resources is None:
        return
    resources = resources.get_object()
    # A fresh dictionary for this page only: the old one may be shared with other (redacted) pages.
    used = _used_names(page.get_contents())
    page[NameObject("/Resources")] = _pruned(resources, used, depth=0, seen=set())


def _used_names(content: ContentStream | None) -> set[str]:
    """Every name the content stream's operators take: the resources it draws with."""
    if content is None:
        return set()
    names: set[str] = set()
    for operands, operator in content.operations:
        # An inline image names its colour space among its settings; its data is no operand.
        stack = list(operands["settings"].values()) if operator == b"INLINE IMAGE" else list(operands)
        while stack:
            operand = stack.pop()
            if isinstance(operand, NameObject):
                names.add(str(operand))
            elif isinstance(operand, list):
                stack.extend(operand)
            elif isinstance(operand, dict):
                stack.extend(operand.values())
    return names


def _pruned(resources: DictionaryObject, used: set[str], *, depth: int, seen: set[int]) -> DictionaryObject:
    pruned = DictionaryObject()
    for key, value in resources.items():
        if key not in _RESOURCE_CATEGORIES:
            if key == "/ProcSet":
                pruned[NameObject(key)] = value
            continue
        entries = value.get_object()
        kept = DictionaryObject()
        for name, entry in entries.items():
            if name in used:
                kept[NameObject(name)] = entry
                if depth < _NESTED_RESOURCE_DEPTH:
                    _prune_nested(entry, depth=depth + 1, seen=seen)
        if kept:
            pruned[NameObject(key)] = kept
    return pruned


def _prune_nested(entry, *, depth: int, seen: set[int]) -> None:
    """A form XObject or tiling pattern used by the page has resources of its own: keep only those its
    own content uses. Pruning by the object's own content is right wherever else it is used."""
    target = entry.get_object()
    if not isinstance(target, DictionaryObject) or "/Resources" not in target:
        return
    identity = id(target)
    if identity in seen:
        return
    seen.add(identity)
    is_form = target.get("/Subtype") == "/Form"
    is_tiling = target.get("/PatternType") == 1
    if not (is_form or is_tiling):
        return
    used = _used_names(ContentStream(target, None))
    target[NameObject("/Resources")] = _pruned(target["/Resources"].get_object(), used, depth=depth, seen=seen)
