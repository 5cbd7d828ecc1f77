"""Formats are data: the shipped ones have the reference's labels and spans, and a new format is a
definition that builds without any other change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from annual_reports import formats
from annual_reports.formats import (
    Block,
    Check,
    Column,
    Entered,
    EnteredValue,
    Format,
    FormatError,
    Head,
    Row,
    Section,
    Stat,
    Sum,
    Table,
)
from annual_reports.tables import evaluate, run_checks, sections_document


def test_default_format_by_year():
    assert formats.default_for(2025).code == "2021"
    assert formats.default_for(2021).code == "2021"
    assert formats.default_for(2020).code == "2019"
    assert formats.default_for(2019).code == "2019"
    assert formats.default_for(2018).code == "legacy"


def test_national_format_sections_are_the_reference_labels():
    fmt = formats.get("2021")
    assert [s.title for s in fmt.sections] == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert formats.get("2019").sections[4].title == "五、政府信息公开工作存在的主要问题及改进情况"


def test_table_b_header_spans_and_rows():
    (block,) = formats.get("2021").tables["B"].blocks
    first, second, third = block.header
    assert first[0] == Head(
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3, note=True
    )
    assert first[1] == Head("申请人情况", colspan=7)
    assert second == (Head("自然人", rowspan=2), Head("法人或其他组织", colspan=5), Head("总计", rowspan=2))
    assert [h.text for h in third] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert [c.label for c in block.columns] == [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]
    rows = {row.key: row for row in block.rows}
    assert len(block.rows) == 25  # 一, 二, 22 rows of 三, 四
    assert rows["new"].heads == (Head("一、本年新收政府信息公开申请数量", colspan=3),)
    assert rows["o1"].heads == (Head("三、本年度办理结果", rowspan=22), Head("（一）予以公开", colspan=2))
    assert rows["o2"].heads == (Head("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2),)
    assert rows["o3.1"].heads == (Head("（三）不予公开", rowspan=8), Head("1.属于国家秘密"))
    assert rows["o3.3"].heads == (Head("3.危及“三安全一稳定”"),)
    assert rows["o6.2"].heads == (Head("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),)
    assert rows["results_total"].heads == (Head("（七）总计", colspan=2),)
    assert rows["open"].heads == (Head("四、结转下年度继续办理", colspan=3),)
    assert rows["o3.1"].label == "三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密"


def test_trial_format_has_one_row_for_other_handling():
    (block,) = formats.get("2019").tables["B"].blocks
    keys = [row.key for row in block.rows]
    assert "o6" in keys and "o6.1" not in keys
    assert next(r for r in block.rows if r.key == "o1").heads[0] == Head("三、本年度办理结果", rowspan=20)


def test_table_a_blocks_of_the_national_format():
    table = formats.get("2021").tables["A"]
    titles = [block.header[0][0] for block in table.blocks]
    assert titles == [Head(f"第二十条第（{i}）项", colspan=4) for i in ("一", "五", "六", "八")]
    assert table.blocks[1].header[1] == (Head("信息内容"), Head("本年处理决定数量", colspan=3))
    assert table.blocks[3].header[1][1].text == "本年收费金额（单位：万元）"
    assert [r.label for r in table.blocks[0].rows] == ["规章", "行政规范性文件"]
    assert [c.label for c in table.blocks[0].columns] == ["本年制发件数", "本年废止件数", "现行有效件数"]


def test_table_c_header():
    (block,) = formats.get("2021").tables["C"].blocks
    first, second, third = block.header
    assert first == (Head("行政复议", colspan=5), Head("行政诉讼", colspan=10))
    assert [(h.text, h.rowspan, h.colspan) for h in second] == [
        ("结果维持", 2, 1),
        ("结果纠正", 2, 1),
        ("其他结果", 2, 1),
        ("尚未审结", 2, 1),
        ("总计", 2, 1),
        ("未经复议直接起诉", 1, 5),
        ("复议后起诉", 1, 5),
    ]
    assert [h.text for h in third] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2
    assert len(block.columns) == 15


def test_legacy_format_has_the_four_appended_tables():
    fmt = formats.get("legacy")
    assert [t.title for t in fmt.tables.values()] == [
        "附表1 主动公开情况统计",
        "附表2 依申请公开情况统计",
        "附表3 咨询情况统计",
        "附表4 申诉情况统计",
    ]


# A future format: defined here, built with no change to the app.

SMALL = Format(
    code="test-2030",
    name="测试格式",
    title_template="{organization}{year}年测试报告",
    first_year=2030,
    sections=(
        Section("summary", "一、概述", narrative=True),
        Section(
            "numbers",
            "二、数字",
            table=Table(
                "X",
                "测试表",
                (
                    Block(
                        header=((Head("项目"), Head("本年", colspan=2)),),
                        columns=(Column("year", "本年", span=2),),
                        rows=(
                            Row("received", "收到", (Head("收到"),), (Stat("requests.new.natural"),)),
                            Row("licences", "许可", (Head("许可"),), (Entered("licences"),)),
                            Row("sum", "合计", (Head("合计"),), (Sum((("received", "year"), ("licences", "year"))),)),
                        ),
                    ),
                ),
            ),
        ),
    ),
    entered=(EnteredValue("licences", "许可决定数"),),
    checks=(Check("X", (("sum", "year"),), (("received", "year"),), "合计（{left}）不等于收到（{right}）。"),),
)


def test_a_new_format_is_a_definition_that_builds():
    grids = evaluate(SMALL, {"requests.new.natural": 7}, {"licences": Decimal(3)})
    assert grids["X"] == {("received", "year"): 7, ("licences", "year"): 3, ("sum", "year"): 10}
    document = sections_document(SMALL, grids, {"summary": "概述文字"})
    assert document[0] == {"key": "summary", "title": "一、概述", "text": "概述文字"}
    table = document[1]["table"]
    assert table["width"] == 3
    assert table["blocks"][0]["rows"][2]["cells"] == [{"column": "本年", "colspan": 2, "value": 10, "source": "sum"}]
    assert [c.message for c in run_checks(SMALL, grids)] == ["合计（10）不等于收到（7）。"]


def test_registering_a_format_makes_it_the_default_for_its_years():
    formats.register(SMALL)
    try:
        assert formats.default_for(2031) is SMALL
        assert formats.default_for(2029).code == "2021"
    finally:
        del formats.FORMATS[SMALL.code]


def test_an_inconsistent_definition_is_refused_when_defined():
    with pytest.raises(FormatError):
        Format(
            code="bad",
            name="坏格式",
            title_template="{organization}{year}",
            sections=(
                Section(
                    "s",
                    "表",
                    table=Table(
                        "T",
                        "表",
                        (
                            Block(
                                ((Head("a"), Head("b")),),
                                (Column("c", "c"),),
                                (Row("r", "r", (), (Sum((("x", "c"),)),)),),
                            ),
                        ),
                    ),
                ),
            ),
        )


def test_missing_entered_values_stay_empty_and_their_sums_too():
    grids = evaluate(SMALL, {"requests.new.natural": 2}, {})
    assert grids["X"][("licences", "year")] is None
    assert grids["X"][("sum", "year")] is None
    assert run_checks(SMALL, grids) == []
