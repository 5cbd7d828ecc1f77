"""A report document (a published snapshot, or a draft's assembled document) as PDF, DOCX, XLSX and
JSON. Every function formats the plain document and runs no query, so all outputs show the same numbers.

PDF: WeasyPrint with Debian's Noto CJK fonts, A4, page numbers, table headers repeated on each page and
rows never split. DOCX: python-docx with East-Asian fonts (宋体/黑体), A4, merged cells as in the format.
XLSX: openpyxl, one sheet per table with merged cells. JSON: stable keys — format, organization and its
credit code, year, and each table's rows and columns by label.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

FORMATS = {"pdf": "PDF", "docx": "Word（DOCX）", "xlsx": "Excel（XLSX）", "json": "JSON"}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def filename(document: dict, ext: str) -> str:
    suffix = f"（更正第{document['revision'] - 1}次）" if document.get("revision", 1) > 1 else ""
    return f"{document['title']}{suffix}.{ext}"


def content_disposition(name: str) -> str:
    return content_disposition_header(True, name)


def export(document: dict, kind: str, *, draft: bool = False) -> tuple[bytes, str, str]:
    render = {"pdf": render_pdf, "docx": render_docx, "xlsx": render_xlsx, "json": render_json}[kind]
    content = render(document, draft=draft) if kind in ("pdf", "docx") else render(document)
    return content, CONTENT_TYPES[kind], filename(document, kind)


def tables(document: dict) -> list[dict]:
    return [section["table"] for section in document["sections"] if section.get("table")]


# The grid of a table: where each cell lands once the spans above and to the left are taken ------------


@dataclass(frozen=True)
class Placed:
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    kind: str  # "col" (column header), "note", "row" (row header), "number"


def place(table: dict) -> tuple[list[Placed], int, int]:
    """Every cell of table with its grid position; and the grid's height and width."""
    placed: list[Placed] = []
    taken: set[tuple[int, int]] = set()
    r = 0

    def put(line: list[tuple[str, int, int, str]]) -> None:
        nonlocal r
        c = 0
        for text, rowspan, colspan, kind in line:
            while (r, c) in taken:
                c += 1
            placed.append(Placed(r, c, rowspan, colspan, text, kind))
            taken.update((r + i, c + j) for i in range(rowspan) for j in range(colspan))
            c += colspan
        r += 1

    for block in table["blocks"]:
        for line in block["header"]:
            put([(h["text"], h["rowspan"], h["colspan"], "note" if h.get("note") else "col") for h in line])
        for row in block["rows"]:
            put(
                [(h["text"], h["rowspan"], h["colspan"], "row") for h in row["heads"]]
                + [("" if c["value"] is None else str(c["value"]), 1, c["colspan"], "number") for c in row["cells"]]
            )
    return placed, r, table["width"]


# JSON ---------------------------------------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, str):
        return float(Decimal(value))
    return value


def as_json(document: dict) -> dict:
    result = {
        "format": document["format"],
        "format_name": document["format_name"],
        "organization": document["organization"]["name"],
        "credit_code": document["organization"]["credit_code"],
        "year": document["year"],
        "revision": document["revision"],
        "title": document["title"],
        "published_at": document.get("published_at"),
        "correction_note": document.get("correction_note") or "",
        "tables": {},
        "narrative": {s["title"]: s["text"] for s in document["sections"] if "text" in s},
    }
    for table in tables(document):
        rows: dict[str, dict] = {}
        for block in table["blocks"]:
            for row in block["rows"]:
                rows[row["label"]] = {c["column"]: _json_value(c["value"]) for c in row["cells"]}
        result["tables"][table["key"]] = {"title": table["title"], "rows": rows}
    return result


def render_json(document: dict) -> bytes:
    return json.dumps(as_json(document), ensure_ascii=False, indent=2).encode()


# PDF ----------------------------------------------------------------------------------------------------


def render_pdf(document: dict, *, draft: bool = False) -> bytes:
    from weasyprint import HTML  # heavy import, only where a PDF is made
    from weasyprint.urls import URLFetcher

    html = render_to_string("annual_reports/report_pdf.html", {"document": document, "draft": draft})
    # Everything is inline; no URL may be fetched.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


# DOCX ---------------------------------------------------------------------------------------------------

DOCX_FONT = "宋体"
DOCX_TITLE_FONT = "黑体"
DOCX_LATIN_FONT = "Times New Roman"


def _set_fonts(run_or_style, east_asian: str, size=None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn

    font = run_or_style.font
    font.name = DOCX_LATIN_FONT
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)


