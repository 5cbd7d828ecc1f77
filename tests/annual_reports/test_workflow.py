"""草稿 → 待审批 → 已发布 by the office head only; the snapshot is frozen; 更正 makes a new revision."""

from __future__ import annotations

import datetime as dt

import pytest

from annual_reports import building, workflow
from annual_reports.models import EnteredFigure, Report
from disclosure_site.errors import DomainError
from disclosure_site.models import AuditEvent
from requests_app.models import Outcome

from .conftest import TODAY, application

D = dt.date


def _events(report):
    return list(
        AuditEvent.objects.filter(object_id=str(report.pk), content_type__model="report")
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )


def test_clerk_submits_and_the_head_publishes(draft, clerk, head):
    workflow.submit(draft, by=clerk)
    draft.refresh_from_db()
    assert draft.status == "pending"
    workflow.publish(draft, by=head, today=TODAY)
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.published_by == head
    assert draft.snapshot["title"] == "测试县财政局2025年政府信息公开工作年度报告"
    assert draft.snapshot["organization"]["credit_code"] == draft.organization.credit_code
    assert ("transition", "待审批", "已发布") in _events(draft)
    assert ("transition", "草稿", "待审批") in _events(draft)


@pytest.mark.parametrize("role", ["clerk", "reviewer"])
def test_only_the_head_may_publish(draft, clerk, role, request):
    workflow.submit(draft, by=clerk)
    user = request.getfixturevalue(role)
    with pytest.raises(workflow.NotAllowed, match="只有.*机关负责人可以操作"):
        workflow.publish(draft, by=user, today=TODAY)
    draft.refresh_from_db()
    assert draft.status == "pending" and draft.snapshot is None


def test_head_of_another_organization_may_not_publish(draft, clerk, county):
    from disclosure_site.models import Role
    from tests.factories import MembershipFactory

    other_head = MembershipFactory(organization=county.education, role=Role.HEAD).user
    workflow.submit(draft, by=clerk)
    with pytest.raises(workflow.NotAllowed):
        workflow.publish(draft, by=other_head, today=TODAY)


def test_outsider_may_not_start_a_report(county, outsider):
    with pytest.raises(workflow.NotAllowed, match="测试县财政局"):
        workflow.create(county.finance, year=2025, by=outsider, today=TODAY)
    assert not Report.objects.exists()


def test_outsider_may_not_edit_a_draft(draft, outsider):
    with pytest.raises(workflow.NotAllowed):
        workflow.update_draft(draft, by=outsider, entered={"licensing": "99"})
    assert building.entered_values(draft)["licensing"] == 12


def test_a_year_in_the_future_is_refused(county, clerk):
    with pytest.raises(DomainError, match="2027年度尚未开始"):
        workflow.create(county.finance, year=2027, by=clerk, today=D(2026, 11, 29))
    assert not Report.objects.exists()


def test_the_current_year_may_be_drafted_but_not_published(county, clerk, head):
    report = workflow.create(county.finance, year=2026, by=clerk, today=D(2026, 11, 29))
    workflow.update_draft(report, by=clerk, entered={"licensing": 1, "penalty": 0, "enforcement": 0, "fees": 0})
    workflow.submit(report, by=clerk)
    with pytest.raises(DomainError, match="2026年度尚未结束"):
        workflow.publish(report, by=head, today=D(2026, 11, 29))


def test_a_second_report_for_the_same_year_is_refused(draft, clerk):
    with pytest.raises(DomainError, match="已存在"):
        workflow.create(draft.organization, year=2025, by=clerk, today=TODAY)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "“行政许可 本年处理决定数量”不能为负数。"),
        ("十二", "“行政许可 本年处理决定数量”应填写数字。"),
        ("1.5", "“行政许可 本年处理决定数量”应填写整数。"),
        ("nan", "“行政许可 本年处理决定数量”应填写数字。"),
    ],
)
def test_bad_entered_values_are_refused_and_nothing_changes(draft, clerk, value, message):
    with pytest.raises(DomainError) as error:
        workflow.update_draft(draft, by=clerk, entered={"licensing": value, "penalty": "8"})
    assert str(error.value) == message
    assert building.entered_values(draft)["licensing"] == 12
    assert building.entered_values(draft)["penalty"] == 3


