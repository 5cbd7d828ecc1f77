"""信息处理费 (条例 第四十二条; 国办函〔2020〕109号, reference/fees.md): the two methods, never both.

按件计收 counts an applicant's applications to the organ in a calendar month, whatever their outcome:
the first 10 are free, the 11th to 30th cost 100 元 each, and each further band of 10 costs 100 元 more
per application than the band before. 按量计收 charges the pages of one application progressively:
1–30 free, 31–100 at 10 元, 101–200 at 20 元, 201 and more at 40 元.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from .models import ApplicantType, InfoRequest

FREE_APPLICATIONS_PER_MONTH = 10
PAGE_BANDS = ((30, 0), (100, 10), (200, 20), (None, 40))  # (last page of the band, price per page)


def per_application_fee(nth: int) -> int:
    """The fee in 元 of an applicant's nth application to the organ in one calendar month."""
    if nth <= FREE_APPLICATIONS_PER_MONTH:
        return 0
    if nth <= 30:
        return 100
    return 100 * (2 + (nth - 31) // 10)


def per_page_fee(pages: int) -> int:
    """The fee in 元 for pages of one application, each band at its own price (150 pages: 1,700 元)."""
    total, lower = 0, 0
    for upper, price in PAGE_BANDS:
        top = pages if upper is None else min(pages, upper)
        if top > lower:
            total += (top - lower) * price
        if upper is None or pages <= upper:
            break
        lower = upper
    return total


def applicant_key(info_request: InfoRequest) -> Q:
    """The applications of the same applicant: by ID number or credit code when known, else by name."""
    if info_request.applicant_type == ApplicantType.NATURAL and info_request.id_number:
        return Q(id_number=info_request.id_number)
    if info_request.applicant_type != ApplicantType.NATURAL and info_request.credit_code:
        return Q(credit_code=info_request.credit_code)
    return Q(applicant_name=info_request.applicant_name, applicant_type=info_request.applicant_type)


def nth_in_month(info_request: InfoRequest) -> int:
    """Which of its applicant's applications to this organization in its calendar month info_request is
    (by submission time, then number), counting every application whatever its outcome."""
    submitted: dt.datetime = info_request.submitted_at
    from django.utils import timezone

    local = timezone.localtime(submitted)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    earlier = (
        InfoRequest.objects.filter(applicant_key(info_request), organization_id=info_request.organization_id)
        .filter(submitted_at__gte=month_start)
        .filter(Q(submitted_at__lt=submitted) | Q(submitted_at=submitted, pk__lt=info_request.pk))
    )
    return earlier.count() + 1