def render_docx(document: dict, *, draft: bool = False) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(25)
    section.left_margin, section.right_margin = Mm(22), Mm(20)
    normal = doc.styles["Normal"]
    _set_fonts(normal, DOCX_FONT, size=Pt(12))
    normal.element.get_or_add_rPr().append(normal.element.makeelement(qn("w:lang"), {qn("w:eastAsia"): "zh-CN"}))
    if draft:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        mark = header.add_run("草稿（未经批准，不得发布）")
        _set_fonts(mark, DOCX_TITLE_FONT, size=Pt(11), bold=True)
        mark.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(title.add_run(document["title"]), DOCX_TITLE_FONT, size=Pt(18), bold=True)
    if document.get("correction_note"):
        note = doc.add_paragraph()
        _set_fonts(note.add_run(f"更正说明：{document['correction_note']}"), DOCX_TITLE_FONT, size=Pt(11))
    for part in document["sections"]:
        heading = doc.add_paragraph()
        heading.paragraph_format.keep_with_next = True
        _set_fonts(heading.add_run(part["title"]), DOCX_TITLE_FONT, size=Pt(14), bold=True)
        for text in [p.strip() for p in part.get("text", "").split("\n") if p.strip()]:
            paragraph = doc.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(24)
        if part.get("table"):
            table = part["table"]
            caption = doc.add_paragraph()
            caption.paragraph_format.keep_with_next = True
            label = table["title"] + (f"（{table['note']}）" if table.get("note") else "")
            _set_fonts(caption.add_run(label), DOCX_TITLE_FONT, size=Pt(10.5), bold=True)
            cells, height, width = place(table)
            grid = doc.add_table(rows=height, cols=width)
            grid.style = "Table Grid"
            grid.alignment = WD_TABLE_ALIGNMENT.CENTER
            size = Pt(7.5) if width > 10 else Pt(9)
            for cell in cells:
                target = grid.cell(cell.row, cell.col)
                if cell.rowspan > 1 or cell.colspan > 1:
                    target = target.merge(grid.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1))
                paragraph = target.paragraphs[0]
                paragraph.alignment = {"number": WD_ALIGN_PARAGRAPH.RIGHT, "col": WD_ALIGN_PARAGRAPH.CENTER}.get(
                    cell.kind, WD_ALIGN_PARAGRAPH.LEFT
                )
                _set_fonts(paragraph.add_run(cell.text), DOCX_FONT, size=size, bold=cell.kind == "col")
            for row in grid.rows:  # a row is never split across pages
                tr_pr = row._tr.get_or_add_trPr()
                tr_pr.append(tr_pr.makeelement(qn("w:cantSplit"), {}))
            doc.add_paragraph()
    signature = doc.add_paragraph(document["organization"]["name"])
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if document.get("published_on"):
        year, month, day = (int(x) for x in document["published_on"].split("-"))
        date = doc.add_paragraph(f"{year}年{month}月{day}日")
        date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# XLSX ---------------------------------------------------------------------------------------------------


def render_xlsx(document: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    info = book.active
    info.title = "报告信息"
    for row in (
        ("报告", document["title"]),
        ("机构", document["organization"]["name"]),
        ("统一社会信用代码", document["organization"]["credit_code"]),
        ("年度", document["year"]),
        ("版本", document["revision"]),
        ("报告格式", document["format_name"]),
        ("发布时间", document.get("published_at") or "未发布（草稿）"),
    ):
        info.append(row)
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 60
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for table in tables(document):
        sheet = book.create_sheet(table["title"][:31])
        sheet.cell(row=1, column=1, value=table["title"] + (f"（{table['note']}）" if table.get("note") else ""))
        sheet.cell(row=1, column=1).font = Font(bold=True)
        cells, height, width = place(table)
        for cell in cells:
            row, col = cell.row + 2, cell.col + 1
            target = sheet.cell(row=row, column=col)
            if cell.kind == "number" and cell.text:
                value = Decimal(cell.text)
                target.value = (
                    int(value) if value == value.to_integral_value() and "." not in cell.text else float(value)
                )
            else:
                target.value = cell.text
            target.alignment = Alignment(
                wrap_text=True, vertical="center", horizontal="center" if cell.kind == "col" else None
            )
            if cell.kind == "col":
                target.font = Font(bold=True)
            if cell.rowspan > 1 or cell.colspan > 1:
                sheet.merge_cells(
                    start_row=row, start_column=col, end_row=row + cell.rowspan - 1, end_column=col + cell.colspan - 1
                )
            for i in range(cell.rowspan):
                for j in range(cell.colspan):
                    sheet.cell(row=row + i, column=col + j).border = border
        for index in range(1, width + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 14
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
