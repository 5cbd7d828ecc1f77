"""On-request disclosure at scale: generate applications on PostgreSQL, time the ledger and the back office.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_requests_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/requests.py generate --applications 200000   # applications + events, COPY
    .venv/bin/python bench/requests.py ledger                           # export 100,000 rows, import 10,000
    .venv/bin/python bench/requests.py pages                            # admin list and dashboard, p50/p95

`generate` spreads the applications over the organizations of bench/catalog.py's generator
(基准测试县人民政府 and its departments) when they exist, else over its own (依申请基准县人民政府 and
--orgs departments): statuses, outcomes of table B, channels and applicant types in a realistic mix,
submitted over 2024–2026, each with the events the workflow would have written (registration, receipt,
corrections, consultations, fee notices, extensions, the end) and the stored due date of the open ones.
`ledger` exports about 100,000 rows as CSV (time, peak RSS growth, tracemalloc peak, and the peak of
the same rows held in a list for comparison) and as XLSX, then times a dry run and a real import of a
generated 10,000-row ledger and removes what it imported. `pages` times the application list and the
dashboard in-process (django test Client, a logged-in 机关负责人 of the root organization), reporting
median, p95 and queries per request. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure_site.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from disclosure_site.calendar_data import seed_from_package  # noqa: E402
from disclosure_site.checkdigits import make_credit_code  # noqa: E402
from disclosure_site.models import AuditEvent, Membership, Organization, Role  # noqa: E402
from disclosure_site.workdays import Calendar, add_working_days  # noqa: E402
from requests_app import ledger  # noqa: E402
from requests_app.models import (  # noqa: E402
    REPLY_OUTCOMES,
    ApplicantType,
    Channel,
    ConsultationParty,
    Delivery,
    EventKind,
    InfoRequest,
    Outcome,
    RequestEvent,
    Status,
    WantedForm,
)

CATALOG_ROOT = "基准测试县人民政府"
OWN_ROOT = "依申请基准县人民政府"
NUMBER_PREFIX = "BQ"
IMPORT_PREFIX = "BL"
CLERKS = 5
TZ = dt.timezone(dt.timedelta(hours=8))
FIRST_DAY = dt.date(2024, 1, 1)

TOPICS = (
    "三公经费决算明细 部门预算 征地补偿安置方案 建设工程规划许可证 环境影响评价报告 低保对象名单 "
    "学区划分方案 道路改造工程招标文件 行政处罚决定书 专项资金分配明细 拆迁补偿标准 河道整治项目批复 "
    "养老服务补贴发放情况 农村危房改造名单 公租房分配结果 食品抽检结果 安全生产检查记录"
).split()
CHANNELS = [(Channel.ONLINE, 45), (Channel.LETTER, 25), (Channel.IN_PERSON, 15), (Channel.EMAIL, 10), (Channel.FAX, 5)]
APPLICANT_TYPES = [
    (ApplicantType.NATURAL, 75),
    (ApplicantType.BUSINESS, 12),
    (ApplicantType.RESEARCH, 2),
    (ApplicantType.PUBLIC_INTEREST, 2),
    (ApplicantType.LEGAL_SERVICE, 6),
    (ApplicantType.OTHER_ORG, 3),
]
STATUSES = [
    (Status.ANSWERED, 70),
    (Status.WITHDRAWN, 5),
    (Status.ABANDONED, 4),
    (Status.PROCESSING, 10),
    (Status.PENDING, 3),
    (Status.CORRECTING, 3),
    (Status.CONSULTING, 3),
    (Status.AWAITING_FEE, 2),
]
REPLY_WEIGHTS = {Outcome.DISCLOSED: 40, Outcome.PARTIAL: 15, Outcome.UNAVAILABLE_NOT_HELD: 15}


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench/requests.py needs PostgreSQL: set DATABASE_URL=postgres://…")


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# Organizations and people ----------------------------------------------------------------------------


def _organizations(orgs: int) -> tuple[Organization, list[Organization]]:
    root = Organization.objects.filter(name=CATALOG_ROOT).first()
    if root is None or not root.get_children().exists():
        root, _ = Organization.objects.get_or_create(
            name=OWN_ROOT, defaults={"kind": "government", "credit_code": make_credit_code("339800", "80000000")}
        )
        existing = root.get_children().count()
        for n in range(existing, orgs):
            Organization.objects.create(
                name=f"依申请基准县第{n:03d}局",
                parent=root,
                credit_code=make_credit_code("339800", f"{80000001 + n:08d}"),
            )
        root.refresh_from_db()
    return root, list(root.get_children().order_by("pk"))


def _people(root: Organization):
    users = get_user_model().objects
    clerks = []
    for n in range(CLERKS):
        clerk, _ = users.get_or_create(
            username=f"bench_rq_clerk{n}", defaults={"is_staff": True, "last_name": f"承办人{n}"}
        )
        Membership.objects.get_or_create(user=clerk, organization=root, role=Role.CLERK)
        clerks.append(clerk)
    head, _ = users.get_or_create(username="bench_rq_head", defaults={"is_staff": True, "last_name": "局长"})
    Membership.objects.get_or_create(user=head, organization=root, role=Role.HEAD)
    return clerks, head


def _root() -> Organization:
    for name in (CATALOG_ROOT, OWN_ROOT):
        root = Organization.objects.filter(name=name).first()
        if root is not None and InfoRequest.objects.filter(organization__parent=root).exists():
            return root
    sys.exit("no generated applications: run `bench/requests.py generate` first")


# Generate --------------------------------------------------------------------------------------------


class _Copy:
    """Rows of one model as PostgreSQL COPY text, every concrete column (defaults for those not given)."""

    def __init__(self, model, *, with_pk: bool) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.table = model._meta.db_table
        self.buffer = io.StringIO()
        self.count = 0

    def add(self, **values) -> None:
        cells = []
        for field in self.fields:
            if field.attname in values:
                value = values[field.attname]
            elif field.null:
                value = None
            elif field.has_default():
                value = field.get_default()
            else:
                value = ""
            cells.append(_copy_text(value))
        self.buffer.write("\t".join(cells) + "\n")
        self.count += 1

    def flush(self, cursor) -> None:
        columns = ", ".join(f'"{field.column}"' for field in self.fields)
        self.buffer.seek(0)
        cursor.copy_expert(f"COPY {self.table} ({columns}) FROM STDIN WITH (FORMAT text)", self.buffer)  # noqa: S608
        self.buffer = io.StringIO()


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def generate(applications: int, orgs: int) -> None:
    _require_postgres()
    start = time.perf_counter()
    seed_from_package({2024, 2025, 2026})
    root, organizations = _organizations(orgs)
    clerks, _head = _people(root)
    existing = InfoRequest.objects.filter(number__startswith=f"{NUMBER_PREFIX}-").count()
    print(f"{len(organizations)} organizations under {root.name}; {existing:,} generated applications already")

    rng = random.Random(5 + existing)  # noqa: S311 - benchmark data
    calendar = Calendar()
    due_memo: dict[dt.date, dt.date] = {}
    today = timezone.localdate()
    last_day = today - dt.timedelta(days=2)
    span = (last_day - FIRST_DAY).days
    reply_outcomes = [(o, REPLY_WEIGHTS.get(o, 2)) for o in REPLY_OUTCOMES]
    now = timezone.now()

    def due(received: dt.date, extra: int = 0) -> dt.date:
        if extra:
            return add_working_days(received, 20 + extra, calendar)
        if received not in due_memo:
            due_memo[received] = add_working_days(received, 20, calendar)
        return due_memo[received]

    with connection.cursor() as cursor:
        written = 0
        batch_size = 20_000
        while written < applications:
            n = min(batch_size, applications - written)
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('requests_app_inforequest', 'id')) FROM generate_series(1, %s)",
                [n],
            )
            ids = [row[0] for row in cursor.fetchall()]
            requests, events = _Copy(InfoRequest, with_pk=True), _Copy(RequestEvent, with_pk=False)
            for pk in ids:
                serial = existing + written + 1
                written += 1
                org = rng.choice(organizations)
                submitted = FIRST_DAY + dt.timedelta(days=rng.randint(0, span))
                status = _pick(rng, STATUSES)
                channel = _pick(rng, CHANNELS)
                applicant_type = _pick(rng, APPLICANT_TYPES)
                received = (
                    None if status == Status.PENDING else min(submitted + dt.timedelta(rng.randint(0, 3)), last_day)
                )
                if status == Status.WITHDRAWN and rng.random() < 0.2:
                    received = None
                clerk = rng.choice(clerks) if rng.random() < 0.8 else None
                at = dt.datetime.combine(submitted, dt.time(9), tzinfo=TZ)
                ev = []  # (kind, on, from, to, extra)
                ev.append((EventKind.REGISTERED, submitted, "", "", {}))
                if received:
                    ev.append((EventKind.RECEIVED, received, Status.PENDING, Status.PROCESSING, {}))
                outcome, ended, due_on = "", None, None
                extension = 0
                if status in (Status.ANSWERED, Status.WITHDRAWN, Status.ABANDONED):
                    base = received or submitted
                    ended = min(base + dt.timedelta(days=rng.randint(2, 45)), last_day)
                    if status == Status.ANSWERED:
                        outcome = _pick(rng, reply_outcomes)
                        if rng.random() < 0.1 and ended > base + dt.timedelta(days=3):
                            extension = rng.choice((5, 10, 20))
                            ev.append((EventKind.EXTENDED, base + dt.timedelta(days=3), "", "", {"days": extension}))
                        ev.append((EventKind.ANSWERED, ended, Status.PROCESSING, status, {}))
                    elif status == Status.WITHDRAWN:
                        outcome = Outcome.OTHER
                        before = Status.PROCESSING if received else Status.PENDING
                        ev.append((EventKind.WITHDRAWN, ended, before, status, {}))
                    else:
                        fee = rng.random() < 0.3
                        outcome = Outcome.OTHER_FEE_UNPAID if fee else Outcome.OTHER_NO_CORRECTION
                        waiting = Status.AWAITING_FEE if fee else Status.CORRECTING
                        kind = EventKind.FEE_NOTICE if fee else EventKind.CORRECTION_REQUESTED
                        notice = min(received + dt.timedelta(days=2), ended)
                        ev.append((kind, notice, Status.PROCESSING, waiting, {"due_on": ended}))
                        ev.append((EventKind.ABANDONED, ended, waiting, status, {}))
                elif status == Status.PROCESSING:
                    due_on = due(received)
                elif status in (Status.CORRECTING, Status.CONSULTING, Status.AWAITING_FEE):
                    kind = {
                        Status.CORRECTING: EventKind.CORRECTION_REQUESTED,
                        Status.CONSULTING: EventKind.CONSULTATION_STARTED,
                        Status.AWAITING_FEE: EventKind.FEE_NOTICE,
                    }[status]
                    notice = min(received + dt.timedelta(days=2), last_day)
                    extra = {"due_on": notice + dt.timedelta(days=21)}
                    if status == Status.CONSULTING:
                        extra["party"] = ConsultationParty.THIRD_PARTY
                    ev.append((kind, notice, Status.PROCESSING, status, extra))
                topic = rng.choice(TOPICS)
                requests.add(
                    id=pk,
                    organization_id=org.pk,
                    number=f"{NUMBER_PREFIX}-{submitted.year}-{serial:07d}",
                    query_code_salt="bench",
                    query_code_hash=f"{serial:064d}",
                    channel=channel,
                    submitted_at=at,
                    received_on=received,
                    applicant_type=applicant_type,
                    applicant_name=f"申请人{serial % 50000:05d}"
                    if applicant_type == ApplicantType.NATURAL
                    else f"某某有限公司{serial % 5000:04d}",
                    phone="13800000000",
                    description=f"请公开{submitted.year - 1}年度{topic}",
                    document_title=topic if rng.random() < 0.3 else "",
                    wanted_form=rng.choice(WantedForm.values),
                    delivery=rng.choice(Delivery.values),
                    status=status,
                    outcome=outcome,
                    ended_on=ended,
                    due_on=due_on,
                    handler_id=clerk.pk if clerk else None,
                    registered_by_id=clerk.pk if clerk and channel != Channel.ONLINE else None,
                    created_at=at,
                    updated_at=now,
                )
                for step, (kind, on, before, after, extra) in enumerate(ev):
                    events.add(
                        info_request_id=pk,
                        kind=kind,
                        at=at + dt.timedelta(seconds=step),
                        on=on,
                        by_id=clerk.pk if clerk else None,
                        from_status=before,
                        to_status=after,
                        **extra,
                    )
            with transaction.atomic():
                requests.flush(cursor)
                events.flush(cursor)
            print(f"  {written:,} applications, {time.perf_counter() - start:.0f} s", flush=True)
        cursor.execute("ANALYZE requests_app_inforequest")
        cursor.execute("ANALYZE requests_app_requestevent")
    total = InfoRequest.objects.count()
    print(f"generated {written:,} applications in {time.perf_counter() - start:.1f} s ({total:,} in the table)")


# Ledger ----------------------------------------------------------------------------------------------


def _export_range(root: Organization, rows: int) -> tuple[dt.date, dt.date]:
    """A received-date range starting 2024-01-01 holding about `rows` applications of root's subtree."""
    subtree = ledger.ledger_queryset(root).filter(received_on__isnull=False).order_by("received_on")
    last = subtree.values_list("received_on", flat=True)[rows - 1 : rows].first()
    return FIRST_DAY, last or timezone.localdate()


