"""What the yearly report (annual_reports) takes from the work plans: the completed, delayed and open
tasks of the year with their reasons, as sentences that pre-fill its sections 五 (存在的主要问题及改进情况)
and 六 (其他需要报告的事项: 落实年度政务公开工作要点情况) for staff to edit.

The tasks counted are those of the year's published plans that the report's organizations lead, or that
belong to a plan of theirs; each in the state of its latest published progress (what the public sees),
未开始 when none was published. Three queries, whatever the number of plans and tasks.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from disclosure_site.models import Organization

from . import public
from .models import PlanStatus, ProgressState, Task, UnitRole

TOPIC_PROGRESS = "workplan_progress"
TOPIC_PROBLEMS = "workplan_problems"
# {narrative section key (annual_reports formats): topics of this module appended to its pre-filled text}
SECTION_TOPICS = {"problems": (TOPIC_PROBLEMS,), "other": (TOPIC_PROGRESS,)}
MAX_LISTED = 30  # tasks named one by one in a sentence; more are counted only


def _name(row) -> str:
    return f"第{row.task.number}项“{row.task.short_text}”"


def _leads(row) -> str:
    return "、".join(org.name for org in row.leads)


def facts(organizations: QuerySet[Organization], year: int) -> dict[str, str]:
    """{topic: text} for the year's plans; empty texts when there is no published plan to speak of."""
    concerned = Task.objects.filter(plan__status=PlanStatus.PUBLISHED, plan__year=year).filter(
        Q(plan__organization__in=organizations) | Q(units__role=UnitRole.LEAD, units__organization__in=organizations)
    )
    tasks = (
        Task.objects.filter(pk__in=concerned.values("pk"))
        .select_related("plan")
        .order_by("plan__organization__tree_id", "plan__organization__lft", "number")
    )
    rows = public.task_rows(tasks)
    if not rows:
        return {TOPIC_PROGRESS: "", TOPIC_PROBLEMS: ""}
    by_state: dict[ProgressState, list] = {state: [] for state in ProgressState}
    for row in rows:
        by_state[row.state].append(row)
    titles = "、".join(dict.fromkeys(f"《{row.task.plan.title}》" for row in rows))
    done, delayed = by_state[ProgressState.DONE], by_state[ProgressState.DELAYED]
    going, waiting = by_state[ProgressState.IN_PROGRESS], by_state[ProgressState.NOT_STARTED]

    progress = (
        f"落实{year}年度政务公开工作要点情况：{titles}确定的相关任务{len(rows)}项，截至目前已完成{len(done)}项，"
        f"正在推进{len(going)}项，延期{len(delayed)}项，尚未开始{len(waiting)}项。"
    )
    if done:
        progress += "已完成的任务：" + "；".join(_name(row) for row in done[:MAX_LISTED])
        progress += f"等{len(done)}项。" if len(done) > MAX_LISTED else "。"
    if going:
        parts = []
        for row in going[:MAX_LISTED]:
            percent = row.progress.percent if row.progress else None
            parts.append(_name(row) + (f"（完成{percent}%）" if percent is not None else ""))
        progress += "正在推进的任务：" + "；".join(parts) + (f"等{len(going)}项。" if len(going) > MAX_LISTED else "。")

    if not delayed and not going and not waiting:
        problems = f"{year}年度政务公开工作要点确定的任务均已完成。"
    else:
        sentences = []
        if delayed:
            listed = "；".join(
                f"{_name(row)}（牵头单位：{_leads(row)}），延期原因：{row.progress.reason}"
                for row in delayed[:MAX_LISTED]
            )
            sentences.append(f"政务公开工作要点中有{len(delayed)}项任务延期：{listed}。")
        unfinished = going + waiting
        if unfinished:
            listed = "；".join(f"{_name(row)}（{row.state.label}）" for row in unfinished[:MAX_LISTED])
            sentences.append(f"尚未完成的任务{len(unfinished)}项：{listed}。")
        problems = "".join(sentences) + "【待填写：改进措施和完成时限】"
    return {TOPIC_PROGRESS: progress, TOPIC_PROBLEMS: problems}
