"""Demo yearly reports for `manage.py load_demo`, built from the demo catalog and applications through the
real workflow (create, enter values, write, submit, publish by the office head), so that what a new user
sees is what a real installation would hold:

- last year (2025 when loaded in 2026): a published report for every active demo organization, the
  departments and towns on their own data, 清河县人民政府 at the government level (its whole subtree),
  and 清河县财政局's report corrected once (更正: a second published revision with a public note);
- this year: a draft for every organization, statistics built so far. The workflow lets staff start the
  report of the running year (create refuses only a year not yet begun) but publishes a report only once
  its year has ended, so this year's reports stay drafts; the dashboard's deadlines are about last year's.

Idempotent: a second run finds reports and does nothing. The statistics come from the catalog and
requests_app demo data, which load_demo loads first when INSTALLED_APPS lists those apps before this one
(as disclosure_site/settings.py does); in any other order this module loads them itself (both skip when
their data exists), so the reports never freeze empty tables.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from disclosure_site.models import Membership, Organization, Role

from . import workflow
from .models import Report, Scope

SOURCES = ("catalog", "requests_app")  # the apps whose demo data the statistics read
CORRECTED = "清河县财政局"

PROBLEMS = (
    "主要原因是部分科室对《条例》第二十六条规定的公开时限掌握不够，文件印发后未及时报送公开。"
    "下一步将建立文件印发与公开同步审核机制，每月通报公开时限执行情况。"
)
OVERVIEW = (
    "{who}坚持以公开为常态、不公开为例外，进一步规范政府信息管理，依托政府网站政府信息公开专栏集中发布"
    "政府信息，落实信息发布保密审查和政策解读制度，加强政务公开工作人员培训和工作考核。"
)
OTHER = "本年度人大代表建议和政协提案办理结果均已按规定公开。对照上级年度政务公开工作要点，各项任务均已落实。"


def _loaded_before_us() -> list[str]:
    """The source apps installed but ordered after this one (load_demo would load them too late)."""
    order = [config.name for config in apps.get_app_configs()]
    ours = order.index("annual_reports")
    return [name for name in SOURCES if name in order and order.index(name) > ours]


def _staff(organization: Organization) -> dict[str, object]:
    """A member of each role reaching organization: its own staff first, else the nearest above."""
    found: dict[str, object] = {}
    for ancestor in reversed(organization.get_ancestors(include_self=True)):
        for membership in Membership.objects.filter(organization=ancestor).select_related("user").order_by("pk"):
            found.setdefault(membership.role, membership.user)
    return found


def _entered(index: int) -> dict[str, Decimal]:
    """Figures a department would take from the other business systems (deterministic per organization)."""
    return {
        "licensing": Decimal(36 + 17 * index),
        "penalty": Decimal(4 + 9 * (index % 5)),
        "enforcement": Decimal(index % 3),
        "fees": Decimal("0.85") * (index % 4),
    }


def _narrative(report: Report) -> dict[str, str]:
    text = dict(report.narrative or {})
    if "overview" in text:
        who = "本级政府及所属各机构" if report.scope == Scope.SUBTREE else "本机关"
        text["overview"] = f"{text['overview']}\n\n{OVERVIEW.format(who=who)}"
    if "problems" in text:
        text["problems"] = text["problems"].replace("【待填写：原因分析和改进措施】", PROBLEMS)
    if "other" in text:
        text["other"] = f"{text['other']}\n\n{OTHER}"
    return text


def _publish(report: Report, staff: dict, *, entered: dict, today: dt.date) -> Report:
    report = workflow.update_draft(report, by=staff[Role.CLERK], entered=entered, narrative=_narrative(report))
    workflow.submit(report, by=staff[Role.CLERK])
    return workflow.publish(report, by=staff[Role.HEAD], today=today)


def load(stdout) -> None:
    if Report.objects.exists():
        stdout.write("年度报告演示数据已存在，跳过。")
        return
    late = _loaded_before_us()
    for config in apps.get_app_configs():
        if config.name in late and module_has_submodule(config.module, "demo"):
            import_module(f"{config.name}.demo").load(stdout)
    today = timezone.localdate()
    last_year, this_year = today.year - 1, today.year
    organizations = list(Organization.objects.filter(is_active=True).order_by("tree_id", "lft"))
    staffed = [(o, s) for o in organizations if {Role.CLERK, Role.HEAD} <= set(s := _staff(o))]
    if not staffed:
        stdout.write("没有配齐经办人和机关负责人的机构，跳过年度报告演示数据。")
        return
    published = corrected = drafts = 0
    with transaction.atomic():
        totals = {name: Decimal(0) for name in _entered(0)}
        own = [(o, s) for o, s in staffed if workflow.default_scope(o) == Scope.OWN]
        governments = [(o, s) for o, s in staffed if workflow.default_scope(o) == Scope.SUBTREE]
        for index, (organization, staff) in enumerate(own, start=1):
            report = workflow.create(organization, year=last_year, by=staff[Role.CLERK], today=today)
            entered = _entered(index)
            report = _publish(report, staff, entered=entered, today=today)
            published += 1
            for name, value in entered.items():
                totals[name] += value
            if organization.name == CORRECTED:
                correction = workflow.start_correction(
                    report,
                    by=staff[Role.CLERK],
                    note="更正“第二十条第（八）项 行政事业性收费”的本年收费金额：原报告误将元作为万元填报。",
                )
                fixed = {**entered, "fees": entered["fees"] / 10}
                _publish(correction, staff, entered=fixed, today=today)
                totals["fees"] -= entered["fees"] - fixed["fees"]
                corrected += 1
        for organization, staff in governments:
            # The government-level report sums its subtree; its entered values are the departments' totals.
            report = workflow.create(organization, year=last_year, by=staff[Role.CLERK], today=today)
            _publish(report, staff, entered=totals, today=today)
            published += 1
        for organization, staff in staffed:
            workflow.create(organization, year=this_year, by=staff[Role.CLERK], today=today)
            drafts += 1
    stdout.write(
        f"年度报告演示数据：{last_year}年度已发布 {published} 份（另有更正后的新版本 {corrected} 份），"
        f"{this_year}年度草稿 {drafts} 份。"
    )
