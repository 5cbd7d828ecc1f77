"""The data every permission-matrix case runs against, built once per test module (and per xdist worker)
inside a transaction that is rolled back at the end; each test then runs in its own savepoint.

Two organizations hold one record of every admin model each: 县财政局 (where clerk, reviewer and head
work) and 县教育局 (where outsider works). Each role's foreign records are the other organization's.
Beside them, public content in every state: what the public may see carries PUBLISHED in its text,
what it may not carries HIDDEN.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from annual_reports import formats
from annual_reports import workflow as report_workflow
from annual_reports.models import Report
from catalog import publishing
from catalog.models import Attachment, Guide, Item
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.models import Organization, Role
from requests_app import documents, redaction
from requests_app.models import (
    Consultation,
    DocumentKind,
    InfoRequest,
    LegalCase,
    Letter,
    LetterStatus,
    RedactionJob,
)
from tests.catalog.factories import AttachmentFactory, GuideFactory, ItemFactory
from tests.conftest import County
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.requests_app.factories import registered, submitted_online
from tests.requests_app.redaction_pdfs import blank_pdf
from workplans import workflow as plan_workflow
from workplans.models import Plan, Task

from .records import BUILDERS

PUBLISHED = "已公开标记"
HIDDEN = "未公开标记"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Persona:
    """A role in the matrix. own/foreign: the organization (world key) whose records it works on / may
    not reach; None for those who work nowhere."""

    name: str
    own: str | None
    foreign: str
    staff: bool = True  # holds a role in the back office (False: anonymous, or no membership)


PERSONAS = (
    Persona("anonymous", None, "education", staff=False),
    Persona("norole", None, "education", staff=False),
    Persona("clerk", "finance", "education"),
    Persona("reviewer", "finance", "education"),
    Persona("head", "finance", "education"),
    Persona("outsider", "education", "finance"),
    Persona("sysadmin", None, "education"),
)
BY_NAME = {persona.name: persona for persona in PERSONAS}
# Those who must reach no foreign record: everyone but the system administrator.
RESTRICTED = tuple(p for p in PERSONAS if p.name != "sysadmin")


@dataclass
class PublicContent:
    """Public-side objects by what the public may see (pks, numbers, URLs)."""

    published_item: Item
    hidden_items: list[Item]
    revised_item: Item  # published, with a pending revision carrying HIDDEN
    published_attachment: Attachment
    hidden_attachments: list[Attachment]
    guide: Guide
    hidden_guides: list[Guide]
    published_report: Report
    hidden_reports: list[Report]
    published_plan: Plan
    hidden_plans: list[Plan]
    application: InfoRequest  # submitted online, HIDDEN applicant and description
    application_code: str
    other_application: InfoRequest  # its code is never given
    sent_letter: Letter
    disclosed_document_pk: int


@dataclass
class World:
    county: County
    users: dict[str, User | None]
    records: dict[str, dict[type[models.Model], models.Model]]
    organizations: dict[str, Organization]
    public: PublicContent | None = None

    def user(self, persona: Persona) -> User | None:
        return self.users[persona.name]

    def foreign(self, persona: Persona, model) -> models.Model:
        return self.records[persona.foreign][model]

    def own(self, persona: Persona, model) -> models.Model | None:
        return self.records[persona.own][model] if persona.own else None

    def foreign_name(self, persona: Persona) -> str:
        """Text that must appear nowhere the persona can read: the foreign organization's name (every
        record builder writes it into the record's texts)."""
        return self.organizations[persona.foreign].name


def build_county() -> County:
    """The county of tests/conftest.py's fixture, built outside a test (module scope)."""
    government = OrganizationFactory(name="测试县人民政府", kind=Organization.Kind.GOVERNMENT, parent=None)
    finance = OrganizationFactory(name="测试县财政局", parent=government)
    treasury = OrganizationFactory(name="测试县财政局国库支付中心", kind=Organization.Kind.OTHER, parent=finance)
    education = OrganizationFactory(name="测试县教育局", parent=government)
    town = OrganizationFactory(name="测试县城关镇人民政府", kind=Organization.Kind.TOWN, parent=government)
    for org in (government, finance, treasury, education, town):
        org.refresh_from_db()
    return County(government, finance, treasury, education, town)


