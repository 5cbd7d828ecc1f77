"""The back office: start a report, enter values (bad input refused in Chinese), submit, publish by the
head only, see the consistency checks; the dashboard panel with deadlines."""

from __future__ import annotations

import datetime as dt
import re

import time_machine

from annual_reports import building
from annual_reports.models import Report
from requests_app.models import ApplicantType, Outcome

from .conftest import TODAY, application

D = dt.date
NOW = dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _change(report):
    return f"/admin/annual_reports/report/{report.pk}/change/"


def _action(report, action):
    return f"/admin/annual_reports/report/{report.pk}/do/{action}/"


def _form_data(report, **values):
    data = {"_save": "保存"}
    for key, text in (report.narrative or {}).items():
        data[f"narrative__{key}"] = text
    data.update({f"entered__{k}": v for k, v in values.items()})
    return data


@time_machine.travel(NOW, tick=False)
def test_clerk_starts_a_report_in_the_admin(client, clerk, data_2025):
    client.force_login(clerk)
    response = client.post(
        "/admin/annual_reports/report/add/",
        {"organization": data_2025.finance.pk, "year": 2025, "format": "", "scope": "", "_save": "保存"},
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == _change(report)
    page = client.get(response.url).content.decode()
    assert "测试县财政局2025年政府信息公开工作年度报告" in page
    assert "发布期限：2026年1月31日" in page
    assert "待填报：" in page
    assert re.search(r'<th scope="col"\s+rowspan="2"\s*>自然人</th>', page)


@time_machine.travel(NOW, tick=False)
def test_a_future_year_is_refused_in_chinese(client, clerk, county):
    client.force_login(clerk)
    response = client.post(
        "/admin/annual_reports/report/add/",
        {"organization": county.finance.pk, "year": 2027, "_save": "保存"},
        follow=True,
    )
    assert "2027年度尚未开始" in response.content.decode()
    assert not Report.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_organization_choice_is_limited_to_the_scope(client, clerk, county):
    client.force_login(clerk)
    response = client.post(
        "/admin/annual_reports/report/add/", {"organization": county.education.pk, "year": 2025, "_save": "保存"}
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Report.objects.exists()


def test_entered_values_are_saved_from_the_form(client, clerk, draft):
    client.force_login(clerk)
    data = _form_data(draft, licensing="20", penalty="0", enforcement="1", fees="3.5")
    response = client.post(_change(draft), data)
    assert response.status_code == 302
    assert {k: str(v) for k, v in building.entered_values(draft).items()}["fees"] == "3.5000"


def test_negative_and_non_numbers_are_refused_with_chinese_messages(client, clerk, draft):
    client.force_login(clerk)
    data = _form_data(draft, licensing="-3", penalty="三", enforcement="1", fees="2")
    response = client.post(_change(draft), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "“行政许可 本年处理决定数量”不能为负数。" in page
    assert "“行政处罚 本年处理决定数量”应填写数字。" in page
    values = building.entered_values(draft)
    assert (values["licensing"], values["penalty"], values["fees"]) == (12, 3, building.entered_values(draft)["fees"])
    assert str(values["fees"]) == "1.2500"


def test_submit_then_only_the_head_publishes(client, clerk, reviewer, head, draft):
    client.force_login(clerk)
    with time_machine.travel(NOW, tick=False):
        client.post(_action(draft, "submit"))
        draft.refresh_from_db()
        assert draft.status == "pending"
        response = client.post(_action(draft, "publish"), follow=True)
        assert "只有测试县财政局（或其上级机构）的机关负责人可以操作" in response.content.decode()
        client.force_login(reviewer)
        page = client.get(_change(draft)).content.decode()
        assert "批准并发布" not in page and "退回修改" in page
        client.force_login(head)
        assert "批准并发布" in client.get(_change(draft)).content.decode()
        response = client.post(_action(draft, "publish"), follow=True)
    assert "年度报告已发布。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "published"


def test_failing_checks_are_shown_and_block_submission(client, clerk, draft):
    application(draft.organization, ApplicantType.RESEARCH, D(2026, 1, 5), D(2025, 12, 1), Outcome.DISCLOSED)
    client.force_login(clerk)
    client.post(_action(draft, "build"))
    page = client.get(_change(draft)).content.decode()
    assert "以下问题解决前不能提交审批和发布" in page
    assert "“科研机构”列：第一项加第二项之和（0）不等于第三项（七）总计加第四项之和（1）。" in page
    response = client.post(_action(draft, "submit"), follow=True)
    assert "统计表未通过勾稽关系检查" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_outsider_cannot_run_an_action_on_the_report(client, outsider, draft):
    client.force_login(outsider)
    response = client.post(_action(draft, "submit"))
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_published_report_has_no_edit_form_but_offers_correction(client, clerk, published):
    client.force_login(clerk)
    page = client.get(_change(published)).content.decode()
    assert "entered__licensing" not in page
    assert "发起更正" in page
    response = client.post(_change(published), _form_data(published, licensing="99"))
    assert response.status_code in (302, 403)
    assert building.entered_values(published)["licensing"] == 12


def test_staff_download_a_draft_pdf(client, clerk, draft):
    client.force_login(clerk)
    response = client.get(f"/admin/annual_reports/report/{draft.pk}/export/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_dashboard_shows_unpublished_reports_with_their_deadlines(client, clerk, county):
    client.force_login(clerk)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/admin/").content.decode()
    assert "2025年度政府信息公开工作年度报告" in page
    assert "测试县财政局：未编制（01月31日前发布）" in page
    assert "剩余16天" in page


def test_dashboard_marks_overdue_reports(client, clerk, draft):
    client.force_login(clerk)
    with time_machine.travel(dt.datetime(2026, 2, 3, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        page = client.get("/admin/").content.decode()
    assert "测试县财政局：草稿（01月31日前发布）" in page
    assert "已逾期3天" in page


def test_government_deadline_is_31_march(client, county):
    from disclosure_site.models import Role
    from tests.factories import MembershipFactory

    gov_clerk = MembershipFactory(organization=county.government, role=Role.CLERK).user
    client.force_login(gov_clerk)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/admin/").content.decode()
    assert "测试县人民政府：未编制（03月31日前发布）" in page
    assert TODAY.year == 2026
