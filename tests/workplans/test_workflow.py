"""Plans: drafted, approved and published by the office head; progress by the lead units, made public
after review by the disclosure office; notes by cooperating units. Every move allowed and refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from disclosure_site.errors import DomainError
from disclosure_site.models import AuditEvent, Role
from tests.factories import MembershipFactory
from workplans import workflow
from workplans.models import Plan, PlanStatus, Progress, ProgressState, ReviewStatus, TaskNote

from .conftest import task

D = dt.date
TODAY = D(2026, 5, 20)


def events(obj):
    return list(
        AuditEvent.objects.filter(object_id=str(obj.pk), object_repr=str(obj)).values_list(
            "action", "from_state", "to_state"
        )
    )


# Plans ------------------------------------------------------------------------------------------------


def test_a_new_plan_is_a_draft_with_its_event(county, gov_clerk):
    plan = workflow.create(county.government, year=2026, by=gov_clerk)
    assert plan.status == PlanStatus.DRAFT
    assert plan.title == "测试县人民政府2026年政务公开工作要点"
    assert events(plan) == [("create", "", "草稿")]


def test_one_plan_per_organization_and_year(county, gov_clerk, draft_plan):
    with pytest.raises(DomainError, match="2026年度的政务公开工作要点已存在"):
        workflow.create(county.government, year=2026, by=gov_clerk)
    assert Plan.objects.count() == 1


def test_staff_of_another_organization_cannot_draft_the_plan(county, outsider):
    with pytest.raises(workflow.NotAllowed, match="只有测试县人民政府"):
        workflow.create(county.government, year=2026, by=outsider)
    assert not Plan.objects.exists()


def test_the_head_approves_then_publishes_with_events(draft_plan, gov_head):
    workflow.approve(draft_plan, by=gov_head)
    workflow.publish(draft_plan, by=gov_head)
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.PUBLISHED
    assert draft_plan.approved_by == gov_head
    assert draft_plan.published_by == gov_head
    assert events(draft_plan)[:2] == [("transition", "已批准", "已发布"), ("transition", "草稿", "已批准")]


def test_a_clerk_cannot_approve(draft_plan, gov_clerk):
    with pytest.raises(workflow.NotAllowed, match="机关负责人"):
        workflow.approve(draft_plan, by=gov_clerk)
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT


def test_the_head_of_a_department_cannot_approve_the_countys_plan(draft_plan, head):
    with pytest.raises(workflow.NotAllowed):
        workflow.approve(draft_plan, by=head)
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT


def test_a_draft_cannot_be_published_before_approval(draft_plan, gov_head):
    with pytest.raises(workflow.InvalidTransition, match="不能改为“已发布”"):
        workflow.publish(draft_plan, by=gov_head)
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT


def test_a_plan_without_tasks_cannot_be_approved(county, gov_clerk, gov_head):
    plan = workflow.create(county.government, year=2027, by=gov_clerk)
    with pytest.raises(DomainError, match="还没有任务"):
        workflow.approve(plan, by=gov_head)


def test_a_task_without_a_lead_unit_stops_approval(draft_plan, gov_head):
    task(draft_plan, 2).units.filter(role="lead").delete()
    with pytest.raises(DomainError, match="第2项任务没有牵头单位"):
        workflow.approve(draft_plan, by=gov_head)


def test_the_head_returns_an_approved_plan_with_a_reason(draft_plan, gov_head):
    workflow.approve(draft_plan, by=gov_head)
    with pytest.raises(DomainError, match="退回理由"):
        workflow.return_to_draft(draft_plan, by=gov_head, reason=" ")
    workflow.return_to_draft(draft_plan, by=gov_head, reason="第3项补充完成时限")
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT
    assert draft_plan.approved_by is None


def test_a_published_plan_does_not_move_again(plan, gov_head):
    with pytest.raises(workflow.InvalidTransition, match="已发布"):
        workflow.return_to_draft(plan, by=gov_head, reason="改")


def test_units_of_a_task_cannot_be_both_lead_and_cooperating(draft_plan, county, gov_clerk):
    with pytest.raises(DomainError, match="不能既是牵头单位又是配合单位"):
        workflow.set_units(task(draft_plan, 1), leads=[county.finance], supports=[county.finance], by=gov_clerk)
    assert task(draft_plan, 1).units.count() == 2


def test_units_of_a_published_plan_are_fixed(plan, county, gov_clerk):
    with pytest.raises(workflow.InvalidTransition, match="只有草稿可以修改"):
        workflow.set_units(task(plan, 1), leads=[county.town], supports=[], by=gov_clerk)


# Progress ---------------------------------------------------------------------------------------------


def report(plan, number, by, org, **fields):
    values = {
        "on": D(2026, 5, 18),
        "state": ProgressState.IN_PROGRESS,
        "text": "已完成预算公开模板修订",
        "today": TODAY,
    }
    values.update(fields)
    return workflow.record_progress(task(plan, number), organization=org, by=by, **values)


def test_the_lead_units_clerk_records_progress_waiting_for_review(plan, county, clerk):
    progress = report(plan, 1, clerk, county.finance, percent="60%")
    progress.refresh_from_db()
    assert progress.status == ReviewStatus.PENDING
    assert progress.percent == 60
    assert events(progress) == [("create", "", "待审核")]


def test_a_unit_that_is_not_the_lead_cannot_record_progress(plan, county, outsider):
    with pytest.raises(workflow.NotAllowed, match="测试县教育局不是第1项任务的牵头单位.*牵头单位是：测试县财政局"):
        report(plan, 1, outsider, county.education)
    assert not Progress.objects.exists()


def test_staff_of_another_unit_cannot_report_in_the_lead_units_name(plan, county, outsider):
    with pytest.raises(workflow.NotAllowed, match="只有测试县财政局（牵头单位）的工作人员"):
        report(plan, 1, outsider, county.finance)
    assert not Progress.objects.exists()


def test_either_of_two_lead_units_may_report(plan, county, clerk):
    assert report(plan, 3, clerk, county.finance).organization == county.finance


@pytest.mark.parametrize("percent", ["101", "-5", "一半", 150])
def test_a_percentage_outside_0_to_100_is_refused(plan, county, clerk, percent):
    with pytest.raises(DomainError, match="完成进度应为0到100之间的整数"):
        report(plan, 1, clerk, county.finance, percent=percent)
    assert not Progress.objects.exists()


def test_a_delay_needs_its_reason(plan, county, clerk):
    with pytest.raises(DomainError, match="状态为“延期”时必须说明延期原因"):
        report(plan, 1, clerk, county.finance, state=ProgressState.DELAYED, reason=" ")
    assert not Progress.objects.exists()
    progress = report(plan, 1, clerk, county.finance, state=ProgressState.DELAYED, reason="等待上级统一模板")
    assert progress.reason == "等待上级统一模板"


def test_done_means_100_percent(plan, county, clerk):
    with pytest.raises(DomainError, match="已完成.*100%"):
        report(plan, 1, clerk, county.finance, state=ProgressState.DONE, percent=80)
    assert report(plan, 1, clerk, county.finance, state=ProgressState.DONE, percent=100).percent == 100


def test_progress_cannot_be_dated_after_today(plan, county, clerk):
    with pytest.raises(DomainError, match="不能晚于今天"):
        report(plan, 1, clerk, county.finance, on=D(2026, 5, 21))


def test_no_progress_before_the_plan_is_published(draft_plan, county, clerk):
    with pytest.raises(DomainError, match="发布后才能填报"):
        report(draft_plan, 1, clerk, county.finance)


def test_the_disclosure_office_publishes_progress(plan, county, clerk, gov_reviewer):
    progress = workflow.publish_progress(report(plan, 1, clerk, county.finance), by=gov_reviewer)
    progress.refresh_from_db()
    assert progress.status == ReviewStatus.PUBLISHED
    assert progress.reviewed_by == gov_reviewer
    assert events(progress)[0] == ("transition", "待审核", "已公开")


def test_the_lead_units_own_reviewer_is_not_the_disclosure_office(plan, county, clerk, reviewer):
    with pytest.raises(workflow.NotAllowed, match="测试县人民政府.*审核人"):
        workflow.publish_progress(report(plan, 1, clerk, county.finance), by=reviewer)
    assert Progress.objects.get().status == ReviewStatus.PENDING


def test_a_reviewer_cannot_review_their_own_progress(plan, county, gov_reviewer):
    progress = report(plan, 1, gov_reviewer, county.finance)  # the county's staff reach the department
    with pytest.raises(workflow.NotAllowed, match="不能审核自己填报的进展"):
        workflow.publish_progress(progress, by=gov_reviewer)


def test_progress_is_reviewed_once(plan, county, clerk, gov_reviewer):
    progress = workflow.publish_progress(report(plan, 1, clerk, county.finance), by=gov_reviewer)
    with pytest.raises(workflow.InvalidTransition, match="只有待审核的进展可以审核"):
        workflow.return_progress(progress, by=gov_reviewer, note="再看看")


def test_returned_progress_is_corrected_and_waits_again(plan, county, clerk, gov_reviewer):
    progress = report(plan, 1, clerk, county.finance)
    with pytest.raises(DomainError, match="退回理由"):
        workflow.return_progress(progress, by=gov_reviewer, note="")
    workflow.return_progress(progress, by=gov_reviewer, note="请写明完成比例")
    progress = workflow.update_progress(
        progress, by=clerk, on=D(2026, 5, 19), state=ProgressState.IN_PROGRESS, text="完成60%", percent=60, today=TODAY
    )
    progress.refresh_from_db()
    assert (progress.status, progress.percent) == (ReviewStatus.PENDING, 60)


def test_published_progress_is_not_edited(plan, county, clerk, gov_reviewer):
    progress = workflow.publish_progress(report(plan, 1, clerk, county.finance), by=gov_reviewer)
    with pytest.raises(workflow.InvalidTransition, match="已公开，不能修改"):
        workflow.update_progress(progress, by=clerk, on=TODAY, state=ProgressState.DONE, text="完成", today=TODAY)


def test_the_database_refuses_a_percentage_over_100_and_a_delay_without_reason(plan, county, clerk):
    base = {"task": task(plan, 1), "organization": county.finance, "on": TODAY, "text": "x", "entered_by": clerk}
    with pytest.raises(IntegrityError), transaction.atomic():
        Progress.objects.create(**base, state=ProgressState.IN_PROGRESS, percent=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        Progress.objects.create(**base, state=ProgressState.DELAYED, reason="")


# Notes ------------------------------------------------------------------------------------------------


def test_a_cooperating_unit_adds_a_note(plan, county, outsider):
    note = workflow.add_note(task(plan, 1), organization=county.education, by=outsider, text="已提供教育经费数据")
    assert note.text == "已提供教育经费数据"
    assert events(note) == [("create", "", "")]


def test_the_lead_unit_does_not_add_cooperating_notes(plan, county, clerk):
    with pytest.raises(workflow.NotAllowed, match="不是第1项任务的配合单位"):
        workflow.add_note(task(plan, 1), organization=county.finance, by=clerk, text="备注")
    assert not TaskNote.objects.exists()


def test_a_note_needs_text_and_the_units_staff(plan, county, outsider, clerk):
    with pytest.raises(DomainError, match="请填写备注内容"):
        workflow.add_note(task(plan, 1), organization=county.education, by=outsider, text="  ")
    with pytest.raises(workflow.NotAllowed, match="只有测试县教育局的工作人员"):
        workflow.add_note(task(plan, 1), organization=county.education, by=clerk, text="冒名")
    assert not TaskNote.objects.exists()


def test_a_treasury_clerk_does_not_reach_the_parent_departments_tasks(plan, county):
    treasury_clerk = MembershipFactory(organization=county.treasury, role=Role.CLERK).user
    with pytest.raises(workflow.NotAllowed):
        report(plan, 1, treasury_clerk, county.finance)