def _staff(username: str, org: Organization, role: str) -> User:
    return MembershipFactory(user=UserFactory(username=username), organization=org, role=role).user


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _application_with_files(county, org) -> InfoRequest:
    """A registered application of org (processing) with a stored document, for the document view."""
    handler = MembershipFactory(organization=org).user
    info_request = registered(org, by=handler, received_on=dt.date(2026, 3, 6), applicant_name=f"{org.name}的申请人")
    documents.store_document(info_request, _upload("材料.pdf", blank_pdf(1)), kind=DocumentKind.DISCLOSED, by=handler)
    return info_request


def _redaction_job(county, org) -> RedactionJob:
    handler = MembershipFactory(organization=org).user
    info_request = registered(org, by=handler, received_on=dt.date(2026, 3, 9), applicant_name=f"{org.name}的申请人")
    job = redaction.start(info_request, by=handler, uploaded=_upload(f"{org.name}原件.pdf", blank_pdf(1)))
    redaction.add_box(job, by=handler, page=1, x0=100, y0=100, x1=300, y1=150, reason="3.4")
    return job


# Builders with real files where a view serves them (the shared builders store names only).
WITH_FILES = {InfoRequest: _application_with_files, RedactionJob: _redaction_job}


def build_world() -> World:
    seed_from_package({2026})
    county = build_county()
    users: dict[str, User | None] = {
        "anonymous": None,
        "norole": UserFactory(username="norole"),  # is_staff, no membership
        "clerk": _staff("clerk", county.finance, Role.CLERK),
        "reviewer": _staff("reviewer", county.finance, Role.REVIEWER),
        "head": _staff("head", county.finance, Role.HEAD),
        "outsider": _staff("outsider", county.education, Role.CLERK),
        "sysadmin": UserFactory(username="sysadmin", is_superuser=True),
    }
    organizations = {"finance": county.finance, "education": county.education}
    records = {
        key: {model: WITH_FILES.get(model, build)(county, org) for model, build in BUILDERS.items()}
        for key, org in organizations.items()
    }
    for made in (record for by_model in records.values() for record in by_model.values()):
        made.refresh_from_db()  # workflow functions return fresh copies; keep the stored state
    world = World(county, users, records, organizations)
    world.public = _public_content(county, users)
    return world


