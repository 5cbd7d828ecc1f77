"""The public statistics page (政务公开统计) at scale: the whole government's page for a year, uncached.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_requests_bench .venv/bin/python bench/statistics.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_search_bench .venv/bin/python bench/statistics.py

Read-only: it writes nothing and needs no migration of workplans (the page reads catalog, requests_app and
the calendar only); the catalog must be migrated to 0007, whose counts the page reads (`manage.py migrate
catalog` fills them from the items, a few seconds at a million). It times GET /statistics/?year=Y for the
whole government in-process with Django's test client under the production settings (DEBUG off,
CACHE_URL=dummy://: server time, no network, no cache), reporting median and p95 over --samples requests
after a warm-up, and the queries per request; then it checks that the number of queries is the same for
the whole government, for one organization and for another year, and times each query of the page apart
(public_stats and the report_stats functions it shares with the yearly report).

A database without the tables of an app cannot render the page (gk_search_bench holds the catalog only,
1,000,000 items, and no requests_app tables): the script then times the parts whose tables exist and
says which it skipped. Issue 7's target, at most 300 ms with 1,000,000 items and 200,000 applications,
is measured on a database holding both (bench/catalog.py generate and bench/requests.py generate into
one database; the README gives the figures).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name shadows the standard library's statistics module for anything imported from bench/:
# take bench/ off the path before importing, and the project root on.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure_site.settings")
# Production settings (DEBUG off: no query log, no template debugging), no cache at all, plain HTTP.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("CACHE_URL", "dummy://")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from disclosure_site.models import Organization  # noqa: E402

CATALOG_TABLE = "catalog_item"
REQUESTS_TABLE = "requests_app_inforequest"
TARGET_MS = 300


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the bench databases of the README).")


def _report(name: str, times: list[float]) -> float:
    times = sorted(times)
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    median = statistics.median(times)
    print(f"  {name:<44} n={len(times):<4} median {median:7.1f} ms   p95 {p95:7.1f} ms")
    return p95


def _timed(function, samples: int) -> list[float]:
    function()  # warm-up
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _counts(year: int) -> None:
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for table, what in ((CATALOG_TABLE, "items"), (REQUESTS_TABLE, "applications")):
            if table in tables:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a constant table name
                print(f"  {what}: {cursor.fetchone()[0]:,}")
            else:
                print(f"  {what}: no table {table} in this database")
    print(f"  organizations: {Organization.objects.count():,}; year {year}")


def page(samples: int, year: int) -> None:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    settings.ALLOWED_HOSTS = ["*"]
    # Static URLs without collectstatic's manifest (the page links its stylesheet; nothing is served).
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    client = Client()
    url = "/statistics/"

    def get(params):
        response = client.get(url, params)
        if response.status_code != 200:
            sys.exit(f"{url}?{params} answered {response.status_code}")
        return response

    print("whole-government statistics page (GET /statistics/, uncached):")
    p95 = _report(f"year={year}", _timed(lambda: get({"year": year}), samples))
    # Constant: the same number of queries whatever the data, for the whole government (two years of
    # different sizes) and for organizations of different sizes (one more query: the organization).
    sizes = list(
        Organization.objects.filter(parent__isnull=False).annotate(n=Count("info_requests")).order_by("n", "pk")
    )
    counts = {}
    for label, params in (
        (f"whole government {year}", {"year": year}),
        (f"whole government {year - 1}", {"year": year - 1}),
        *(
            (f"{org.name} {year} ({org.n:,} applications)", {"year": year, "organization": org.pk})
            for org in (sizes[:1] + sizes[-1:] if sizes else [])
        ),
    ):
        with CaptureQueriesContext(connection) as queries:
            get(params)
        counts[label] = len(queries)
    print("  queries per request: " + "; ".join(f"{label}: {n}" for label, n in counts.items()))
    values = list(counts.values())
    constant = len(set(values[:2])) == 1 and len(set(values[2:])) <= 1
    print(
        f"  constant query count: {'yes' if constant else 'NO'}; p95 {'within' if p95 <= TARGET_MS else 'OVER'} {TARGET_MS} ms"
    )


def parts(samples: int, year: int, tables: set[str]) -> None:
    from requests_app import report_stats as request_stats
    from workplans import public_stats

    everything = Organization.objects.all()
    steps = []
    if CATALOG_TABLE in tables:
        steps.append(("items per month and column (2 queries)", lambda: public_stats.items(None, year)))
    if REQUESTS_TABLE in tables:
        steps += [
            ("applications: months, table B rows (1 query)", lambda: public_stats.applications(None, year)),
            ("reply times and timeliness (3 queries)", lambda: public_stats.reply_times(None, year)),
            ("table C: cases (1 query)", lambda: request_stats.cases(everything, year)),
        ]
    print("the page's statistics one by one:")
    for name, function in steps:
        _report(name, _timed(function, samples))
    skipped = {CATALOG_TABLE, REQUESTS_TABLE} - tables
    if skipped:
        print(f"  skipped (no table in this database): {', '.join(sorted(skipped))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--year", type=int, default=dt.date.today().year - 1)  # noqa: DTZ011 - a default only
    args = parser.parse_args()
    _require_postgres()
    print(f"database {connection.settings_dict['NAME']}:")
    _counts(args.year)
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    if {CATALOG_TABLE, REQUESTS_TABLE} <= tables:
        page(args.samples, args.year)
    else:
        print("the page needs both catalog and requests_app tables: timing its parts only")
    parts(args.samples, args.year, tables)


if __name__ == "__main__":
    main()
