"""A published 2026 plan of 测试县人民政府 and the people who work on it.

Tasks (lead → cooperating): 1. 县财政局 → 县教育局; 2. 县教育局 → 城关镇; 3. 城关镇, 县财政局 (both lead).
The county's 机关负责人 approves and publishes, its 审核人 (the disclosure office) reviews progress;
the clerk fixture is 县财政局's 经办人, the outsider 县教育局's.
"""

from __future__ import annotations

import datetime as dt

import pytest

from disclosure_site.models import Role
from tests.factories import MembershipFactory, UserFactory
from workplans import workflow
from workplans.models import Heading, Plan, Task

D = dt.date


def staff(username, org, role):
    return MembershipFactory(user=UserFactory(username=username), organization=org, role=role).user


@pytest.fixture
def gov_clerk(county):
    return staff("gov_clerk", county.government, Role.CLERK)


@pytest.fixture
def gov_head(county):
    return staff("gov_head", county.government, Role.HEAD)


@pytest.fixture
def gov_reviewer(county):
    return staff("gov_reviewer", county.government, Role.REVIEWER)


def make_plan(county, by, *, year=2026) -> Plan:
    plan = workflow.create(county.government, year=year, by=by)
    reform = Heading.objects.create(plan=plan, position=1, title="一、围绕深化改革推进公开")
    livelihood = Heading.objects.create(plan=plan, position=2, title="二、围绕民生改善推进公开")
    specs = [
        (1, reform, "推进预决算信息公开，细化到功能分类项级科目", [county.finance], [county.education], D(2026, 6, 30)),
        (2, reform, "做好教育领域政策解读和回应关切", [county.education], [county.town], D(2026, 9, 30)),
        (3, livelihood, "公开民生资金分配和使用情况", [county.town, county.finance], [], None),
    ]
    for number, heading, text, leads, supports, due in specs:
        task = Task.objects.create(plan=plan, heading=heading, number=number, text=text, due_on=due)
        workflow.set_units(task, leads=leads, supports=supports, by=by)
    return plan


@pytest.fixture
def draft_plan(county, gov_clerk):
    return make_plan(county, gov_clerk)


@pytest.fixture
def plan(draft_plan, gov_head):
    workflow.approve(draft_plan, by=gov_head)
    return workflow.publish(draft_plan, by=gov_head)


def task(plan, number) -> Task:
    return plan.tasks.get(number=number)