def _public_content(county: County, users) -> PublicContent:
    finance = county.finance
    clerk, reviewer, head = users["clerk"], users["reviewer"], users["head"]

    def item(title: str, **kwargs) -> Item:
        return ItemFactory(organization=finance, author=clerk, title=f"{title}关于财政预算的通知", **kwargs)

    published = item(f"{PUBLISHED}条目", published=True, summary=f"{PUBLISHED}摘要")
    draft = item(f"{HIDDEN}草稿", summary=f"{HIDDEN}草稿摘要")
    pending = publishing.submit(item(f"{HIDDEN}待审核"), by=clerk)
    scheduled = item(f"{HIDDEN}定时", scheduled_at=dt.datetime(2030, 1, 1, 9, 0, tzinfo=SHANGHAI))
    publishing.submit(scheduled, by=clerk)
    scheduled = publishing.approve(scheduled, by=reviewer)
    withdrawn = item(f"{HIDDEN}已撤回", withdrawn=True)
    revised = item(f"{PUBLISHED}修订", published=True)
    revision = publishing.propose_revision(revised, {"summary": f"{HIDDEN}修改稿摘要"}, by=clerk)

    def attachment(item, name, **kwargs) -> Attachment:
        return AttachmentFactory(item=item, original_name=name, file__data=blank_pdf(1), **kwargs)

    published_attachment = attachment(published, f"{PUBLISHED}附件.pdf")
    hidden_attachments = [
        attachment(draft, f"{HIDDEN}草稿附件.pdf"),
        attachment(withdrawn, f"{HIDDEN}撤回附件.pdf"),
        attachment(revised, f"{HIDDEN}修改稿附件.pdf", revision=revision),
    ]

    # In force (the record builder's guide of 2026-01-01 becomes an earlier version).
    guide = GuideFactory(organization=finance, effective_date=dt.date(2026, 6, 1), office_name=f"{PUBLISHED}指南办公室")
    hidden_guides = [
        GuideFactory(
            organization=finance,
            effective_date=dt.date(2026, 7, 1),
            is_published=False,
            office_name=f"{HIDDEN}未发布指南",
        ),
        GuideFactory(organization=finance, effective_date=dt.date(2030, 1, 1), office_name=f"{HIDDEN}未生效指南"),
    ]

    published_report = _report(finance, clerk, head, f"{PUBLISHED}年报正文", publish=True)
    hidden_reports = [
        _report(county.treasury, clerk, head, f"{HIDDEN}待发布年报", publish=False),
        _report(county.government, _staff("govclerk", county.government, Role.CLERK), None, f"{HIDDEN}草稿年报"),
    ]

    published_plan = Plan.objects.get(organization=finance, year=2026)  # published by the record builder
    led = published_plan.tasks.get(number=1)
    plan_head = MembershipFactory(organization=finance, role=Role.HEAD).user
    shown = plan_workflow.record_progress(
        led, organization=finance, by=plan_head, on=dt.date(2026, 4, 1), state="in_progress", text=f"{PUBLISHED}进展"
    )
    plan_workflow.publish_progress(shown, by=reviewer)
    returned = plan_workflow.record_progress(
        led, organization=finance, by=plan_head, on=dt.date(2026, 4, 2), state="in_progress", text=f"{HIDDEN}退回进展"
    )
    plan_workflow.return_progress(returned, by=reviewer, note=f"{HIDDEN}退回理由")
    plan_workflow.record_progress(
        led, organization=finance, by=plan_head, on=dt.date(2026, 4, 3), state="done", text=f"{HIDDEN}待审核进展"
    )
    hidden_plans = [_plan(county.town, county, approve=True), _plan(county.treasury, county, approve=False)]

    application, code = submitted_online(
        finance, applicant_name=f"{HIDDEN}申请人", description=f"{HIDDEN}申请内容：请公开财政预算"
    )
    other = registered(
        finance, by=clerk, received_on=dt.date(2026, 3, 10), applicant_name=f"{HIDDEN}另一申请人", description=HIDDEN
    )
    letter = Letter.objects.create(
        info_request=application, kind="reply", title=f"{HIDDEN}答复书", recipient="申请人", body=HIDDEN
    )
    Letter.objects.filter(pk=letter.pk).update(
        status=LetterStatus.SENT, sent_on=dt.date(2026, 3, 20), approved_by=reviewer
    )
    document = documents.store_document(
        other, _upload(f"{HIDDEN}材料.pdf", blank_pdf(1)), kind=DocumentKind.DISCLOSED, by=clerk, for_applicant=True
    )
    Consultation.objects.create(organization=finance, channel="phone", topic=f"{HIDDEN}咨询")
    LegalCase.objects.create(organization=finance, kind="litigation", filed_on=dt.date(2026, 5, 6), note=HIDDEN)

    return PublicContent(
        published_item=published,
        hidden_items=[draft, pending, scheduled, withdrawn],
        revised_item=revised,
        published_attachment=published_attachment,
        hidden_attachments=hidden_attachments,
        guide=guide,
        hidden_guides=hidden_guides,
        published_report=published_report,
        hidden_reports=hidden_reports,
        published_plan=published_plan,
        hidden_plans=hidden_plans,
        application=application,
        application_code=code,
        other_application=other,
        sent_letter=letter,
        disclosed_document_pk=document.pk,
    )


def _report(org, clerk, head, text: str, *, publish: bool | None = None) -> Report:
    """org's 2024 report with text in every narrative section: published (publish=True), waiting for
    approval (False) or a draft (None)."""
    editor = (
        clerk if clerk.memberships.filter(organization=org).exists() else _staff(f"editor{org.pk}", org, Role.CLERK)
    )
    today = dt.date(2026, 1, 15)
    report = report_workflow.create(org, year=2024, by=editor, today=today)
    sections = formats.get(report.format).narrative_sections
    entered = {"licensing": "1", "penalty": "0", "enforcement": "0", "fees": "0"}
    report = report_workflow.update_draft(
        report, by=editor, entered=entered, narrative={section.key: text for section in sections}
    )
    if publish is None:
        return report
    report_workflow.submit(report, by=editor)
    if publish:
        publisher = (
            head if head.memberships.filter(organization=org).exists() else _staff(f"head{org.pk}", org, Role.HEAD)
        )
        report = report_workflow.publish(report, by=publisher, today=today)
    return report


def _plan(org, county, *, approve: bool) -> Plan:
    head = _staff(f"planhead{org.pk}", org, Role.HEAD)
    plan = plan_workflow.create(org, year=2026, by=head, title=f"{HIDDEN}{org.name}工作要点")
    task = Task.objects.create(plan=plan, number=1, text=f"{HIDDEN}任务")
    plan_workflow.set_units(task, leads=[org], supports=[], by=head)
    if approve:
        plan_workflow.approve(plan, by=head)
    return plan
