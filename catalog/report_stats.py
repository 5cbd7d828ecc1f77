"""Catalog numbers for the yearly report (政府信息公开工作年度报告), as SQL aggregates.

One query answers everything for a set of organizations (one organization, or a subtree for a
government-level report) and a year, whatever the number of items: conditional COUNTs over the
published items, returned as plain dataclasses. annual_reports names and places the numbers.

Year boundaries are Beijing time (published_at is stored in UTC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from disclosure_site.models import Organization

from .models import DocumentType, Item, ItemStatus, Validity

BEIJING = ZoneInfo("Asia/Shanghai")
IN_FORCE = (Validity.VALID, Validity.AMENDED)


@dataclass(frozen=True)
class DocumentCounts:
    """Table A （一）项 for one document type (规章 or 行政规范性文件)."""

    issued: int  # published in the year (本年制发件数; 2019 format: 本年新公开数量)
    written: int  # dated (成文日期) in the year and published (2019 format: 本年新制作数量)
    repealed: int  # validity changed to 已废止 in the year (本年废止件数)
    valid: int  # published by 31 December and in force then (现行有效件数)
    public: int  # published by 31 December and still public (2019 format: 对外公开总数量)


@dataclass(frozen=True)
class CatalogYear:
    rule: DocumentCounts
    normative: DocumentCounts
    published: int  # every item published in the year
    late: int  # published in the year more than 20 working days after its 成文日期 (条例 第二十六条)
    interpretations: int  # 政策解读 published in the year
    normative_without_interpretation: int  # 行政规范性文件 of the year past their interpretation date, none published


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[1 January 00:00, next 1 January 00:00) in Beijing time."""
    return dt.datetime(year, 1, 1, tzinfo=BEIJING), dt.datetime(year + 1, 1, 1, tzinfo=BEIJING)


def year_figures(organizations: QuerySet[Organization], year: int, *, today: dt.date) -> CatalogYear:
    """Every catalog number of the yearly report for organizations and year, in one query."""
    start, end = year_bounds(year)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    in_year = Q(published_at__gte=start, published_at__lt=end)
    by_end = Q(published_at__lt=end)
    valid_at_end = by_end & (Q(validity__in=IN_FORCE) | Q(validity_date__gt=last))
    interpreted = Item.objects.filter(
        interprets=OuterRef("pk"), status=ItemStatus.PUBLISHED, document_type=DocumentType.INTERPRETATION
    )
    counts: dict[str, Count] = {}
    for kind, document_type in (("rule", DocumentType.RULE), ("normative", DocumentType.NORMATIVE)):
        of_type = Q(document_type=document_type)
        counts[f"{kind}_issued"] = Count("pk", filter=of_type & in_year)
        counts[f"{kind}_written"] = Count("pk", filter=of_type & Q(written_date__gte=first, written_date__lte=last))
        counts[f"{kind}_repealed"] = Count(
            "pk", filter=of_type & Q(validity=Validity.REPEALED, validity_date__gte=first, validity_date__lte=last)
        )
        counts[f"{kind}_valid"] = Count("pk", filter=of_type & valid_at_end)
        counts[f"{kind}_public"] = Count("pk", filter=of_type & by_end)
    row = Item.objects.filter(organization__in=organizations, status=ItemStatus.PUBLISHED).aggregate(
        **counts,
        published=Count("pk", filter=in_year),
        late=Count("pk", filter=in_year & Q(is_late=True)),
        interpretations=Count("pk", filter=in_year & Q(document_type=DocumentType.INTERPRETATION)),
        normative_without_interpretation=Count(
            "pk",
            filter=in_year
            & Q(document_type=DocumentType.NORMATIVE, interpretation_due__lt=today)
            & ~Q(Exists(interpreted)),
        ),
    )

    def documents(kind: str) -> DocumentCounts:
        return DocumentCounts(**{field: row[f"{kind}_{field}"] for field in DocumentCounts.__dataclass_fields__})

    return CatalogYear(
        rule=documents("rule"),
        normative=documents("normative"),
        published=row["published"],
        late=row["late"],
        interpretations=row["interpretations"],
        normative_without_interpretation=row["normative_without_interpretation"],
    )
