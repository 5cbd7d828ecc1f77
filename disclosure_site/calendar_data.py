"""Filling the working-day calendar: from the chinesecalendar package, or from an administrator's entry."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction

from . import audit
from .errors import DomainError
from .models import CalendarDay, CalendarYear

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def package_days() -> dict[int, list[tuple[dt.date, str, str]]]:
    """{year: [(date, kind, Chinese name), ...]} from chinesecalendar's official data."""
    from chinese_calendar import constants

    by_year: dict[int, list[tuple[dt.date, str, str]]] = {}
    for source, kind in (
        (constants.holidays, CalendarDay.Kind.HOLIDAY),
        (constants.workdays, CalendarDay.Kind.WORKDAY),
    ):
        for date, name in source.items():
            by_year.setdefault(date.year, []).append((date, kind, HOLIDAY_NAMES.get(name, name)))
    return by_year


def seed_from_package(years: set[int] | None = None) -> list[int]:
    """Create the years the package covers and that are not in the table yet; returns the years added.

    Idempotent and safe to run on two servers at once: existing years, including those an
    administrator entered or corrected, are never touched.
    """
    added = []
    for year, days in sorted(package_days().items()):
        if years is not None and year not in years:
            continue
        with transaction.atomic():
            calendar_year, created = CalendarYear.objects.get_or_create(
                year=year,
                defaults={"source": CalendarYear.Source.PACKAGE, "notice": "国务院办公厅关于部分节假日安排的通知"},
            )
            if not created:
                continue
            CalendarDay.objects.bulk_create(
                [CalendarDay(calendar_year=calendar_year, date=d, kind=k, name=n) for d, k, n in days],
                ignore_conflicts=True,
            )
            added.append(year)
    return added


@dataclass(frozen=True)
class EnteredDay:
    date: dt.date
    kind: str
    name: str


_DATE = r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?"
_HOLIDAY_LINE = re.compile(rf"^{_DATE}(?:\s*(?:至|到|~|～|—|-{{1,2}})\s*{_DATE})?\s*(.*)$")


def _date(year: str, month: str, day: str, line_no: int, field: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise DomainError(f"{field}第{line_no}行：{year}-{month}-{day} 不是有效日期。") from None


def parse_year_entry(year: int, holidays_text: str, workdays_text: str) -> list[EnteredDay]:
    """Parse the administrator's entry of one year's notice.

    holidays_text: one block a line, "2027-02-06 至 2027-02-12 春节" or "2027-01-01 元旦".
    workdays_text: one make-up working day a line, "2027-02-14 春节".
    """
    days: dict[dt.date, EnteredDay] = {}
    for field, text, kind in (
        ("放假安排", holidays_text, CalendarDay.Kind.HOLIDAY),
        ("调休上班日", workdays_text, CalendarDay.Kind.WORKDAY),
    ):
        for line_no, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            match = _HOLIDAY_LINE.match(line)
            if not match:
                raise DomainError(
                    f"{field}第{line_no}行“{line}”无法识别，请写成“2027-02-06 至 2027-02-12 春节”的形式。"
                )
            start = _date(*match.group(1, 2, 3), line_no, field)
            end = _date(*match.group(4, 5, 6), line_no, field) if match.group(4) else start
            name = match.group(7).strip()
            if end < start:
                raise DomainError(f"{field}第{line_no}行：结束日期早于开始日期。")
            if kind == CalendarDay.Kind.WORKDAY and end != start:
                raise DomainError(f"{field}第{line_no}行：调休上班日请每行填写一天。")
            day = start
            while day <= end:
                if day.year != year:
                    raise DomainError(f"{field}第{line_no}行：{day:%Y-%m-%d} 不在{year}年内。")
                if kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
                    raise DomainError(f"{field}第{line_no}行：{day:%Y-%m-%d} 是工作日，调休上班日应为周六或周日。")
                if day in days:
                    raise DomainError(f"{field}第{line_no}行：{day:%Y-%m-%d} 已在前面登记过，同一天不能重复登记。")
                days[day] = EnteredDay(day, kind, name)
                day += dt.timedelta(days=1)
    if not any(d.kind == CalendarDay.Kind.HOLIDAY for d in days.values()):
        raise DomainError(f"请填写{year}年的放假安排：每年至少有元旦、春节等法定节假日。")
    return sorted(days.values(), key=lambda d: d.date)


def format_year_entry(calendar_year: CalendarYear) -> tuple[str, str]:
    """The inverse of parse_year_entry, to pre-fill the admin form: consecutive holidays become one block."""
    holiday_lines, workday_lines = [], []
    block: list[CalendarDay] = []

    def flush() -> None:
        if block:
            first, last = block[0], block[-1]
            span = f"{first.date:%Y-%m-%d}" if first is last else f"{first.date:%Y-%m-%d} 至 {last.date:%Y-%m-%d}"
            holiday_lines.append(f"{span} {first.name}".strip())
            block.clear()

    for day in calendar_year.days.order_by("date"):
        if day.kind == CalendarDay.Kind.WORKDAY:
            workday_lines.append(f"{day.date:%Y-%m-%d} {day.name}".strip())
            continue
        if block and (day.date - block[-1].date).days == 1 and day.name == block[-1].name:
            block.append(day)
        else:
            flush()
            block.append(day)
    flush()
    return "\n".join(holiday_lines), "\n".join(workday_lines)


@transaction.atomic
def save_year_entry(calendar_year: CalendarYear, days: list[EnteredDay], *, by) -> None:
    """Replace the days of calendar_year with days, recording the change in the audit trail."""
    calendar_year = CalendarYear.objects.select_for_update().get(pk=calendar_year.pk)
    before = {f"{d:%Y-%m-%d}": k for d, k in calendar_year.days.values_list("date", "kind")}
    calendar_year.days.all().delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(calendar_year=calendar_year, date=d.date, kind=d.kind, name=d.name) for d in days]
    )
    after = {f"{d.date:%Y-%m-%d}": d.kind for d in days}
    labels = dict(CalendarDay.Kind.choices)
    changes = {
        date: [labels.get(before.get(date), "工作日/周末"), labels.get(after.get(date), "工作日/周末")]
        for date in sorted(before.keys() | after.keys())
        if before.get(date) != after.get(date)
    }
    if changes:
        audit.record(calendar_year, actor=by, action="change", changes=changes, comment="更新放假安排")
