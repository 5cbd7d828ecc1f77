"""The public pages every browser check visits, and the reading modes they are checked in.

PUBLIC_PAGES is the one list: test_every_public_url_is_a_checked_page_or_explained fails when
disclosure_site/public_urls.py gains a URL pattern that is neither here nor in NOT_PAGES, so a new
public page joins the axe run and the other checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from tests.conftest import County


@dataclass(frozen=True)
class PublicPage:
    name: str  # the URL name in the disclosure_site namespace; "404" for the not-found page
    path: Callable[[County], str]
    status: int = 200

    def __str__(self) -> str:  # the pytest id
        return self.name


def _named(name: str) -> PublicPage:
    return PublicPage(name, lambda county: reverse(f"disclosure_site:{name}"))


PUBLIC_PAGES: tuple[PublicPage, ...] = (
    _named("home"),
    PublicPage("guide", lambda county: reverse("catalog:guide_index")),
    _named("rules"),
    PublicPage("proactive", lambda county: reverse("catalog:proactive")),
    _named("reports"),
    _named("apply"),
    # 依申请公开 (requests_app): the status lookup form, and the confirmation as seen without a submission.
    _named("apply_status"),
    _named("apply_submitted"),
    # A department: the page with breadcrumbs (an ancestor) and a list of children.
    PublicPage("organization", lambda county: reverse("disclosure_site:organization", args=[county.finance.pk])),
    PublicPage("404", lambda county: "/no-such-page/", status=404),
)


def page_named(name: str) -> PublicPage:
    return next(public_page for public_page in PUBLIC_PAGES if public_page.name == name)


# URL names of disclosure_site that are not pages, with the reason.
NOT_PAGES = {
    "reading_mode": "redirects back to the page the reader came from, after setting a cookie",
    "apply_status_detail": (
        "shown only to a session that gave the number and query code by POST; the axe check runs in "
        "tests/browser/test_requests_public.py"
    ),
    "apply_status_letter": "a PDF download (Content-Disposition: attachment)",
    "apply_status_document": "a file download (Content-Disposition: attachment)",
}


@dataclass(frozen=True)
class ReadingMode:
    name: str
    switch_on: str  # the header link a reader clicks to turn the mode on
    switch_off: str  # the same link once the mode is on
    html_class: str  # what the base template puts on <html>
    cookie: str
    looks: tuple[str, str, str]  # what the reader sees: (selector, CSS property, computed value)

    def __str__(self) -> str:
        return self.name


LARGE_TEXT = ReadingMode("large", "大字模式", "标准字号", "mode-large", "a11y_text", ("main p", "font-size", "22px"))
HIGH_CONTRAST = ReadingMode(
    "contrast", "高对比度", "标准配色", "mode-contrast", "a11y_contrast", ("body", "background-color", "rgb(0, 0, 0)")
)

# None is the standard presentation.
MODES: tuple[ReadingMode | None, ...] = (None, LARGE_TEXT, HIGH_CONTRAST)
MODE_IDS = ["normal", "large", "contrast"]


# The catalog's public pages (catalog/urls.py), with enough published data to show every part of them:
# a filled list with page links, an item with its metadata, attachment, interpretation and replacement,
# the category browse with counts, and a guide with an earlier version.


def catalog_data(county: County):
    """Published catalog data for the county, made once per test (the pages below share it)."""
    cached = getattr(county, "_catalog_data", None)
    if cached is not None:
        return cached
    import datetime as dt
    from types import SimpleNamespace

    from catalog.models import Attachment, DocumentType, Validity
    from tests.catalog.factories import SHANGHAI, GuideFactory, ItemFactory, category_of

    def published(org, title, day, **fields):
        fields.setdefault("category", category_of(org))
        return ItemFactory(
            published=True,
            organization=org,
            title=title,
            summary=f"{title}的内容概述。",
            published_at=dt.datetime(2026, 3, day, 9, 0, tzinfo=SHANGHAI),
            **fields,
        )

    policy = published(
        county.finance,
        "测试县财政局关于预算绩效管理的规定",
        24,
        document_type=DocumentType.NORMATIVE,
        document_number="测财发〔2026〕3号",
        body="<h2>第一章 总则</h2><p>第一条 为加强预算绩效管理，制定本规定。</p>",
    )
    old = published(county.finance, "测试县财政局预算管理暂行办法", 2, validity=Validity.REPEALED, replaced_by=policy)
    reading = published(county.finance, "《预算绩效管理规定》政策解读", 24, document_type=DocumentType.INTERPRETATION)
    reading.interprets.add(policy)
    # Listed on the item page only: no file is written (the download is a browser test of its own).
    Attachment.objects.create(
        item=policy, file="catalog/none.pdf", original_name="预算绩效管理规定.pdf", kind="pdf", size=1234
    )
    for day in range(1, 23):
        published(county.treasury, f"国库支付情况通报（第{day}期）", day, category=category_of(county.treasury, "0307"))
    GuideFactory(organization=county.finance, effective_date=dt.date(2025, 1, 1))
    earlier = GuideFactory(organization=county.finance, effective_date=dt.date(2024, 1, 1))
    county._catalog_data = SimpleNamespace(policy=policy, old=old, reading=reading, earlier_guide=earlier)
    return county._catalog_data


def _catalog(name: str, path: Callable[[County], str], status: int = 200, label: str = "") -> PublicPage:
    return PublicPage(label or f"catalog:{name}", lambda county: (catalog_data(county), path(county))[1], status)


def _category(county: County, code: str) -> str:
    from tests.catalog.factories import category_of

    return category_of(county.finance, code).get_absolute_url()


PUBLIC_PAGES = PUBLIC_PAGES + (
    # The section entries again, now with data in them.
    _catalog("guide", lambda county: reverse("catalog:guide_index"), label="guide (with guides)"),
    _catalog("proactive", lambda county: reverse("catalog:proactive"), label="proactive (with items)"),
    _catalog("items", lambda county: reverse("catalog:items")),
    _catalog(
        "items",
        lambda county: f"{reverse('catalog:items')}?organization={county.finance.pk}&page=2",
        label="catalog:items (filtered, page 2)",
    ),
    _catalog(
        "items",
        lambda county: f"{reverse('catalog:items')}?year=abc&date_from=2026-13-01",
        status=400,
        label="catalog:items (bad filter values)",
    ),
    _catalog("organization", lambda county: reverse("catalog:organization", args=[county.finance.pk])),
    _catalog("category", lambda county: _category(county, "03")),
    _catalog("item", lambda county: catalog_data(county).policy.get_absolute_url()),
    _catalog("item", lambda county: catalog_data(county).old.get_absolute_url(), label="catalog:item (repealed)"),
    _catalog("guide", lambda county: reverse("catalog:guide", args=[county.finance.pk])),
    _catalog(
        "guide_version",
        lambda county: reverse(
            "catalog:guide_version", args=[county.finance.pk, catalog_data(county).earlier_guide.pk]
        ),
    ),
)

# URL names of catalog that are not HTML pages, with the reason.
CATALOG_NOT_PAGES = {
    "attachment": "a file download (Content-Disposition: attachment)",
    "feed": "an Atom feed (XML)",
    "sitemap": "sitemap index (XML)",
    "sitemap_section": "sitemap (XML)",
    "api_root": "JSON API",
    "api_organizations": "JSON API",
    "api_categories": "JSON API",
    "api_items": "JSON API",
    "api_item_by_index": "JSON API",
}

# The search page (catalog/search_views.py): results with highlights and facets; filters with no result
# (the "did you mean" link); and bad filter values and page number, shown as messages on a normal page.
PUBLIC_PAGES = PUBLIC_PAGES + (
    _catalog("search", lambda county: f"{reverse('catalog:search')}?q=预算"),
    _catalog(
        "search",
        lambda county: f"{reverse('catalog:search')}?q=预算&organization={county.education.pk}",
        label="catalog:search (no result, did you mean)",
    ),
    _catalog(
        "search",
        lambda county: f"{reverse('catalog:search')}?q=国库支付&organization=abc&year=x&page=99&order=date",
        label="catalog:search (bad values)",
    ),
)
CATALOG_NOT_PAGES["api_search"] = "JSON API"


# Yearly reports (annual_reports): the list with a published report, and the report page with its tables.


def published_report(county: County):
    """县财政局's 2025 report, built from a few applications and published by its head (once per test)."""
    cached = getattr(county, "_published_report", None)
    if cached is not None:
        return cached
    import datetime as dt

    from annual_reports import workflow
    from disclosure_site.models import Role
    from requests_app.models import ApplicantType, Outcome, Status
    from tests.factories import MembershipFactory
    from tests.requests_app.factories import InfoRequestFactory

    today = dt.date(2026, 1, 15)
    for applicant, received, ended, outcome in (
        (ApplicantType.NATURAL, dt.date(2024, 12, 20), dt.date(2025, 1, 10), Outcome.DISCLOSED),
        (ApplicantType.BUSINESS, dt.date(2025, 3, 2), dt.date(2025, 3, 20), Outcome.PARTIAL),
        (ApplicantType.NATURAL, dt.date(2025, 12, 30), None, ""),
    ):
        InfoRequestFactory(
            organization=county.finance,
            applicant_type=applicant,
            received_on=received,
            ended_on=ended,
            outcome=outcome,
            status=Status.ANSWERED if ended else Status.PROCESSING,
        )
    head = MembershipFactory(organization=county.finance, role=Role.HEAD).user
    report = workflow.create(county.finance, year=2025, by=head, today=today)
    workflow.update_draft(report, by=head, entered={"licensing": 12, "penalty": 3, "enforcement": 0, "fees": "1.25"})
    workflow.submit(report, by=head)
    county._published_report = workflow.publish(report, by=head, today=today)
    return county._published_report


