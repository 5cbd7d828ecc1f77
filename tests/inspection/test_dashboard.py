"""The inspection panel on the back-office home page: the user's organizations only, rows linking to the
admin pages where the findings are fixed; the link check from the last full `inspect_site` run."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape

import pytest
import time_machine
from django.core.management import call_command

from catalog.models import Category
from inspection import checks
from requests_app.models import Status
from tests.inspection.conftest import at, keep_columns, published
from tests.requests_app.factories import InfoRequestFactory

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = at(D(2026, 4, 1))


def _panel(client, user) -> dict[str, tuple[str, str]]:
    """The inspection panel's rows as {label: (count, url)}."""
    client.force_login(user)
    page = client.get("/admin/").content.decode()
    table = re.search(r"<caption>网站检查.*?</table>", page, flags=re.DOTALL)
    assert table, "no inspection panel on the home page"
    rows = re.findall(r'<a href="([^"]*)">(.*?)</a>\s*</th>\s*<td>(.*?)</td>', table.group(0), flags=re.DOTALL)
    return {unescape(label.strip()): (count.strip(), unescape(url)) for url, label, count in rows}


@pytest.fixture
def findings(county):
    """财政局: two empty columns and an overdue application; 教育局: an overdue application."""
    for organization in (county.finance, county.education):
        keep_columns(organization, ("03", "0301", "0302", "0303"))
        published(organization, on=D(2026, 3, 30), code="0301")
    overdue = InfoRequestFactory(
        organization=county.finance, status=Status.PROCESSING, received_on=D(2026, 2, 2), due_on=D(2026, 3, 2)
    )
    InfoRequestFactory(
        organization=county.education, status=Status.PROCESSING, received_on=D(2026, 2, 2), due_on=D(2026, 3, 2)
    )
    return overdue


@time_machine.travel(TODAY, tick=False)
def test_clerk_sees_their_organizations_findings_with_links_to_fix_them(client, county, clerk, findings):
    rows = _panel(client, clerk)

    empty = Category.objects.filter(organization=county.finance, code__in=["0302", "0303"]).order_by("pk")
    assert rows["测试县财政局：空白栏目"] == (
        "2",
        f"/admin/catalog/category/?id__in={','.join(str(c.pk) for c in empty)}",
    )
    assert rows["测试县财政局：逾期未答复的申请"] == ("1", f"/admin/requests_app/inforequest/{findings.pk}/change/")
    assert not any("教育局" in label for label in rows)
    changelist = client.get(rows["测试县财政局：空白栏目"][1])
    assert changelist.status_code == 200
    assert all(column.name in changelist.content.decode() for column in empty)


@time_machine.travel(TODAY, tick=False)
def test_outsider_sees_only_their_own_organization(client, county, outsider, findings):
    rows = _panel(client, outsider)

    assert "测试县教育局：逾期未答复的申请" in rows
    assert not any("财政局" in label for label in rows)


@time_machine.travel(TODAY, tick=False)
def test_the_link_rows_come_from_the_last_full_run(client, county, clerk, findings):
    published(county.finance, on=D(2026, 3, 31), body='<p><a href="/no-such-page/">旧链接</a></p>')
    client.force_login(clerk)
    assert "链接检查尚未运行" in client.get("/admin/").content.decode()

    with pytest.raises(SystemExit):
        call_command("inspect_site", stdout=io.StringIO())
    rows = _panel(client, clerk)

    assert "失效链接为04月01日 10:00的检查结果" in client.get("/admin/").content.decode()
    label = "测试县财政局：失效链接"
    assert rows[label][0] == "1"
    assert client.get(rows[label][1]).status_code == 200


@time_machine.travel(TODAY, tick=False)
def test_the_panel_runs_the_same_queries_whatever_the_number_of_findings(
    client, county, clerk, findings, django_assert_max_num_queries
):
    client.force_login(clerk)
    client.get("/admin/")
    with django_assert_max_num_queries(60) as few:
        client.get("/admin/")
    for _ in range(20):
        InfoRequestFactory(
            organization=county.finance, status=Status.PROCESSING, received_on=D(2026, 2, 2), due_on=D(2026, 3, 2)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/admin/")
    assert len(checks.check_overdue_requests(None, now=TODAY).findings) == 22
