"""Public pages: the published work plans, one plan with its tasks and progress (filterable by unit and
state), and the statistics page with its CSV downloads. Parse, call, render: the numbers come from
workplans.public and workplans.public_stats."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from . import public, public_stats, stat_tables
from .forms import PlanFilterForm, StatisticsForm
from .models import ProgressState


@require_GET
def plan_list(request):
    plans = list(
        public.published_plans()
        .select_related("organization")
        .order_by("-year", "organization__tree_id", "organization__lft")
    )
    years: dict[int, list] = {}
    for plan in plans:
        years.setdefault(plan.year, []).append(plan)
    return render(request, "workplans/plan_list.html", {"years": years})


@require_GET
def plan_detail(request, pk: int):
    plan = get_object_or_404(public.published_plans().select_related("organization"), pk=pk)
    units = public.plan_units(plan)
    form = PlanFilterForm(request.GET or None, units=units)
    unit = state = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            unit, state = form.cleaned_data["unit"], form.cleaned_data["state"] or None
        else:
            status = 400
    groups = public.plan_groups(plan, unit=unit, state=state) if status == 200 else []
    shown = sum(len(group.rows) for group in groups)
    return render(
        request,
        "workplans/plan_detail.html",
        {
            "plan": plan,
            "form": form,
            "groups": groups,
            "shown": shown,
            "filtered": bool(unit or state),
            "unit": unit,
            "state_label": ProgressState(state).label if state else "",
        },
        status=status,
    )


def _statistics(request):
    """(form, statistics or None, who): the figures the query string asks for."""
    form = StatisticsForm(request.GET)
    if not form.is_valid():
        return form, None, ""
    organization = form.cleaned_data["organization"]
    subtree = form.subtree()
    stats = public_stats.gather(organization, form.cleaned_data["year"], subtree=subtree)
    if organization is None:
        who = "全部机构"
    else:
        who = f"{organization.name}{'及所属机构' if subtree and not organization.is_leaf_node() else ''}"
    return form, stats, who


@require_GET
def statistics(request):
    form, stats, who = _statistics(request)
    tables = stat_tables.build(stats, who=who) if stats else []
    query = request.GET.urlencode()
    return render(
        request,
        "workplans/statistics.html",
        {
            "form": form,
            "stats": stats,
            "who": who,
            "tables": tables,
            "query": query,
            "overview": stat_tables.overview(stats) if stats else "",
        },
        status=200 if stats else 400,
    )


@require_GET
def statistics_csv(request, key: str):
    form, stats, who = _statistics(request)
    if stats is None:
        raise Http404("查询条件有误。")
    table = next((t for t in stat_tables.build(stats, who=who) if t.key == key), None)
    if table is None:
        raise Http404("没有这张统计表。")
    response = HttpResponse(stat_tables.to_csv(table), content_type="text/csv; charset=utf-8")
    code = stats.organization.pk if stats.organization else "all"
    response["Content-Disposition"] = content_disposition_header(True, f"statistics-{code}-{stats.year}-{key}.csv")
    return response
