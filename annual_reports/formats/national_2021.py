"""The national format in force (国务院办公厅政府信息与政务公开办公室, 2021): reports on 2021 and later.

Labels exactly as reference/annual-report-format.md, full-width punctuation included.
"""

from __future__ import annotations

from .base import Block, CarryOver, Column, Entered, EnteredValue, Format, Head, Row, Section, Stat, Table
from .shared import (
    APPLICANT_KEYS,
    OUTCOME_GROUPS_2021,
    TOTAL,
    table_b,
    table_b_checks,
    table_c,
    table_c_checks,
)

ENTERED = (
    EnteredValue("licensing", "行政许可 本年处理决定数量"),
    EnteredValue("penalty", "行政处罚 本年处理决定数量"),
    EnteredValue("enforcement", "行政强制 本年处理决定数量"),
    EnteredValue("fees", "行政事业性收费 本年收费金额（万元）", decimal_places=4, unit="万元"),
)


def _title(item: str) -> tuple[Head, ...]:
    return (Head(f"第二十条第（{item}）项", colspan=4),)


def _decisions_block(item: str, heading: str, rows: tuple[tuple[str, str], ...]) -> Block:
    return Block(
        (_title(item), (Head("信息内容"), Head(heading, colspan=3))),
        (Column("amount", heading, span=3),),
        tuple(Row(key, label, (Head(label),), (Entered(key),)) for key, label in rows),
    )


def table_a() -> Table:
    columns = (Column("issued", "本年制发件数"), Column("repealed", "本年废止件数"), Column("valid", "现行有效件数"))
    documents = Block(
        (_title("一"), (Head("信息内容"), *(Head(c.label) for c in columns))),
        columns,
        tuple(
            Row(kind, label, (Head(label),), tuple(Stat(f"catalog.{kind}.{c.key}") for c in columns))
            for kind, label in (("rule", "规章"), ("normative", "行政规范性文件"))
        ),
    )
    return Table(
        "A",
        "主动公开政府信息情况",
        (
            documents,
            _decisions_block("五", "本年处理决定数量", (("licensing", "行政许可"),)),
            _decisions_block("六", "本年处理决定数量", (("penalty", "行政处罚"), ("enforcement", "行政强制"))),
            _decisions_block("八", "本年收费金额（单位：万元）", (("fees", "行政事业性收费"),)),
        ),
    )


TABLE_B = table_b(OUTCOME_GROUPS_2021)

FORMAT = Format(
    code="2021",
    name="全国统一格式（2021年起施行）",
    title_template="{organization}{year}年政府信息公开工作年度报告",
    first_year=2021,
    description="国务院办公厅政府信息与政务公开办公室印发的政府信息公开工作年度报告格式，适用于2021年度及以后的年度报告。",
    sections=(
        Section(
            "overview",
            "一、总体情况",
            narrative=True,
            hint="主动公开、依申请公开、政府信息管理、政府信息公开平台建设、监督保障等情况"
            "（人民政府还应报告工作考核、社会评议和责任追究结果情况）。",
            facts=("proactive", "requests", "cases"),
        ),
        Section("proactive", "二、主动公开政府信息情况", table=table_a()),
        Section("requests", "三、收到和处理政府信息公开申请情况", table=TABLE_B),
        Section("cases", "四、政府信息公开行政复议、行政诉讼情况", table=table_c()),
        Section(
            "problems",
            "五、存在的主要问题及改进情况",
            narrative=True,
            hint="上一年度报告所列问题的整改情况，本年度存在的主要问题和改进措施。",
            facts=("problems",),
        ),
        Section(
            "other",
            "六、其他需要报告的事项",
            narrative=True,
            hint="信息处理费收取情况（发出收费通知的件数和总金额、实际收取的总金额），落实上级年度政务公开工作要点情况，"
            "人大代表建议和政协提案办理结果公开情况，创新举措等。",
            facts=("fees",),
        ),
    ),
    entered=ENTERED,
    checks=table_b_checks(TABLE_B) + table_c_checks(),
    carry_over=(CarryOver("B", "carried", "open", (*APPLICANT_KEYS, TOTAL)),),
)
