"""The back office of work plans: drafting by hand and by import, approval and publication by the office
head, progress by the lead units with Chinese messages for bad input, review by the disclosure office,
notes by cooperating units, the dashboard, and who sees what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from workplans import workflow
from workplans.models import Plan, PlanStatus, Progress, ReviewStatus, Task, TaskNote

from .conftest import task
from .files import GOOD_ROWS, docx_bytes

D = dt.date


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# Plans ------------------------------------------------------------------------------------------------


def test_a_clerk_drafts_a_plan_and_adds_a_task_by_hand(client, county, gov_clerk):
    client.force_login(gov_clerk)
    response = client.post(
        reverse("admin:workplans_plan_add"), {"organization": county.government.pk, "year": 2027, "title": ""}
    )
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:workplans_plan_change", args=[plan.pk])
    assert plan.title == "测试县人民政府2027年政务公开工作要点"

    data = {
        "title": plan.title,
        "headings-TOTAL_FORMS": "1",
        "headings-INITIAL_FORMS": "0",
        "headings-0-position": "1",
        "headings-0-title": "一、围绕深化改革推进公开",
        "tasks-TOTAL_FORMS": "1",
        "tasks-INITIAL_FORMS": "0",
        "tasks-0-number": "1",
        "tasks-0-text": "推进预决算信息公开",
        "tasks-0-due_on": "2027-06-30",
        "tasks-0-leads": [county.finance.pk],
        "tasks-0-supports": [county.education.pk, county.town.pk],
        "_continue": "保存并继续编辑",
    }
    response = client.post(reverse("admin:workplans_plan_change", args=[plan.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    created = Task.objects.get(plan=plan)
    assert sorted(created.units.values_list("role", "organization__name")) == [
        ("lead", "测试县财政局"),
        ("support", "测试县城关镇人民政府"),
        ("support", "测试县教育局"),
    ]


def test_a_unit_both_lead_and_cooperating_is_refused_in_the_form(client, county, gov_clerk, draft_plan):
    client.force_login(gov_clerk)
    first = task(draft_plan, 1)
    data = {
        "title": draft_plan.title,
        "headings-TOTAL_FORMS": "0",
        "headings-INITIAL_FORMS": "0",
        "tasks-TOTAL_FORMS": "1",
        "tasks-INITIAL_FORMS": "1",
        "tasks-0-id": first.pk,
        "tasks-0-plan": draft_plan.pk,
        "tasks-0-number": "1",
        "tasks-0-text": "改过的任务",
        "tasks-0-leads": [county.finance.pk],
        "tasks-0-supports": [county.finance.pk],
        "_save": "保存",
    }
    response = client.post(reverse("admin:workplans_plan_change", args=[draft_plan.pk]), data)
    assert response.status_code == 200
    assert "测试县财政局已是牵头单位，不能同时列为配合单位。" in response.content.decode()
    first.refresh_from_db()
    assert first.text.startswith("推进预决算")


def test_the_same_plan_year_twice_is_refused_with_a_message(client, county, gov_clerk, draft_plan):
    client.force_login(gov_clerk)
    response = client.post(
        reverse("admin:workplans_plan_add"), {"organization": county.government.pk, "year": 2026, "title": ""}
    )
    assert "该机关该年度已有政务公开工作要点。" in response.content.decode()
    assert Plan.objects.count() == 1


def test_the_head_approves_and_publishes_from_the_plan_page(client, draft_plan, gov_head):
    client.force_login(gov_head)
    page = client.get(reverse("admin:workplans_plan_change", args=[draft_plan.pk])).content.decode()
    assert "批准</button>" in page
    for action, message in (("approve", "工作要点已批准，可以发布。"), ("publish", "工作要点已发布，公众可以查看。")):
        response = client.post(reverse("admin:workplans_plan_action", args=[draft_plan.pk, action]), follow=True)
        assert message in messages_of(response)
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.PUBLISHED


def test_a_clerk_sees_no_approve_button_and_a_crafted_post_is_refused(client, draft_plan, gov_clerk):
    client.force_login(gov_clerk)
    page = client.get(reverse("admin:workplans_plan_change", args=[draft_plan.pk])).content.decode()
    assert "批准</button>" not in page
    response = client.post(reverse("admin:workplans_plan_action", args=[draft_plan.pk, "approve"]), follow=True)
    assert any("机关负责人" in m for m in messages_of(response))
    draft_plan.refresh_from_db()
    assert draft_plan.status == PlanStatus.DRAFT


def test_a_published_plan_is_read_only(client, plan, gov_clerk):
    client.force_login(gov_clerk)
    page = client.get(reverse("admin:workplans_plan_change", args=[plan.pk])).content.decode()
    assert 'name="_save"' not in page
    assert "测试县财政局" in page  # the units, shown read-only
    assert plan.get_absolute_url() in page


# Import -----------------------------------------------------------------------------------------------


def _upload(client, county, content, name="要点.docx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("admin:workplans_plan_import"),
        {"organization": county.government.pk, "year": 2026, "title": "", "file": SimpleUploadedFile(name, content)},
    )


def test_import_dry_run_then_confirm(client, county, gov_clerk):
    client.force_login(gov_clerk)
    response = _upload(client, county, docx_bytes())
    page = response.content.decode()
    assert "试运行结果" in page
    assert "共识别 2 个分组、3 项任务，检查通过，尚未写入" in page
    assert "“县教育局”识别为“测试县教育局”" in page
    assert not Plan.objects.exists()
    token = re.search(r'name="token" value="([^"]+)"', page)[1]
    response = client.post(reverse("admin:workplans_plan_import"), {"token": token}, follow=True)
    plan = Plan.objects.get()
    assert plan.tasks.count() == 3
    assert any("3项任务（草稿）" in m for m in messages_of(response))


def test_import_with_unknown_units_shows_them_and_offers_no_confirmation(client, county, gov_clerk):
    client.force_login(gov_clerk)
    rows = [*GOOD_ROWS[:2], ("2", "做好政策解读", "县金融办", "", "")]
    page = _upload(client, county, docx_bytes(rows)).content.decode()
    assert "发现 1 处问题，没有写入任何内容" in page
    assert "未找到的单位：</strong>县金融办" in page
    assert 'name="token"' not in page
    assert not Plan.objects.exists()


def test_import_of_a_wrong_file_says_why(client, county, gov_clerk):
    client.force_login(gov_clerk)
    page = _upload(client, county, b"%PDF-1.4", name="要点.pdf").content.decode()
    assert "不是 Word（.docx）或 Excel（.xlsx）文件" in page
    assert not Plan.objects.exists()


def test_import_confirmation_needs_the_same_session(client, county, gov_clerk):
    client.force_login(gov_clerk)
    response = client.post(reverse("admin:workplans_plan_import"), {"token": "forged"})
    assert "上传的文件已过期" in response.content.decode()
    assert not Plan.objects.exists()


# Progress ---------------------------------------------------------------------------------------------


def _progress_data(t, org, **fields):
    data = {
        "task": t.pk,
        "organization": org.pk,
        "on": "2026-03-10",
        "state": "in_progress",
        "percent": "",
        "text": "进展",
        "reason": "",
    }
    data.update(fields)
    return data


def test_the_lead_units_clerk_records_progress_in_the_admin(client, plan, county, clerk):
    client.force_login(clerk)
    page = client.get(reverse("admin:workplans_progress_add") + f"?task={task(plan, 1).pk}").content.decode()
    assert "第1项：推进预决算信息公开" in page and "第3项：公开民生资金" in page
    assert "第2项：" not in page  # led by 县教育局
    response = client.post(
        reverse("admin:workplans_progress_add"), _progress_data(task(plan, 1), county.finance, percent="60")
    )
    progress = Progress.objects.get()
    assert response.status_code == 302
    assert (progress.status, progress.percent, progress.entered_by) == (ReviewStatus.PENDING, 60, clerk)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"percent": "150"}, "完成进度应为0到100之间的整数，不能是150。"),
        ({"percent": "abc"}, "完成进度应为0到100之间的整数。"),
        ({"state": "delayed", "reason": ""}, "状态为“延期”时必须说明延期原因。"),
        ({"on": "2099-01-01"}, "进展日期不能晚于今天"),
    ],
)
def test_bad_progress_gets_a_chinese_message_and_nothing_is_written(client, plan, county, clerk, fields, message):
    client.force_login(clerk)
    response = client.post(
        reverse("admin:workplans_progress_add"), _progress_data(task(plan, 1), county.finance, **fields)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Progress.objects.exists()


def test_a_unit_that_is_not_the_lead_cannot_record_progress_in_the_admin(client, plan, county, outsider):
    client.force_login(outsider)
    response = client.post(reverse("admin:workplans_progress_add"), _progress_data(task(plan, 1), county.finance))
    page = response.content.decode()
    assert "只能为本单位牵头的任务填报进展，所选任务不在其中。" in page
    assert "只有任务的牵头单位可以填报进展，请选择本单位（牵头单位）。" in page
    assert not Progress.objects.exists()


def test_the_disclosure_office_reviews_and_publishes(client, plan, county, clerk, gov_reviewer, reviewer):
    progress = workflow.record_progress(
        task(plan, 1), organization=county.finance, by=clerk, on=D(2026, 3, 10), state="in_progress", text="进展"
    )
    client.force_login(reviewer)  # 县财政局's reviewer: not the disclosure office of the county's plan
    page = client.get(reverse("admin:workplans_progress_change", args=[progress.pk])).content.decode()
    assert "审核通过并公开" not in page
    response = client.post(reverse("admin:workplans_progress_review", args=[progress.pk, "publish"]), follow=True)
    assert any("审核人" in m for m in messages_of(response))
    client.force_login(gov_reviewer)
    assert "待审核的工作进展" in client.get(reverse("admin:index")).content.decode()
    response = client.post(reverse("admin:workplans_progress_review", args=[progress.pk, "publish"]), follow=True)
    assert "进展已审核通过并公开。" in messages_of(response)
    progress.refresh_from_db()
    assert progress.status == ReviewStatus.PUBLISHED


def test_reviewers_publish_several_at_once(client, plan, county, clerk, gov_reviewer):
    for number in (1, 3):
        workflow.record_progress(
            task(plan, number),
            organization=county.finance,
            by=clerk,
            on=D(2026, 3, 10),
            state="in_progress",
            text="进展",
        )
    client.force_login(gov_reviewer)
    response = client.post(
        reverse("admin:workplans_progress_changelist"),
        {"action": "publish_selected", "_selected_action": list(Progress.objects.values_list("pk", flat=True))},
        follow=True,
    )
    assert "已公开2条进展。" in messages_of(response)


def test_who_sees_which_tasks(client, plan, county, clerk, outsider):
    url = reverse("admin:workplans_task_changelist")
    client.force_login(clerk)
    page = client.get(url).content.decode()
    assert reverse("admin:workplans_task_change", args=[task(plan, 1).pk]) in page
    assert reverse("admin:workplans_task_change", args=[task(plan, 3).pk]) in page
    assert reverse("admin:workplans_task_change", args=[task(plan, 2).pk]) not in page
    client.force_login(outsider)
    page = client.get(url).content.decode()
    assert reverse("admin:workplans_task_change", args=[task(plan, 2).pk]) in page
    assert reverse("admin:workplans_task_change", args=[task(plan, 3).pk]) not in page
    task_page = client.get(reverse("admin:workplans_task_change", args=[task(plan, 1).pk])).content.decode()
    assert "添加配合单位备注</a>" in task_page and "填报进展</a>" not in task_page


def test_a_cooperating_unit_adds_a_note_from_the_task(client, plan, county, outsider):
    client.force_login(outsider)
    first = task(plan, 1)
    response = client.post(
        reverse("admin:workplans_tasknote_add"),
        {"task": first.pk, "organization": county.education.pk, "text": "已提供数据"},
    )
    assert response.status_code == 302
    assert TaskNote.objects.get().organization == county.education


def test_a_lead_unit_cannot_add_a_cooperating_note(client, plan, county, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse("admin:workplans_tasknote_add"),
        {"task": task(plan, 1).pk, "organization": county.finance.pk, "text": "备注"},
    )
    assert "只能为本单位配合的任务添加备注" in response.content.decode()
    assert not TaskNote.objects.exists()


def test_the_dashboard_panel(client, draft_plan, gov_head):
    client.force_login(gov_head)
    page = client.get(reverse("admin:index")).content.decode()
    assert "政务公开工作要点" in page
    assert "?status__exact=draft" in page
