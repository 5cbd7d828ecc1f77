"""Every public URL name with the requests that probe it (PUBLIC_VIEWS), for the permission matrix.

A probe of a hidden object (a draft, pending, scheduled or withdrawn item, an unpublished guide, report
or plan, an application without its number and query code) must answer 404 (or send back to the status
lookup form); every other probe must answer a page without any HIDDEN text or link to a hidden object,
for every persona, logged in or not (a rendered PDF or Word file, which takes seconds and depends on no
user, for the visitor and the system administrator only). `shows` is the control: what the page must contain, so a probe
that reaches nothing cannot pass unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from annual_reports import exports as report_exports
from catalog.sitemaps import SITEMAPS

from .world import PUBLISHED, World


@dataclass(frozen=True)
class Probe:
    key: str
    path: Callable[[World], str]
    hidden: bool = False
    statuses: tuple[int, ...] = (200,)
    shows: Callable[[World], str] | None = None
    heavy: bool = False  # a rendered document (seconds): probed as the visitor and the administrator only

    def __str__(self) -> str:
        return self.key


def _published(world: World) -> str:
    return PUBLISHED


def page(key: str, path: Callable[[World], str], *, shows=None, statuses=(200,), heavy=False) -> Probe:
    return Probe(key, path, shows=shows, statuses=statuses, heavy=heavy)


def hidden(key: str, path: Callable[[World], str], *, statuses=(404,)) -> Probe:
    return Probe(key, path, hidden=True, statuses=statuses)


def _r(name: str, *args) -> str:
    return reverse(name, args=args)


def _each_hidden(key: str, objects: Callable[[World], list], path: Callable[[World, object], str], count: int):
    return [hidden(f"{key}-{n}", lambda world, n=n: path(world, objects(world)[n])) for n in range(count)]


# The tables of workplans/stat_tables.py.build (their keys need figures to be listed).
STAT_TABLES = (
    "items-by-month",
    "items-by-category",
    "applications-by-month",
    "outcomes",
    "reply-time",
    "timeliness",
    "cases",
)


PUBLIC_VIEWS: dict[str, list[Probe]] = {
    "disclosure_site:home": [page("home", lambda w: _r("disclosure_site:home"))],
    "disclosure_site:rules": [page("rules", lambda w: _r("disclosure_site:rules"))],
    "disclosure_site:reports": [
        page(
            "reports",
            lambda w: _r("disclosure_site:reports"),
            shows=lambda w: _r("disclosure_site:report", w.public.published_report.pk),
        )
    ],
    "disclosure_site:report": [
        page("published", lambda w: _r("disclosure_site:report", w.public.published_report.pk), shows=_published),
        *_each_hidden(
            "unpublished", lambda w: w.public.hidden_reports, lambda w, r: _r("disclosure_site:report", r.pk), 2
        ),
    ],
    "disclosure_site:report_download": [
        probe
        for kind in report_exports.FORMATS
        for probe in (
            page(
                f"published-{kind}",
                lambda w, kind=kind: _r("disclosure_site:report_download", w.public.published_report.pk, kind),
                # The spreadsheet holds the tables only; the other formats the narrative too.
                shows=(lambda w: w.county.finance.name) if kind == "xlsx" else _published,
                heavy=kind in ("pdf", "docx"),
            ),
            *_each_hidden(
                f"unpublished-{kind}",
                lambda w: w.public.hidden_reports,
                lambda w, r, kind=kind: _r("disclosure_site:report_download", r.pk, kind),
                2,
            ),
        )
    ],
    "disclosure_site:apply": [page("form", lambda w: _r("disclosure_site:apply"))],
    "disclosure_site:apply_submitted": [page("without-submission", lambda w: _r("disclosure_site:apply_submitted"))],
    "disclosure_site:apply_status": [page("form", lambda w: _r("disclosure_site:apply_status"))],
    "disclosure_site:apply_status_detail": [
        hidden(
            "without-code",
            lambda w: _r("disclosure_site:apply_status_detail", w.public.application.number),
            statuses=(302,),
        ),
        hidden(
            "other-without-code",
            lambda w: _r("disclosure_site:apply_status_detail", w.public.other_application.number),
            statuses=(302,),
        ),
    ],
    "disclosure_site:apply_status_letter": [
        hidden(
            "without-code",
            lambda w: _r("disclosure_site:apply_status_letter", w.public.application.number, w.public.sent_letter.pk),
        )
    ],
    "disclosure_site:apply_status_document": [
        hidden(
            "without-code",
            lambda w: _r(
                "disclosure_site:apply_status_document",
                w.public.other_application.number,
                w.public.disclosed_document_pk,
            ),
        )
    ],
    "disclosure_site:organization": [
        page("finance", lambda w: _r("disclosure_site:organization", w.county.finance.pk)),
        page("education", lambda w: _r("disclosure_site:organization", w.county.education.pk)),
        page("town", lambda w: _r("disclosure_site:organization", w.county.town.pk)),
    ],
    "disclosure_site:plans": [
        page(
            "plans",
            lambda w: _r("disclosure_site:plans"),
            shows=lambda w: _r("disclosure_site:plan", w.public.published_plan.pk),
        )
    ],
    "disclosure_site:plan": [
        page("published", lambda w: _r("disclosure_site:plan", w.public.published_plan.pk), shows=_published),
        *_each_hidden("unpublished", lambda w: w.public.hidden_plans, lambda w, p: _r("disclosure_site:plan", p.pk), 2),
    ],
    "disclosure_site:statistics": [
        page("all", lambda w: _r("disclosure_site:statistics")),
        page("finance", lambda w: _r("disclosure_site:statistics") + f"?organization={w.county.finance.pk}&year=2026"),
    ],
    "disclosure_site:statistics_csv": [
        page(
            key,
            lambda w, key=key: _r("disclosure_site:statistics_csv", key) + f"?organization={w.county.finance.pk}",
        )
        for key in STAT_TABLES
    ],
    "disclosure_site:reading_mode": [
        page("large", lambda w: _r("disclosure_site:reading_mode") + "?text=large&next=/", statuses=(302,))
    ],
    "catalog:guide_index": [page("index", lambda w: _r("catalog:guide_index"))],
    "catalog:proactive": [page("proactive", lambda w: _r("catalog:proactive"), shows=_published)],
    "catalog:items": [
        page("all", lambda w: _r("catalog:items"), shows=_published),
        page("finance", lambda w: _r("catalog:items") + f"?organization={w.county.finance.pk}", shows=_published),
    ],
    "catalog:search": [
        page("words", lambda w: _r("catalog:search") + "?q=财政预算", shows=_published),
        page("by-date", lambda w: _r("catalog:search") + "?q=通知&order=date", shows=_published),
    ],
    "catalog:item": [
        page("published", lambda w: _r("catalog:item", w.public.published_item.pk), shows=_published),
        page("revision-pending", lambda w: _r("catalog:item", w.public.revised_item.pk), shows=_published),
        *_each_hidden("unpublished", lambda w: w.public.hidden_items, lambda w, i: _r("catalog:item", i.pk), 4),
    ],
    "catalog:attachment": [
        page(
            "published",
            lambda w: _r("catalog:attachment", w.public.published_attachment.pk),
            shows=_published,  # in the file name
        ),
        *_each_hidden(
            "unpublished", lambda w: w.public.hidden_attachments, lambda w, a: _r("catalog:attachment", a.pk), 3
        ),
    ],
    "catalog:organization": [
        page("finance", lambda w: _r("catalog:organization", w.county.finance.pk), shows=_published),
        page("government", lambda w: _r("catalog:organization", w.county.government.pk), shows=_published),
    ],
    "catalog:category": [
        page(
            "finance",
            lambda w: _r("catalog:category", w.county.finance.pk, w.public.published_item.category_id),
            shows=_published,
        )
    ],
    "catalog:guide": [page("finance", lambda w: _r("catalog:guide", w.county.finance.pk), shows=_published)],
    "catalog:guide_version": [
        *_each_hidden(
            "unpublished",
            lambda w: w.public.hidden_guides,
            lambda w, g: _r("catalog:guide_version", w.county.finance.pk, g.pk),
            2,
        ),
        page(
            "earlier",
            lambda w: _r("catalog:guide_version", w.county.finance.pk, w.records["finance"][_guide_model()].pk),
        ),
    ],
    "catalog:feed": [page("finance", lambda w: _r("catalog:feed", w.county.finance.pk), shows=_published)],
    "catalog:sitemap": [page("index", lambda w: _r("catalog:sitemap"))],
    "catalog:sitemap_section": [
        page(
            section,
            lambda w, section=section: _r("catalog:sitemap_section", section),
            shows=(lambda w: _r("catalog:item", w.public.published_item.pk)) if section == "items" else None,
        )
        for section in SITEMAPS
    ],
    "catalog:api_root": [page("root", lambda w: _r("catalog:api_root"))],
    "catalog:api_organizations": [page("all", lambda w: _r("catalog:api_organizations"))],
    "catalog:api_categories": [
        page("finance", lambda w: _r("catalog:api_categories") + f"?organization={w.county.finance.pk}")
    ],
    "catalog:api_items": [page("all", lambda w: _r("catalog:api_items"), shows=_published)],
    "catalog:api_search": [page("words", lambda w: _r("catalog:api_search") + "?q=财政预算", shows=_published)],
    "catalog:api_item_by_index": [
        page(
            "published",
            lambda w: _r("catalog:api_item_by_index", w.public.published_item.index_number),
            shows=_published,
        ),
        hidden("withdrawn", lambda w: _r("catalog:api_item_by_index", w.public.hidden_items[3].index_number)),
    ],
}


def _guide_model():
    from catalog.models import Guide

    return Guide
