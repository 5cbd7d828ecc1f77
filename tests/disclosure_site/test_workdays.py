"""Working-day arithmetic on real calendars (reference/working-days.md); day 1 is the next working day."""

import datetime as dt

import pytest

from disclosure_site.calendar_data import seed_from_package
from disclosure_site.errors import CalendarMissing
from disclosure_site.models import CalendarYear
from disclosure_site.workdays import add_working_days, is_working_day, working_days_between

D = dt.date


@pytest.fixture
def calendar(db):
    seed_from_package({2024, 2025, 2026})


def test_twenty_working_days_across_national_day_2025(calendar):
    # 2025-09-26 is a Friday; 28 Sep (Sunday) and 11 Oct (Saturday) are make-up working days,
    # 1-8 October are holidays: day 1 = 28 Sep, day 3 = 30 Sep, day 4 = 9 Oct, day 6 = 11 Oct.
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert add_working_days(D(2025, 9, 26), 4) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 26), 6) == D(2025, 10, 11)
    assert add_working_days(D(2025, 9, 26), 20) == D(2025, 10, 30)


def test_twenty_working_days_across_spring_festival_2026(calendar):
    # 14 Feb (Saturday) is a make-up day, 15-23 Feb holidays, 28 Feb (Saturday) a make-up day.
    assert add_working_days(D(2026, 2, 10), 4) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 10), 5) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 10), 9) == D(2026, 2, 28)
    assert add_working_days(D(2026, 2, 10), 20) == D(2026, 3, 16)


def test_count_from_a_friday_starts_on_monday(calendar):
    assert add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)
    assert add_working_days(D(2026, 3, 6), 20) == D(2026, 4, 3)


def test_count_from_a_holiday_starts_on_the_first_working_day_after_it(calendar):
    # Received during National Day 2026 (1-7 Oct): 8 Oct is day 1, 10 Oct (Saturday) a make-up day.
    assert add_working_days(D(2026, 10, 3), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 10, 3), 3) == D(2026, 10, 10)
    assert add_working_days(D(2026, 10, 3), 20) == D(2026, 11, 3)


def test_make_up_saturday_is_a_working_day_and_holiday_weekday_is_not(calendar):
    assert is_working_day(D(2026, 2, 14))
    assert not is_working_day(D(2026, 2, 16))
    assert not is_working_day(D(2026, 2, 21))
    assert is_working_day(D(2026, 2, 24))


def test_between_is_the_inverse_of_add(calendar):
    for start in (D(2025, 9, 26), D(2026, 2, 10), D(2026, 10, 3)):
        for n in (0, 1, 7, 15, 20):
            assert working_days_between(start, add_working_days(start, n)) == n
    assert working_days_between(D(2026, 3, 16), D(2026, 2, 10)) == -20


def test_into_2027_without_calendar_data_names_the_year(calendar):
    assert not CalendarYear.objects.filter(year=2027).exists()
    with pytest.raises(CalendarMissing) as error:
        add_working_days(D(2026, 12, 15), 20)
    assert error.value.year == 2027
    assert "缺少2027年的工作日历" in str(error.value)
    assert "系统管理员" in str(error.value)


def test_a_gap_year_in_the_middle_is_reported(calendar):
    CalendarYear.objects.filter(year=2025).delete()
    with pytest.raises(CalendarMissing, match="2025"):
        working_days_between(D(2024, 12, 20), D(2026, 1, 10))
