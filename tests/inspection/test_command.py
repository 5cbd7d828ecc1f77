"""`manage.py inspect_site`: findings grouped by check, text or JSON, exit code 1 when there is any."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command

from catalog.models import DocumentType
from disclosure_site.models import Organization
from inspection import checks
from requests_app.models import Status
from tests.factories import OrganizationFactory
from tests.inspection.conftest import at, keep_columns, published
from tests.requests_app.factories import InfoRequestFactory

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = at(D(2026, 4, 1))


def _run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("inspect_site", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def site(db):
    """A one-organization site that passes every check: one column, with fresh news in it."""
    government = OrganizationFactory(name="示范县人民政府", kind=Organization.Kind.GOVERNMENT, parent=None)
    keep_columns(government)
    published(government, on=D(2026, 3, 25), document_type=DocumentType.NEWS, title="示范县工作动态")
    return government


@time_machine.travel(TODAY, tick=False)
def test_a_site_that_passes_exits_with_0(site):
    code, out = _run()

    assert code == 0
    assert "== 失效链接：无 ==" in out
    assert "未发现问题。" in out


@time_machine.travel(TODAY, tick=False)
def test_findings_are_printed_by_check_and_exit_with_1(site):
    application = InfoRequestFactory(
        organization=site, status=Status.PROCESSING, received_on=D(2026, 2, 2), due_on=D(2026, 3, 2)
    )
    published(site, on=D(2026, 3, 26), body='<p><a href="/no-such-page/">附件</a></p>', title="含失效链接的信息")

    code, out = _run()

    assert code == 1
    assert "== 失效链接：1 项 ==" in out
    assert "[问题] 示范县人民政府｜含失效链接的信息：正文中的链接 /no-such-page/ 指向的页面不存在" in out
    assert "== 逾期未答复的申请：1 项 ==" in out
    assert f"处理：/admin/requests_app/inforequest/{application.pk}/change/" in out
    assert out.index("失效链接") < out.index("空白栏目") < out.index("逾期未答复的申请")
    assert "共发现 2 项（问题 2 项，提示 0 项）。" in out


@time_machine.travel(TODAY, tick=False)
def test_json_output_lists_every_check_with_its_findings(site):
    InfoRequestFactory(organization=site, status=Status.PROCESSING, received_on=D(2026, 2, 2), due_on=D(2026, 3, 2))

    code, out = _run("--format", "json")

    assert code == 1
    report = json.loads(out)
    assert report["total"] == 1
    assert [c["key"] for c in report["checks"]] == [c.key for c in checks.CHECKS]
    requests = next(c for c in report["checks"] if c["key"] == "requests")
    assert requests["findings"][0]["kind"] == "overdue_request"
    assert requests["findings"][0]["organization"] == "示范县人民政府"


@time_machine.travel(TODAY, tick=False)
def test_organization_option_checks_that_organization_and_its_subtree_only(site):
    department = OrganizationFactory(name="示范县教育局", parent=site)
    other = OrganizationFactory(name="邻县人民政府", kind=Organization.Kind.GOVERNMENT, parent=None)
    keep_columns(department)
    keep_columns(other)
    published(department, on=D(2026, 3, 25))
    published(other, on=D(2026, 3, 25))
    InfoRequestFactory(organization=other, status=Status.PROCESSING, received_on=D(2026, 2, 2), due_on=D(2026, 3, 2))

    assert _run("--organization", str(site.pk))[0] == 0
    code, out = _run("--organization", str(other.pk))
    assert code == 1 and "邻县人民政府｜申请" in out
    assert "示范县人民政府及其下属机构" in _run("--organization", str(site.pk))[1]


@pytest.mark.parametrize(
    ("value", "message"), [("abc", "机构编号“abc”无效：应为数字。"), ("99999", "机构编号 99999 不存在。")]
)
def test_a_bad_organization_is_explained(site, value, message):
    with pytest.raises(CommandError, match=message) as error:
        call_command("inspect_site", "--organization", value, stdout=io.StringIO())
    assert error.value.returncode == 2


@time_machine.travel(TODAY, tick=False)
def test_a_full_run_keeps_the_link_result_for_the_dashboard_and_a_scoped_one_does_not(site):
    published(site, on=D(2026, 3, 26), body='<p><a href="/no-such-page/">附件</a></p>')

    _run("--organization", str(site.pk))
    assert checks.stored_link_result() is None
    _run()

    checked_at, result = checks.stored_link_result()
    assert checked_at == TODAY
    assert [f.message for f in result.findings] == ["正文中的链接 /no-such-page/ 指向的页面不存在"]