PUBLIC_PAGES = PUBLIC_PAGES + (
    PublicPage(
        "reports (with reports)",
        lambda county: (published_report(county), reverse("disclosure_site:reports"))[1],
    ),
    PublicPage("report", lambda county: published_report(county).get_absolute_url()),
)
NOT_PAGES["report_download"] = "a file download (PDF, DOCX, XLSX, JSON; Content-Disposition: attachment)"


# 政务公开工作要点 and 政务公开统计 (workplans): the list with a published plan, the plan with published
# progress (also filtered, and with a bad filter value), a department's page with the tasks it leads or
# supports, and the statistics page for the whole government and for a department with data (also with
# bad parameters).


def published_plan(county: County):
    """测试县人民政府's published 2026 plan with reviewed progress, and applications and items to count."""
    cached = getattr(county, "_published_plan", None)
    if cached is not None:
        return cached
    import datetime as dt

    from disclosure_site.calendar_data import seed_from_package
    from disclosure_site.models import Role
    from tests.factories import MembershipFactory
    from workplans import workflow
    from workplans.models import Heading, Task

    seed_from_package({2024, 2025, 2026})
    published_report(county)  # 县财政局's applications of 2024–2025
    catalog_data(county)  # published items of 2026
    head = MembershipFactory(organization=county.government, role=Role.HEAD).user
    reviewer = MembershipFactory(organization=county.government, role=Role.REVIEWER).user
    clerk = MembershipFactory(organization=county.finance, role=Role.CLERK).user
    plan = workflow.create(county.government, year=2026, by=head)
    heading = Heading.objects.create(plan=plan, position=1, title="一、围绕深化改革推进公开")
    for number, text, leads, supports in (
        (1, "推进预决算信息公开，细化到功能分类项级科目", [county.finance], [county.education]),
        (2, "做好教育领域政策解读和回应关切", [county.education], [county.town, county.finance]),
    ):
        task = Task.objects.create(plan=plan, heading=heading, number=number, text=text, due_on=dt.date(2026, 6, 30))
        workflow.set_units(task, leads=leads, supports=supports, by=head)
    workflow.approve(plan, by=head)
    workflow.publish(plan, by=head)
    for state, percent, reason in (("in_progress", 60, ""), ("delayed", None, "等待上级统一模板")):
        progress = workflow.record_progress(
            plan.tasks.get(number=1),
            organization=county.finance,
            by=clerk,
            on=dt.date(2026, 3, 2),
            state=state,
            percent=percent,
            text="已完成部门预算公开模板修订。",
            reason=reason,
            today=dt.date(2026, 3, 2),
        )
        workflow.publish_progress(progress, by=reviewer)
    county._published_plan = plan
    return plan


