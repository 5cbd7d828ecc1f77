"""How to make a record of a given organization for every model registered in the admin.

Shared by the admin scoping tests (tests/disclosure_site/test_admin_scoping.py) and the permission
matrix (tests/security/test_permission_matrix.py). A model registered in the admin later joins both by
adding a builder to BUILDERS; the matrix fails until it does. Texts name the organization, so a record
that leaks to staff of another organization shows up wherever its text does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.models import Group, User
from django.db import models

from annual_reports.models import Report
from catalog import publishing
from catalog.models import Category, Guide, IndexNumberScheme, Item, ItemRevision, Subject
from catalog.subjects import seed_subjects
from disclosure_site import audit, totp
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.models import (
    AuditEvent,
    CalendarDay,
    CalendarYear,
    Membership,
    Organization,
    Role,
    StaffTOTPDevice,
)
from requests_app.models import Consultation, InfoRequest, LegalCase, Letter, RedactionJob, RequestDocument
from tests.catalog.factories import GuideFactory, ItemFactory
from tests.factories import MembershipFactory
from tests.requests_app.factories import InfoRequestFactory
from workplans import workflow as plan_workflow
from workplans.models import Plan, Progress, Task, TaskNote

# The calendar and the subject tree are one for the whole government: readable by all staff,
# changed by system administrators.
SHARED = (CalendarYear, CalendarDay, Subject)


def _calendar_year(county, org):
    seed_from_package({2026})
    return CalendarYear.objects.get(year=2026)


def _calendar_day(county, org):
    seed_from_package({2026})
    return CalendarDay.objects.get(date=dt.date(2026, 10, 10))


def _subject(county, org):
    seed_subjects()
    return Subject.objects.get(code="0101")


def item(county, org):
    author = MembershipFactory(organization=org).user
    return ItemFactory(organization=org, author=author, title=f"{org.name}的信息条目")


def _revision(county, org):
    author = MembershipFactory(organization=org).user
    reviewer = MembershipFactory(organization=org, role=Role.REVIEWER).user
    published = ItemFactory(organization=org, author=author, title=f"{org.name}已发布的信息")
    publishing.submit(published, by=author)
    publishing.approve(published, by=reviewer)
    return publishing.propose_revision(published, {"summary": f"{org.name}的修改稿"}, by=author)


def info_request(county, org):
    return InfoRequestFactory(organization=org, applicant_name=f"{org.name}的申请人")


def _letter(county, org):
    return Letter.objects.create(
        info_request=info_request(county, org), kind="reply", title=f"{org.name}答复书", recipient="申请人", body="正文"
    )


def _redaction(county, org):
    source = RequestDocument.objects.create(
        info_request=info_request(county, org),
        kind="disclosed",
        file="requests/x",
        original_name=f"{org.name}原件.pdf",
        file_type="pdf",
        size=1,
    )
    return RedactionJob.objects.create(
        info_request=source.info_request,
        source=source,
        working_file="requests/redaction/x.pdf",
        page_sizes=[[595, 842]],
    )


def _case(county, org):
    return LegalCase.objects.create(
        organization=org, kind="reconsideration", filed_on=dt.date(2026, 5, 6), note=f"{org.name}的复议案件"
    )


def plan(county, org):
    """org's 2026 plan, published, with a task it leads and one it supports (led by 城关镇); made once."""
    existing = Plan.objects.filter(organization=org, year=2026).first()
    if existing is not None:
        return existing
    head = MembershipFactory(organization=org, role=Role.HEAD).user
    made = plan_workflow.create(org, year=2026, by=head)
    led = Task.objects.create(plan=made, number=1, text=f"{org.name}牵头的任务")
    plan_workflow.set_units(led, leads=[org], supports=[], by=head)
    supported = Task.objects.create(plan=made, number=2, text=f"{org.name}配合的任务")
    plan_workflow.set_units(supported, leads=[county.town], supports=[org], by=head)
    plan_workflow.approve(made, by=head)
    plan_workflow.publish(made, by=head)
    return made


def _head_of(org):
    return MembershipFactory(organization=org, role=Role.HEAD).user


def _progress(county, org):
    led = plan(county, org).tasks.get(number=1)
    return plan_workflow.record_progress(
        led, organization=org, by=_head_of(org), on=dt.date(2026, 3, 2), state="in_progress", text=f"{org.name}的进展"
    )


def _note(county, org):
    supported = plan(county, org).tasks.get(number=2)
    return plan_workflow.add_note(supported, organization=org, by=_head_of(org), text=f"{org.name}的备注")


Builder = Callable[..., models.Model]

# model -> builder(county, org): a record belonging to org (for models outside every organization,
# any record).
BUILDERS: dict[type[models.Model], Builder] = {
    Subject: _subject,
    Category: lambda county, org: Category.objects.get(organization=org, code="0307"),
    IndexNumberScheme: lambda county, org: IndexNumberScheme.objects.create(organization=org),
    Guide: lambda county, org: GuideFactory(organization=org, office_name=f"{org.name}政务公开办公室"),
    Item: item,
    ItemRevision: _revision,
    Organization: lambda county, org: org,
    AuditEvent: lambda county, org: audit.record(org, actor=None, action="change", comment=f"{org.name}的记录"),
    Membership: lambda county, org: MembershipFactory(organization=org, role=Role.HEAD),
    User: lambda county, org: MembershipFactory(organization=org).user,
    Group: lambda county, org: Group.objects.create(name=f"{org.name}工作组"),
    StaffTOTPDevice: lambda county, org: totp.start_enrolment(MembershipFactory(organization=org).user),
    CalendarYear: _calendar_year,
    CalendarDay: _calendar_day,
    InfoRequest: info_request,
    Letter: _letter,
    Consultation: lambda county, org: Consultation.objects.create(organization=org, channel="phone", topic=org.name),
    LegalCase: _case,
    RedactionJob: _redaction,
    Report: lambda county, org: Report.objects.create(organization=org, year=2025, format="2021"),
    Plan: plan,
    Task: lambda county, org: plan(county, org).tasks.get(number=1),
    Progress: _progress,
    TaskNote: _note,
}


def education_record(model):
    """builder(county) for a record of 县教育局 (the organization the finance personas may not reach)."""
    return lambda county: BUILDERS[model](county, county.education)


RECORDS = {model: education_record(model) for model in BUILDERS}
