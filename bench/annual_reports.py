"""Yearly reports at scale, on PostgreSQL: the speed targets of issue 6.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_reports_bench DEBUG=1
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/catalog.py generate --items 1000000     # 200 departments × 5,000 items
    .venv/bin/python bench/requests.py generate --applications 200000   # over the same 200 departments
    .venv/bin/python bench/annual_reports.py prepare               # one organization holding all of it
    .venv/bin/python bench/annual_reports.py run                   # time the targets

Targets: building the report of one organization with 200,000 applications and 1,000,000 catalog
items in at most 2 s with a constant number of queries; the government-level report over 200
organizations in at most 5 s; a PDF export in at most 5 s.

`prepare` makes the one organization (年报基准局, a tree of its own, so the government-level report of
基准测试县人民政府 is not counted twice) by copying every item and application of 基准测试县人民政府's
200 departments into it with INSERT … SELECT, and gives the copies what the generators leave out and the
report reads: interpretation dates for the 行政规范性文件, a 政策解读 for every second one, some late
items, fees on 2% of the applications, reconsiderations and lawsuits on 0.5%, and daily consultations.
It adds rows only; run it once (a second run finds the organization and stops).

`run` builds the 2025 report of 年报基准局 and the government-level 2025 report of 基准测试县人民政府
(the drafts stay in the database), each --runs times after a first, cold build, and prints the first,
the median and the slowest time and the queries of one build, next to those of one small department
(5,000 items, about 1,000 applications), whose query count must be the same. It then renders the
government-level report as PDF (and DOCX, XLSX) from the assembled document.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure_site.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annual_reports import building, exports, workflow  # noqa: E402
from annual_reports.models import Report  # noqa: E402
from catalog.models import Item  # noqa: E402
from disclosure_site.checkdigits import make_credit_code  # noqa: E402
from disclosure_site.models import Organization  # noqa: E402
from requests_app.models import InfoRequest  # noqa: E402

ROOT = "基准测试县人民政府"  # bench/catalog.py's government; bench/requests.py fills the same departments
SINGLE = "年报基准局"
YEAR = 2025
TODAY = dt.date(YEAR + 1, 1, 20)  # in the reporting season; the statistics do not depend on it otherwise
TARGETS = {"single": 2.0, "government": 5.0, "pdf": 5.0}


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench/annual_reports.py needs PostgreSQL: set DATABASE_URL=postgres://…")


def _root() -> Organization:
    root = Organization.objects.filter(name=ROOT).first()
    if root is None or not Item.objects.filter(organization__parent=root).exists():
        sys.exit(f"no {ROOT} with items: run `bench/catalog.py generate` first")
    if not InfoRequest.objects.filter(organization__parent=root).exists():
        sys.exit(f"no applications under {ROOT}: run `bench/requests.py generate` first")
    return root


def _columns(model, replace: dict[str, str]) -> tuple[str, str]:
    """The INSERT column list of model (without the primary key) and the SELECT list, with replacements
    (SQL run with parameters: a modulo is written %%)."""
    names = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    return ", ".join(f'"{n}"' for n in names), ", ".join(replace.get(n, f'"{n}"') for n in names)


# Prepare -----------------------------------------------------------------------------------------------


def prepare() -> None:
    _require_postgres()
    root = _root()
    if Organization.objects.filter(name=SINGLE).exists():
        sys.exit(f"{SINGLE} exists already: `prepare` has run")
    start = time.perf_counter()
    subtree = list(root.get_descendants().values_list("pk", flat=True))
    with transaction.atomic():
        single = Organization.objects.create(
            name=SINGLE, kind=Organization.Kind.DEPARTMENT, credit_code=make_credit_code("339700", "70000000")
        )
        org = str(single.pk)
        with connection.cursor() as cursor:
            insert, select = _columns(
                Item,
                {
                    "organization_id": org,
                    "interpretation_due": "CASE WHEN document_type = 'normative' THEN "
                    "(published_at AT TIME ZONE 'Asia/Shanghai')::date + 5 END",
                    "is_late": "(id %% 17 = 0)",
                },
            )
            cursor.execute(
                f"INSERT INTO catalog_item ({insert}) SELECT {select} FROM catalog_item "  # noqa: S608 - our names
                "WHERE organization_id = ANY(%s)",
                [subtree],
            )
            items = cursor.rowcount
            # A 政策解读 for every second 行政规范性文件, published the next day.
            insert, select = _columns(
                Item,
                {
                    "document_type": "'interpretation'",
                    "title": "'《' || title || '》政策解读'",
                    "index_number": "index_number || '-J'",
                    "published_at": "published_at + interval '1 day'",
                    "interpretation_due": "NULL",
                },
            )
            cursor.execute(
                f"INSERT INTO catalog_item ({insert}) SELECT {select} FROM catalog_item "  # noqa: S608 - our names
                "WHERE organization_id = %s AND document_type = 'normative' AND id %% 2 = 0",
                [single.pk],
            )
            readings = cursor.rowcount
            cursor.execute(
                "INSERT INTO catalog_item_interprets (from_item_id, to_item_id) "
                "SELECT j.id, n.id FROM catalog_item j JOIN catalog_item n "
                "ON n.organization_id = j.organization_id AND j.index_number = n.index_number || '-J' "
                "WHERE j.organization_id = %s AND j.document_type = 'interpretation'",
                [single.pk],
            )
            insert, select = _columns(InfoRequest, {"organization_id": org, "number": "'NB-' || id::text"})
            cursor.execute(
                f"INSERT INTO requests_app_inforequest ({insert}) SELECT {select} "  # noqa: S608 - our names
                "FROM requests_app_inforequest WHERE organization_id = ANY(%s)",
                [subtree],
            )
            applications = cursor.rowcount
            cursor.execute(
                "INSERT INTO requests_app_fee "
                "(method, pages, amount, notice_on, due_on, paid_on, receipt_number, info_request_id) "
                "SELECT 'per_page', 150, 100 + id %% 400, received_on + 5, received_on + 25, "
                "CASE WHEN id %% 100 = 0 THEN received_on + 9 END, "
                "CASE WHEN id %% 100 = 0 THEN 'NB' || id::text ELSE '' END, id "
                "FROM requests_app_inforequest WHERE organization_id = %s AND received_on IS NOT NULL AND id %% 50 = 0",
                [single.pk],
            )
            cursor.execute(
                "INSERT INTO requests_app_legalcase "
                "(kind, case_number, filed_on, result, decided_on, note, info_request_id, organization_id) "
                "SELECT kind, 'NB-' || id::text, filed_on, result, "
                "CASE WHEN result = 'pending' THEN NULL ELSE filed_on + 40 END, '', id, organization_id FROM ("
                "  SELECT id, organization_id, ended_on + 15 AS filed_on,"
                "  (ARRAY['reconsideration', 'lawsuit_direct', 'lawsuit_after'])[id %% 3 + 1] AS kind,"
                "  (ARRAY['upheld', 'corrected', 'other', 'pending'])[(id / 200) %% 4 + 1] AS result"
                "  FROM requests_app_inforequest WHERE organization_id = %s AND ended_on IS NOT NULL AND id %% 200 = 0"
                ") AS cases",
                [single.pk],
            )
            cursor.execute(
                'INSERT INTO requests_app_consultation (channel, "on", count, topic, organization_id) '
                "SELECT channel, day::date, 1 + extract(doy FROM day)::int %% 7, '咨询申请程序', %s "
                "FROM generate_series('2024-01-01'::date, '2026-11-20'::date, interval '1 day') AS day, "
                "unnest(ARRAY['phone', 'on_site', 'online']) AS channel",
                [single.pk],
            )
    with connection.cursor() as cursor:
        for table in ("catalog_item", "catalog_item_interprets", "requests_app_inforequest"):
            cursor.execute(f"ANALYZE {table}")  # noqa: S608 - constant names
    print(
        f"{SINGLE}: {items:,} items (+{readings:,} 政策解读), {applications:,} applications "
        f"in {time.perf_counter() - start:.1f} s"
    )


# Run ---------------------------------------------------------------------------------------------------


def _draft(organization: Organization) -> Report:
    report = Report.objects.filter(organization=organization, year=YEAR).exclude(status="published").first()
    return report or workflow.create(organization, year=YEAR, by=None, today=TODAY)


def _time_builds(label: str, report: Report, runs: int, target: float | None) -> int:
    times = []
    for _ in range(runs + 1):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            workflow.build(report, by=None, today=TODAY)
            times.append(time.perf_counter() - t0)
    first, rest = times[0], times[1:]
    verdict = "" if target is None else ("  OK" if max(rest) <= target else f"  OVER {target:.0f} s")
    print(
        f"{label:<44} first {first:5.2f} s   median {statistics.median(rest):5.2f} s   "
        f"max {max(rest):5.2f} s   {len(queries)} queries{verdict}"
    )
    return len(queries)


def _show_queries(report: Report) -> None:
    with CaptureQueriesContext(connection) as queries:
        workflow.build(report, by=None, today=TODAY)
    for query in queries.captured_queries:
        sql = " ".join(query["sql"].split())
        print(f"    {float(query['time']) * 1000:8.1f} ms  {sql[:110]}")


def _time_exports(document: dict, runs: int) -> None:
    for kind in ("pdf", "docx", "xlsx"):
        times = []
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            content, _type, _name = exports.export(document, kind)
            times.append(time.perf_counter() - t0)
        first, rest = times[0], times[1:]
        verdict = ("  OK" if max(rest) <= TARGETS["pdf"] else f"  OVER {TARGETS['pdf']:.0f} s") if kind == "pdf" else ""
        print(
            f"{kind.upper() + ' export':<44} first {first:5.2f} s   median {statistics.median(rest):5.2f} s   "
            f"max {max(rest):5.2f} s   {len(content) / 1024:6.0f} KiB{verdict}"
        )


def run(runs: int, show_queries: bool) -> None:
    _require_postgres()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its progress log, a line per step and page
    root = _root()
    single = Organization.objects.filter(name=SINGLE).first()
    if single is None:
        sys.exit(f"no {SINGLE}: run `bench/annual_reports.py prepare` first")
    small = root.get_children().order_by("pk").first()
    subtree = root.get_descendants(include_self=True)
    for label, orgs in ((SINGLE, [single.pk]), (f"{ROOT} and its {len(subtree) - 1} departments", subtree)):
        print(
            f"{label}: {Item.objects.filter(organization__in=orgs).count():,} items, "
            f"{InfoRequest.objects.filter(organization__in=orgs).count():,} applications"
        )
    reports = {name: _draft(org) for name, org in (("single", single), ("government", root), ("small", small))}
    print(f"\nbuilding the {YEAR} report ({runs} timed runs after the first):")
    n_small = _time_builds(f"one department ({small.name})", reports["small"], runs, None)
    n_single = _time_builds(f"one organization ({SINGLE})", reports["single"], runs, TARGETS["single"])
    _time_builds(f"government level ({ROOT}, subtree)", reports["government"], runs, TARGETS["government"])
    print(f"queries per build: {n_small} for the small department, {n_single} for {SINGLE}", end="")
    print(" (constant)" if n_small == n_single else "  NOT CONSTANT")
    if show_queries:
        for name in ("single", "government"):
            print(f"\nqueries of one build, {reports[name].organization.name}:")
            _show_queries(reports[name])
    report = reports["government"]
    t0 = time.perf_counter()
    document = building.assemble(report)
    print(f"\nassembling the government-level document (checks included): {time.perf_counter() - t0:.3f} s")
    if document["failures"]:
        print("  consistency checks failing:", *document["failures"][:3], sep="\n  ")
    _time_exports(document, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare", help=f"copy the generated items and applications into {SINGLE}")
    timing = sub.add_parser("run", help="time building the reports and the PDF export")
    timing.add_argument("--runs", type=int, default=5)
    timing.add_argument("--show-queries", action="store_true", help="print each query of one build with its time")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare()
    else:
        run(args.runs, args.show_queries)


if __name__ == "__main__":
    main()
