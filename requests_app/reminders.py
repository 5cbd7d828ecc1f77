"""The daily round of on-request disclosure: deadlines that end applications, stored due dates, reminders.

Run once a day by `manage.py requests_daily` (cron or a systemd timer). Every part is idempotent and safe
when two servers run it at the same minute: rows are locked (skip_locked) and re-checked, and a reminder is
recorded as an event so an application is reminded at most once a day.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from disclosure_site.errors import CalendarMissing
from disclosure_site.faults import advisory_lock

from . import deadlines, workflow
from .models import EventKind, InfoRequest, RequestEvent, Status

log = logging.getLogger(__name__)


@dataclass
class Round:
    ended: int = 0
    refreshed: int = 0
    reminded: int = 0
    mails: int = 0


def run(*, today: dt.date | None = None) -> Round:
    today = today or timezone.localdate()
    result = Round()
    result.ended = len(workflow.expire(today=today))
    result.refreshed = workflow.refresh_open(today=today)
    result.reminded, result.mails = remind(today=today)
    return result


def remind(*, today: dt.date) -> tuple[int, int]:
    """E-mail each handling clerk one list of their applications due within 5 working days or overdue.
    Applications without a handler are not mailed (the dashboard shows them). Returns (applications, mails)."""
    try:
        soon = deadlines.due_soon_limit(today)
    except CalendarMissing:
        soon = today + dt.timedelta(days=7)
    by_handler: dict[int, list[InfoRequest]] = defaultdict(list)
    handlers = {}
    candidates = InfoRequest.objects.filter(
        status__in=[Status.PROCESSING], due_on__lte=soon, handler__isnull=False, handler__is_active=True
    ).exclude(events__kind=EventKind.REMINDED, events__on=today)
    with transaction.atomic():
        # One server at a time: with skip_locked alone, two servers could each take part of a handler's
        # applications and both mail them. The second waits here, then finds them all reminded.
        advisory_lock("requests_app.reminders.remind")
        locked = list(
            InfoRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=candidates.values("pk"))
            .select_related("handler", "organization")
            .order_by("due_on")
        )
        for info_request in locked:
            if RequestEvent.objects.filter(info_request=info_request, kind=EventKind.REMINDED, on=today).exists():
                continue
            RequestEvent.objects.create(
                info_request=info_request,
                kind=EventKind.REMINDED,
                on=today,
                note=f"提醒承办人：答复期限 {info_request.due_on:%Y-%m-%d}",
            )
            by_handler[info_request.handler_id].append(info_request)
            handlers[info_request.handler_id] = info_request.handler
        mails = 0
        for handler_id, applications in by_handler.items():
            handler = handlers[handler_id]
            if not handler.email:
                continue
            lines = [
                f"{r.number}（{r.organization}）：答复期限 {r.due_on:%Y-%m-%d}"
                + ("，已超期" if r.due_on < today else "")
                for r in applications
            ]
            subject = f"政府信息公开申请办理提醒：{len(applications)} 件即将到期或已超期"
            body = "\n".join(["您承办的以下政府信息公开申请即将到期或已经超期，请及时办理：", "", *lines])
            transaction.on_commit(lambda s=subject, b=body, to=handler.email: _send(s, b, to))
            mails += 1
    return sum(len(a) for a in by_handler.values()), mails


def _send(subject: str, body: str, to: str) -> None:
    try:
        send_mail(subject, body, None, [to])
    except Exception:  # noqa: BLE001 - a mail server being down must not stop the daily round
        log.warning("reminder mail failed", exc_info=False)
