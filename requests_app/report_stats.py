"""On-request numbers for the yearly report (tables B and C, fees, consultations), as SQL aggregates.

Counting rules (reference/annual-report-format.md, table B), for a year Y and 31 December D:
- 一 (new): received (条例 第三十一条 received date) in Y;
- 二 (carried): received before Y and not ended before 1 January of Y;
- 三 (outcomes): ended in Y, each once, in the one row of its outcome (a partial disclosure only as 部分公开);
  an application never received (withdrawn before 确认收到) counts nowhere;
- 四 (open at end): received by D and not ended by D.
The applicant column is the applicant type recorded on the application. Table C: cases filed in Y by
kind; a case with no result by D counts as 尚未审结.

Each function is one GROUP BY or aggregate query, whatever the number of rows; the results are plain
dataclasses and dicts. annual_reports names and places the numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from disclosure_site.models import Organization

from .models import ApplicantType, CaseKind, CaseResult, Channel, Consultation, Fee, InfoRequest, LegalCase, Outcome

APPLICANT_TYPES = tuple(ApplicantType.values)


def _zero() -> dict[str, int]:
    return dict.fromkeys(APPLICANT_TYPES, 0)


@dataclass(frozen=True)
class Applications:
    """Table B by applicant type: {applicant type: count} per row, outcomes {outcome code: {type: count}}."""

    new: dict[str, int]
    carried: dict[str, int]
    open_at_end: dict[str, int]
    outcomes: dict[str, dict[str, int]]
    by_channel: dict[str, int]  # received in the year, every applicant type (the older format's 附表2)

    @property
    def ended(self) -> int:
        return sum(sum(row.values()) for row in self.outcomes.values())


def applications(organizations: QuerySet[Organization], year: int) -> Applications:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    received = InfoRequest.objects.filter(
        organization__in=organizations, received_on__isnull=False, received_on__lte=last
    ).order_by()
    not_ended_before = Q(ended_on__isnull=True) | Q(ended_on__gte=first)
    open_at_end = Q(ended_on__isnull=True) | Q(ended_on__gt=last)
    rows = (
        received.filter(Q(received_on__gte=first) | not_ended_before | open_at_end)
        .values("applicant_type", "channel")
        .annotate(
            new=Count("pk", filter=Q(received_on__gte=first)),
            carried=Count("pk", filter=Q(received_on__lt=first) & not_ended_before),
            open_at_end=Count("pk", filter=open_at_end),
        )
    )
    new, carried, still_open = _zero(), _zero(), _zero()
    by_channel = dict.fromkeys(Channel.values, 0)
    for row in rows:  # one row per (applicant type, channel): at most 6 × 7, whatever the data size
        kind = row["applicant_type"]
        new[kind] = new.get(kind, 0) + row["new"]
        carried[kind] = carried.get(kind, 0) + row["carried"]
        still_open[kind] = still_open.get(kind, 0) + row["open_at_end"]
        by_channel[row["channel"]] = by_channel.get(row["channel"], 0) + row["new"]
    outcomes: dict[str, dict[str, int]] = {code: _zero() for code in Outcome.values}
    ended = (
        InfoRequest.objects.filter(
            organization__in=organizations, received_on__isnull=False, ended_on__gte=first, ended_on__lte=last
        )
        .order_by()
        .values("outcome", "applicant_type")
        .annotate(n=Count("pk"))
    )
    for row in ended:  # one row per (outcome, applicant type): at most 21 × 6
        outcomes.setdefault(row["outcome"], _zero())[row["applicant_type"]] = row["n"]
    return Applications(new, carried, still_open, outcomes, by_channel)


@dataclass(frozen=True)
class Cases:
    """Table C: {case kind: {result: count}} for cases filed in the year, results as of 31 December."""

    by_kind: dict[str, dict[str, int]]

    def total(self, kind: str) -> int:
        return sum(self.by_kind[kind].values())


def cases(organizations: QuerySet[Organization], year: int) -> Cases:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    decided = Q(decided_on__isnull=False, decided_on__lte=last)
    rows = (
        LegalCase.objects.filter(organization__in=organizations, filed_on__gte=first, filed_on__lte=last)
        .order_by()
        .values("kind")
        .annotate(
            upheld=Count("pk", filter=decided & Q(result=CaseResult.UPHELD)),
            corrected=Count("pk", filter=decided & Q(result=CaseResult.CORRECTED)),
            other=Count("pk", filter=decided & Q(result=CaseResult.OTHER)),
            pending=Count("pk", filter=~decided | Q(result=CaseResult.PENDING)),
        )
    )
    by_kind = {kind: dict.fromkeys(CaseResult.values, 0) for kind in CaseKind.values}
    for row in rows:
        by_kind[row.pop("kind")] = row
    return Cases(by_kind)


@dataclass(frozen=True)
class Fees:
    """信息处理费 for section 六: notices sent in the year and their amount; payments received in the year."""

    notices: int
    charged: int  # 元
    paid: int
    received: int  # 元


def fees(organizations: QuerySet[Organization], year: int) -> Fees:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    noticed = Q(notice_on__gte=first, notice_on__lte=last)
    paid = Q(paid_on__gte=first, paid_on__lte=last)
    row = Fee.objects.filter(info_request__organization__in=organizations).aggregate(
        notices=Count("pk", filter=noticed),
        charged=Sum("amount", filter=noticed, default=0),
        paid=Count("pk", filter=paid),
        received=Sum("amount", filter=paid, default=0),
    )
    return Fees(**row)


def consultations(organizations: QuerySet[Organization], year: int) -> dict[str, int]:
    """{channel: 人次} of consultations (咨询) in the year."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = (
        Consultation.objects.filter(organization__in=organizations, on__gte=first, on__lte=last)
        .order_by()
        .values("channel")
        .annotate(n=Sum("count"))
    )
    result = defaultdict(int)
    for row in rows:
        result[row["channel"]] = row["n"]
    return dict(result)
