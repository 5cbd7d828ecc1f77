"""Retention: closed applications past REQUEST_RETENTION_YEARS lose their applicant's personal data and
files (requests_app/retention.py, `manage.py anonymize_requests`), while the yearly reports and the public
statistics keep every number; open and recently closed applications are untouched."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annual_reports import building, exports
from annual_reports import workflow as report_workflow
from disclosure_site import audit
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.checkdigits import make_resident_id
from disclosure_site.models import AuditEvent
from requests_app import documents, letters, retention, workflow
from requests_app.models import (
    CaseKind,
    CaseResult,
    DocumentKind,
    InfoRequest,
    LegalCase,
    Letter,
    Outcome,
    RequestDocument,
    RequestEvent,
)
from workplans import public_stats

from .factories import on_day, registered

D = dt.date
TODAY = D(2026, 11, 30)  # the retention cutoff is 2016-11-30 with the default 10 years
NAME = "李秀英"
ID_NUMBER = make_resident_id("330122", "19750612", "024")
PHONE = "139" + "1234" + "5678"
EMAIL = "lixiuying@example.com"
ADDRESS = "测试县幸福路88号"
PDF = b"%PDF-1.4\n%%EOF\n"
STAT_TABLES = ("items-by-month", "applications-by-month", "outcomes", "reply-time", "timeliness", "cases")


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def calendar(db):
    seed_from_package({2015, 2016, 2025, 2026})


def _upload(info_request, kind, name, by, **options) -> RequestDocument:
    return documents.store_document(info_request, SimpleUploadedFile(name, PDF), kind=kind, by=by, **options)


def _answered(org, *, clerk, reviewer, received: dt.date, replied: dt.date, **fields) -> InfoRequest:
    """Registered, noted, answered with an approved reply letter addressed to the applicant."""
    application = registered(org, by=clerk, received_on=received, **fields)
    with on_day(replied):
        workflow.add_note(application, by=clerk, note=f"{application.applicant_name}来电询问进度，电话{PHONE}")
        letter = letters.draft(application, kind="reply", by=clerk, outcome=Outcome.DISCLOSED)
        letters.approve(letter, by=reviewer)
        workflow.reply(application, by=clerk, outcome=Outcome.DISCLOSED, letter=letter, on=replied)
    application.refresh_from_db()
    return application


@pytest.fixture
def history(calendar, media, county, clerk, reviewer):
    """县财政局's applications: three closed in 2015 (past the retention period on TODAY), one answered in
    2025, one received in 2015 and still open, one closed in 2015 with a lawsuit not yet decided."""
    person = {"applicant_name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "email": EMAIL, "address": ADDRESS}
    old = _answered(
        county.finance,
        clerk=clerk,
        reviewer=reviewer,
        received=D(2015, 3, 2),
        replied=D(2015, 3, 20),
        description=f"请公开{ADDRESS}所在片区的旧城改造补偿方案",
        **person,
    )
    with on_day(D(2015, 3, 20)):
        _upload(old, DocumentKind.IDENTITY, f"{NAME}身份证.pdf", clerk)
        _upload(old, DocumentKind.APPLICATION_SCAN, "申请表.pdf", clerk)
        _upload(old, DocumentKind.DISCLOSED, "补偿方案.pdf", clerk, for_applicant=True)
    company = registered(county.finance, by=clerk, received_on=D(2015, 4, 1), organization_applicant=True)
    with on_day(D(2015, 4, 8)):
        workflow.withdraw(company, by=clerk, note="王经理电话撤回申请", on=D(2015, 4, 8))
    abandoned = registered(county.treasury, by=clerk, received_on=D(2015, 6, 1), phone="13700001111")
    with on_day(D(2015, 6, 3)):
        workflow.request_correction(abandoned, by=clerk, what="请写明所需信息的年份", due_on=D(2015, 6, 19))
    with on_day(D(2015, 6, 24)):
        workflow.expire()
    recent = _answered(
        county.finance, clerk=clerk, reviewer=reviewer, received=D(2025, 3, 3), replied=D(2025, 3, 21), **person
    )
    still_open = registered(county.finance, by=clerk, received_on=D(2015, 9, 1), **person)
    in_court = _answered(
        county.finance, clerk=clerk, reviewer=reviewer, received=D(2015, 5, 4), replied=D(2015, 5, 20), **person
    )
    LegalCase.objects.create(
        organization=county.finance, info_request=in_court, kind=CaseKind.LAWSUIT_DIRECT, filed_on=D(2015, 9, 1)
    )
    for application in (company, abandoned):
        application.refresh_from_db()
    return {
        "old": old,
        "company": company,
        "abandoned": abandoned,
        "recent": recent,
        "open": still_open,
        "in_court": in_court,
    }


def _snapshot(application: InfoRequest) -> dict:
    """Everything stored about an application and what hangs off it."""
    application.refresh_from_db()
    row = {f.name: getattr(application, f.attname) for f in InfoRequest._meta.concrete_fields}
    return {
        "row": row,
        "events": list(RequestEvent.objects.filter(info_request=application).values()),
        "letters": list(Letter.objects.filter(info_request=application).values()),
        "documents": list(RequestDocument.objects.filter(info_request=application).values()),
        "audit": list(AuditEvent.objects.filter(object_id=str(application.pk)).values("changes", "comment")),
    }


def _anonymize(**options) -> retention.Result:
    return retention.anonymize_due(today=TODAY, **options)


def _statistics_csvs(client, year: int, org) -> dict[str, bytes]:
    params = {"year": year, "organization": org.pk, "scope": "subtree"}
    return {
        key: client.get(reverse("disclosure_site:statistics_csv", args=[key]), params).content for key in STAT_TABLES
    }


# Statistics stay ----------------------------------------------------------------------------------------


def test_the_yearly_report_tables_are_identical_after_anonymizing(history, county, head):
    report = report_workflow.create(county.finance, year=2015, by=head, today=D(2016, 1, 15), scope="subtree")
    tables_before = exports.tables(building.assemble(report))
    statistics_before = dict(report.statistics)
    assert statistics_before["requests.new.natural"] == 4  # the data is there to be counted

    assert _anonymize().applications == 3
    report = report_workflow.build(report, by=head, today=D(2016, 1, 15))

    assert report.statistics == statistics_before
    assert exports.tables(building.assemble(report)) == tables_before


def test_the_public_statistics_are_identical_after_anonymizing(history, county, client):
    figures_before = public_stats.gather(county.finance, 2015, subtree=True)
    csvs_before = _statistics_csvs(client, 2015, county.finance)
    assert figures_before.applications_total == 5 and figures_before.reply.answered == 2

    assert _anonymize().applications == 3

    assert public_stats.gather(county.finance, 2015, subtree=True) == figures_before
    assert _statistics_csvs(client, 2015, county.finance) == csvs_before


# What changes ---------------------------------------------------------------------------------------------


def test_a_natural_persons_data_is_overwritten_and_everything_counted_is_kept(history):
    old = history["old"]
    kept = {name: getattr(old, name) for name in ("organization_id", "applicant_type", "channel", "received_on")}
    kept |= {name: getattr(old, name) for name in ("ended_on", "outcome", "status", "number", "handler_id")}
    events = list(old.events.values_list("kind", "on"))

    _anonymize(batch_size=2)

    old.refresh_from_db()
    assert old.applicant_name == "（已匿名）"
    assert (old.id_number, old.phone, old.email, old.address, old.postcode, old.contact_person) == ("",) * 6
    assert old.anonymized_at is not None
    assert {name: getattr(old, name) for name in kept} == kept
    assert list(old.events.values_list("kind", "on")) == events
    assert old.description == "请公开（已匿名）所在片区的旧城改造补偿方案"
    assert "来电询问进度" in old.events.get(kind="note").note
    assert NAME not in old.events.get(kind="note").note and PHONE not in old.events.get(kind="note").note


def test_an_organizations_name_stays_but_its_contacts_go(history):
    company = history["company"]
    name, credit_code = company.applicant_name, company.credit_code
    _anonymize()
    company.refresh_from_db()
    assert (company.applicant_name, company.credit_code) == (name, credit_code)
    assert (company.contact_person, company.phone, company.email, company.address) == ("", "", "", "")
    assert company.events.get(kind="withdrawn").note == "（已匿名）电话撤回申请"


def test_letters_keep_their_legal_content_without_the_applicant(history):
    letter = history["old"].letters.get()
    assert letter.recipient == NAME and letter.body.startswith(f"{NAME}：")
    _anonymize()
    letter.refresh_from_db()
    assert letter.recipient == "（已匿名）"
    assert letter.body.startswith("（已匿名）：")
    assert NAME not in letter.body and ADDRESS not in letter.body
    assert letters.REPLY_TEXT[Outcome.DISCLOSED] in letter.body
    assert "申请行政复议" in letter.body


def test_identity_proof_and_scanned_application_are_deleted_from_storage(history, media):
    old = history["old"]
    identity, scan, disclosed = old.documents.order_by("pk")
    paths = {d.kind: media / d.file.name for d in (identity, scan, disclosed)}
    assert all(path.exists() for path in paths.values())

    result = _anonymize()

    assert result.files == 2
    assert not paths[DocumentKind.IDENTITY].exists() and not paths[DocumentKind.APPLICATION_SCAN].exists()
    assert paths[DocumentKind.DISCLOSED].exists()
    assert list(old.documents.values_list("kind", flat=True)) == [DocumentKind.DISCLOSED]


def test_the_audit_trail_loses_the_personal_data_and_records_the_anonymization(history):
    old = history["old"]
    # An edit recorded before personal fields were masked in the trail.
    audit.record(old, actor=None, action="change", changes={"联系电话": ["13900000000", PHONE], "用途": ["", "研究"]})
    _anonymize()

    events = AuditEvent.objects.filter(object_id=str(old.pk), content_type__model="inforequest")
    text = str(list(events.values_list("changes", "comment", "object_repr")))
    for value in (NAME, PHONE, "13900000000", ADDRESS):
        assert value not in text
    change = events.get(action="change").changes
    assert change == {"联系电话": [audit.MASKED, audit.MASKED], "用途": ["", "研究"]}
    (done,) = events.filter(action=retention.ACTION)
    assert done.actor_name == "系统"
    assert "2015年03月20日" in done.comment and "10年" in done.comment and "文件 2 个" in done.comment


def test_open_recent_and_litigated_applications_are_untouched(history):
    untouched = [history[key] for key in ("recent", "open", "in_court")]
    before = [_snapshot(application) for application in untouched]
    result = _anonymize()
    assert result.applications == 3
    assert result.kept_for_cases == 1
    assert [_snapshot(application) for application in untouched] == before
    assert history["in_court"].applicant_name == NAME


def test_once_the_lawsuit_is_decided_the_application_is_anonymized(history):
    in_court = history["in_court"]
    LegalCase.objects.filter(info_request=in_court).update(result=CaseResult.UPHELD, decided_on=D(2016, 3, 1))
    _anonymize()
    in_court.refresh_from_db()
    assert in_court.applicant_name == "（已匿名）"


def test_running_again_changes_nothing(history):
    first = _anonymize()
    snapshot = [_snapshot(history[key]) for key in ("old", "company", "abandoned")]
    second = _anonymize()
    assert (first.applications, second.applications, second.files) == (3, 0, 0)
    assert [_snapshot(history[key]) for key in ("old", "company", "abandoned")] == snapshot
    assert AuditEvent.objects.filter(action=retention.ACTION).count() == 3


def test_the_dry_run_counts_and_writes_nothing(history, media):
    keys = ("old", "company", "abandoned")
    before = [_snapshot(history[key]) for key in keys]
    files = sorted(path for path in media.rglob("*") if path.is_file())

    result = _anonymize(dry_run=True)

    assert (result.applications, result.files, result.kept_for_cases) == (3, 2, 1)
    assert [_snapshot(history[key]) for key in keys] == before
    assert sorted(path for path in media.rglob("*") if path.is_file()) == files
    assert not AuditEvent.objects.filter(action=retention.ACTION).exists()


def test_a_longer_retention_period_keeps_the_2015_applications(history, settings):
    settings.REQUEST_RETENTION_YEARS = 12
    assert _anonymize().applications == 0
    settings.REQUEST_RETENTION_YEARS = 11
    assert _anonymize().applications == 3


def test_the_staff_page_shows_that_the_application_was_anonymized(history, client, clerk):
    _anonymize()
    client.force_login(clerk)
    page = client.get(reverse("admin:requests_app_inforequest_change", args=[history["old"].pk])).content.decode()
    assert "已匿名（" in page
    assert NAME not in page and ID_NUMBER not in page


def test_one_application_can_be_anonymized_early_on_request(history):
    """个人信息保护法 第四十七条: an applicant may ask for deletion before the period ends."""
    recent = history["recent"]
    assert retention.anonymize(recent) is True
    assert retention.anonymize(recent) is False
    recent.refresh_from_db()
    assert recent.applicant_name == "（已匿名）" and recent.id_number == ""
    with pytest.raises(retention.RetentionError, match="尚未办结，不能匿名化"):
        retention.anonymize(history["open"])
    with pytest.raises(retention.RetentionError, match="尚未审结的行政复议或行政诉讼"):
        retention.anonymize(history["in_court"])
    assert history["open"].applicant_name == NAME


def test_related_rows_are_read_once_per_batch(calendar, county, clerk):
    """Two queries per application (its update and its audit event) and a fixed number per batch."""
    with on_day(D(2015, 3, 9)):
        for n in range(8):
            application = registered(county.finance, by=clerk, received_on=D(2015, 3, 2), applicant_name=f"甲{n}")
            workflow.withdraw(application, by=clerk, note="撤回", on=D(2015, 3, 9))
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        assert _anonymize(batch_size=100).applications == 8
    assert len(queries) <= 2 * 8 + 12


# The command ----------------------------------------------------------------------------------------------


def test_the_command_anonymizes_and_prints_the_counts(history, capsys):
    with on_day(TODAY):
        call_command("anonymize_requests")
    out = capsys.readouterr().out
    assert "已匿名化2016年11月30日前办结的申请 3 件，已删除身份证明和申请材料文件 2 个，修改文书 1 份。" in out
    assert "另有 1 件因行政复议或行政诉讼尚未审结暂不匿名化。" in out
    assert InfoRequest.objects.filter(anonymized_at__isnull=False).count() == 3


def test_the_command_dry_run_with_an_earlier_date(history, capsys):
    with on_day(TODAY):
        call_command("anonymize_requests", "--dry-run", "--before", "2015-05-01")
    out = capsys.readouterr().out
    assert "将匿名化2015年05月01日前办结的申请 2 件，将删除身份证明和申请材料文件 2 个。" in out
    assert "试运行，未作任何修改" in out
    assert not InfoRequest.objects.filter(anonymized_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--before", "2016-13-01"], "--before 的日期“2016-13-01”无效，请写成 2016-01-31 这样的日期。"),
        (["--before", "去年"], "--before 的日期“去年”无效"),
        (["--before", "2020-01-01"], "截止日期不能晚于2016年11月30日：办结不满10年"),
        (["--batch-size", "0"], "--batch-size 应为正整数"),
    ],
)
def test_bad_arguments_get_a_chinese_message_and_change_nothing(history, arguments, message):
    with on_day(TODAY), pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("anonymize_requests", *arguments)
    assert not InfoRequest.objects.filter(anonymized_at__isnull=False).exists()


def test_a_bad_retention_setting_is_explained(history, settings):
    settings.REQUEST_RETENTION_YEARS = 0
    with on_day(TODAY), pytest.raises(CommandError, match="REQUEST_RETENTION_YEARS 必须是正整数"):
        call_command("anonymize_requests")


# Two servers at once --------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_runs_at_once_anonymize_each_application_once_and_skip_a_locked_one(county, clerk, settings, tmp_path):
    """Two runs at once while a staff member's transaction holds one application: each other application
    is anonymized by exactly one run, nobody waits for the held row, and the next run takes it."""
    settings.MEDIA_ROOT = tmp_path
    seed_from_package({2015})
    for n in range(12):
        registered(county.finance, by=clerk, received_on=D(2015, 3, 2), applicant_name=f"申请人{n:02d}")
    pks = sorted(InfoRequest.objects.values_list("pk", flat=True))
    with on_day(D(2015, 3, 9)):
        for pk in pks:
            workflow.withdraw(InfoRequest.objects.get(pk=pk), by=clerk, note="撤回", on=D(2015, 3, 9))
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                InfoRequest.objects.select_for_update().get(pk=pks[5])
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    results, errors = [], []
    start = threading.Barrier(2)

    def run():
        try:
            start.wait()
            results.append(retention.anonymize_due(today=TODAY, batch_size=3))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(timeout=30)
    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=60)
    release.set()
    holder.join()

    assert errors == []
    assert sum(result.applications for result in results) == 11
    assert InfoRequest.objects.get(pk=pks[5]).anonymized_at is None
    assert retention.anonymize_due(today=TODAY).applications == 1
    assert InfoRequest.objects.filter(applicant_name="（已匿名）").count() == 12
    assert AuditEvent.objects.filter(action=retention.ACTION).count() == 12
