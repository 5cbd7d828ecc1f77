"""The ledger (台账) of applications: export as CSV/XLSX without personal data, import of old ledgers with
every bad row reported, all or nothing, and the back-office pages and commands around them."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disclosure_site.calendar_data import seed_from_package
from disclosure_site.errors import DomainError
from disclosure_site.models import AuditEvent
from requests_app import deadlines, ledger, workflow
from requests_app.ledger import COLUMNS, LedgerFileError, RowError, import_ledger, ledger_queryset
from requests_app.models import (
    ConsultationParty,
    EventKind,
    InfoRequest,
    Letter,
    LetterKind,
    LetterStatus,
    Outcome,
    RequestEvent,
    Status,
)

from .factories import InfoRequestFactory, noon, on_day, registered

D = dt.date
IMPORT_URL = "admin:requests_app_inforequest_ledger_import"
EXPORT_URL = "admin:requests_app_inforequest_ledger_export"


@pytest.fixture
def calendar(db):
    seed_from_package({2024, 2025, 2026})


def row(**cells) -> dict:
    """An answered application of 县财政局 as a ledger row; keyword arguments replace cells."""
    base = {
        "申请编号": "TZ-2025-001",
        "受理机关": "测试县财政局",
        "收到日期": "2025-03-06",
        "提交日期": "2025-03-05",
        "申请方式": "信函",
        "申请人类型": "自然人",
        "申请人": "张三",
        "申请内容": "请公开2024年度三公经费决算明细",
        "所需信息名称": "2024年度部门决算",
        "文号": "测财〔2025〕3号",
        "提供形式": "纸质",
        "获取方式": "邮寄",
        "状态": "已答复",
        "答复期限": "",
        "答复日期": "2025-03-20",
        "办理结果": "部分公开",
        "承办人": "",
    }
    base.update(cells)
    return base


def ledger_csv(rows, columns=COLUMNS, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for cells in rows:
        writer.writerow([cells.get(column, "") for column in columns])
    return buffer.getvalue().encode(encoding)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def export_csv(organization, **dates) -> list[list[str]]:
    buffer = io.BytesIO()
    ledger.write_csv(ledger_queryset(organization, **dates), buffer)
    return read_csv(buffer.getvalue())


def as_dicts(table: list[list[str]]) -> list[dict]:
    return [dict(zip(table[0], values, strict=True)) for values in table[1:]]


def approved_reply(application, reviewer, outcome) -> Letter:
    return Letter.objects.create(
        info_request=application,
        kind=LetterKind.REPLY,
        outcome=outcome,
        title="政府信息公开申请答复书",
        recipient=application.applicant_name,
        body="答复内容",
        status=LetterStatus.APPROVED,
        approved_by=reviewer,
    )


# Export ----------------------------------------------------------------------------------------------


def test_csv_export_has_a_bom_the_documented_headers_and_the_subtree_only(calendar, county, clerk):
    InfoRequestFactory(organization=county.finance, number="YSQ-2026-000001")
    InfoRequestFactory(organization=county.treasury, number="YSQ-2026-000002")
    InfoRequestFactory(organization=county.education, number="YSQ-2026-000003")
    table = export_csv(county.finance)
    assert table[0] == list(COLUMNS)
    assert sorted(r[0] for r in table[1:]) == ["YSQ-2026-000001", "YSQ-2026-000002"]


def test_export_holds_the_applicant_name_but_no_personal_data(calendar, county):
    application = InfoRequestFactory(organization=county.finance, applicant_name="李四")
    content = b"".join(ledger.csv_chunks(ledger_queryset(county.finance))).decode("utf-8-sig")
    assert "李四" in content
    for personal in (application.id_number, application.phone, application.email, application.address, "311500"):
        assert personal not in content


def test_export_writes_labels_dates_outcome_of_table_b_and_handler(calendar, county, clerk):
    InfoRequestFactory(
        organization=county.finance,
        number="YSQ-2025-000007",
        channel="letter",
        applicant_type="research",
        applicant_name="某研究所",
        submitted_at=noon(D(2025, 3, 4)),
        received_on=D(2025, 3, 6),
        status=Status.ANSWERED,
        outcome=Outcome.WITHHELD_STATE_SECRET,
        ended_on=D(2025, 3, 25),
        document_title="某文件",
        document_number="测财〔2025〕1号",
        wanted_form="paper",
        delivery="post",
        handler=clerk,
    )
    (exported,) = as_dicts(export_csv(county.finance))
    assert exported == {
        "申请编号": "YSQ-2025-000007",
        "受理机关": "测试县财政局",
        "收到日期": "2025-03-06",
        "提交日期": "2025-03-04",
        "申请方式": "信函",
        "申请人类型": "科研机构",
        "申请人": "某研究所",
        "申请内容": "请公开2025年度部门预算中三公经费的明细",
        "所需信息名称": "某文件",
        "文号": "测财〔2025〕1号",
        "提供形式": "纸质",
        "获取方式": "邮寄",
        "状态": "已答复",
        # No clock events: 20 working days after 2025-03-06.
        "答复期限": "2025-04-03",
        "答复日期": "2025-03-25",
        "办理结果": "不予公开：属于国家秘密",
        "承办人": clerk.get_full_name(),
    }


def test_ended_application_exports_the_due_date_that_applied_with_its_extension(calendar, county, clerk, head):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 10)):
        workflow.extend(application, by=head, days=10, reason="需要调取档案")
    with on_day(D(2026, 4, 10)):
        workflow.withdraw(application, by=clerk, note="申请人书面撤回")
    application.refresh_from_db()
    assert application.due_on is None
    expected = deadlines.clock(application, today=D(2026, 4, 10)).due
    assert expected == D(2026, 4, 20)
    (exported,) = as_dicts(export_csv(county.finance))
    assert exported["答复期限"] == "2026-04-20"
    assert exported["状态"] == "已撤回"
    assert exported["办理结果"] == "其他处理：其他"


def test_open_application_exports_its_stored_due_date_and_none_while_the_clock_stands_still(calendar, county, clerk):
    running = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    paused = registered(county.finance, by=clerk, received_on=D(2026, 3, 9))
    with on_day(D(2026, 3, 10)):
        workflow.start_consultation(paused, by=clerk, party=ConsultationParty.THIRD_PARTY, note="征求第三方意见")
    exported = {r["申请编号"]: r for r in as_dicts(export_csv(county.finance))}
    assert exported[running.number]["答复期限"] == "2026-04-03"
    assert exported[paused.number]["答复期限"] == ""
    assert exported[paused.number]["状态"] == "征求意见中"


def test_date_range_is_by_received_date_and_by_submission_date_for_those_not_received(calendar, county, clerk):
    InfoRequestFactory(organization=county.finance, number="IN", received_on=D(2026, 3, 31), status="processing")
    InfoRequestFactory(organization=county.finance, number="AFTER", received_on=D(2026, 4, 1), status="processing")
    # Submitted in March, received in April: outside a March ledger.
    InfoRequestFactory(
        organization=county.finance,
        number="LATE",
        submitted_at=noon(D(2026, 3, 30)),
        received_on=D(2026, 4, 2),
        status="processing",
    )
    InfoRequestFactory(organization=county.finance, number="WAITING", submitted_at=noon(D(2026, 3, 31)))
    InfoRequestFactory(organization=county.finance, number="WAITING-APRIL", submitted_at=noon(D(2026, 4, 1)))
    table = export_csv(county.finance, date_from=D(2026, 3, 1), date_to=D(2026, 3, 31))
    assert [r[0] for r in table[1:]] == ["IN", "WAITING"]


def test_export_runs_a_constant_number_of_queries(calendar, county, clerk, head):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export_csv(county.finance)
        return len(captured.captured_queries)

    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    with on_day(D(2026, 3, 10)):
        workflow.extend(application, by=head, days=5, reason="需要调取档案")
        workflow.withdraw(application, by=clerk, note="申请人书面撤回")
    few = queries()
    for n in range(30):
        InfoRequestFactory(
            organization=county.finance,
            handler=clerk,
            received_on=D(2026, 3, 2),
            status=Status.ANSWERED if n % 2 else Status.PROCESSING,
            outcome=Outcome.DISCLOSED if n % 2 else "",
            ended_on=D(2026, 3, 20) if n % 2 else None,
        )
    assert queries() == few


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"])
def test_export_neutralises_formula_cells_and_import_restores_them(calendar, county, clerk, name):
    InfoRequestFactory(organization=county.finance, number="F-1", applicant_name=name)
    content = b"".join(ledger.csv_chunks(ledger_queryset(county.finance)))
    (exported,) = as_dicts(read_csv(content))
    assert exported["申请人"] == f"'{name}"
    InfoRequest.objects.all().delete()
    report = import_ledger(content, organization=county.finance, by=clerk, dry_run=False)
    assert report.errors == []
    assert InfoRequest.objects.get().applicant_name == name


# Round trip ------------------------------------------------------------------------------------------


@pytest.fixture
def mixed_ledger(calendar, county, clerk, reviewer):
    """Applications of 县财政局 and its 国库支付中心 in every importable state, made by the workflow."""
    processing = registered(county.finance, by=clerk, received_on=D(2026, 3, 6), handler=clerk)
    registered(county.treasury, by=clerk, received_on=D(2026, 3, 9), organization_applicant=True, channel="fax")
    registered(county.finance, by=clerk, received_on=None, channel="email", submitted_on=D(2026, 3, 10))
    never_received = registered(county.finance, by=clerk, received_on=None, channel="fax", submitted_on=D(2026, 2, 2))
    with on_day(D(2026, 2, 3)):
        workflow.withdraw(never_received, by=clerk, note="申请人电话撤回")
    answered = registered(county.finance, by=clerk, received_on=D(2025, 12, 30), description="=请公开")
    with on_day(D(2026, 1, 20)):
        workflow.reply(
            answered,
            by=clerk,
            outcome=Outcome.WITHHELD_PROCESS,
            letter=approved_reply(answered, reviewer, Outcome.WITHHELD_PROCESS),
        )
    abandoned = registered(county.finance, by=clerk, received_on=D(2026, 3, 2))
    with on_day(D(2026, 3, 4)):
        workflow.request_correction(abandoned, by=clerk, what="请写明所需信息的年份", due_on=D(2026, 3, 20))
    with on_day(D(2026, 3, 24)):
        workflow.expire()
    assert {r.status for r in InfoRequest.objects.all()} == {
        Status.PROCESSING,
        Status.PENDING,
        Status.WITHDRAWN,
        Status.ANSWERED,
        Status.ABANDONED,
    }
    return processing


def test_csv_export_then_import_into_an_empty_database_gives_the_same_ledger(mixed_ledger, county, clerk):
    first = b"".join(ledger.csv_chunks(ledger_queryset(county.finance)))
    InfoRequest.objects.all().delete()
    report = import_ledger(first, organization=county.finance, by=clerk, dry_run=False)
    assert report.errors == []
    assert report.created == 6
    second = b"".join(ledger.csv_chunks(ledger_queryset(county.finance)))
    assert read_csv(second) == read_csv(first)
    assert len(read_csv(second)) == 7


def test_xlsx_export_then_import_gives_the_same_ledger(mixed_ledger, county, clerk):
    def xlsx() -> bytes:
        buffer = io.BytesIO()
        ledger.write_xlsx(ledger_queryset(county.finance), buffer)
        return buffer.getvalue()

    def cells(content: bytes) -> list[tuple]:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return list(workbook.worksheets[0].iter_rows(values_only=True))

    first = xlsx()
    InfoRequest.objects.all().delete()
    report = import_ledger(first, organization=county.finance, by=clerk, dry_run=False, name="台账.xlsx")
    assert report.errors == []
    assert cells(xlsx()) == cells(first)
    assert cells(first)[0] == COLUMNS


def test_a_ledger_without_organization_column_imports_into_another_organization(mixed_ledger, county, sysadmin):
    table = export_csv(county.finance)
    rows = [{**r, "申请编号": f"JY-{r['申请编号']}", "承办人": ""} for r in as_dicts(table)]
    content = ledger_csv(rows, columns=[c for c in COLUMNS if c != "受理机关"])
    report = import_ledger(content, organization=county.education, by=sysadmin, dry_run=False)
    assert report.errors == []
    imported = as_dicts(export_csv(county.education))
    assert [{k: v for k, v in r.items() if k not in ("受理机关", "申请编号", "承办人")} for r in imported] == [
        {k: v for k, v in r.items() if k not in ("受理机关", "申请编号", "承办人")} for r in as_dicts(table)
    ]
    assert {r["受理机关"] for r in imported} == {"测试县教育局"}


# Import: what is written -------------------------------------------------------------------------------


def test_import_writes_the_application_its_events_and_an_audit_event(calendar, county, clerk):
    report = import_ledger(ledger_csv([row()]), organization=county.finance, by=clerk, dry_run=False)
    assert report.created == 1
    application = InfoRequest.objects.get()
    assert (application.number, application.status, application.outcome) == (
        "TZ-2025-001",
        Status.ANSWERED,
        Outcome.PARTIAL,
    )
    assert (application.received_on, application.ended_on, application.due_on) == (D(2025, 3, 6), D(2025, 3, 20), None)
    assert application.registered_by == clerk
    assert application.phone == application.id_number == application.address == ""
    assert application.query_code_hash and not application.check_query_code("CODE")
    events = list(application.events.values_list("kind", "on", "from_status", "to_status", "note", "by"))
    assert events == [
        (EventKind.REGISTERED, D(2025, 3, 5), "", "", "台账导入", clerk.pk),
        (EventKind.RECEIVED, D(2025, 3, 6), Status.PENDING, Status.PROCESSING, "台账导入", clerk.pk),
        (EventKind.ANSWERED, D(2025, 3, 20), Status.PROCESSING, Status.ANSWERED, "台账导入：部分公开", clerk.pk),
    ]
    assert AuditEvent.objects.filter(object_id=str(application.pk), comment="台账导入").count() == 1


def test_an_open_imported_application_gets_its_due_date_from_the_clock(calendar, county, clerk):
    content = ledger_csv([row(状态="办理中", 答复日期="", 办理结果="", 收到日期="2026-03-06", 提交日期="")])
    import_ledger(content, organization=county.finance, by=clerk, dry_run=False)
    application = InfoRequest.objects.get()
    assert application.submitted_at == noon(D(2026, 3, 6)).replace(hour=0)
    assert application.due_on == D(2026, 4, 3)
    assert application.due_on == deadlines.clock(application).due


def test_abandoned_rows_end_from_the_state_the_applicant_failed_to_act_in(calendar, county, clerk):
    content = ledger_csv(
        [
            row(申请编号="A", 状态="视为放弃", 办理结果="其他处理：" + Outcome.OTHER_NO_CORRECTION.label),
            row(申请编号="B", 状态="视为放弃", 办理结果=Outcome.OTHER_FEE_UNPAID.label),
        ]
    )
    import_ledger(content, organization=county.finance, by=clerk, dry_run=False)
    ends = dict(
        RequestEvent.objects.filter(kind=EventKind.ABANDONED).values_list("info_request__number", "from_status")
    )
    assert ends == {"A": Status.CORRECTING, "B": Status.AWAITING_FEE}


def test_an_application_withdrawn_before_receipt_needs_no_received_date(calendar, county, clerk):
    content = ledger_csv([row(状态="已撤回", 收到日期="", 办理结果="其他处理：其他", 答复日期="2025-03-07")])
    import_ledger(content, organization=county.finance, by=clerk, dry_run=False)
    application = InfoRequest.objects.get()
    assert application.received_on is None
    assert list(application.events.values_list("kind", "from_status")) == [
        (EventKind.REGISTERED, ""),
        (EventKind.WITHDRAWN, Status.PENDING),
    ]


def test_imported_numbers_are_never_allocated_again(calendar, county, clerk):
    import_ledger(ledger_csv([row(申请编号="YSQ-2026-000050")]), organization=county.finance, by=clerk, dry_run=False)
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))
    assert application.number == "YSQ-2026-000051"


def test_a_handler_is_found_by_user_name_or_full_name_among_the_staff(calendar, county, clerk):
    content = ledger_csv([row(申请编号="1", 承办人="clerk"), row(申请编号="2", 承办人=clerk.get_full_name())])
    import_ledger(content, organization=county.finance, by=clerk, dry_run=False)
    assert set(InfoRequest.objects.values_list("handler", flat=True)) == {clerk.pk}


def test_labels_are_read_in_their_usual_variants(calendar, county, clerk):
    content = ledger_csv(
        [
            row(申请编号="1", 申请方式="当面申请", 办理结果="不予公开:属于国家秘密", 收到日期="2025/3/6"),
            row(申请编号="2", 申请方式="网上", 办理结果="属于国家秘密", 收到日期="2025年3月6日"),
        ]
    )
    import_ledger(content, organization=county.finance, by=clerk, dry_run=False)
    assert set(InfoRequest.objects.values_list("channel", "outcome", "received_on")) == {
        ("in_person", "3.1", D(2025, 3, 6)),
        ("online", "3.1", D(2025, 3, 6)),
    }


def test_a_gbk_csv_is_read(calendar, county, clerk):
    content = ledger_csv([row()], encoding="gb18030")
    report = import_ledger(content, organization=county.finance, by=clerk, dry_run=True)
    assert report.errors == []
    assert report.rows[0].applicant_name == "张三"


def test_personal_data_columns_in_a_file_are_ignored_and_listed(calendar, county, clerk):
    columns = [*COLUMNS, "联系电话", "证件号码"]
    content = ledger_csv([{**row(), "联系电话": "13900000000", "证件号码": "330122198001010011"}], columns=columns)
    report = import_ledger(content, organization=county.finance, by=clerk, dry_run=False)
    assert report.ignored_columns == ["联系电话", "证件号码"]
    assert InfoRequest.objects.get().phone == ""


def test_a_due_date_in_the_file_that_differs_is_noted_and_recomputed(calendar, county, clerk):
    report = import_ledger(
        ledger_csv([row(答复期限="2025-04-30")]), organization=county.finance, by=clerk, dry_run=True
    )
    assert report.errors == []
    assert "第2行" in report.notes[0] and "重新计算" in report.notes[0]


# Import: refusals -----------------------------------------------------------------------------------


BAD_CELLS = [
    ({"申请方式": "飞鸽传书"}, "申请方式", "无法识别申请方式“飞鸽传书”"),
    ({"申请人类型": "个人"}, "申请人类型", "无法识别申请人类型“个人”"),
    ({"状态": "已办结"}, "状态", "无法识别状态“已办结”"),
    ({"办理结果": "同意公开"}, "办理结果", "无法识别办理结果“同意公开”"),
    ({"收到日期": "2025-02-30"}, "收到日期", "日期“2025-02-30”不存在"),
    ({"收到日期": "三月六日"}, "收到日期", "无法识别日期“三月六日”"),
    ({"收到日期": "2099-01-01"}, "收到日期", "晚于今天"),
    ({"答复日期": "2099-01-02"}, "答复日期", "晚于今天"),
    ({"答复日期": "2025-03-01"}, "答复日期", "早于收到日期"),
    ({"收到日期": "2025-03-04"}, "收到日期", "早于提交日期"),
    ({"办理结果": ""}, "办理结果", "须填写办理结果"),
    ({"答复日期": ""}, "答复日期", "须填写答复日期"),
    ({"状态": "办理中", "答复日期": ""}, "办理结果", "尚未办结，不能填写办理结果"),
    ({"状态": "办理中", "办理结果": ""}, "答复日期", "尚未办结，不能填写答复日期"),
    ({"状态": "待受理", "答复日期": "", "办理结果": ""}, "收到日期", "待受理的申请尚未收到"),
    ({"状态": "待补正", "答复日期": "", "办理结果": ""}, "状态", "请以“办理中”导入"),
    ({"状态": "已撤回"}, "办理结果", "其他处理：其他"),
    ({"状态": "视为放弃"}, "办理结果", "视为放弃的申请"),
    ({"办理结果": "其他处理：" + Outcome.OTHER_FEE_UNPAID.label}, "办理结果", "对应的状态是“视为放弃”"),
    ({"状态": "已撤回", "办理结果": "其他处理：其他", "收到日期": "", "提交日期": ""}, "提交日期", "不能都为空"),
    ({"申请内容": " "}, "申请内容", "申请内容不能为空"),
    ({"申请人": ""}, "申请人", "申请人不能为空"),
    ({"申请编号": ""}, "申请编号", "申请编号不能为空"),
    ({"申请编号": "X" * 41}, "申请编号", "不能超过40个字"),
    ({"受理机关": "测试县水利局"}, "受理机关", "找不到名为“测试县水利局”的机构"),
    ({"受理机关": "测试县教育局"}, "受理机关", "不在您管理的机构范围内"),
    ({"承办人": "无名氏"}, "承办人", "不是测试县财政局在系统中的工作人员"),
]


@pytest.mark.parametrize(("cells", "column", "reason"), BAD_CELLS, ids=[b[2] for b in BAD_CELLS])
def test_a_bad_cell_is_reported_with_row_column_and_reason_and_nothing_is_written(
    calendar, county, clerk, outsider, cells, column, reason
):
    content = ledger_csv([row(申请编号="GOOD"), row(**cells)])
    report = import_ledger(content, organization=county.finance, by=clerk, dry_run=False)
    assert [(e.row, e.column) for e in report.errors] == [(3, column)], report.errors
    assert reason in report.errors[0].reason
    assert InfoRequest.objects.count() == 0


def test_every_bad_row_is_reported_in_one_dry_run(calendar, county, clerk):
    content = ledger_csv(
        [
            row(申请编号="1", 申请方式="飞鸽传书", 申请内容=""),
            row(申请编号="2"),
            row(申请编号="1"),
            row(申请编号="3", 答复日期="2025-03-01"),
        ]
    )
    report = import_ledger(content, organization=county.finance, by=clerk, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "申请内容"),
        (2, "申请方式"),
        (4, "申请编号"),
        (5, "答复日期"),
    ]
    assert "与第2行重复" in report.errors[2].reason
    assert str(report.errors[0]) == "第2行“申请内容”：申请内容不能为空。"


def test_a_number_already_in_the_database_is_refused(calendar, county, clerk):
    InfoRequestFactory(organization=county.education, number="TZ-2025-001")
    report = import_ledger(ledger_csv([row()]), organization=county.finance, by=clerk, dry_run=False)
    assert report.errors == [RowError(2, "申请编号", "申请编号“TZ-2025-001”已存在于系统中，申请编号不能重复。")]
    assert InfoRequest.objects.filter(organization=county.finance).count() == 0


def test_dry_run_writes_nothing(calendar, county, clerk):
    report = import_ledger(ledger_csv([row()]), organization=county.finance, by=clerk, dry_run=True)
    assert report.ok and len(report.rows) == 1 and report.created == 0
    assert InfoRequest.objects.count() == RequestEvent.objects.count() == 0


def test_a_failure_while_writing_rolls_back_every_row(calendar, county, clerk, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(RequestEvent.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        import_ledger(
            ledger_csv([row(申请编号="1"), row(申请编号="2")]), organization=county.finance, by=clerk, dry_run=False
        )
    assert InfoRequest.objects.count() == 0


def test_rows_keep_the_numbers_the_spreadsheet_shows_after_blank_lines_above_the_header(calendar, county, clerk):
    content = b"\n,,\n" + ledger_csv([row(), {}, row(申请编号="2", 状态="已办结")])
    report = import_ledger(content, organization=county.finance, by=clerk, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(6, "状态")]
    assert report.rows[0].row == 4


def test_missing_required_columns_are_reported_on_the_header_row(calendar, county, clerk):
    content = ledger_csv([row()], columns=[c for c in COLUMNS if c not in ("申请编号", "状态")])
    report = import_ledger(content, organization=county.finance, by=clerk, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(1, "申请编号"), (1, "状态")]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "文件是空的"),
        (b"\n\n", "a.csv", "文件是空的"),
        (ledger_csv([]), "a.csv", "只有表头"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls", "旧版 Excel"),
        (b"%PDF-1.4 ...", "a.pdf", "不是 CSV 或 XLSX 文件"),
        (b"PK\x03\x04garbage", "a.xlsx", "无法读取这个 Excel 文件"),
        ("申请编号".encode() + b"\n\x81\x30\xff\xff", "a.csv", "无法识别 CSV 文件的编码"),
    ],
    ids=["empty", "blank lines", "header only", "xls", "pdf", "broken xlsx", "encoding"],
)
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(calendar, county, clerk, content, name, message):
    with pytest.raises(LedgerFileError, match=message):
        import_ledger(content, organization=county.finance, by=clerk, dry_run=True, name=name)


def test_an_empty_workbook_is_refused(calendar, county, clerk):
    workbook = openpyxl.Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(LedgerFileError, match="文件是空的"):
        import_ledger(buffer.getvalue(), organization=county.finance, by=clerk, dry_run=True, name="a.xlsx")


def test_only_a_clerk_or_head_of_the_organization_may_import(calendar, county, outsider, reviewer):
    for user in (outsider, reviewer):
        with pytest.raises(workflow.NotAllowed, match="经办人或机关负责人"):
            import_ledger(ledger_csv([row()]), organization=county.finance, by=user, dry_run=True)


# Back office -----------------------------------------------------------------------------------------


def upload(content: bytes, name: str = "台账.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_admin_import_is_a_dry_run_by_default(client, calendar, county, clerk):
    client.force_login(clerk)
    page = client.get(reverse(IMPORT_URL))
    assert page.status_code == 200
    assert 'name="dry_run"' in page.content.decode() and "checked" in page.content.decode()
    response = client.post(
        reverse(IMPORT_URL), {"organization": county.finance.pk, "file": upload(ledger_csv([row()])), "dry_run": "on"}
    )
    assert response.status_code == 200
    assert "全部 1 行检查通过" in response.content.decode()
    assert InfoRequest.objects.count() == 0


def test_admin_import_without_dry_run_imports_and_redirects(client, calendar, county, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse(IMPORT_URL), {"organization": county.finance.pk, "file": upload(ledger_csv([row()]))}
    )
    assert response.status_code == 302
    assert InfoRequest.objects.get().number == "TZ-2025-001"


def test_admin_import_lists_every_bad_row(client, calendar, county, clerk):
    client.force_login(clerk)
    content = ledger_csv([row(申请编号="1", 状态="已办结"), row(申请编号="2", 收到日期="2099-01-01")])
    response = client.post(reverse(IMPORT_URL), {"organization": county.finance.pk, "file": upload(content)})
    text = response.content.decode()
    assert response.status_code == 200
    assert "发现 2 处问题，没有写入任何申请" in text
    assert "无法识别状态“已办结”" in text
    assert InfoRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "所提交的是空文件"),
        (ledger_csv([]), "a.csv", "只有表头"),
        (b"%PDF-1.4", "a.pdf", "不是 CSV 或 XLSX 文件"),
        (b"PK\x03\x04garbage", "a.xlsx", "无法读取这个 Excel 文件"),
        (b"\x81\x30\xff\xff,\xff", "a.csv", "无法识别 CSV 文件的编码"),
        (b"\x00\x01\x02", "a.csv", "不是 CSV 或 XLSX 文件"),
    ],
    ids=["empty", "header only", "pdf", "broken xlsx", "encoding", "binary"],
)
def test_admin_import_shows_file_errors_on_the_form(client, calendar, county, clerk, content, name, message):
    client.force_login(clerk)
    response = client.post(reverse(IMPORT_URL), {"organization": county.finance.pk, "file": upload(content, name)})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_admin_import_into_an_organization_outside_scope_is_refused(client, calendar, county, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse(IMPORT_URL), {"organization": county.finance.pk, "file": upload(ledger_csv([row()]))}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["organization"]
    assert InfoRequest.objects.count() == 0


def test_admin_import_needs_a_clerk_or_head(client, calendar, county, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.get(reverse(EXPORT_URL)).status_code == 200


def test_admin_export_streams_the_csv(client, calendar, county, clerk):
    InfoRequestFactory(
        organization=county.finance, number="YSQ-2026-000001", received_on=D(2026, 3, 2), status="processing"
    )
    client.force_login(clerk)
    response = client.post(
        reverse(EXPORT_URL),
        {"organization": county.finance.pk, "date_from": "2026-01-01", "date_to": "2026-12-31", "format": "csv"},
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    table = read_csv(b"".join(response.streaming_content))
    assert [r[0] for r in table[1:]] == ["YSQ-2026-000001"]


def test_admin_export_writes_an_xlsx(client, calendar, county, clerk):
    InfoRequestFactory(
        organization=county.finance, number="YSQ-2026-000001", received_on=D(2026, 3, 2), status="processing"
    )
    client.force_login(clerk)
    response = client.post(reverse(EXPORT_URL), {"organization": county.finance.pk, "format": "xlsx"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == COLUMNS and rows[1][0] == "YSQ-2026-000001"


def test_admin_export_of_another_organizations_ledger_is_refused(client, calendar, county, outsider):
    InfoRequestFactory(organization=county.finance, number="SECRET", received_on=D(2026, 3, 2), status="processing")
    client.force_login(outsider)
    page = client.get(reverse(EXPORT_URL))
    assert list(page.context["form"].fields["organization"].queryset) == [county.education]
    response = client.post(reverse(EXPORT_URL), {"organization": county.finance.pk, "format": "csv"})
    assert response.status_code == 200
    assert not response.streaming
    assert response.context["form"].errors["organization"]
    assert "SECRET" not in response.content.decode()


def test_admin_export_refuses_a_reversed_date_range(client, calendar, county, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse(EXPORT_URL),
        {"organization": county.finance.pk, "date_from": "2026-03-01", "date_to": "2026-02-01", "format": "csv"},
    )
    assert response.context["form"].errors["date_to"] == ["截止日期不能早于起始日期。"]


# Commands --------------------------------------------------------------------------------------------


def test_import_command_checks_by_default_and_writes_with_commit(calendar, county, clerk, tmp_path):
    path = tmp_path / "台账.csv"
    path.write_bytes(ledger_csv([row()]))
    out = io.StringIO()
    call_command("import_ledger", str(path), organization="测试县财政局", user="clerk", stdout=out)
    assert "检查通过" in out.getvalue()
    assert InfoRequest.objects.count() == 0
    call_command("import_ledger", str(path), organization="测试县财政局", user="clerk", commit=True, stdout=out)
    assert InfoRequest.objects.count() == 1


def test_import_command_reports_bad_rows_and_fails(calendar, county, clerk, tmp_path):
    path = tmp_path / "台账.csv"
    path.write_bytes(ledger_csv([row(状态="已办结")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 1 处问题"):
        call_command("import_ledger", str(path), organization="测试县财政局", user="clerk", commit=True, stderr=err)
    assert "第2行“状态”" in err.getvalue()


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_export_command_writes_the_ledger_of_a_date_range(calendar, county, clerk, tmp_path, format):
    InfoRequestFactory(organization=county.finance, number="IN", received_on=D(2026, 3, 2), status="processing")
    InfoRequestFactory(organization=county.finance, number="OUT", received_on=D(2025, 3, 2), status="processing")
    path = tmp_path / f"ledger.{format}"
    call_command(
        "export_ledger",
        organization="测试县财政局",
        date_from="2026-01-01",
        date_to="2026-12-31",
        output=str(path),
        stdout=io.StringIO(),
    )
    content = path.read_bytes()
    if format == "csv":
        numbers = [r[0] for r in read_csv(content)[1:]]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
        numbers = [r[0] for r in list(sheet.iter_rows(values_only=True))[1:]]
    assert numbers == ["IN"]


def test_domain_errors_of_the_import_are_domain_errors():
    assert issubclass(LedgerFileError, DomainError)
