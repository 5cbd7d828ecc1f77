"""The demo a new user loads with `make run` passes every website inspection check."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from inspection import checks

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@time_machine.travel(NOW, tick=False)
def test_the_demo_passes_every_check(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", "--allow-production", stdout=io.StringIO())

    results = checks.run()

    assert {r.key: [f.message for f in r.findings] for r in results} == {c.key: [] for c in checks.CHECKS}
    links = next(r for r in results if r.key == "links")
    assert "站内链接 11 个" in links.notes[0]  # the 年报 columns link to the reports page
    out = io.StringIO()
    call_command("inspect_site", stdout=out)  # exit code 0: no SystemExit
    assert "未发现问题。" in out.getvalue()