def _measure_export(label: str, write, queryset) -> None:
    reset_queries()
    rss_before = _rss_mib()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as file, CaptureQueriesContext(connection) as queries:
        write(queryset, file)
        size = file.tell()
    seconds = time.perf_counter() - t0
    growth = _rss_mib() - rss_before
    print(
        f"{label:<22} {seconds:6.1f} s   {size / 1024 / 1024:6.1f} MiB file   "
        f"peak RSS +{growth:5.1f} MiB   {len(queries)} queries"
    )


def _traced_peak(function) -> float:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def _ledger_file(rows: int, root: Organization, clerks, run: str) -> bytes:
    """A ledger of `rows` applications handled before the system, spread over root's departments."""
    rng = random.Random(7)  # noqa: S311 - benchmark data
    names = list(root.get_children().values_list("name", flat=True))
    last_day = timezone.localdate() - dt.timedelta(days=2)
    span = (last_day - FIRST_DAY).days
    statuses = [("已答复", 75), ("办理中", 10), ("已撤回", 5), ("视为放弃", 5), ("待受理", 5)]
    outcomes = [Outcome(o).full_label for o in REPLY_OUTCOMES]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(ledger.COLUMNS)
    for n in range(rows):
        submitted = FIRST_DAY + dt.timedelta(days=rng.randint(0, span))
        status = _pick(rng, statuses)
        received = "" if status == "待受理" else min(submitted + dt.timedelta(rng.randint(0, 3)), last_day)
        ended, outcome = "", ""
        if status in ("已答复", "已撤回", "视为放弃"):
            ended = min(received + dt.timedelta(days=rng.randint(2, 40)), last_day)
            outcome = {
                "已答复": rng.choice(outcomes),
                "已撤回": Outcome.OTHER.full_label,
                "视为放弃": Outcome.OTHER_NO_CORRECTION.full_label,
            }[status]
        writer.writerow(
            [
                f"{IMPORT_PREFIX}-{run}-{n:06d}",
                rng.choice(names),
                str(received),
                str(submitted),
                rng.choice(Channel.labels),
                rng.choice(ApplicantType.labels),
                f"历史申请人{n % 3000:04d}",
                f"请公开{rng.choice(TOPICS)}",
                "",
                "",
                rng.choice(WantedForm.labels),
                rng.choice(Delivery.labels),
                status,
                "",
                str(ended),
                outcome,
                rng.choice(clerks).get_full_name() if rng.random() < 0.7 else "",
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode()


def ledger_bench(export_rows: int, import_rows: int, xlsx: bool, keep: bool) -> None:
    _require_postgres()
    root = _root()
    clerks, head = _people(root)
    date_from, date_to = _export_range(root, export_rows)
    queryset = ledger.ledger_queryset(root, date_from=date_from, date_to=date_to)
    count = queryset.count()
    print(f"export: {count:,} applications of {root.name} received {date_from} – {date_to}")
    print(f"process peak RSS before: {_rss_mib():.0f} MiB")
    _measure_export("CSV (streamed)", ledger.write_csv, queryset)
    if xlsx:
        _measure_export("XLSX (write-only)", ledger.write_xlsx, queryset)

    def to_null() -> None:
        with open(os.devnull, "wb") as null:
            ledger.write_csv(queryset, null)

    streamed = _traced_peak(to_null)
    held = _traced_peak(lambda: list(ledger.export_rows(queryset)))
    print(f"tracemalloc peak: streamed CSV {streamed:.1f} MiB; the same rows held in a list {held:.1f} MiB")

    run = timezone.now().strftime("%H%M%S")
    content = _ledger_file(import_rows, root, clerks, run)
    print(f"import: {import_rows:,} rows, {len(content) / 1024 / 1024:.1f} MiB CSV, by {head.username}")
    for dry_run in (True, False):
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            report = ledger.import_ledger(content, organization=root, by=head, dry_run=dry_run, name="bench.csv")
        seconds = time.perf_counter() - t0
        if report.errors:
            sys.exit(f"the generated ledger has errors: {report.errors[:5]}")
        what = "dry run" if dry_run else "import (commit)"
        print(
            f"{what:<22} {seconds:6.1f} s   {import_rows / seconds:7.0f} rows/s   {len(queries)} queries"
            + (f"   {report.created:,} created" if not dry_run else "")
        )
    if not keep:
        imported = InfoRequest.objects.filter(number__startswith=f"{IMPORT_PREFIX}-{run}-")
        ids = [str(pk) for pk in imported.values_list("pk", flat=True)]
        AuditEvent.objects.filter(object_id__in=ids, comment=ledger.IMPORT_NOTE).delete()
        imported.delete()
        print(f"removed the {len(ids):,} imported applications")


# Pages -----------------------------------------------------------------------------------------------


def _report(name: str, times: list[float], queries: list[int]) -> None:
    times = sorted(times)
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    print(
        f"{name:<44} n={len(times):<4} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
        f"queries {min(queries)}–{max(queries)}"
    )


def pages(samples: int) -> None:
    _require_postgres()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    root = _root()
    _clerks, head = _people(root)
    client = Client()
    client.force_login(head)
    department = root.get_children().first()
    urls = {
        "application list": "/admin/requests_app/inforequest/",
        "application list, page 50": "/admin/requests_app/inforequest/?p=50",
        "application list, one department": f"/admin/requests_app/inforequest/?organization__id__exact={department.pk}",
        "application list, search": "/admin/requests_app/inforequest/?q=%E4%B8%89%E5%85%AC%E7%BB%8F%E8%B4%B9",
        "dashboard": "/admin/",
    }
    total = InfoRequest.objects.filter(organization__parent=root).count()
    print(f"{total:,} applications under {root.name}; logged in as {head.username} (机关负责人 of the root)")
    for name, url in urls.items():
        first = client.get(url)  # warm up (and check that the page exists yet)
        if first.status_code != 200:
            print(f"{name:<44} {url} answered {first.status_code}: skipped")
            continue
        times, queries = [], []
        for _ in range(samples):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = client.get(url)
                if hasattr(response, "render"):
                    response.render()
                times.append((time.perf_counter() - t0) * 1000)
            queries.append(len(captured))
        _report(name, times, queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="applications with their events, by COPY")
    gen.add_argument("--applications", type=int, default=200_000)
    gen.add_argument("--orgs", type=int, default=50, help="departments to create when bench/catalog.py's are absent")
    led = sub.add_parser("ledger", help="time the ledger export and import")
    led.add_argument("--export-rows", type=int, default=100_000)
    led.add_argument("--import-rows", type=int, default=10_000)
    led.add_argument("--no-xlsx", action="store_true", help="skip the XLSX export")
    led.add_argument("--keep", action="store_true", help="keep the imported applications")
    pg = sub.add_parser("pages", help="time the application list and the dashboard")
    pg.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.applications, args.orgs)
    elif args.command == "ledger":
        ledger_bench(args.export_rows, args.import_rows, not args.no_xlsx, args.keep)
    else:
        pages(args.samples)


if __name__ == "__main__":
    main()
