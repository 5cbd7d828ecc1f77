"""A citizen in Chromium applying online for government information with the keyboard alone, keeping
the number and query code, and looking the application up later; axe on every page of the way."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from requests_app import workflow
from requests_app.models import InfoRequest, Status
from tests.catalog.factories import GuideFactory

from . import axe

pytestmark = pytest.mark.browser

APPLY = reverse("disclosure_site:apply")
LOOKUP = reverse("disclosure_site:apply_status")


def tab_to(page, target, *, limit: int = 80) -> None:
    """Press Tab until target has the focus: it must be reachable by keyboard, in a sensible order."""
    handle = target.element_handle()
    for _ in range(limit):
        if page.evaluate("el => document.activeElement === el", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} was not reached with the Tab key")


def choose_by_arrows(page, select, label: str, *, limit: int = 20) -> None:
    """Move through a closed <select> with the down arrow until label is chosen."""
    for _ in range(limit):
        if select.evaluate("el => el.options[el.selectedIndex].text.trim()") == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label} is not an option")


def type_into(page, field, text: str) -> None:
    tab_to(page, field)
    page.keyboard.type(text)


def fill_by_keyboard(page, expect) -> None:
    form = page.get_by_role("form", name="政府信息公开申请表")
    organization = form.get_by_label("受理机关")
    tab_to(page, organization)
    choose_by_arrows(page, organization, "测试县财政局")
    # The guide link follows the chosen organization.
    expect(form.get_by_role("link", name="阅读测试县财政局的政府信息公开指南")).to_be_visible()

    natural = form.get_by_role("radio", name="自然人")
    tab_to(page, natural)
    page.keyboard.press("Space")
    expect(natural).to_be_checked()
    # Only the chosen applicant type's fields are shown (and reached by Tab).
    expect(form.get_by_role("group", name="法人或其他组织填写")).to_be_hidden()

    type_into(page, form.get_by_label("姓名"), "张三")
    expect(form.get_by_label("证件类型")).to_have_value("resident_id")
    type_into(page, form.get_by_label("证件号码"), "11010519491231002X")
    type_into(page, form.get_by_label("联系电话"), "13812340000")
    type_into(page, form.get_by_label("电子邮箱"), "zhangsan@example.com")
    type_into(page, form.get_by_label("所需政府信息的内容描述"), "请公开2025年度部门预算中三公经费的明细。")

    tab_to(page, form.get_by_role("radio", name="纸质"))
    page.keyboard.press("ArrowDown")
    expect(form.get_by_role("radio", name="电子文档")).to_be_checked()
    tab_to(page, form.get_by_role("radio", name="邮寄"))
    page.keyboard.press("ArrowDown")
    expect(form.get_by_role("radio", name="电子邮件")).to_be_checked()

    consent = form.get_by_role("checkbox", name=re.compile("本人承诺所填信息真实"))
    tab_to(page, consent)
    page.keyboard.press("Space")
    expect(consent).to_be_checked()


def test_a_citizen_applies_with_the_keyboard_and_looks_up_the_status(new_page, county, clerk, expect):
    GuideFactory(organization=county.finance)
    page = new_page()
    axe.preload(page.context)
    page.goto(APPLY)
    found = {"form": axe.violations(page)}

    fill_by_keyboard(page, expect)
    tab_to(page, page.get_by_role("button", name="提交申请"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    found["confirmation"] = axe.violations(page)
    expect(page.get_by_role("button", name="打印本页")).to_be_visible()
    receipt = page.locator("dl.receipt")
    number = receipt.locator("dt:has-text('申请编号') + dd").inner_text().strip()
    code = receipt.locator("dt:has-text('查询码') + dd").inner_text().strip()
    info_request = InfoRequest.objects.get()
    assert number == info_request.number
    assert info_request.status == Status.PENDING
    assert info_request.check_query_code(code.replace(" ", ""))

    page.reload()
    expect(page.get_by_text(code)).to_have_count(0)

    workflow.confirm_receipt(info_request, by=clerk)
    later = new_page()  # another day, another browser: only the number and the code
    axe.preload(later.context)
    later.goto(APPLY)
    later.get_by_role("link", name="已提交申请？查询办理进度").click()
    expect(later.get_by_role("heading", level=1)).to_have_text("申请查询")
    found["lookup"] = axe.violations(later)
    lookup = later.get_by_role("form", name="申请查询")
    type_into(later, lookup.get_by_label("申请编号"), number)
    type_into(later, lookup.get_by_label("查询码"), code.lower())
    with later.expect_navigation():
        later.keyboard.press("Enter")

    expect(later.get_by_role("heading", level=1)).to_have_text("申请办理进度")
    assert code.replace(" ", "") not in later.url
    facts = later.get_by_role("table", name="申请概况")
    expect(facts.get_by_role("row", name=re.compile("^当前状态"))).to_contain_text("办理中")
    expect(facts.get_by_role("row", name=re.compile("^联系电话"))).to_contain_text("138****0000")
    timeline = later.get_by_role("table", name=re.compile("办理记录"))
    expect(timeline.get_by_role("rowheader")).to_have_text(["提交申请", "确认收到"])
    expect(later.get_by_text("11010519491231002X")).to_have_count(0)
    found["status"] = axe.violations(later)

    axe.assert_none(found)


def test_without_javascript_both_applicant_types_show_and_errors_lead_to_their_fields(new_page, county, expect):
    page = new_page(java_script_enabled=False)
    page.goto(APPLY)
    form = page.get_by_role("form", name="政府信息公开申请表")
    expect(form.get_by_role("group", name="自然人填写")).to_be_visible()
    expect(form.get_by_role("group", name="法人或其他组织填写")).to_be_visible()

    form.get_by_role("radio", name="法人或其他组织").check()
    form.get_by_label("名称", exact=True).fill("测试县某某律师事务所")
    form.get_by_label("统一社会信用代码").fill("91330122MA2AAAAAA0")
    form.get_by_label("所需政府信息的内容描述").fill("某项目的环评批复。")
    form.get_by_role("button", name="提交申请").click()

    expect(page).to_have_title(re.compile("^错误："))
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("统一社会信用代码：统一社会信用代码校验位不符")
    expect(summary).to_contain_text("组织类型：请选择组织类型。")
    expect(summary).to_contain_text("受理机关：请选择受理机关。")
    expect(form.get_by_label("所需政府信息的内容描述")).to_have_value("某项目的环评批复。")
    expect(form.get_by_label("名称", exact=True)).to_have_value("测试县某某律师事务所")
    expect(form.get_by_label("统一社会信用代码")).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name=re.compile("^统一社会信用代码")).click()
    expect(page).to_have_url(re.compile("#id_credit_code$"))
    assert InfoRequest.objects.count() == 0


def test_with_javascript_the_error_summary_takes_the_focus(page, county, expect):
    axe.preload(page.context)
    page.goto(APPLY)

    page.get_by_role("button", name="提交申请").click()

    expect(page.locator("#error-summary")).to_be_focused()
    axe.assert_none({"form with errors": axe.violations(page)})


def test_past_the_limit_the_question_is_text_that_grows_with_large_text_mode(new_page, county, settings, expect):
    settings.REQUEST_RATE_LIMIT = 1
    from django.core.cache import cache

    from requests_app import ratelimit

    cache.set(ratelimit._key("apply", "127.0.0.1", settings.REQUEST_RATE_WINDOW), 1, timeout=600)
    page = new_page()
    axe.preload(page.context)
    page.goto(APPLY)
    page.get_by_role("link", name="大字模式").click()

    answer = page.get_by_label(re.compile("^验证问题：.+等于几？$"))
    expect(answer).to_be_visible()
    label = page.locator("label[for='id_captcha_answer']")
    expect(label).to_have_css("font-size", re.compile(r"^2[0-9](\.\d+)?px$"))
    assert page.locator("form img").count() == 0
    axe.assert_none({"form with question, large text": axe.violations(page)})
