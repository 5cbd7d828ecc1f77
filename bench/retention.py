"""Anonymization at scale (issue 8, personal data): run `anonymize_requests`' rule on generated
applications and check that the statistics do not move. It WRITES: it anonymizes every application closed
more than --years years before --today, so run it on a bench database, never on real data.

    createdb -h 127.0.0.1 -U postgres gk_retention_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_retention_bench DEBUG=1
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/requests.py generate --applications 50000 --orgs 10
    .venv/bin/python bench/retention.py --years 1

Prints the dry run, the real run (applications per second, peak memory), a second run (nothing left to
do), and whether the public statistics page's figures and the yearly report's statistics for 2024–2026
are identical before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure_site.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from annual_reports import statistics as report_statistics  # noqa: E402
from disclosure_site.models import Organization  # noqa: E402
from requests_app import retention  # noqa: E402
from requests_app.models import InfoRequest  # noqa: E402
from workplans import public_stats  # noqa: E402

YEARS = (2024, 2025, 2026)


def figures() -> dict:
    organizations = Organization.objects.all()
    out = {}
    for year in YEARS:
        out[("statistics page", year)] = public_stats.gather(None, year, subtree=True)
        report = report_statistics.gather(organizations, year, today=dt.date(year + 1, 1, 15))
        out[("yearly report", year)] = report_statistics.named(report)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=1, help="retention period in years (default 1)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 30))
    options = parser.parse_args()
    settings.REQUEST_RETENTION_YEARS = options.years

    start = time.perf_counter()
    before = figures()
    print(f"statistics {YEARS[0]}–{YEARS[-1]}: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    dry = retention.anonymize_due(today=options.today, dry_run=True)
    print(f"dry run {time.perf_counter() - start:.1f} s: {dry.summary()}")
    start = time.perf_counter()
    real = retention.anonymize_due(today=options.today)
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = real.applications / took if took else 0
    print(f"real run {took:.1f} s ({rate:.0f}/s): {real.summary()}; peak memory {peak:.0f} MiB")
    start = time.perf_counter()
    again = retention.anonymize_due(today=options.today)
    print(f"second run {time.perf_counter() - start:.1f} s: {again.summary()}")
    after = figures()
    moved = [key for key in before if before[key] != after[key]]
    print(f"statistics identical before and after: {not moved} {moved or ''}")
    print(f"anonymized applications in the table: {InfoRequest.objects.filter(anonymized_at__isnull=False).count()}")


if __name__ == "__main__":
    main()
