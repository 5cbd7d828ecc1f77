"""Reading an uploaded table (CSV or XLSX) for every import: the catalog's items, the ledger of
applications. The format is decided by the content (the name may not contradict it), CSV is UTF-8 with or
without BOM or GB18030, XLSX is read with openpyxl in read-only mode; every way a file cannot be read is a
SpreadsheetError with a Chinese message. What the rows mean is each import's own business."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from .errors import DomainError


@dataclass(frozen=True)
class RowError:
    """A problem in one cell of an imported sheet (row 1: in the header), as the spreadsheet numbers rows."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"第{self.row}行" + (f"“{self.column}”" if self.column else "")
        return f"{where}：{self.reason}"


CSV, XLSX = "csv", "xlsx"
# Cells starting with these are formulas to a spreadsheet program (OWASP "CSV injection"): exports put an
# apostrophe before them, and imports take it away again.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetError(DomainError):
    """The file as a whole cannot be read: wrong type, unreadable encoding, empty, too large."""


def read_bytes(file: IO[bytes] | bytes, *, max_bytes: int) -> bytes:
    if isinstance(file, bytes):
        data = file
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SpreadsheetError(f"文件超过 {max_bytes // (1024 * 1024)} MB，请拆分成几个文件分批导入。")
    return data


def _not_a_table(name: str) -> SpreadsheetError:
    what = f"“{name}”" if name else "上传的文件"
    return SpreadsheetError(f"{what}不是 CSV 或 XLSX 文件。请上传 CSV 文件或 Excel 的 .xlsx 文件。")


def sniff_format(data: bytes, name: str) -> str:
    """CSV or XLSX, decided by content; the name must not contradict it (an uploader can type any name)."""
    extension = PurePath(name).suffix.lower().lstrip(".") if name else ""
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise SpreadsheetError(
            "这是旧版 Excel（.xls）文件，无法直接导入。请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入。"
        )
    if data.startswith(b"PK\x03\x04"):
        if extension not in ("", XLSX):
            raise _not_a_table(name)
        return XLSX
    if extension not in ("", CSV, "txt") or b"\x00" in data[:8192] or data.startswith(b"%PDF"):
        raise _not_a_table(name)
    return CSV


def decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else GB18030, the superset of GBK that old Chinese
    systems and Excel on Chinese Windows export."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SpreadsheetError("无法识别 CSV 文件的编码。请另存为“CSV UTF-8”或 GBK 编码的 CSV 后再导入。") from None


def _csv_rows(data: bytes, max_cell_chars: int) -> Iterator[list[Any]]:
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    csv.field_size_limit(max(csv.field_size_limit(), max_cell_chars))
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error:
        raise SpreadsheetError(
            "CSV 文件格式有误，无法读取。请用 Excel 或 WPS 打开后另存为 CSV 或 .xlsx 再导入。"
        ) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    import openpyxl

    unreadable = SpreadsheetError(
        "无法读取这个 Excel 文件，文件可能已损坏。请用 Excel 或 WPS 打开后另存为 .xlsx 再导入。"
    )
    # A damaged or hand-made file fails inside openpyxl in many ways (zip, XML, styles): all mean the same.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise unreadable from None
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # Some generators write a wrong <dimension>; without this the read-only reader trusts it.
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    except Exception:
        raise unreadable from None
    finally:
        workbook.close()


def rows(data: bytes, name: str, *, max_rows: int, max_cell_chars: int) -> Iterator[list[Any]]:
    """The rows of the first sheet (or of the CSV), as lists; at most max_rows after the header."""
    if not data.strip():
        raise SpreadsheetError("文件是空的，没有表头和数据。")
    kind = sniff_format(data, name)
    source = _csv_rows(data, max_cell_chars) if kind == CSV else _xlsx_rows(data)
    for count, row in enumerate(source):
        if count > max_rows:
            raise SpreadsheetError(f"文件超过 {max_rows} 行，请拆分成几个文件分批导入。")
        # A NUL character past the first 8 KB of a CSV: PostgreSQL text cannot hold it.
        if any(isinstance(value, str) and "\x00" in value for value in row):
            raise SpreadsheetError(
                f"第{count + 1}行含有空字符（NUL），文件可能已损坏。请用 Excel 或 WPS 打开后另存为 .xlsx 或 CSV 再导入。"
            )
        yield list(row)


def blank(row: Iterable[Any]) -> bool:
    return all(value is None or str(value).strip() == "" for value in row)


def header_name(value: Any) -> str:
    # Templates often mark required columns with an asterisk; a BOM may survive in odd encodings.
    return str(value or "").replace("\ufeff", "").strip().rstrip("*＊").strip()


def cell_text(value: Any) -> str:
    """A cell as text: whole floats without ".0", line breaks normalized, and the apostrophe our exports put
    before a formula trigger taken away."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        text = text[1:]
    return text
