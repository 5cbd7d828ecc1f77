"""The public statistics page (政务公开统计) of an organization or the whole government and a year, as
SQL aggregates returning plain dataclasses; charts, tables and CSV files format them and query nothing.

The numbers the yearly report also prints follow the report's counting rules (requests_app.report_stats,
catalog.report_stats), and tests/workplans/test_statistics.py checks them against a built report cell by
cell, inconsistent data included:
- items published in the year: published items whose 发布日期 falls in the year, Beijing time (the
  report's "主动公开政府信息" total);
- applications received (条例 第三十一条) in the year, per month: table B 一、本年新收;
- 上年结转: received before the year and not ended before it; 结转下年度: received by 31 December and not
  ended by then; outcomes: ended in the year, each once in the row of its outcome (table B 三);
- reconsideration and lawsuits: table C (requests_app.report_stats.cases itself).
Table B's rows come from one scan grouped by a handful of small keys instead of the report's separate
queries per row group: the page shows no applicant columns and must stay fast at 200,000 applications.

Reply times, for the applications answered (答复) in the year: working days from the received date to the
reply (day 1 is the working day after receipt, disclosure_site.workdays), median and 90th percentile (the
smallest number of working days within which 90% were answered). Answered in time: on or before the due
date of requests_app.deadlines.clock — 20 working days (第三十三条), an approved extension, the restart
after a correction (第三十条), pauses for consultations and fees (第三十二条, 国办函〔2020〕109号), a later date
(第三十五条). The calendar is read in two queries into one cumulative index of working days; that index
travels back to the database as a VALUES table, so the days taken and the plain verdicts (20 working
days) of every answered application are counted in SQL and only their distribution comes back. The few
applications with events that move a deadline are read apart (a covering index holds those events) and
their verdicts computed against the same index, O(1) per step; time and queries hardly depend on the
number of applications. The rules
are those of deadlines.clock, step by step (a test compares both on every kind of event); anything the
index cannot answer falls back to deadlines.clock itself. A year with no calendar entered is reported
as such (DESIGN.md: never a weekends-only guess).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth

from catalog.models import CategoryYearPublications, MonthlyPublications
from disclosure_site.errors import CalendarMissing
from disclosure_site.models import CalendarDay, CalendarYear, Organization
from requests_app import deadlines
from requests_app import report_stats as request_stats
from requests_app.models import (
    CLOCK_EVENTS,
    CaseKind,
    EventKind,
    InfoRequest,
    Outcome,
    OutcomeGroup,
    RequestEvent,
    Status,
)

BEIJING = ZoneInfo("Asia/Shanghai")
MONTHS = tuple(range(1, 13))
PAUSE_ENDS = {EventKind.CONSULTATION_STARTED: EventKind.CONSULTATION_ENDED, EventKind.FEE_NOTICE: EventKind.FEE_PAID}
REPLY_BUCKETS = (
    (0, 5, "5个工作日以内"),
    (6, 10, "6–10个工作日"),
    (11, 15, "11–15个工作日"),
    (16, 20, "16–20个工作日"),
    (21, 30, "21–30个工作日"),
    (31, 40, "31–40个工作日"),
    (41, None, "40个工作日以上"),
)


@dataclass(frozen=True)
class Applications:
    by_month: tuple[int, ...]  # received in the year, per month (table B 一, spread over the months)
    carried: int  # 上年结转
    open_at_end: int  # 结转下年度继续办理
    outcomes: dict[str, int]  # ended in the year: {outcome code: count} (table B 三)

    @property
    def new(self) -> int:
        return sum(self.by_month)

    @property
    def ended(self) -> int:
        return sum(self.outcomes.values())


@dataclass(frozen=True)
class ReplyTimes:
    answered: int  # applications answered (答复) in the year
    median: float | None  # working days
    p90: int | None
    buckets: tuple[tuple[str, int], ...]
    in_time: int
    late: int
    extended: int  # answered in the year after an extension of the deadline (条例 第三十三条)
    missing_years: tuple[int, ...] = ()  # calendar years not entered: no reply time could be computed

    @property
    def known(self) -> bool:
        return not self.missing_years

    @property
    def in_time_share(self) -> float | None:
        decided = self.in_time + self.late
        return self.in_time / decided if decided else None


@dataclass(frozen=True)
class OutcomeRow:
    code: str
    group: str  # the group's label, e.g. （三）不予公开
    label: str
    count: int


@dataclass(frozen=True)
class Statistics:
    year: int
    organization: Organization | None  # None: the whole government
    subtree: bool
    items_by_month: tuple[int, ...]
    items_by_category: tuple[tuple[str, int], ...]
    applications: Applications
    outcomes: tuple[OutcomeRow, ...]
    reply: ReplyTimes
    cases: request_stats.Cases
    notes: tuple[str, ...] = field(default=())

    @property
    def items_total(self) -> int:
        return sum(self.items_by_month)

    @property
    def applications_by_month(self) -> tuple[int, ...]:
        return self.applications.by_month

    @property
    def applications_total(self) -> int:
        return self.applications.new

    @property
    def carried(self) -> int:
        return self.applications.carried

    @property
    def open_at_end(self) -> int:
        return self.applications.open_at_end

    @property
    def ended(self) -> int:
        return self.applications.ended

    def case_rows(self) -> list[tuple[str, dict[str, int], int]]:
        return [(kind.label, self.cases.by_kind[kind], self.cases.total(kind)) for kind in CaseKind]


def organizations_for(organization: Organization | None, *, subtree: bool) -> QuerySet[Organization] | None:
    """None for the whole government (no filter at all); one organization, or it and its subtree."""
    if organization is None:
        return None
    if subtree:
        return organization.get_descendants(include_self=True)
    return Organization.objects.filter(pk=organization.pk)


def _of(queryset: QuerySet, organizations: QuerySet[Organization] | None, field_name: str = "organization"):
    return queryset if organizations is None else queryset.filter(**{f"{field_name}__in": organizations})


def items(
    organizations: QuerySet[Organization] | None, year: int
) -> tuple[tuple[int, ...], tuple[tuple[str, int], ...]]:
    """Published items of the year per month and per catalog column (columns of the same name, as every
    organization's seeded 公开目录 has them, count together), in two queries over the counts the
    database keeps per organization and month and per column and year (catalog.publication_counts):
    a few thousand rows for the whole government instead of the year's 100,000 items."""
    months = (
        _of(
            MonthlyPublications.objects.filter(month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 1)),
            organizations,
        )
        .order_by()
        .values_list("month")
        .annotate(n=Sum("count"))
    )
    by_month = dict.fromkeys(MONTHS, 0)
    for month, n in months:
        by_month[month.month] += n
    columns = (
        _of(CategoryYearPublications.objects.filter(year=year, count__gt=0), organizations, "category__organization")
        .order_by()
        .values_list("category__name")
        .annotate(n=Sum("count"))
    )
    categories = tuple(sorted(((name, n) for name, n in columns if n), key=lambda kv: (-kv[1], kv[0])))
    return tuple(by_month[month] for month in MONTHS), categories


