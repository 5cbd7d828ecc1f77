"""The building blocks of a report format: sections, tables, header rows with spans, rows, columns,
and for every number cell where its value comes from.

A format is data. Adding a future national format is writing one more module like national_2021.py
that builds a Format from these classes and registers it; nothing else in the app changes.

Grid model of a table: a table is a sequence of blocks (table A has four, each with its own header
rows; tables B and C have one). A block's header rows are lists of Head cells with their spans, as the
printed form shows them. Each body row carries the row-header cells that *start* on it (a cell spanning
several rows starts on the first of them) and one Cell per data column of its block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Where a cell's number comes from ---------------------------------------------------------------------


@dataclass(frozen=True)
class Stat:
    """A named statistic answered by catalog.report_stats or requests_app.report_stats."""

    name: str


@dataclass(frozen=True)
class Sum:
    """The sum of other cells of the same table, each named (row key, column key)."""

    cells: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Entered:
    """A value staff enter (from another business system); see Format.entered for its label and kind."""

    name: str


Source = Stat | Sum | Entered


@dataclass(frozen=True)
class EnteredValue:
    """A value staff enter: decimal_places 0 for counts, more for amounts (万元)."""

    name: str
    label: str
    decimal_places: int = 0
    unit: str = "件"
    signed: bool = False  # a change (本年增/减) may be negative; every other entered value is ≥ 0


# Layout -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """A header cell: text and spans; in a body row a row header (scope row, or rowgroup when it spans)."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    note: bool = False  # a note printed in the header area (a td, not a header of any data cell)


@dataclass(frozen=True)
class Column:
    """A data column of a block: its key, its label (the JSON key) and how many grid columns it spans."""

    key: str
    label: str
    span: int = 1


@dataclass(frozen=True)
class Row:
    key: str
    label: str  # unique in the table: the JSON key, and what a consistency-check message names
    heads: tuple[Head, ...]  # the row-header cells that start on this row
    cells: tuple[Source, ...]  # one per column of the block


@dataclass(frozen=True)
class Block:
    header: tuple[tuple[Head, ...], ...]
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    blocks: tuple[Block, ...]
    note: str = ""  # printed above the table, e.g. a unit

    def rows(self):
        for block in self.blocks:
            for row in block.rows:
                yield block, row

    def cell_sources(self) -> dict[tuple[str, str], Source]:
        """{(row key, column key): source} for every number cell."""
        return {
            (row.key, column.key): source
            for block, row in self.rows()
            for column, source in zip(block.columns, row.cells, strict=True)
        }


@dataclass(frozen=True)
class Section:
    """A numbered section: narrative text staff write (pre-filled from facts), and/or a table."""

    key: str
    title: str
    table: Table | None = None
    narrative: bool = False
    hint: str = ""  # what the narrative should cover (shown to staff)
    # Topics of known facts the narrative is pre-filled with (annual_reports.narrative.TOPICS).
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    """A consistency check: the sum of `left` cells equals the sum of `right` cells in table `table`."""

    table: str
    left: tuple[tuple[str, str], ...]
    right: tuple[tuple[str, str], ...]
    message: str  # Chinese, shown when the check fails


@dataclass(frozen=True)
class CarryOver:
    """This year's row `carried` equals last year's row `open_at_end`, column by column (table `table`)."""

    table: str
    carried: str
    open_at_end: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Format:
    code: str
    name: str
    title_template: str  # "{organization}{year}年政府信息公开工作年度报告"
    sections: tuple[Section, ...]
    entered: tuple[EnteredValue, ...] = ()
    checks: tuple[Check, ...] = ()
    carry_over: tuple[CarryOver, ...] = ()
    first_year: int = 0
    last_year: int | None = None
    description: str = ""
    tables: dict[str, Table] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", {s.table.key: s.table for s in self.sections if s.table})
        _validate(self)

    @property
    def narrative_sections(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.narrative)

    def entered_value(self, name: str) -> EnteredValue:
        return next(e for e in self.entered if e.name == name)

    def statistics(self) -> set[str]:
        return {
            source.name
            for table in self.tables.values()
            for source in table.cell_sources().values()
            if isinstance(source, Stat)
        }


class FormatError(ValueError):
    """A format definition is inconsistent (a programming error, found when the format is defined)."""


def _validate(fmt: Format) -> None:
    entered = {e.name for e in fmt.entered}
    for table in fmt.tables.values():
        sources = table.cell_sources()
        labels = [row.label for _, row in table.rows()]
        if len(labels) != len(set(labels)):
            raise FormatError(f"{fmt.code}: table {table.key} has two rows with the same label")
        for block in table.blocks:
            for row in block.rows:
                if len(row.cells) != len(block.columns):
                    raise FormatError(f"{fmt.code}: row {row.key} of table {table.key} has the wrong number of cells")
        for key, source in sources.items():
            if isinstance(source, Sum):
                missing = [ref for ref in source.cells if ref not in sources]
                if missing:
                    raise FormatError(f"{fmt.code}: cell {key} of table {table.key} sums unknown cells {missing}")
            if isinstance(source, Entered) and source.name not in entered:
                raise FormatError(f"{fmt.code}: cell {key} uses the undeclared entered value {source.name}")
    for check in fmt.checks:
        sources = fmt.tables[check.table].cell_sources()
        for ref in (*check.left, *check.right):
            if ref not in sources:
                raise FormatError(f"{fmt.code}: a check names the unknown cell {ref} of table {check.table}")


def quantize(value: Decimal | int, decimal_places: int) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-decimal_places))
