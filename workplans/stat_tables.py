"""The tables of the statistics page, each with its chart: the same rows feed the HTML table beside the
chart, the chart's text alternative and the CSV download. Pure functions of public_stats.Statistics."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from . import charts
from .public_stats import Statistics

MONTH_LABELS = tuple(f"{m}月" for m in range(1, 13))
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class StatTable:
    key: str  # the CSV name
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple, ...]
    chart: SafeString | None = None
    summary: tuple[str, ...] = field(default=())  # sentences above the table (median, shares)
    total: tuple | None = None  # the 合计 row, shown in the table foot and the CSV


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _days(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


def overview(stats: Statistics) -> str:
    """The page's first sentence: the year in four numbers."""
    text = (
        f"{stats.year}年主动公开政府信息{stats.items_total}条；新收政府信息公开申请{stats.applications_total}件，"
        f"办结{stats.ended}件"
    )
    reply = stats.reply
    if reply.known and reply.answered:
        text += f"，其中答复{reply.answered}件，答复用时中位数{_days(reply.median)}个工作日"
    return text + "。"


def build(stats: Statistics, *, who: str) -> list[StatTable]:
    year = stats.year
    tables: list[StatTable] = []

    months = tuple(zip(MONTH_LABELS, stats.items_by_month, strict=True))
    tables.append(
        StatTable(
            key="items-by-month",
            title=f"{year}年主动公开政府信息（按月）",
            headers=("月份", "信息条数"),
            rows=months,
            total=("合计", stats.items_total),
            chart=charts.columns(
                months, chart_id="chart-items-month", title=f"{who}{year}年各月主动公开信息条数", unit="条"
            ),
        )
    )
    categories = stats.items_by_category
    tables.append(
        StatTable(
            key="items-by-category",
            title=f"{year}年主动公开政府信息（按公开目录栏目）",
            headers=("栏目", "信息条数"),
            rows=categories,
            total=("合计", stats.items_total),
            chart=charts.bars(
                categories, chart_id="chart-items-category", title=f"{who}{year}年各栏目主动公开信息条数", unit="条"
            )
            if categories
            else None,
        )
    )

    applications = tuple(zip(MONTH_LABELS, stats.applications_by_month, strict=True))
    tables.append(
        StatTable(
            key="applications-by-month",
            title=f"{year}年收到的政府信息公开申请（按月）",
            headers=("月份", "申请件数"),
            rows=applications,
            total=("合计", stats.applications_total),
            summary=(
                f"本年新收申请{stats.applications_total}件，上年结转{stats.carried}件；"
                f"本年度办结{stats.ended}件，结转下年度继续办理{stats.open_at_end}件。",
            ),
            chart=charts.columns(
                applications, chart_id="chart-applications-month", title=f"{who}{year}年各月收到的申请件数", unit="件"
            ),
        )
    )

    outcome_rows = tuple(
        (f"{row.group}：{row.label}" if "." in row.code else row.group, row.count) for row in stats.outcomes
    )
    tables.append(
        StatTable(
            key="outcomes",
            title=f"{year}年申请办理结果（按全国统一的年度报告分类）",
            headers=("办理结果", "件数"),
            rows=outcome_rows,
            total=("合计", stats.ended),
            chart=charts.bars(
                tuple((label.replace("（", "(").replace("）", ")"), n) for label, n in outcome_rows),
                chart_id="chart-outcomes",
                title=f"{who}{year}年申请办理结果",
                unit="件",
                label_chars=16,
            ),
        )
    )

    reply = stats.reply
    if reply.known and reply.answered:
        reply_summary = (
            f"本年答复申请{reply.answered}件。答复用时（自收到申请之日起的工作日数）的中位数为{_days(reply.median)}个工作日，"
            f"90%的申请在{reply.p90}个工作日内答复。",
        )
    elif reply.known:
        reply_summary = ("本年没有答复的申请。",)
    else:
        years = "、".join(f"{y}年" for y in reply.missing_years)
        reply_summary = (f"缺少{years}的工作日历（法定节假日和调休上班日），无法计算答复用时和是否按期答复。",)
    buckets = reply.buckets
    tables.append(
        StatTable(
            key="reply-time",
            title=f"{year}年答复用时（工作日）",
            headers=("答复用时", "件数"),
            rows=buckets,
            total=("合计", reply.answered) if buckets else None,
            summary=reply_summary,
            chart=charts.columns(
                tuple(
                    (label.replace("个工作日以内", "以内").replace("个工作日以上", "以上").replace("个工作日", ""), n)
                    for label, n in buckets
                ),
                chart_id="chart-reply-time",
                title=f"{who}{year}年答复用时分布",
                unit="件",
                axis_label="答复用时（工作日）",
                described=buckets,
            )
            if buckets
            else None,
        )
    )

    timeliness: tuple[tuple[str, int], ...] = ()
    timeliness_summary = reply_summary[-1:] if not reply.known else ()
    if reply.known and reply.answered:
        timeliness = (
            ("按期答复", reply.in_time),
            ("逾期答复", reply.late),
            ("经批准延长答复期限", reply.extended),
        )
        timeliness_summary = (
            f"按期答复率{_percent(reply.in_time_share)}（在条例第三十三条规定的期限内答复，含经批准延长的期限）；"
            f"{reply.extended}件申请经机关负责人批准延长了答复期限。",
        )
    tables.append(
        StatTable(
            key="timeliness",
            title=f"{year}年按期答复和延长答复期限情况",
            headers=("项目", "件数"),
            rows=timeliness,
            summary=timeliness_summary,
            chart=charts.bars(timeliness, chart_id="chart-timeliness", title=f"{who}{year}年按期答复情况", unit="件")
            if timeliness
            else None,
        )
    )

    case_rows = []
    chart_rows = []
    for label, results, total in stats.case_rows():
        case_rows.append((label, results["upheld"], results["corrected"], results["other"], results["pending"], total))
        short = label.replace("（未经复议直接起诉）", "(直接起诉)").replace("（复议后起诉）", "(复议后起诉)")
        for key, result_label in (("upheld", "维持"), ("corrected", "纠正"), ("other", "其他"), ("pending", "未审结")):
            chart_rows.append((f"{short}·{result_label}", results[key]))
    tables.append(
        StatTable(
            key="cases",
            title=f"{year}年因政府信息公开申请行政复议、提起行政诉讼情况",
            headers=("类型", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"),
            rows=tuple(case_rows),
            chart=charts.bars(
                tuple(chart_rows),
                chart_id="chart-cases",
                title=f"{who}{year}年行政复议和行政诉讼结果",
                unit="件",
                label_chars=16,
            ),
        )
    )
    return tables


def _safe_cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def to_csv(table: StatTable) -> bytes:
    """The table as CSV, UTF-8 with a BOM so that Excel on Chinese Windows opens it correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_safe_cell(cell) for cell in row])
    if table.total:
        writer.writerow([_safe_cell(cell) for cell in table.total])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
