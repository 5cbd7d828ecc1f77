"""Building a report: gather the statistics, pre-fill the narrative, assemble the document, check it.

gather() is the only step that queries the other apps (a constant number of SQL aggregates). assemble()
turns what a report holds (statistics, entered values, narrative) into the plain document every output
renders; it runs the consistency checks of the format and of the carry-over from last year's published
report. Publication stores that document as the snapshot.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from disclosure_site.models import Organization

from . import formats, narrative, statistics
from .models import Report, ReportStatus, Scope
from .tables import evaluate, grids_from_document, run_checks, sections_document


def organizations_of(report: Report) -> QuerySet[Organization]:
    """One organization, or its whole subtree for a government-level report."""
    if report.scope == Scope.SUBTREE:
        return report.organization.get_descendants(include_self=True)
    return Organization.objects.filter(pk=report.organization_id)


def gather(report: Report, *, today: dt.date | None = None) -> None:
    """Recompute the report's statistics and facts, and pre-fill every narrative section still empty
    (staff's text is never overwritten). Changes the instance only; the caller saves it."""
    today = today or timezone.localdate()
    figures = statistics.gather(organizations_of(report), report.year, today=today)
    report.statistics = statistics.named(figures)
    report.facts = narrative.facts(figures, report.year, subtree=report.scope == Scope.SUBTREE)
    # The year's work plans (workplans.report_text): tasks completed, delayed and open, with their reasons,
    # appended to sections 五 and 六; empty (nothing added) when there is no published plan.
    from workplans import report_text

    report.facts.update(report_text.facts(organizations_of(report), report.year))
    report.built_at = timezone.now()
    fmt = formats.get(report.format)
    text = dict(report.narrative or {})
    for section in fmt.narrative_sections:
        topics = (*section.facts, *report_text.SECTION_TOPICS.get(section.key, ()))
        known = [report.facts[topic] for topic in topics if report.facts.get(topic)]
        if not (text.get(section.key) or "").strip() and known:
            text[section.key] = "\n\n".join(known)
    report.narrative = text


def entered_values(report: Report) -> dict[str, Decimal]:
    return dict(report.entered.values_list("name", "value"))


def previous_report(report: Report) -> Report | None:
    """Last year's published report of the same organization and scope (its latest revision)."""
    return (
        Report.objects.filter(
            organization_id=report.organization_id,
            year=report.year - 1,
            scope=report.scope,
            status=ReportStatus.PUBLISHED,
        )
        .order_by("-revision")
        .only("pk", "snapshot", "revision")
        .first()
    )


def title(report: Report) -> str:
    return formats.get(report.format).title_template.format(organization=report.organization.name, year=report.year)


def assemble(report: Report, *, entered: dict[str, Decimal] | None = None) -> dict:
    """The report as a plain document: tables filled, narrative in place, check failures and missing
    entered values listed. No statistics query: the numbers are those of the last gather()."""
    fmt = formats.get(report.format)
    entered = entered_values(report) if entered is None else entered
    grids = evaluate(fmt, report.statistics or {}, entered) if report.statistics else None
    previous = previous_report(report) if fmt.carry_over else None
    previous_grids = grids_from_document(previous.snapshot["sections"]) if previous else None
    failures = [result.message for result in run_checks(fmt, grids, previous_grids)] if grids else []
    missing = [value.label for value in fmt.entered if value.name not in entered]
    return {
        "format": fmt.code,
        "format_name": fmt.name,
        "title": title(report),
        "organization": {"name": report.organization.name, "credit_code": report.organization.credit_code},
        "year": report.year,
        "revision": report.revision,
        "scope": report.scope,
        "scope_label": Scope(report.scope).label,
        "built_at": report.built_at.isoformat() if report.built_at else None,
        "sections": sections_document(fmt, grids, report.narrative or {}) if grids else [],
        "failures": failures,
        "missing": missing,
        "previous_revision_checked": previous.revision if previous else None,
        "correction_note": report.correction_note,
    }
