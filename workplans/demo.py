"""Demo work plans for `manage.py load_demo`, made through the real workflow: 清河县人民政府's plans of last
year and this year, drafted by its 经办人, approved and published by its 机关负责人, with progress entered
by the lead departments and published by the county's 审核人 (last year's tasks done but one delayed; this
year's under way, one update still waiting for review), and a note by a cooperating department.

load_demo runs this before annual_reports' demo (INSTALLED_APPS lists workplans first), so last year's
published yearly reports already speak of last year's plan in their sections 五 and 六. Idempotent: a
second run finds plans and does nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from disclosure_site.models import Organization

from . import workflow
from .models import Heading, Plan, Task

GOVERNMENT = "清河县人民政府"
HEADINGS = ("一、围绕深化改革推进公开", "二、围绕民生改善推进公开", "三、围绕提升公开质效推进公开")
# (heading, text, lead units, cooperating units, due (month, day))
TASKS = (
    (0, "推进预决算信息公开，部门预决算细化到功能分类项级科目", ["清河县财政局"], ["清河县人民政府办公室"], (6, 30)),
    (
        0,
        "做好重大建设项目批准和实施信息公开",
        ["清河县发展和改革局"],
        ["清河县自然资源和规划局", "清河县住房和城乡建设局"],
        (9, 30),
    ),
    (
        1,
        "公开教育领域招生入学政策和学区划分方案",
        ["清河县教育局"],
        ["清河县城关镇人民政府", "清河县桥头镇人民政府"],
        (8, 31),
    ),
    (1, "公开基本医疗保障和公共卫生服务信息", ["清河县卫生健康局"], ["清河县人力资源和社会保障局"], (12, 31)),
    (
        1,
        "公开社会救助和养老服务补贴发放情况",
        ["清河县城关镇人民政府", "清河县桥头镇人民政府"],
        ["清河县财政局"],
        (12, 31),
    ),
    (2, "规范政府信息公开申请办理，统一答复文书格式", ["清河县人民政府办公室"], [], (6, 30)),
    (
        2,
        "完善政策解读，行政规范性文件与解读材料同步发布",
        ["清河县人民政府办公室"],
        ["清河县财政局", "清河县教育局"],
        (12, 31),
    ),
)
# Last year: (task number, state, percent, text, reason)
LAST_YEAR = (
    (1, "done", 100, "部门预决算已全部细化到功能分类项级科目并在专栏公开。", ""),
    (2, "done", 100, "重大建设项目批准和实施信息已按月更新。", ""),
    (3, "done", 100, "招生入学政策和学区划分方案已于5月公开并同步解读。", ""),
    (
        4,
        "delayed",
        70,
        "基本医疗保障信息已公开，公共卫生服务信息正在整理。",
        "县级公共卫生信息平台升级，数据接口延至次年一季度完成。",
    ),
    (5, "done", 100, "两镇已按季度公开社会救助和养老服务补贴发放情况。", ""),
    (6, "done", 100, "已统一答复文书格式并印发办理规程。", ""),
    (7, "done", 100, "行政规范性文件与解读材料同步发布率达到100%。", ""),
)
THIS_YEAR = (
    (1, "in_progress", 60, "已完成部门预算公开模板修订，细化到项级科目的部门已达六成。", ""),
    (3, "done", 100, "招生入学政策和学区划分方案已公开。", ""),
    (6, "in_progress", 40, "正在修订依申请公开办理规程。", ""),
)


def _plan(year: int, users: dict, orgs: dict[str, Organization], progress, *, today: dt.date, pending: bool) -> Plan:
    government = orgs[GOVERNMENT]
    plan = workflow.create(government, year=year, by=users["xf_clerk"])
    headings = [Heading.objects.create(plan=plan, position=i, title=t) for i, t in enumerate(HEADINGS, start=1)]
    for number, (heading, text, leads, supports, (month, day)) in enumerate(TASKS, start=1):
        task = Task.objects.create(
            plan=plan, heading=headings[heading], number=number, text=text, due_on=dt.date(year, month, day)
        )
        workflow.set_units(
            task, leads=[orgs[n] for n in leads], supports=[orgs[n] for n in supports], by=users["xf_clerk"]
        )
    workflow.approve(plan, by=users["xf_head"])
    workflow.publish(plan, by=users["xf_head"])
    on = min(today, dt.date(year, 11, 30))
    for number, state, percent, text, reason in progress:
        task = plan.tasks.get(number=number)
        lead = task.units.filter(role="lead").select_related("organization").first().organization
        entered = workflow.record_progress(
            task,
            organization=lead,
            by=users["cz_clerk"] if lead.name == "清河县财政局" else users["xf_clerk"],
            on=on,
            state=state,
            percent=percent,
            text=text,
            reason=reason,
            today=today,
        )
        workflow.publish_progress(entered, by=users["xf_reviewer"])
    if pending:
        workflow.record_progress(
            plan.tasks.get(number=7),
            organization=orgs["清河县人民政府办公室"],
            by=users["xf_clerk"],
            on=today,
            state="in_progress",
            percent=30,
            text="已建立规范性文件与解读材料同步审核机制。",
            today=today,
        )
        workflow.add_note(
            plan.tasks.get(number=1),
            organization=orgs["清河县人民政府办公室"],
            by=users["xf_clerk"],
            text="已将预决算公开要求纳入年度考核。",
        )
    return plan


def load(stdout) -> None:
    if Plan.objects.exists():
        stdout.write("政务公开工作要点演示数据已存在，跳过。")
        return
    names = {GOVERNMENT, *(n for task in TASKS for n in (*task[2], *task[3]))}
    orgs = {o.name: o for o in Organization.objects.filter(name__in=names)}
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["xf_clerk", "xf_head", "xf_reviewer", "cz_clerk"])
    }
    if len(orgs) < len(names) or len(users) < 4:
        stdout.write("演示机构或账号不全，跳过政务公开工作要点演示数据。")
        return
    today = timezone.localdate()
    with transaction.atomic():
        _plan(today.year - 1, users, orgs, LAST_YEAR, today=today, pending=False)
        _plan(today.year, users, orgs, THIS_YEAR, today=today, pending=True)
    stdout.write(f"政务公开工作要点演示数据：{today.year - 1}年、{today.year}年工作要点各1份（已发布），含任务进展。")
