"""The older local format (reports before 2019): narrative sections and four appended tables
附表1–4 (reference/annual-report-format.md, "Older local formats")."""

from __future__ import annotations

from .base import Block, Column, Entered, EnteredValue, Format, Head, Row, Section, Stat, Sum, Table

COUNT = (Column("count", "数量"),)
CHANNELS = (
    ("in_person", "1.当面申请数"),
    ("fax", "2.传真申请数"),
    ("email", "3.电子邮件申请数"),
    ("online", "4.网上申请数"),
    ("letter", "5.信函申请数"),
    ("other", "6.其他形式申请数"),
)


def _simple(key: str, title: str, unit: str, rows: tuple[tuple[str, str, object], ...]) -> Table:
    header = ((Head("指标"), Head("数量")),)
    return Table(
        key,
        title,
        (Block(header, COUNT, tuple(Row(k, label, (Head(label),), (source,)) for k, label, source in rows)),),
        note=f"单位：{unit}",
    )


def table_1() -> Table:
    return _simple(
        "T1",
        "附表1 主动公开情况统计",
        "条",
        (
            ("published", "主动公开信息数", Stat("catalog.published")),
            ("full_text", "其中：全文电子化信息数", Entered("full_text")),
        ),
    )


def table_2() -> Table:
    received = tuple((f"ch_{key}", label, Stat(f"requests.channel.{key}")) for key, label in CHANNELS)
    answers = (
        ("a_disclosed", "1.同意公开答复数", Stat("requests.outcome_group.1")),
        ("a_partial", "2.同意部分公开答复数", Stat("requests.outcome_group.2")),
        ("a_withheld", "3.不予公开答复数", Stat("requests.outcome_group.3")),
        ("a_missing", "4.信息不存在答复数", Stat("requests.outcome.4.1")),
        ("a_not_ours", "5.非本机关政府信息答复数", Entered("not_ours")),
        ("a_unclear", "6.申请内容不明确答复数", Stat("requests.outcome.4.3")),
    )
    return _simple(
        "T2",
        "附表2 依申请公开情况统计",
        "条",
        (
            ("received", "依申请公开信息申请总数", Sum(tuple((key, "count") for key, _, _ in received))),
            *((key, f"其中：{label}" if i == 0 else label, source) for i, (key, label, source) in enumerate(received)),
            ("answered", "对申请的答复总数", Stat("requests.ended")),
            *((key, f"其中：{label}" if i == 0 else label, source) for i, (key, label, source) in enumerate(answers)),
        ),
    )


def table_3() -> Table:
    rows = (
        ("service", "提供服务类信息数", "条", Entered("service_items")),
        ("online", "网上咨询数", "人次", Stat("consultations.online")),
        ("phone", "咨询电话接听数", "人次", Stat("consultations.phone")),
        ("on_site", "现场咨询数", "人次", Stat("consultations.on_site")),
        ("visits", "网站专栏页面访问量", "人次", Entered("page_visits")),
    )
    header = ((Head("指标"), Head("单位"), Head("数量")),)
    block = Block(
        header, COUNT, tuple(Row(key, label, (Head(label), Head(unit)), (source,)) for key, label, unit, source in rows)
    )
    return Table("T3", "附表3 咨询情况统计", (block,))


def table_4() -> Table:
    return _simple(
        "T4",
        "附表4 申诉情况统计",
        "件",
        (
            ("reconsideration", "行政复议数", Stat("cases.reconsideration.filed")),
            ("lawsuit", "行政诉讼数", Stat("cases.lawsuit.filed")),
            ("appeal", "行政申诉数", Entered("appeals")),
            ("appeal_first", "其中：对本单位首次处理不满意的行政申诉数", Entered("appeals_first")),
        ),
    )


FORMAT = Format(
    code="legacy",
    name="2019年以前的地方格式（附表1–4）",
    title_template="{organization}{year}年政府信息公开工作年度报告",
    last_year=2018,
    description="2019年以前各地使用的年度报告格式：概述、主动公开、依申请公开、咨询、复议诉讼和申诉等部分，另附四张统计表。",
    sections=(
        Section("overview", "一、概述", narrative=True),
        Section("proactive", "二、主动公开情况", narrative=True, facts=("proactive",)),
        Section("requests", "三、依申请公开情况", narrative=True, facts=("requests",)),
        Section("consultations", "四、咨询情况", narrative=True, facts=("consultations",)),
        Section("cases", "五、复议、诉讼和申诉情况", narrative=True, facts=("cases",)),
        Section("problems", "六、存在的主要问题和改进措施", narrative=True, facts=("problems",)),
        Section("notes", "七、说明与附表", narrative=True),
        Section("t1", "附表1 主动公开情况统计", table=table_1()),
        Section("t2", "附表2 依申请公开情况统计", table=table_2()),
        Section("t3", "附表3 咨询情况统计", table=table_3()),
        Section("t4", "附表4 申诉情况统计", table=table_4()),
    ),
    entered=(
        EnteredValue("full_text", "附表1 其中：全文电子化信息数", unit="条"),
        EnteredValue("not_ours", "附表2 非本机关政府信息答复数", unit="条"),
        EnteredValue("service_items", "附表3 提供服务类信息数", unit="条"),
        EnteredValue("page_visits", "附表3 网站专栏页面访问量", unit="人次"),
        EnteredValue("appeals", "附表4 行政申诉数"),
        EnteredValue("appeals_first", "附表4 其中：对本单位首次处理不满意的行政申诉数"),
    ),
)
