"""The 2019 trial format (reports on 2019 and 2020): tables B and C as in 2021 except that （六）其他处理
is one row; table A had other columns and a （九）项 block (reference/annual-report-format.md)."""

from __future__ import annotations

from .base import Block, CarryOver, Column, Entered, EnteredValue, Format, Head, Row, Section, Stat, Table
from .shared import APPLICANT_KEYS, OUTCOME_GROUPS_2019, TOTAL, table_b, table_b_checks, table_c, table_c_checks


def _items_block(item: str, columns: tuple[Column, ...], rows: tuple[tuple[str, str], ...]) -> Block:
    heads = [Head("信息内容")]
    for column in columns:
        heads.append(Head(column.label, colspan=column.span))
    return Block(
        ((Head(f"第二十条第（{item}）项", colspan=4),), tuple(heads)),
        columns,
        tuple(
            Row(key, label, (Head(label),), tuple(Entered(f"{key}.{c.key}") for c in columns)) for key, label in rows
        ),
    )


PROJECTS = (Column("last_year", "上一年项目数量"), Column("change", "本年增/减"), Column("decisions", "处理决定数量"))
FEES = (Column("last_year", "上一年项目数量"), Column("change", "本年增/减", span=2))
PURCHASES = (Column("count", "采购项目数量"), Column("amount", "采购总金额", span=2))


def _entered() -> tuple[EnteredValue, ...]:
    values = []
    for key, label in (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")):
        values += [
            EnteredValue(f"{key}.last_year", f"{label} 上一年项目数量", unit="项"),
            EnteredValue(f"{key}.change", f"{label} 本年增/减", unit="项", signed=True),
            EnteredValue(f"{key}.decisions", f"{label} 处理决定数量"),
        ]
    for key, label in (("penalty", "行政处罚"), ("enforcement", "行政强制")):
        values += [
            EnteredValue(f"{key}.last_year", f"{label} 上一年项目数量", unit="项"),
            EnteredValue(f"{key}.change", f"{label} 本年增/减", unit="项", signed=True),
            EnteredValue(f"{key}.decisions", f"{label} 处理决定数量"),
        ]
    values += [
        EnteredValue("fees.last_year", "行政事业性收费 上一年项目数量", unit="项"),
        EnteredValue("fees.change", "行政事业性收费 本年增/减", unit="项", signed=True),
        EnteredValue("purchases.count", "政府集中采购 采购项目数量", unit="项"),
        EnteredValue("purchases.amount", "政府集中采购 采购总金额（万元）", decimal_places=4, unit="万元"),
    ]
    return tuple(values)


def table_a() -> Table:
    columns = (
        Column("written", "本年新制作数量"),
        Column("issued", "本年新公开数量"),
        Column("public", "对外公开总数量"),
    )
    documents = Block(
        ((Head("第二十条第（一）项", colspan=4),), (Head("信息内容"), *(Head(c.label) for c in columns))),
        columns,
        tuple(
            Row(kind, label, (Head(label),), tuple(Stat(f"catalog.{kind}.{c.key}") for c in columns))
            for kind, label in (("rule", "规章"), ("normative", "规范性文件"))
        ),
    )
    return Table(
        "A",
        "主动公开政府信息情况",
        (
            documents,
            _items_block("五", PROJECTS, (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项"))),
            _items_block("六", PROJECTS, (("penalty", "行政处罚"), ("enforcement", "行政强制"))),
            _items_block("八", FEES, (("fees", "行政事业性收费"),)),
            _items_block("九", PURCHASES, (("purchases", "政府集中采购"),)),
        ),
    )


TABLE_B = table_b(OUTCOME_GROUPS_2019)

FORMAT = Format(
    code="2019",
    name="试行格式（2019年度、2020年度）",
    title_template="{organization}{year}年政府信息公开工作年度报告",
    first_year=2019,
    last_year=2020,
    description="2019年新修订的《中华人民共和国政府信息公开条例》施行后的试行格式，适用于2019年度和2020年度报告。",
    sections=(
        Section(
            "overview",
            "一、总体情况",
            narrative=True,
            hint="主动公开、依申请公开、政府信息管理、平台建设、监督保障等情况。",
            facts=("proactive", "requests", "cases"),
        ),
        Section("proactive", "二、主动公开政府信息情况", table=table_a()),
        Section("requests", "三、收到和处理政府信息公开申请情况", table=TABLE_B),
        Section("cases", "四、政府信息公开行政复议、行政诉讼情况", table=table_c()),
        Section("problems", "五、政府信息公开工作存在的主要问题及改进情况", narrative=True, facts=("problems",)),
        Section("other", "六、其他需要报告的事项", narrative=True, facts=("fees",)),
    ),
    entered=_entered(),
    checks=table_b_checks(TABLE_B) + table_c_checks(),
    carry_over=(CarryOver("B", "carried", "open", (*APPLICANT_KEYS, TOTAL)),),
)
