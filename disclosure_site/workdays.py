"""Working-day arithmetic for every legal deadline (reference/working-days.md).

A working day is Monday to Friday unless it is a statutory holiday, plus a weekend day declared a
make-up working day (调休上班). Day 1 is the working day after the start date (条例 第三十条、第三十三条
count "from receipt"; the received day itself is not counted). The calendar is data: a year with no
CalendarYear row raises CalendarMissing naming the year instead of guessing from weekends.
"""

from __future__ import annotations

import datetime as dt

from .errors import CalendarMissing
from .models import CalendarDay, CalendarYear

ONE_DAY = dt.timedelta(days=1)


class _Calendar:
    """The holidays and make-up days of the years one computation touches, loaded once per year."""

    def __init__(self) -> None:
        self._years: dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]] = {}

    def _load(self, year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
        if year not in self._years:
            if not CalendarYear.objects.filter(year=year).exists():
                raise CalendarMissing(year)
            holidays, workdays = set(), set()
            for date, kind in CalendarDay.objects.filter(date__year=year).values_list("date", "kind"):
                (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(date)
            self._years[year] = (frozenset(holidays), frozenset(workdays))
        return self._years[year]

    def is_working_day(self, day: dt.date) -> bool:
        holidays, workdays = self._load(day.year)
        if day in workdays:
            return True
        return day.weekday() < 5 and day not in holidays


# One calendar may be passed to many computations (a list page, an import) to read each year once.
Calendar = _Calendar


def is_working_day(day: dt.date, calendar: _Calendar | None = None) -> bool:
    return (calendar or _Calendar()).is_working_day(day)


def add_working_days(start: dt.date, n: int, calendar: _Calendar | None = None) -> dt.date:
    """The date of the n-th working day after start (day 1 is the first working day after start)."""
    if n < 0:
        raise ValueError("n must not be negative")
    calendar = calendar or _Calendar()
    day, counted = start, 0
    while counted < n:
        day += ONE_DAY
        if calendar.is_working_day(day):
            counted += 1
    return day


def working_days_between(a: dt.date, b: dt.date, calendar: _Calendar | None = None) -> int:
    """Working days after a up to and including b; negative when b is before a.

    working_days_between(start, add_working_days(start, n)) == n.
    """
    if b < a:
        return -working_days_between(b, a, calendar)
    calendar = calendar or _Calendar()
    count, day = 0, a
    while day < b:
        day += ONE_DAY
        if calendar.is_working_day(day):
            count += 1
    return count
