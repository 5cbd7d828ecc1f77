"""Importing a plan from a Word or Excel table: the dry run shows what it understood and every problem;
nothing is written until the import is confirmed and nothing at all while any problem remains."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from disclosure_site.models import AuditEvent
from workplans import plan_import, workflow
from workplans.models import Plan, PlanStatus, Task, TaskUnit

from .files import GOOD_ROWS, docx_bytes, xlsx_bytes

D = dt.date


def run(content, county, by, *, dry_run=True, name="要点.docx", year=2026):
    return plan_import.import_plan(
        content, organization=county.government, year=year, by=by, name=name, dry_run=dry_run
    )


def understood(report):
    return [
        (
            t.heading,
            t.number,
            t.text[:7],
            [m.organization.name for m in t.leads],
            [m.organization.name for m in t.supports],
            t.due_on,
        )
        for t in report.tasks
    ]


EXPECTED = [
    ("一、围绕深化改革推进公开", 1, "推进预决算信息", ["测试县财政局"], ["测试县教育局"], D(2026, 6, 30)),
    ("一、围绕深化改革推进公开", 2, "做好教育领域政", ["测试县教育局"], ["测试县城关镇人民政府", "测试县财政局"], None),
    ("二、围绕民生改善推进公开", 3, "公开民生资金分", ["测试县城关镇人民政府", "测试县财政局"], [], D(2026, 12, 31)),
]


@pytest.mark.parametrize(
    "content",
    [docx_bytes(), docx_bytes(headings_as_paragraphs=False), xlsx_bytes()],
    ids=["docx headings as paragraphs", "docx headings in merged rows", "xlsx"],
)
def test_the_dry_run_shows_what_it_understood_and_writes_nothing(county, gov_clerk, content):
    report = run(content, county, gov_clerk)
    assert report.ok, [str(e) for e in report.errors]
    assert report.headings == ["一、围绕深化改革推进公开", "二、围绕民生改善推进公开"]
    assert understood(report) == EXPECTED
    assert "“县教育局”识别为“测试县教育局”" in report.notes
    assert not Plan.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_confirmed_import_writes_a_draft_plan_with_everything(county, gov_clerk):
    report = run(docx_bytes(), county, gov_clerk, dry_run=False)
    plan = Plan.objects.get()
    assert report.plan == plan
    assert (plan.status, plan.source_name, plan.year) == (PlanStatus.DRAFT, "要点.docx", 2026)
    assert list(plan.headings.values_list("position", "title")) == [
        (1, "一、围绕深化改革推进公开"),
        (2, "二、围绕民生改善推进公开"),
    ]
    tasks = {t.number: t for t in Task.objects.filter(plan=plan).select_related("heading")}
    assert tasks[3].heading.title == "二、围绕民生改善推进公开"
    assert list(
        TaskUnit.objects.filter(task=tasks[2]).order_by("role", "position").values_list("role", "organization__name")
    ) == [("lead", "测试县教育局"), ("support", "测试县城关镇人民政府"), ("support", "测试县财政局")]
    assert AuditEvent.objects.filter(comment="导入3项任务、2个分组").exists()


def test_unknown_units_are_flagged_with_their_place_and_nothing_is_written(county, gov_clerk):
    rows = [
        *GOOD_ROWS[:2],
        ("2", "做好教育领域政策解读", "县金融办", "各乡镇（街道）、测试县财政局", ""),
    ]
    report = run(docx_bytes(rows), county, gov_clerk, dry_run=False)
    assert not report.ok
    assert report.unknown_units == ["县金融办", "各乡镇（街道）"]
    assert [str(e) for e in report.errors] == [
        "第1张表第3行“牵头单位”：未找到单位“县金融办”，请使用机构全称或简称（见后台“机构”列表）",
        "第1张表第3行“配合单位”：未找到单位“各乡镇（街道）”，请使用机构全称或简称（见后台“机构”列表）",
    ]
    assert not Plan.objects.exists()


def test_duplicate_numbers_empty_tasks_and_missing_leads_are_reported(county, gov_clerk):
    rows = [
        ("1", "推进预决算信息公开", "测试县财政局", "", ""),
        ("1", "做好政策解读", "测试县教育局", "", ""),
        ("2", "", "测试县教育局", "", ""),
        ("3", "公开民生资金", "", "测试县财政局", ""),
        ("三", "任务", "测试县财政局", "", ""),
    ]
    report = run(xlsx_bytes(rows), county, gov_clerk, dry_run=False, name="分工.xlsx")
    assert [str(e) for e in report.errors] == [
        "第4行“序号”：序号1与第3行重复",
        "第5行“任务”：任务内容为空",
        "第6行“牵头单位”：缺少牵头单位",
        "第7行“序号”：序号应为数字，不能是“三”",
    ]
    assert not Plan.objects.exists()


def test_a_unit_both_lead_and_cooperating_is_reported(county, gov_clerk):
    report = run(xlsx_bytes([("1", "任务", "测试县财政局", "县财政局", "")]), county, gov_clerk, name="a.xlsx")
    assert [e.reason for e in report.errors] == ["“测试县财政局”已是牵头单位，不能同时列为配合单位"]


def test_an_unreadable_due_date_is_reported(county, gov_clerk):
    report = run(xlsx_bytes([("1", "任务", "测试县财政局", "", "尽快")]), county, gov_clerk, name="a.xlsx")
    assert [e.reason for e in report.errors] == ["无法识别“尽快”，请写成 2026年6月底、2026-06-30、年底或持续推进"]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("2026年6月底", D(2026, 6, 30)),
        ("6月底前", D(2026, 6, 30)),
        ("2026-09-15", D(2026, 9, 15)),
        ("2026年9月15日前完成", D(2026, 9, 15)),
        ("上半年", D(2026, 6, 30)),
        ("三季度", D(2026, 9, 30)),
        ("年底前", D(2026, 12, 31)),
        ("2027年底", D(2027, 12, 31)),
        ("持续推进", None),
        ("长期坚持", None),
        ("", None),
        (dt.datetime(2026, 3, 1, 0, 0), D(2026, 3, 1)),  # noqa: DTZ001 - a spreadsheet date cell is naive
    ],
)
def test_due_dates_as_plans_write_them(text, due):
    assert plan_import.parse_due(text, 2026) == (due, None)


def test_an_existing_plan_of_the_year_is_not_imported_again(county, gov_clerk, draft_plan):
    with pytest.raises(plan_import.ImportFileError, match="2026年度的政务公开工作要点已存在"):
        run(docx_bytes(), county, gov_clerk)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "要点.doc", "旧版 Word（.doc）"),
        (b"%PDF-1.7 ...", "要点.pdf", "不是 Word（.docx）或 Excel（.xlsx）文件"),
        (b"", "空.docx", "上传的文件是空的"),
    ],
)
def test_files_that_are_not_plan_tables_are_refused_in_chinese(county, gov_clerk, content, name, message):
    with pytest.raises(plan_import.ImportFileError, match=message):
        run(content, county, gov_clerk, name=name)
    assert not Plan.objects.exists()


def test_a_zip_that_is_neither_word_nor_excel_is_refused(county, gov_clerk):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(plan_import.ImportFileError, match="不是 Word（.docx）或 Excel（.xlsx）文件"):
        run(out.getvalue(), county, gov_clerk, name="a.zip")


def test_a_document_without_the_columns_is_refused(county, gov_clerk):
    content = docx_bytes(header=("编号", "内容", "责任人", "备注", "时间"))
    with pytest.raises(plan_import.ImportFileError, match="包含“序号”“任务”“牵头单位”“配合单位”四列"):
        run(content, county, gov_clerk)


def test_staff_of_another_organization_cannot_import_its_plan(county, outsider):
    with pytest.raises(workflow.NotAllowed):
        run(docx_bytes(), county, outsider)
    assert not Plan.objects.exists()


def test_header_variants_and_numbers_as_written(county, gov_clerk):
    header = ("序 号", "重点任务", "牵头部门", "配合部门")
    rows = [("（1）", "任务一", "测试县财政局", ""), ("2.", "任务二", "测试县教育局", "")]
    report = run(xlsx_bytes(rows, header=header, title_row=False), county, gov_clerk, name="a.xlsx")
    assert report.ok
    assert [t.number for t in report.tasks] == [1, 2]
