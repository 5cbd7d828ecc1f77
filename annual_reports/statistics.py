"""Every number a format can name, for a set of organizations and a year.

The numbers come from the statistics modules the other apps expose (catalog.report_stats,
requests_app.report_stats: SQL aggregates, a constant number of queries); this module only gives them
the names the formats use (annual_reports/formats) and gathers the facts the narrative is pre-filled with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from catalog import report_stats as catalog_stats
from disclosure_site.models import Organization
from requests_app import report_stats as request_stats
from requests_app.models import ApplicantType, CaseKind, Outcome

OUTCOME_GROUPS = ("1", "2", "3", "4", "5", "6")
LAWSUITS = (CaseKind.LAWSUIT_DIRECT, CaseKind.LAWSUIT_AFTER)


@dataclass(frozen=True)
class Figures:
    """What the statistics modules answered: tables' numbers and the facts for the narrative."""

    catalog: catalog_stats.CatalogYear
    applications: request_stats.Applications
    cases: request_stats.Cases
    fees: request_stats.Fees
    consultations: dict[str, int]


def gather(organizations: QuerySet[Organization], year: int, *, today: dt.date) -> Figures:
    """Six queries, whatever the number of items and applications."""
    return Figures(
        catalog=catalog_stats.year_figures(organizations, year, today=today),
        applications=request_stats.applications(organizations, year),
        cases=request_stats.cases(organizations, year),
        fees=request_stats.fees(organizations, year),
        consultations=request_stats.consultations(organizations, year),
    )


def named(figures: Figures) -> dict[str, int]:
    """{statistic name: number} for every name a format may use (formats.Stat)."""
    stats: dict[str, int] = {}
    for kind in ("rule", "normative"):
        counts = getattr(figures.catalog, kind)
        for field in ("issued", "written", "repealed", "valid", "public"):
            stats[f"catalog.{kind}.{field}"] = getattr(counts, field)
    stats["catalog.published"] = figures.catalog.published

    apps = figures.applications
    for row_name, row in (("new", apps.new), ("carried", apps.carried), ("open_at_end", apps.open_at_end)):
        for applicant in ApplicantType.values:
            stats[f"requests.{row_name}.{applicant}"] = row.get(applicant, 0)
    for group in OUTCOME_GROUPS:
        for applicant in ApplicantType.values:
            stats[f"requests.outcome_group.{group}.{applicant}"] = 0
        stats[f"requests.outcome_group.{group}"] = 0
    for code in Outcome.values:
        group = code.split(".")[0]
        row = apps.outcomes.get(code, {})
        stats[f"requests.outcome.{code}"] = sum(row.values())
        for applicant in ApplicantType.values:
            n = row.get(applicant, 0)
            stats[f"requests.outcome.{code}.{applicant}"] = n
            stats[f"requests.outcome_group.{group}.{applicant}"] += n
            stats[f"requests.outcome_group.{group}"] += n
    stats["requests.ended"] = apps.ended
    for channel in ("in_person", "fax", "email", "online", "letter"):
        stats[f"requests.channel.{channel}"] = apps.by_channel.get(channel, 0)
    stats["requests.channel.other"] = apps.by_channel.get("other", 0) + apps.by_channel.get("oral", 0)

    for kind, results in figures.cases.by_kind.items():
        for result, n in results.items():
            stats[f"cases.{kind}.{result}"] = n
    stats["cases.reconsideration.filed"] = figures.cases.total(CaseKind.RECONSIDERATION)
    stats["cases.lawsuit.filed"] = sum(figures.cases.total(kind) for kind in LAWSUITS)

    for channel in ("phone", "on_site", "online"):
        stats[f"consultations.{channel}"] = figures.consultations.get(channel, 0)
    return stats
