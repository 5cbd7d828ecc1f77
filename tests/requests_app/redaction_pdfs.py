"""PDFs and images for the redaction tests, made here: text (WeasyPrint with Noto CJK), extras a
source may carry (metadata, XMP, attachments, scripts, annotations), scans, encryption, damage, and
what to read back from an output (pdftotext, every object of the file)."""

from __future__ import annotations

import functools
import io
import subprocess
import zlib

from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link, Text
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

ID_NUMBER = "330122198001011234"
NAME = "张三丰"
SECRET_NOTE = "内部意见请勿外传"
ATTACHED = b"attached-secret-payload-0001"
XMP_MARK = "xmp-secret-author-mark"
SCRIPT_MARK = "leaky_script_marker"


@functools.cache
def text_pdf(*pages: str, title: str = "", author: str = "") -> bytes:
    """One A4 page per string (paragraphs split on newlines), Chinese text embedded as real text."""
    from weasyprint import HTML

    body = "".join(
        '<section style="page-break-after: always">'
        + "".join(f"<p>{line}</p>" for line in page.split("\n"))
        + "</section>"
        for page in pages
    )
    head = f"<title>{title}</title>" + (f'<meta name="author" content="{author}">' if author else "")
    html = (
        f'<html lang="zh-CN"><head><meta charset="utf-8">{head}'
        "<style>@page { size: A4; margin: 2cm } body { font-family: 'Noto Sans CJK SC'; font-size: 12pt }</style>"
        f"</head><body>{body}</body></html>"
    )
    return HTML(string=html).write_pdf()


def with_extras(pdf: bytes) -> bytes:
    """pdf with everything a redacted copy must not carry along: an information dictionary, XMP, an
    embedded file, a document script, a page script, a sticky note on page 1 and a script link on the
    last page."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Author": "作者某某", "/Title": "内部机密标题", "/Subject": "秘密主题"})
    writer.add_attachment("attachment.txt", ATTACHED)
    xmp = DecodedStreamObject()
    xmp.set_data(f'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/">{XMP_MARK}</x:xmpmeta>'.encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    script = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(f"{SCRIPT_MARK}()")}
    )
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(script)
    last = writer.pages[-1]
    last[NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(script.clone(writer))})
    writer.add_annotation(0, Text(rect=(100, 100, 120, 120), text=SECRET_NOTE))
    link = Link(rect=(50, 50, 200, 70), url="https://example.com/")
    writer.add_annotation(len(writer.pages) - 1, link)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def scan_png(*, size=(1240, 1754), secret=(300, 400, 700, 500)) -> bytes:
    """A grey 'scanned' page with a pure red block where a secret would be."""
    image = Image.new("RGB", size, (235, 235, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle(secret, fill=(255, 0, 0))
    draw.rectangle((100, 1000, 1100, 1100), fill=(40, 40, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def encrypted(pdf: bytes, *, user_password: str, owner_password: str = "owner-secret") -> bytes:  # noqa: S107
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def damaged_pdf() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _image_xobject(writer: PdfWriter, colour: tuple[int, int, int]):
    image = StreamObject()
    image._data = zlib.compress(bytes(colour) * 64 * 64)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(64),
            NameObject("/Height"): NumberObject(64),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/FlateDecode"),
        }
    )
    return writer._add_object(image)


def shared_resources_pdf() -> bytes:
    """Two pages sharing one resource dictionary with two images: page 1 draws the green one, page 2
    the magenta one (as some generators write every page's resources into one dictionary)."""
    writer = PdfWriter()
    green = _image_xobject(writer, (0, 200, 0))
    magenta = _image_xobject(writer, (255, 0, 255))
    resources = writer._add_object(
        DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject("/ImG"): green, NameObject("/ImM"): magenta})}
        )
    )
    for name in ("/ImG", "/ImM"):
        page = writer.add_blank_page(595, 842)
        content = DecodedStreamObject()
        content.set_data(f"q 200 0 0 200 100 500 cm {name} Do Q".encode())
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = resources
        page[NameObject("/MediaBox")] = ArrayObject(
            [FloatObject(0), FloatObject(0), FloatObject(595), FloatObject(842)]
        )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def pdftotext(pdf: bytes, *, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-q", *pages, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")


def every_object(pdf: bytes) -> bytes:
    """Every object of the file as bytes, streams decoded: what a determined reader could dig out."""
    reader = PdfReader(io.BytesIO(pdf))
    chunks = [repr(reader.trailer).encode()]
    numbers = {number for generations in reader.xref.values() for number in generations}
    numbers |= set(reader.xref_objStm)
    for number in sorted(numbers):
        try:
            obj = reader.get_object(number)
        except Exception:  # noqa: BLE001, S112 - free or broken entries have nothing to find
            continue
        if isinstance(obj, StreamObject):
            chunks.append(obj.get_data())
            chunks.append(repr(dict(obj.items())).encode())
        else:
            chunks.append(repr(obj).encode("utf-8", "replace"))
    return b"\n".join(chunks)


def page_pixels(pdf: bytes, page: int, *, dpi: int = 50) -> Image.Image:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return document[page - 1].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()