def applications(organizations: QuerySet[Organization] | None, year: int) -> Applications:
    """Table B's rows for the page in one scan, grouped by four small keys (at most 14 × 2 × 2 × 22 rows)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ended_in_year = Q(ended_on__gte=first, ended_on__lte=last)
    not_ended_before = Q(ended_on__isnull=True) | Q(ended_on__gte=first)
    open_at_end = Q(ended_on__isnull=True) | Q(ended_on__gt=last)
    concerned = (Q(received_on__lte=last) & (Q(received_on__gte=first) | not_ended_before)) | ended_in_year

    def flag(condition: Q) -> Case:
        return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())

    rows = (
        _of(InfoRequest.objects.filter(Q(received_on__isnull=False) & concerned), organizations)
        .order_by()
        .values_list(
            Case(
                When(Q(received_on__gte=first, received_on__lte=last), then=ExtractMonth("received_on")),
                default=Value(0),
                output_field=IntegerField(),
            ),
            flag(Q(received_on__lt=first) & not_ended_before),
            flag(Q(received_on__lte=last) & open_at_end),
            Case(When(ended_in_year, then=F("outcome")), default=Value(""), output_field=CharField()),
        )
        .annotate(n=Count("pk"))
    )
    by_month = dict.fromkeys(MONTHS, 0)
    carried = still_open = 0
    outcomes = dict.fromkeys(Outcome.values, 0)
    for month, was_carried, is_open, outcome, n in rows:
        if month:
            by_month[month] += n
        carried += was_carried * n
        still_open += is_open * n
        if outcome:
            outcomes[outcome] = outcomes.get(outcome, 0) + n
    return Applications(tuple(by_month[m] for m in MONTHS), carried, still_open, outcomes)


def outcome_rows(figures: Applications) -> tuple[OutcomeRow, ...]:
    return tuple(
        OutcomeRow(
            code=outcome.value,
            group=OutcomeGroup(outcome.value.split(".")[0]).label.split("（区分处理")[0],
            label=str(outcome.label),
            count=figures.outcomes.get(outcome.value, 0),
        )
        for outcome in Outcome
    )


# Working days -----------------------------------------------------------------------------------------


class BeyondIndex(Exception):
    """A date outside the years the index covers; after: past their end (not before their start)."""

    def __init__(self, day: dt.date, *, after: bool) -> None:
        super().__init__(day)
        self.after = after


class LoadedCalendar:
    """Every entered calendar year, read in two queries. Answers like disclosure_site.workdays.Calendar
    (raising CalendarMissing for a year not entered), and after index(first, last) counts and adds
    working days in O(1) from a cumulative table of the years first..last."""

    def __init__(self) -> None:
        self.years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        self.holidays: set[dt.date] = set()
        self.workdays: set[dt.date] = set()
        for date, kind in CalendarDay.objects.values_list("date", "kind"):
            (self.holidays if kind == CalendarDay.Kind.HOLIDAY else self.workdays).add(date)
        self._origin = dt.date(1, 1, 1)
        self._cumulative: list[int] = []  # working days from the origin up to and including each date
        self._working: list[dt.date] = []  # the working days, in order

    def is_working_day(self, day: dt.date) -> bool:
        if day.year not in self.years:
            raise CalendarMissing(day.year)
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def missing(self, first: int, last: int) -> tuple[int, ...]:
        return tuple(year for year in range(first, last + 1) if year not in self.years)

    def index(self, first: int, last: int) -> None:
        """Index the years first..last (all entered), and the years after them that are entered too."""
        while last + 1 in self.years:
            last += 1
        self._origin = dt.date(first, 1, 1)
        day, running = self._origin, 0
        cumulative, working = [], []
        while day.year <= last:
            if self.is_working_day(day):
                running += 1
                working.append(day)
            cumulative.append(running)
            day += dt.timedelta(days=1)
        self._cumulative, self._working = cumulative, working

    def table(self) -> list[tuple[dt.date, int, int]]:
        """(date, working days from the origin up to and including it, 1 if a working day) for every
        indexed day: the index as rows, for counting in SQL."""
        rows, previous = [], 0
        for offset, running in enumerate(self._cumulative):
            rows.append((self._origin + dt.timedelta(days=offset), running, running - previous))
            previous = running
        return rows

    @property
    def last_position(self) -> int:
        return len(self._working)

    def _position(self, day: dt.date) -> int:
        offset = (day - self._origin).days
        if not 0 <= offset < len(self._cumulative):
            raise BeyondIndex(day, after=offset >= 0)
        return self._cumulative[offset]

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days after a up to and including b (disclosure_site.workdays.working_days_between)."""
        return self._position(b) - self._position(a)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after start (disclosure_site.workdays.add_working_days)."""
        if n == 0:
            return start
        k = self._position(start) + n
        if k > len(self._working):
            raise BeyondIndex(start, after=True)
        return self._working[k - 1]


def in_time(received: dt.date, replied: dt.date, events: list[tuple], calendar: LoadedCalendar) -> bool:
    """Whether an answered application was answered by its due date: requests_app.deadlines.clock's rules
    for an ended application, step by step, on the indexed calendar. events: (kind, on, days, due_on) in
    the order recorded. Raises BeyondIndex where the index cannot answer."""
    start, extension, paused, pause, later = received, 0, 0, None, None
    for kind, on, days, due_on in events:
        if kind == EventKind.CORRECTION_RECEIVED:
            start, paused, pause = on, 0, None  # 第三十条: the count restarts from the corrected application
        elif kind in PAUSE_ENDS:
            if pause is None:
                pause = (PAUSE_ENDS[kind], on)
        elif pause is not None and kind == pause[0]:
            running_due = calendar.add_working_days(start, deadlines.REPLY_WORKING_DAYS + extension + paused)
            # A pause that began after the reply was already due adds nothing (deadlines._pause_length).
            if pause[1] < running_due:
                paused += max(0, calendar.working_days_between(pause[1], on))
            pause = None
        elif kind == EventKind.EXTENDED:
            extension = days or 0
        elif kind == EventKind.LATER_DATE:
            later = due_on
    try:
        due = calendar.add_working_days(start, deadlines.REPLY_WORKING_DAYS + extension + paused)
    except BeyondIndex as beyond:
        if beyond.after:
            return True  # the due date lies past every indexed day, so after the reply (in the year indexed)
        raise
    if later and later > due:
        due = later
    return replied <= due


def _clock_in_time(received: dt.date, replied: dt.date, events: list[tuple], calendar: LoadedCalendar) -> bool | int:
    """deadlines.clock itself, for what the index cannot answer: True/False, or the missing calendar year."""
    info_request = InfoRequest(received_on=received, ended_on=replied, status=Status.ANSWERED)
    rows = [
        RequestEvent(kind=kind, on=on, days=days, due_on=due_on, at=dt.datetime(2000, 1, 1, tzinfo=BEIJING), pk=i)
        for i, (kind, on, days, due_on) in enumerate(events, start=1)
    ]
    clock = deadlines.clock(info_request, events=rows, today=replied, calendar=calendar)
    if clock.missing_year:
        # The due date lies in a year not entered yet: only a reply before that year is surely in time.
        return True if clock.missing_year > replied.year else clock.missing_year
    return replied <= clock.due


def _median(distribution: list[tuple[int, int]], total: int) -> float:
    """The median of a sorted [(value, how many)] distribution (the mean of the two middle values if even)."""

    def nth(rank: int) -> int:  # rank from 1
        seen = 0
        for value, n in distribution:
            seen += n
            if seen >= rank:
                return value
        raise ValueError(rank)

    if total % 2:
        return float(nth(total // 2 + 1))
    return (nth(total // 2) + nth(total // 2 + 1)) / 2


def _percentile(distribution: list[tuple[int, int]], total: int, share: float) -> int:
    """The nearest-rank percentile: the smallest value that at least `share` of the cases do not exceed."""
    rank = max(1, math.ceil(share * total))
    cumulative, seen = [], 0
    for _, n in distribution:
        seen += n
        cumulative.append(seen)
    return distribution[bisect.bisect_left(cumulative, rank)][0]


def _plain_counts(answered: QuerySet, calendar: LoadedCalendar) -> list[tuple[int, int, int]]:
    """[(working days taken, how many answered within 20 working days, how many)] over every answered
    application, counted in SQL: the calendar index travels as a VALUES table, joined once for the
    received date and once for the reply, so that only the distribution leaves the database.

    In time without events means replied <= the 20th working day after receipt (第三十三条): for a reply
    on a working day its position is at most the received position + 20; on a rest day, less than that.
    A due date past the indexed years is after every reply of the year (as in reply_times below)."""
    table = calendar.table()
    inner_sql, inner_params = answered.order_by().values("received_on", "ended_on").query.sql_with_params()
    days = deadlines.REPLY_WORKING_DAYS
    sql = (
        f"WITH cal (d, pos, working) AS (VALUES {', '.join(['(%s, %s, %s)'] * len(table))}) "  # noqa: S608 - placeholders only
        "SELECT ce.pos - cr.pos, "
        "SUM(CASE WHEN cr.pos + %s > %s OR ce.pos + 1 - ce.working <= cr.pos + %s THEN 1 ELSE 0 END), COUNT(*) "
        f"FROM ({inner_sql}) AS r "
        "JOIN cal AS cr ON cr.d = r.received_on JOIN cal AS ce ON ce.d = r.ended_on "
        "GROUP BY ce.pos - cr.pos"
    )
    params = [value for row in table for value in row] + [days, calendar.last_position, days, *inner_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(taken), int(timely), int(n)) for taken, timely, n in cursor.fetchall()]


def _answered_in(year: int, prefix: str = "") -> Q:
    """Applications answered (答复) in the year; prefix: the path to them from another model."""
    return Q(
        **{
            f"{prefix}status": Status.ANSWERED,
            f"{prefix}received_on__isnull": False,
            f"{prefix}ended_on__gte": dt.date(year, 1, 1),
            f"{prefix}ended_on__lte": dt.date(year, 12, 31),
        }
    )


def reply_times(
    organizations: QuerySet[Organization] | None, year: int, calendar: LoadedCalendar | None = None
) -> ReplyTimes:
    """Reply times and timeliness of the applications answered in the year, in five queries: how many
    and since when, the calendar (two), the distribution of working days taken with the plain verdicts
    (counted in SQL, _plain_counts), and the events that move a deadline, for the few applications that
    have them, whose verdict replaces the plain one (one join of two covering indexes, the year's
    answered applications and their clock events, in the order the events were recorded)."""
    answered = _of(InfoRequest.objects.filter(_answered_in(year)), organizations)
    summary = answered.order_by().aggregate(total=Count("pk"), earliest=Min("received_on"))
    total = summary["total"]
    empty = ReplyTimes(answered=total, median=None, p90=None, buckets=(), in_time=0, late=0, extended=0)
    if not total:
        return empty
    calendar = calendar or LoadedCalendar()
    missing = calendar.missing(summary["earliest"].year, year)
    if missing:
        return ReplyTimes(**{**empty.__dict__, "missing_years": missing})
    calendar.index(summary["earliest"].year, year)

    taken: dict[int, int] = defaultdict(int)
    timely = 0
    for days, timely_plain, n in _plain_counts(answered, calendar):
        taken[days] += n
        timely += timely_plain
    # Applications whose events move the deadline: replace the verdict counted above with theirs.
    moving = (
        _of(
            RequestEvent.objects.filter(Q(kind__in=CLOCK_EVENTS) & _answered_in(year, "info_request__")),
            organizations,
            "info_request__organization",
        )
        .order_by("info_request_id", "at", "id")
        .values_list(
            "info_request_id", "info_request__received_on", "info_request__ended_on", "kind", "on", "days", "due_on"
        )
    )
    extended = 0
    unknown: set[int] = set()
    add = calendar.add_working_days
    plain_days = deadlines.REPLY_WORKING_DAYS
    for (_, received, replied), rows in groupby(moving, key=lambda row: row[:3]):
        steps = [row[3:] for row in rows]
        extended += any(step[0] == EventKind.EXTENDED for step in steps)
        try:
            verdict = in_time(received, replied, steps, calendar)
        except BeyondIndex:
            verdict = _clock_in_time(received, replied, steps, calendar)
            if verdict is not True and verdict is not False:
                unknown.add(verdict)
                continue
        try:
            plain = replied <= add(received, plain_days)
        except BeyondIndex as beyond:  # a due date past every indexed day is after the reply (as in in_time)
            if not beyond.after:
                raise
            plain = True
        timely += int(verdict) - int(plain)
    if unknown:
        return ReplyTimes(**{**empty.__dict__, "missing_years": tuple(sorted(unknown))})

    distribution = sorted(taken.items())
    buckets = tuple(
        (label, sum(n for days, n in distribution if days >= low and (high is None or days <= high)))
        for low, high, label in REPLY_BUCKETS
    )
    return ReplyTimes(
        answered=total,
        median=_median(distribution, total),
        p90=_percentile(distribution, total, 0.9),
        buckets=buckets,
        in_time=timely,
        late=total - timely,
        extended=extended,
    )


def gather(organization: Organization | None, year: int, *, subtree: bool) -> Statistics:
    """Everything the page shows, in a constant number of queries (nine)."""
    organizations = organizations_for(organization, subtree=subtree)
    by_month, by_category = items(organizations, year)
    figures = applications(organizations, year)
    return Statistics(
        year=year,
        organization=organization,
        subtree=subtree,
        items_by_month=by_month,
        items_by_category=by_category,
        applications=figures,
        outcomes=outcome_rows(figures),
        reply=reply_times(organizations, year),
        cases=request_stats.cases(organizations if organizations is not None else Organization.objects.all(), year),
    )
