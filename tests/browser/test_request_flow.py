"""The whole path of an application, in Chromium (issue 5): a citizen applies; a clerk confirms receipt and
asks for a correction; the citizen sees it on the status page; the correction arrives; a third party is
consulted; the reply is 部分公开 with a letter approved by a reviewer; the citizen downloads the letter;
the audit trail shows every step."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from disclosure_site.calendar_data import seed_from_package
from disclosure_site.models import CalendarYear
from requests_app.models import InfoRequest, Status

from . import axe
from .test_admin_clerk import log_in

pytestmark = pytest.mark.browser

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def calendar(db):
    seed_from_package({2026})
    # Today's deadlines reach into 2027; a year entered by hand with weekends only is enough here.
    CalendarYear.objects.get_or_create(year=2027, defaults={"source": CalendarYear.Source.MANUAL})


def apply_online(page, expect) -> tuple[str, str]:
    page.goto(reverse("disclosure_site:apply"))
    form = page.get_by_role("form", name="政府信息公开申请表")
    form.get_by_label("受理机关").select_option(label="测试县财政局")
    form.get_by_role("radio", name="自然人").check()
    form.get_by_label("姓名").fill("张三")
    form.get_by_label("证件号码").fill(ID_NUMBER)
    form.get_by_label("联系电话").fill("13812340000")
    form.get_by_label("所需政府信息的内容描述").fill("请公开2025年度部门预算中三公经费的明细。")
    form.get_by_role("radio", name="电子文档").check()
    form.get_by_role("radio", name="网上查看（查询页面）").check()
    form.get_by_role("checkbox", name=re.compile("本人承诺所填信息真实")).check()
    form.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    codes = page.locator(".receipt-code").all_inner_texts()
    return codes[0].strip(), codes[1].strip()


def look_up(page, number: str, code: str) -> None:
    page.goto(reverse("disclosure_site:apply_status"))
    page.get_by_label("申请编号").fill(number)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()


def step(page, expect, application: InfoRequest, label: str, fill=None) -> None:
    """Run one workflow step from the application's page in the back office."""
    page.goto(reverse("admin:requests_app_inforequest_change", args=[application.pk]))
    page.locator(".object-tools").get_by_role("link", name=label, exact=True).click()
    if fill:
        fill(page)
    page.locator(f'input[type="submit"][value="{label}"]').click()
    expect(page.locator(".messagelist")).to_contain_text(application.number)


def test_citizen_to_reply_and_back(new_page, county, clerk, reviewer, calendar, expect, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    citizen = new_page()
    number, code = apply_online(citizen, expect)
    application = InfoRequest.objects.get(number=number)
    assert application.status == Status.PENDING

    staff = new_page()
    log_in(staff, "clerk")
    step(staff, expect, application, "确认收到")
    step(
        staff,
        expect,
        application,
        "告知补正",
        lambda p: p.get_by_label("需要补正的事项").fill("请写明所需文件的名称或文号"),
    )

    look_up(citizen, number, code)
    expect(citizen.get_by_text("待补正").first).to_be_visible()
    expect(citizen.get_by_text("请写明所需文件的名称或文号").first).to_be_visible()
    found = {"status, waiting for the correction": axe.violations(citizen)}

    step(staff, expect, application, "收到补正")
    step(
        staff,
        expect,
        application,
        "征求意见",
        lambda p: (
            p.get_by_label("征求意见对象").select_option(label="第三方（条例第三十二条）"),
            p.get_by_label("对象和事项").fill("征求测试县恒达建筑有限公司对公开合同金额的意见"),
        ),
    )
    step(staff, expect, application, "收到意见", lambda p: p.get_by_label("意见摘要").fill("第三方不同意公开报价明细"))

    # The clerk drafts the reply letter; the drafter cannot approve it, a reviewer does.
    staff.goto(reverse("admin:requests_app_inforequest_change", args=[application.pk]))
    staff.locator(".object-tools").get_by_role("link", name="起草文书", exact=True).click()
    staff.get_by_label("文书类型").select_option(label="答复书")
    staff.get_by_label("办理结果（答复书）").select_option(label="部分公开")
    staff.get_by_label("要点").fill("报价明细涉及第三方商业秘密，不予公开；其余部分随本答复书提供。")
    staff.locator('input[type="submit"][value="起草文书"]').click()
    expect(staff.locator(".messagelist")).to_contain_text("已起草答复书")
    letter_url = staff.url

    checker = new_page()
    log_in(checker, "reviewer")
    checker.goto(letter_url)
    checker.get_by_role("button", name="审核通过").click()
    expect(checker.locator(".messagelist")).to_contain_text("已审核通过")

    def choose_reply(p):
        p.get_by_label("办理结果").select_option(label="部分公开")
        p.get_by_label("随附答复书").select_option(index=1)

    step(staff, expect, application, "答复", choose_reply)
    application.refresh_from_db()
    assert application.status == Status.ANSWERED and application.outcome == "2"

    # The citizen sees the reply and downloads the letter.
    look_up(citizen, number, code)
    expect(citizen.get_by_text("已答复").first).to_be_visible()
    with citizen.expect_download() as download_info:
        citizen.get_by_role("link", name=re.compile("答复书")).first.click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    found["status, answered"] = axe.violations(citizen)
    axe.assert_none(found)

    # The audit trail lists every step.
    staff.goto(reverse("admin:requests_app_inforequest_history", args=[application.pk]))
    history = staff.get_by_role("main")
    for label in ("提交申请", "确认收到", "告知补正", "收到补正", "征求意见", "征求意见结束", "答复"):
        expect(history).to_contain_text(label)
