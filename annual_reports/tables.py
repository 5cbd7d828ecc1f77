"""From a format and numbers to filled tables, and the consistency checks on them. Pure functions:
no queries, no models. The output is the plain "document" (dicts, lists, ints and strings) that every
renderer reads and that publication freezes as the snapshot.

Values in a document: counts are ints, amounts (万元) are strings of the decimal as entered, an entered
value not yet given is None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .formats import Entered, Format, FormatError, Stat, Sum, Table

Value = int | Decimal | None
Grid = dict[tuple[str, str], Value]


def evaluate(fmt: Format, statistics: Mapping[str, int], entered: Mapping[str, Decimal]) -> dict[str, Grid]:
    """{table key: {(row key, column key): value}} for every number cell of fmt."""
    result: dict[str, Grid] = {}
    for table in fmt.tables.values():
        sources = table.cell_sources()
        grid: Grid = {}

        def value_of(ref: tuple[str, str], seen: tuple = (), *, table=table, sources=sources, grid=grid) -> Value:
            if ref in grid:
                return grid[ref]
            if ref in seen:
                raise FormatError(f"{fmt.code}: table {table.key} sums a cell into itself: {ref}")
            source = sources[ref]
            if isinstance(source, Stat):
                try:
                    value: Value = int(statistics[source.name])
                except KeyError:
                    raise FormatError(f"{fmt.code}: no statistic named {source.name}") from None
            elif isinstance(source, Entered):
                value = entered.get(source.name)
                if value is not None and fmt.entered_value(source.name).decimal_places == 0:
                    value = int(value)
            elif isinstance(source, Sum):
                parts = [value_of(part, (*seen, ref)) for part in source.cells]
                value = None if any(p is None for p in parts) else sum(parts)
            else:  # pragma: no cover - the Source union is closed
                raise FormatError(f"unknown source {source!r}")
            grid[ref] = value
            return value

        for ref in sources:
            value_of(ref)
        result[table.key] = grid
    return result


def plain(value: Value) -> int | str | None:
    """A value as the document stores it: ints stay ints, decimals become their exact string."""
    if value is None or isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def number(value: int | str | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value)


def table_document(table: Table, grid: Grid) -> dict:
    width = 0
    blocks = []
    for block in table.blocks:
        width = max(width, sum(head.colspan for head in block.header[0]))
        blocks.append(
            {
                "header": [
                    [{"text": h.text, "rowspan": h.rowspan, "colspan": h.colspan, "note": h.note} for h in line]
                    for line in block.header
                ],
                "columns": [{"key": c.key, "label": c.label, "span": c.span} for c in block.columns],
                "rows": [
                    {
                        "key": row.key,
                        "label": row.label,
                        "heads": [{"text": h.text, "rowspan": h.rowspan, "colspan": h.colspan} for h in row.heads],
                        "cells": [
                            {
                                "column": column.label,
                                "colspan": column.span,
                                "value": plain(grid[(row.key, column.key)]),
                                "source": type(source).__name__.lower(),
                            }
                            for column, source in zip(block.columns, row.cells, strict=True)
                        ],
                    }
                    for row in block.rows
                ],
            }
        )
    return {"key": table.key, "title": table.title, "note": table.note, "width": width, "blocks": blocks}


def sections_document(fmt: Format, grids: dict[str, Grid], narrative: Mapping[str, str]) -> list[dict]:
    sections = []
    for section in fmt.sections:
        entry: dict = {"key": section.key, "title": section.title}
        if section.narrative:
            entry["text"] = narrative.get(section.key, "")
        if section.table is not None:
            entry["table"] = table_document(section.table, grids[section.table.key])
        sections.append(entry)
    return sections


# Consistency checks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    message: str  # what was checked, or on failure what is wrong (Chinese)

    def as_dict(self) -> dict:
        return {"passed": self.passed, "message": self.message}


def _total(grid: Grid, refs) -> Value:
    values = [grid.get(ref) for ref in refs]
    return None if any(v is None for v in values) else sum(values)


def run_checks(fmt: Format, grids: dict[str, Grid], previous: dict[str, Grid] | None = None) -> list[CheckResult]:
    """The failures of fmt's checks (and of the carry-over from last year's published report, when
    there is one); an empty list when everything agrees. A check on cells not yet entered is skipped."""
    failures = []
    for check in fmt.checks:
        grid = grids[check.table]
        left, right = _total(grid, check.left), _total(grid, check.right)
        if left is None or right is None or left == right:
            continue
        failures.append(CheckResult(False, check.message.format(left=plain(left), right=plain(right))))
    for carry in fmt.carry_over:
        if previous is None or carry.table not in previous:
            continue
        block = next(b for b in fmt.tables[carry.table].blocks if any(r.key == carry.carried for r in b.rows))
        labels = {c.key: c.label for c in block.columns}
        for column in carry.columns:
            now = grids[carry.table].get((carry.carried, column))
            before = previous[carry.table].get((carry.open_at_end, column))
            if now is not None and before is not None and now != before:
                failures.append(
                    CheckResult(
                        False,
                        f"“{labels[column]}”列：本年“二、上年结转政府信息公开申请数量”（{plain(now)}）"
                        f"不等于上年度报告“四、结转下年度继续办理”（{plain(before)}）。",
                    )
                )
    return failures


def grids_from_document(sections: list[dict]) -> dict[str, Grid]:
    """Read the values back out of a document (a published snapshot), keyed like evaluate()'s result."""
    grids: dict[str, Grid] = {}
    for section in sections:
        table = section.get("table")
        if not table:
            continue
        grid: Grid = {}
        for block in table["blocks"]:
            for row in block["rows"]:
                for column, cell in zip(block["columns"], row["cells"], strict=True):
                    grid[(row["key"], column["key"])] = number(cell["value"])
        grids[table["key"]] = grid
    return grids
