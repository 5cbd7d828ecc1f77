"""The legal clock of an application, computed from its recorded events and the working-day calendar.

This is the one place the reply deadline is worked out (DESIGN.md "Clock"); the workflow stores its
result in InfoRequest.due_on after every step only so that list pages can filter on it in SQL.

- 条例 第三十一条: the count runs from the received date; day 1 is the next working day
  (disclosure_site.workdays keeps that choice).
- 第三十三条: the reply is due 20 working days after receipt; one extension of at most 20 working days,
  approved by the office head and notified to the applicant before the original due date.
- 第三十条: a correction notice (补正) must go out within 7 working days of receipt; the count restarts from
  the day the corrected application arrives, and stands still while the organ waits for it.
- 第三十二条、第三十四条: time spent consulting a third party (who has 15 working days) or another organ is not
  counted; 国办函〔2020〕109号: neither is the time spent waiting for a fee (20 working days to pay).
- 第三十五条: for a clearly excessive number of requests the organ may set a later reply date, with reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from disclosure_site.errors import CalendarMissing
from disclosure_site.workdays import Calendar, add_working_days, working_days_between

from .models import EventKind, InfoRequest, RequestEvent, Status

REPLY_WORKING_DAYS = 20  # 第三十三条第二款
MAX_EXTENSION_WORKING_DAYS = 20  # 第三十三条第二款
CORRECTION_NOTICE_WITHIN = 7  # 第三十条
DEFAULT_CORRECTION_PERIOD = 15  # a reasonable period for the applicant to correct (set per notice)
THIRD_PARTY_WORKING_DAYS = 15  # 第三十二条
FEE_PAYMENT_WORKING_DAYS = 20  # 国办函〔2020〕109号
DUE_SOON_WORKING_DAYS = 5  # the dashboard's "due within 5 working days"

_PAUSE_STARTS = {EventKind.CONSULTATION_STARTED: EventKind.CONSULTATION_ENDED, EventKind.FEE_NOTICE: EventKind.FEE_PAID}


@dataclass(frozen=True)
class Clock:
    """Where an application stands against its deadlines on a given day.

    due is None when the clock is not running towards a reply date: not yet received, waiting for a
    correction, ended, or a calendar year is missing (missing_year names it). While paused (consultation,
    fee), due is the date the reply would fall due if the pause ended today.
    """

    start: dt.date | None = None
    due: dt.date | None = None
    original_due: dt.date | None = None
    extension_days: int = 0
    paused_days: int = 0
    paused: bool = False
    later_date: dt.date | None = None
    correction_due: dt.date | None = None
    correction_notice_by: dt.date | None = None
    missing_year: int | None = None
    today: dt.date | None = None

    @property
    def running(self) -> bool:
        return self.due is not None and not self.paused

    @property
    def overdue(self) -> bool:
        return self.running and self.today is not None and self.today > self.due

    @property
    def extended(self) -> bool:
        return self.extension_days > 0


def clock(
    info_request: InfoRequest,
    *,
    events: Iterable[RequestEvent] | None = None,
    today: dt.date | None = None,
    calendar: Calendar | None = None,
) -> Clock:
    """The clock of info_request on today (default: the local date), from its events in the order recorded."""
    from django.utils import timezone

    today = today or timezone.localdate()
    calendar = calendar or Calendar()
    if events is None:
        events = info_request.events.all()
    events = sorted(events, key=lambda e: (e.at, e.pk or 0))
    try:
        return _compute(info_request, events, today, calendar)
    except CalendarMissing as missing:
        return Clock(start=info_request.received_on, missing_year=missing.year, today=today)


def _compute(info_request: InfoRequest, events: list[RequestEvent], today: dt.date, calendar: Calendar) -> Clock:
    received = info_request.received_on
    if received is None:
        return Clock(today=today)
    start = received
    notice_by = add_working_days(received, CORRECTION_NOTICE_WITHIN, calendar)
    extension = 0
    paused_days = 0
    open_pause: tuple[EventKind, dt.date] | None = None
    correction_due = None
    waiting_for_correction = False
    later_date = None

    def running_due() -> dt.date:
        return add_working_days(start, REPLY_WORKING_DAYS + extension + paused_days, calendar)

    for event in events:
        kind = event.kind
        if kind == EventKind.CORRECTION_REQUESTED:
            waiting_for_correction, correction_due = True, event.due_on
        elif kind == EventKind.CORRECTION_RECEIVED:
            # 第三十条: the count restarts from the day the corrected application arrives.
            waiting_for_correction, correction_due = False, None
            start, paused_days, open_pause = event.on, 0, None
        elif kind in _PAUSE_STARTS:
            if open_pause is None:
                open_pause = (_PAUSE_STARTS[kind], event.on)
        elif open_pause is not None and kind == open_pause[0]:
            paused_days += _pause_length(open_pause[1], event.on, running_due(), calendar)
            open_pause = None
        elif kind == EventKind.EXTENDED:
            extension = event.days or 0
        elif kind == EventKind.LATER_DATE:
            later_date = event.due_on

    status = info_request.status
    ended = status in (Status.ANSWERED, Status.WITHDRAWN, Status.ABANDONED)
    paused = open_pause is not None and not ended
    if paused:
        paused_days += _pause_length(open_pause[1], today, running_due(), calendar)
    original_due = add_working_days(start, REPLY_WORKING_DAYS + paused_days, calendar)
    due = running_due()
    if later_date and later_date > due:
        due = later_date
    if waiting_for_correction and not ended:
        return Clock(
            start=start,
            original_due=None,
            correction_due=correction_due,
            correction_notice_by=notice_by,
            extension_days=extension,
            today=today,
        )
    return Clock(
        start=start,
        due=due,
        original_due=original_due,
        extension_days=extension,
        paused_days=paused_days,
        paused=paused,
        later_date=later_date,
        correction_notice_by=notice_by,
        today=today,
    )


def _pause_length(began: dt.date, ended: dt.date, due: dt.date, calendar: Calendar) -> int:
    """Working days a pause from began to ended adds: those after began, up to ended. A pause that began
    after the reply was already due adds nothing (it cannot make a late reply timely)."""
    if began >= due:
        return 0
    return max(0, working_days_between(began, ended, calendar))


def due_soon_limit(today: dt.date, calendar: Calendar | None = None) -> dt.date:
    """The last date counted as "due within 5 working days" on today."""
    return add_working_days(today, DUE_SOON_WORKING_DAYS, calendar)


def working_days_taken(info_request: InfoRequest, *, calendar: Calendar | None = None) -> int | None:
    """Working days from receipt to the end of an ended application (for reply-time statistics)."""
    if info_request.received_on is None or info_request.ended_on is None:
        return None
    try:
        return working_days_between(info_request.received_on, info_request.ended_on, calendar)
    except CalendarMissing:
        return None
