"""The demo plans a new user sees after `make run`: last year's and this year's plans of 清河县人民政府,
published, with reviewed progress, and last year's yearly reports speaking of them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from annual_reports.models import Report, ReportStatus
from workplans.models import Plan, PlanStatus, Progress, ReviewStatus, TaskNote

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@time_machine.travel(NOW, tick=False)
def test_demo_publishes_two_plans_with_progress_that_the_reports_take_up():
    out = io.StringIO()
    call_command("load_demo", "--allow-production", stdout=out)

    plans = {plan.year: plan for plan in Plan.objects.all()}
    assert set(plans) == {2025, 2026}
    assert all(plan.status == PlanStatus.PUBLISHED and plan.tasks.count() == 7 for plan in plans.values())
    assert Progress.objects.filter(task__plan=plans[2025], status=ReviewStatus.PUBLISHED).count() == 7
    assert Progress.objects.filter(task__plan=plans[2026], status=ReviewStatus.PENDING).count() == 1
    assert TaskNote.objects.count() == 1
    report = Report.objects.get(organization__name="清河县人民政府", year=2025, status=ReportStatus.PUBLISHED)
    assert "落实2025年度政务公开工作要点情况" in report.narrative["other"]
    assert "延期原因：县级公共卫生信息平台升级" in report.narrative["problems"]

    call_command("load_demo", "--allow-production", stdout=out)
    assert Plan.objects.count() == 2
    assert "政务公开工作要点演示数据已存在，跳过。" in out.getvalue()
