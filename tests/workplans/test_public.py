"""The public plan pages and the organization page: published plans only, latest published progress,
filters by unit and state with Chinese messages for bad values, a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workplans import workflow
from workplans.models import Task

from .conftest import make_plan, task

D = dt.date


def publish_progress(plan, number, by, reviewer, org, **fields):
    values = {"on": D(2026, 3, 10), "state": "in_progress", "text": "进展情况", "today": D(2026, 5, 20)}
    values.update(fields)
    progress = workflow.record_progress(task(plan, number), organization=org, by=by, **values)
    return workflow.publish_progress(progress, by=reviewer)


@pytest.fixture
def with_progress(plan, county, clerk, outsider, gov_reviewer):
    publish_progress(
        plan, 1, clerk, gov_reviewer, county.finance, on=D(2026, 2, 1), text="一月进展：完成模板修订", percent=30
    )
    publish_progress(
        plan, 1, clerk, gov_reviewer, county.finance, on=D(2026, 4, 1), text="四月进展：细化到项级科目", percent=70
    )
    workflow.record_progress(  # waiting for review: not public
        task(plan, 1),
        organization=county.finance,
        by=clerk,
        on=D(2026, 5, 1),
        state="done",
        text="未审核的完成情况",
        today=D(2026, 5, 20),
    )
    publish_progress(
        plan, 2, outsider, gov_reviewer, county.education, state="delayed", text="延期", reason="等待省级统一平台上线"
    )
    return plan


def test_the_plan_list_shows_published_plans_only(client, plan, county, gov_clerk):
    workflow.create(county.government, year=2027, by=gov_clerk, title="2027年草稿要点")
    page = client.get(reverse("disclosure_site:plans")).content.decode()
    assert plan.title in page
    assert "2027年草稿要点" not in page


def test_a_draft_plan_is_not_public(client, draft_plan):
    assert client.get(draft_plan.get_absolute_url()).status_code == 404


def test_each_task_shows_its_units_and_latest_published_progress(client, with_progress):
    page = client.get(with_progress.get_absolute_url()).content.decode()
    assert "一、围绕深化改革推进公开" in page and "二、围绕民生改善推进公开" in page
    first = page[page.index('id="task-1"') : page.index('id="task-2"')]
    assert "测试县财政局" in first and "测试县教育局" in first
    assert "四月进展：细化到项级科目" in first
    assert "（完成70%）" in first
    assert "一月进展" not in first
    assert "未审核的完成情况" not in page
    second = page[page.index('id="task-2"') : page.index('id="task-3"')]
    assert "延期" in second and "延期原因：等待省级统一平台上线" in second
    assert "尚未公布进展" in page[page.index('id="task-3"') :]


def test_filter_by_unit_lists_the_tasks_it_leads_or_supports(client, with_progress, county):
    page = client.get(with_progress.get_absolute_url(), {"unit": county.education.pk}).content.decode()
    assert 'id="task-1"' in page and 'id="task-2"' in page and 'id="task-3"' not in page
    assert "测试县教育局牵头或配合的" in page


def test_filter_by_state(client, with_progress):
    url = with_progress.get_absolute_url()
    delayed = client.get(url, {"state": "delayed"}).content.decode()
    assert 'id="task-2"' in delayed and 'id="task-1"' not in delayed
    not_started = client.get(url, {"state": "not_started"}).content.decode()
    assert 'id="task-3"' in not_started and 'id="task-1"' not in not_started


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"unit": "abc"}, "所选单位不在本工作要点的分工中"),
        ({"unit": "999999"}, "所选单位不在本工作要点的分工中"),
        ({"state": "finished"}, "完成状态只能是未开始、推进中、已完成或延期"),
    ],
)
def test_bad_filter_values_get_a_chinese_message(client, plan, params, message):
    response = client.get(plan.get_absolute_url(), params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_unit_outside_the_plan_is_refused(client, plan, county):
    response = client.get(plan.get_absolute_url(), {"unit": county.treasury.pk})
    assert response.status_code == 400


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_plan_page_has_a_constant_number_of_queries(client, with_progress, county, gov_clerk):
    url = with_progress.get_absolute_url()
    few = _queries(client, url)
    for number in range(4, 30):
        t = Task.objects.create(plan=with_progress, number=number, text=f"第{number}项任务")
        t.units.create(organization=county.finance, role="lead")
        t.units.create(organization=county.education, role="support", position=1)
    assert _queries(client, url) == few


def test_the_organization_page_lists_the_tasks_it_leads_or_supports(client, with_progress, county):
    page = client.get(reverse("disclosure_site:organization", args=[county.education.pk])).content.decode()
    assert "政务公开工作任务" in page
    assert "测试县人民政府2026年政务公开工作要点 第1项" in page  # supports
    assert "测试县人民政府2026年政务公开工作要点 第2项" in page  # leads
    assert "第3项" not in page
    assert "配合单位 · 完成状态：" in page and "牵头单位 · 完成状态：" in page
    assert f"{reverse('disclosure_site:statistics')}?organization={county.education.pk}" in page


def test_an_organization_without_tasks_says_so(client, county):
    page = client.get(reverse("disclosure_site:organization", args=[county.treasury.pk])).content.decode()
    assert "目前没有在已发布的政务公开工作要点中牵头或配合的任务" in page


def test_the_organization_page_has_a_constant_number_of_queries(client, with_progress, county, gov_clerk):
    url = reverse("disclosure_site:organization", args=[county.finance.pk])
    few = _queries(client, url)
    make_plan(county, gov_clerk, year=2025)
    for number in range(4, 20):
        Task.objects.create(plan=with_progress, number=number, text="任务").units.create(
            organization=county.finance, role="lead"
        )
    assert _queries(client, url) == few


def test_the_home_page_links_the_plans_and_the_statistics(client, county):
    page = client.get(reverse("disclosure_site:home")).content.decode()
    assert reverse("disclosure_site:plans") in page
    assert reverse("disclosure_site:statistics") in page