def _plans(label: str, path: Callable[[County], str], status: int = 200) -> PublicPage:
    return PublicPage(label, lambda county: (published_plan(county), path(county))[1], status)


PUBLIC_PAGES = PUBLIC_PAGES + (
    _named("plans"),
    _named("statistics"),
    _plans("plans (with a plan)", lambda county: reverse("disclosure_site:plans")),
    _plans("plan", lambda county: published_plan(county).get_absolute_url()),
    _plans("plan (filtered)", lambda county: f"{published_plan(county).get_absolute_url()}?state=delayed"),
    _plans("plan (bad filter)", lambda county: f"{published_plan(county).get_absolute_url()}?unit=x", status=400),
    _plans(
        "organization (with tasks)", lambda county: reverse("disclosure_site:organization", args=[county.education.pk])
    ),
    _plans("statistics (whole government)", lambda county: f"{reverse('disclosure_site:statistics')}?year=2026"),
    _plans(
        "statistics (department, 2025)",
        lambda county: f"{reverse('disclosure_site:statistics')}?organization={county.finance.pk}&year=2025",
    ),
    _plans(
        "statistics (bad parameters)",
        lambda county: f"{reverse('disclosure_site:statistics')}?organization=x&year=1800",
        status=400,
    ),
)
NOT_PAGES["statistics_csv"] = "a CSV download (Content-Disposition: attachment)"
