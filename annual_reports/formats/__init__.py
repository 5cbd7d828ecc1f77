"""Report formats, as data (annual_reports/formats/base.py), and the registry of those in use.

The national 2021 format is the default from 2021 on; reports on 2019 and 2020 use the trial format;
earlier years the older four-table format. A future national format is one more module and one call to
register().
"""

from __future__ import annotations

from .base import (
    Block,
    CarryOver,
    Check,
    Column,
    Entered,
    EnteredValue,
    Format,
    FormatError,
    Head,
    Row,
    Section,
    Source,
    Stat,
    Sum,
    Table,
)

__all__ = [
    "Block",
    "CarryOver",
    "Check",
    "Column",
    "Entered",
    "EnteredValue",
    "Format",
    "FormatError",
    "Head",
    "Row",
    "Section",
    "Source",
    "Stat",
    "Sum",
    "Table",
    "FORMATS",
    "register",
    "get",
    "default_for",
    "choices",
]

FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    FORMATS[fmt.code] = fmt
    return fmt


def get(code: str) -> Format:
    try:
        return FORMATS[code]
    except KeyError:
        from disclosure_site.errors import DomainError

        raise DomainError(f"没有代码为“{code}”的年度报告格式。") from None


def default_for(year: int) -> Format:
    """The newest registered format whose years include year."""
    fitting = [f for f in FORMATS.values() if f.first_year <= year and (f.last_year is None or year <= f.last_year)]
    return max(fitting, key=lambda f: f.first_year)


def choices() -> list[tuple[str, str]]:
    return [(f.code, f.name) for f in sorted(FORMATS.values(), key=lambda f: -f.first_year)]


def _register_shipped() -> None:
    from . import legacy, national_2021, trial_2019

    for module in (national_2021, trial_2019, legacy):
        register(module.FORMAT)


_register_shipped()
