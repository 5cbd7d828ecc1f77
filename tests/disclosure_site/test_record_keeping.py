"""Records are never lost through the back office: published items, applications and reports cannot be
deleted by anyone, not even a system administrator (they are withdrawn, voided or anonymized instead),
and every deletion the admin does allow — drafts, register entries — leaves an audit event naming what
went, who removed it and when.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group

from annual_reports.models import Report
from disclosure_site import audit
from disclosure_site.admin_mixins import AuditedDeletionMixin
from disclosure_site.models import AuditEvent, Organization, Role
from requests_app.models import InfoRequest, Letter, LetterStatus
from tests.catalog.factories import GuideFactory, ItemFactory
from tests.factories import MembershipFactory
from tests.requests_app.factories import InfoRequestFactory
from workplans import workflow as plan_workflow
from workplans.models import Plan, Task


def _url(record, view: str) -> str:
    opts = record._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{record.pk}/{view}/"


def _delete(client, record):
    return client.post(_url(record, "delete"), {"post": "yes"})


def _deletions_of(record) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="delete", object_id=str(record.pk)))


def _letter(county, status):
    info_request = InfoRequestFactory(organization=county.finance)
    approver = None if status == LetterStatus.DRAFT else MembershipFactory(organization=county.finance).user
    return Letter.objects.create(
        info_request=info_request,
        kind="reply",
        title="答复书",
        recipient="申请人",
        body="正文",
        status=status,
        approved_by=approver,
    )


def _plan(county, *, published: bool):
    head = MembershipFactory(organization=county.finance, role=Role.HEAD).user
    plan = plan_workflow.create(county.finance, year=2026, by=head)
    task = Task.objects.create(plan=plan, number=1, text="财政预决算公开")
    plan_workflow.set_units(task, leads=[county.finance], supports=[], by=head)
    if published:
        plan_workflow.approve(plan, by=head)
        plan_workflow.publish(plan, by=head)
    return plan


def _worked_user(county):
    user = MembershipFactory(organization=county.finance).user
    audit.record(county.finance, actor=user, action="change", comment="修改了机构电话")
    return user


KEPT = {
    "published item": lambda county: ItemFactory(organization=county.finance, published=True),
    "withdrawn item": lambda county: ItemFactory(organization=county.finance, withdrawn=True),
    "application": lambda county: InfoRequestFactory(organization=county.finance),
    "draft report": lambda county: Report.objects.create(organization=county.finance, year=2025, format="2021"),
    "published guide": lambda county: GuideFactory(organization=county.finance, is_published=True),
    "sent letter": lambda county: _letter(county, LetterStatus.SENT),
    "published plan": lambda county: _plan(county, published=True),
    "organization": lambda county: county.finance,
    "audit event": lambda county: audit.record(county.finance, actor=None, action="change", comment="一条审计记录"),
    "staff account that has worked": _worked_user,
}


@pytest.mark.parametrize("kind", KEPT)
def test_a_record_cannot_be_deleted_even_by_a_system_administrator(client, county, sysadmin, kind):
    record = KEPT[kind](county)
    client.force_login(sysadmin)

    assert client.get(_url(record, "delete")).status_code == 403
    assert _delete(client, record).status_code == 403
    assert type(record)._default_manager.filter(pk=record.pk).exists()


@pytest.mark.parametrize("model", [Report, InfoRequest, Plan])
def test_no_bulk_delete_action_is_offered_for_records(client, sysadmin, model):
    client.force_login(sysadmin)
    response = client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
    assert response.status_code == 200
    assert 'value="delete_selected"' not in response.content.decode()


DRAFTS = {
    "draft item": lambda county: ItemFactory(organization=county.finance),
    "unpublished guide": lambda county: GuideFactory(organization=county.finance, is_published=False),
    "draft letter": lambda county: _letter(county, LetterStatus.DRAFT),
    "draft plan": lambda county: _plan(county, published=False),
}


@pytest.mark.parametrize("kind", DRAFTS)
def test_deleting_a_draft_is_audited(client, county, clerk, kind):
    record = DRAFTS[kind](county)
    described = str(record)
    client.force_login(clerk)

    response = _delete(client, record)

    assert response.status_code == 302
    assert not type(record)._default_manager.filter(pk=record.pk).exists()
    (event,) = _deletions_of(record)
    assert event.actor == clerk
    assert event.object_repr == described
    assert event.organization == county.finance


def test_a_task_removed_from_a_draft_plan_is_audited(client, county, clerk):
    plan = _plan(county, published=False)
    task = plan.tasks.get()
    client.force_login(clerk)
    data = {
        "title": plan.title,
        "headings-TOTAL_FORMS": "0",
        "headings-INITIAL_FORMS": "0",
        "tasks-TOTAL_FORMS": "1",
        "tasks-INITIAL_FORMS": "1",
        "tasks-0-id": task.pk,
        "tasks-0-plan": plan.pk,
        "tasks-0-number": "1",
        "tasks-0-text": task.text,
        "tasks-0-leads": [county.finance.pk],
        "tasks-0-DELETE": "on",
        "_continue": "保存并继续编辑",
    }

    response = client.post(_url(plan, "change"), data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert not Task.objects.filter(pk=task.pk).exists()
    (event,) = _deletions_of(task)
    assert event.actor == clerk
    assert "财政预决算公开" in event.object_repr


def test_every_admin_that_can_delete_records_its_deletions(rf, sysadmin):
    """Every admin that may delete anything audits its deletions (AuditedDeletionMixin)."""
    request = rf.get("/admin/")
    request.user = sysadmin
    unaudited = [
        model.__name__
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedDeletionMixin) and model_admin.has_delete_permission(request)
    ]
    assert unaudited == [], f"these admins delete without an audit event: {unaudited}"


def test_group_and_organization_admins_are_in_the_registry():
    # Guards the test above against an empty registry.
    assert Organization in admin.site._registry and Group in admin.site._registry


def test_a_staff_account_that_never_acted_can_be_deleted_and_the_deletion_is_audited(client, county, sysadmin):
    user = MembershipFactory(organization=county.finance).user
    client.force_login(sysadmin)

    assert _delete(client, user).status_code == 302

    assert not type(user).objects.filter(pk=user.pk).exists()
    (event,) = _deletions_of(user)
    assert event.actor == sysadmin
