"""The website inspection checks at scale (issue 8): time each check for all organizations and for one
department, and the back-office panel for a system administrator. Read-only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_stats_bench DEBUG=1 .venv/bin/python bench/inspection.py

(a database from bench/catalog.py generate and bench/requests.py generate; `manage.py migrate` first).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure_site.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from disclosure_site.models import Organization  # noqa: E402
from inspection import checks, dashboard  # noqa: E402


def main() -> None:
    now = timezone.now()
    department = Organization.objects.filter(level=1).first() or Organization.objects.last()
    for label, scope in (("all organizations", None), (f"one department ({department.name})", [department.pk])):
        print(f"-- {label}")
        for check in checks.CHECKS:
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                result = check.function(scope, now=now)
            print(
                f"{check.key:15} {time.perf_counter() - start:8.3f} s {len(queries.captured_queries):4d} queries "
                f"{len(result.findings):6d} findings  {' '.join(result.notes)}"
            )
    administrator = get_user_model()(is_superuser=True, is_active=True, is_staff=True, username="bench")
    request = RequestFactory().get("/admin/")
    request.user = administrator
    for _ in range(3):
        start = time.perf_counter()
        rows = dashboard.panels(request)[0]["rows"]
        print(f"system administrator's panel: {time.perf_counter() - start:.3f} s, {len(rows)} rows")


if __name__ == "__main__":
    main()
