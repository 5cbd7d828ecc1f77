"""Plan documents as offices write them, made in the tests with python-docx and openpyxl."""

from __future__ import annotations

import io

HEADER = ("序号", "任务", "牵头单位", "配合单位", "完成时限")

GOOD_ROWS = [
    "一、围绕深化改革推进公开",
    ("1", "推进预决算信息公开，细化到功能分类项级科目", "测试县财政局", "测试县教育局", "2026年6月底"),
    ("2", "做好教育领域政策解读和回应关切", "县教育局", "测试县城关镇人民政府、测试县财政局", "持续推进"),
    "二、围绕民生改善推进公开",
    ("3", "公开民生资金分配和使用情况", "测试县城关镇人民政府；测试县财政局", "", "年底"),
]


def docx_bytes(rows=GOOD_ROWS, *, header=HEADER, headings_as_paragraphs=True) -> bytes:
    """A Word document: headings as paragraphs before one table each (the usual layout), or, with
    headings_as_paragraphs=False, one table with each heading in a row merged across the columns."""
    from docx import Document

    document = Document()
    document.add_paragraph("测试县人民政府2026年政务公开工作要点")
    table = None

    def new_table():
        t = document.add_table(rows=1, cols=len(header))
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = text
        return t

    for row in rows:
        if isinstance(row, str):
            if headings_as_paragraphs:
                document.add_paragraph(row)
                table = None
                continue
            table = table or new_table()
            cells = table.add_row().cells
            merged = cells[0].merge(cells[-1])
            merged.text = row
            continue
        table = table or new_table()
        for cell, text in zip(table.add_row().cells, row, strict=False):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(rows=GOOD_ROWS, *, header=HEADER, title_row=True) -> bytes:
    """An Excel workbook: a title row, the header, headings in rows merged across the columns."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务分工"
    if title_row:
        sheet.append(["测试县人民政府2026年政务公开工作要点任务分工"])
    sheet.append(list(header))
    for row in rows:
        if isinstance(row, str):
            sheet.append([row])
            sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=len(header))
        else:
            sheet.append([int(row[0]) if row[0].isdigit() else row[0], *row[1:]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