def test_fees_take_decimals_but_not_negative_numbers(draft, clerk):
    workflow.update_draft(draft, by=clerk, entered={"fees": "0.3456"})
    assert str(building.entered_values(draft)["fees"]) == "0.3456"
    with pytest.raises(DomainError, match="不能为负数"):
        workflow.update_draft(draft, by=clerk, entered={"fees": "-0.5"})
    with pytest.raises(DomainError, match="最多保留4位小数"):
        workflow.update_draft(draft, by=clerk, entered={"fees": "0.12345"})


def test_the_database_refuses_a_negative_entered_value(draft):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        EnteredFigure.objects.create(report=draft, name="penalty2", value=-1)


def test_a_pending_report_is_not_edited_until_returned(draft, clerk, reviewer):
    workflow.submit(draft, by=clerk)
    with pytest.raises(DomainError, match="正在审批中"):
        workflow.update_draft(draft, by=clerk, narrative={"overview": "改"})
    with pytest.raises(DomainError, match="退回的理由"):
        workflow.return_to_draft(draft, by=reviewer, reason=" ")
    with pytest.raises(workflow.NotAllowed):
        workflow.return_to_draft(draft, by=clerk, reason="不行")
    workflow.return_to_draft(draft, by=reviewer, reason="请补充创新举措。")
    workflow.update_draft(draft, by=clerk, narrative={"other": "补充了创新举措。"})
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.narrative["other"] == "补充了创新举措。"


def test_a_published_report_is_never_edited_nor_rebuilt(published, clerk):
    for action in (
        lambda: workflow.update_draft(published, by=clerk, narrative={"overview": "改"}),
        lambda: workflow.update_draft(published, by=clerk, entered={"licensing": "1"}),
        lambda: workflow.build(published, by=clerk, today=TODAY),
        lambda: workflow.submit(published, by=clerk),
    ):
        with pytest.raises(DomainError, match="已发布，不能修改"):
            action()
    published.refresh_from_db()
    assert published.status == "published"


def test_the_snapshot_does_not_change_when_the_data_changes(published, clerk):
    before = published.snapshot
    application(published.organization, received=D(2025, 5, 5), ended=D(2025, 5, 6), outcome=Outcome.DISCLOSED)
    published.organization.name = "测试县财政局（改名）"
    published.organization.save()
    published.refresh_from_db()
    assert published.snapshot == before
    assert published.snapshot["organization"]["name"] == "测试县财政局"


def test_a_correction_is_a_new_revision_and_the_first_stays_readable(published, clerk, head):
    with pytest.raises(DomainError, match="请填写更正说明"):
        workflow.start_correction(published, by=clerk, note="")
    correction = workflow.start_correction(published, by=clerk, note="更正表三中自然人申请数量。")
    assert (correction.revision, correction.status, correction.corrects) == (2, "draft", published)
    assert building.entered_values(correction) == building.entered_values(published)
    with pytest.raises(DomainError, match="已有一份正在编制"):
        workflow.start_correction(published, by=clerk, note="再次更正")
    workflow.update_draft(correction, by=clerk, entered={"licensing": "13"})
    workflow.submit(correction, by=clerk)
    workflow.publish(correction, by=head, today=TODAY)
    correction.refresh_from_db()
    published.refresh_from_db()
    assert correction.snapshot["correction_note"] == "更正表三中自然人申请数量。"
    assert correction.snapshot["corrects_revision"] == 1
    assert published.status == "published" and published.snapshot["revision"] == 1
    assert str(correction) == "测试县财政局2025年政府信息公开工作年度报告（更正第1次）"


def test_only_the_latest_revision_is_corrected(published, clerk, head):
    correction = workflow.start_correction(published, by=clerk, note="更正一处数字。")
    workflow.submit(correction, by=clerk)
    workflow.publish(correction, by=head, today=TODAY)
    with pytest.raises(DomainError, match="只能更正最新发布的版本"):
        workflow.start_correction(published, by=clerk, note="又一处")
