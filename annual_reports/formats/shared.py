"""Tables B and C, shared by the 2019 trial format and the 2021 national format (the 2021 format split
（六）其他处理 into three sub-rows; everything else is the same)."""

from __future__ import annotations

from .base import Block, Check, Column, Head, Row, Stat, Sum, Table

APPLICANTS = (
    ("natural", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("public_interest", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
)
APPLICANT_KEYS = tuple(key for key, _ in APPLICANTS)
TOTAL = "total"

B_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
B_RESULTS = "三、本年度办理结果"

# (group label, [(outcome code, sub-row label)]); a group without sub-rows is one row of its own.
OUTCOME_GROUPS_2021: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("（一）予以公开", (("1", ""),)),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", (("2", ""),)),
    (
        "（三）不予公开",
        (
            ("3.1", "1.属于国家秘密"),
            ("3.2", "2.其他法律行政法规禁止公开"),
            ("3.3", "3.危及“三安全一稳定”"),
            ("3.4", "4.保护第三方合法权益"),
            ("3.5", "5.属于三类内部事务信息"),
            ("3.6", "6.属于四类过程性信息"),
            ("3.7", "7.属于行政执法案卷"),
            ("3.8", "8.属于行政查询事项"),
        ),
    ),
    (
        "（四）无法提供",
        (
            ("4.1", "1.本机关不掌握相关政府信息"),
            ("4.2", "2.没有现成信息需要另行制作"),
            ("4.3", "3.补正后申请内容仍不明确"),
        ),
    ),
    (
        "（五）不予处理",
        (
            ("5.1", "1.信访举报投诉类申请"),
            ("5.2", "2.重复申请"),
            ("5.3", "3.要求提供公开出版物"),
            ("5.4", "4.无正当理由大量反复申请"),
            ("5.5", "5.要求行政机关确认或重新出具已获取信息"),
        ),
    ),
    (
        "（六）其他处理",
        (
            ("6.1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            ("6.2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
            ("6.3", "3.其他"),
        ),
    ),
)
# 2019 trial format: （六）其他处理 is one row, counted as the whole group 6.
OUTCOME_GROUPS_2019 = (*OUTCOME_GROUPS_2021[:5], ("（六）其他处理", (("6", ""),)))


def _applicant_cells(stat: str) -> tuple:
    """Six applicant cells from the statistic `stat.<applicant>`, then 总计 as their sum."""
    return (*(Stat(f"{stat}.{key}") for key in APPLICANT_KEYS), None)


def _with_total(row_key: str, cells: tuple) -> tuple:
    return (*cells[:-1], Sum(tuple((row_key, key) for key in APPLICANT_KEYS)))


def table_b(groups) -> Table:
    columns = (*(Column(key, label) for key, label in APPLICANTS), Column(TOTAL, "总计"))
    header = (
        (Head(B_NOTE, rowspan=3, colspan=3, note=True), Head("申请人情况", colspan=7)),
        (Head("自然人", rowspan=2), Head("法人或其他组织", colspan=5), Head("总计", rowspan=2)),
        tuple(Head(label) for _, label in APPLICANTS[1:]),
    )

    def row(key: str, label_path: tuple[str, ...], heads: tuple[Head, ...], stat: str) -> Row:
        return Row(key, " / ".join(label_path), heads, _with_total(key, _applicant_cells(stat)))

    rows = [
        row(
            "new",
            ("一、本年新收政府信息公开申请数量",),
            (Head("一、本年新收政府信息公开申请数量", colspan=3),),
            "requests.new",
        ),
        row(
            "carried",
            ("二、上年结转政府信息公开申请数量",),
            (Head("二、上年结转政府信息公开申请数量", colspan=3),),
            "requests.carried",
        ),
    ]
    result_rows = sum(len(subs) for _, subs in groups) + 1  # + （七）总计
    outcome_rows: list[str] = []
    for index, (group, subs) in enumerate(groups):
        for position, (code, sub) in enumerate(subs):
            heads: tuple[Head, ...] = ()
            if index == 0 and position == 0:
                heads += (Head(B_RESULTS, rowspan=result_rows),)
            if sub:
                if position == 0:
                    heads += (Head(group, rowspan=len(subs)),)
                heads += (Head(sub),)
                path = (B_RESULTS, group, sub)
            else:
                heads += (Head(group, colspan=2),)
                path = (B_RESULTS, group)
            stat = "requests.outcome" if "." in code or code in ("1", "2") else "requests.outcome_group"
            key = f"o{code}"
            outcome_rows.append(key)
            rows.append(row(key, path, heads, f"{stat}.{code}"))
    total_cells = tuple(Sum(tuple((key, column.key) for key in outcome_rows)) for column in columns)
    rows.append(Row("results_total", f"{B_RESULTS} / （七）总计", (Head("（七）总计", colspan=2),), total_cells))
    rows.append(
        row("open", ("四、结转下年度继续办理",), (Head("四、结转下年度继续办理", colspan=3),), "requests.open_at_end")
    )
    return Table("B", "收到和处理政府信息公开申请情况", (Block(header, columns, tuple(rows)),))


def table_b_checks(table: Table) -> tuple[Check, ...]:
    """The checks of the reference on table B, as data."""
    (block,) = table.blocks
    outcome_rows = [row.key for row in block.rows if row.key[:1] == "o" and row.key[1:2].isdigit()]
    checks = []
    for column in block.columns:
        checks.append(
            Check(
                "B",
                (("new", column.key), ("carried", column.key)),
                (("results_total", column.key), ("open", column.key)),
                f"“{column.label}”列：第一项加第二项之和（{{left}}）不等于第三项（七）总计加第四项之和（{{right}}）。",
            )
        )
        checks.append(
            Check(
                "B",
                (("results_total", column.key),),
                tuple((key, column.key) for key in outcome_rows),
                f"“{column.label}”列：（七）总计（{{left}}）不等于（一）至（六）各项之和（{{right}}）。",
            )
        )
    for row in block.rows:
        checks.append(
            Check(
                "B",
                ((row.key, TOTAL),),
                tuple((row.key, key) for key in APPLICANT_KEYS),
                f"“{row.label}”行：总计（{{left}}）不等于六类申请人之和（{{right}}）。",
            )
        )
    return tuple(checks)


CASE_RESULTS = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"))
CASE_GROUPS = (
    ("reconsideration", "行政复议"),
    ("lawsuit_direct", "行政诉讼 / 未经复议直接起诉"),
    ("lawsuit_after", "行政诉讼 / 复议后起诉"),
)


def table_c() -> Table:
    header = (
        (Head("行政复议", colspan=5), Head("行政诉讼", colspan=10)),
        (
            *(Head(label, rowspan=2) for _, label in CASE_RESULTS),
            Head("总计", rowspan=2),
            Head("未经复议直接起诉", colspan=5),
            Head("复议后起诉", colspan=5),
        ),
        tuple(Head(label) for _ in range(2) for label in (*(lbl for _, lbl in CASE_RESULTS), "总计")),
    )
    columns = []
    cells = []
    for group, group_label in CASE_GROUPS:
        for result, label in CASE_RESULTS:
            columns.append(Column(f"{group}.{result}", f"{group_label} / {label}"))
            cells.append(Stat(f"cases.{group}.{result}"))
        columns.append(Column(f"{group}.total", f"{group_label} / 总计"))
        cells.append(Sum(tuple(("cases", f"{group}.{result}") for result, _ in CASE_RESULTS)))
    rows = (Row("cases", "案件数量", (), tuple(cells)),)
    return Table("C", "政府信息公开行政复议、行政诉讼情况", (Block(header, tuple(columns), rows),))


def table_c_checks() -> tuple[Check, ...]:
    return tuple(
        Check(
            "C",
            (("cases", f"{group}.total"),),
            tuple(("cases", f"{group}.{result}") for result, _ in CASE_RESULTS),
            f"{label}：总计（{{left}}）不等于结果维持、结果纠正、其他结果、尚未审结之和（{{right}}）。",
        )
        for group, label in CASE_GROUPS
    )
