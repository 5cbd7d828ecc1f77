"""A clerk in the back office, in Chromium: logging in, and seeing only their own organizations."""

from __future__ import annotations

import re

from django.urls import reverse

from disclosure_site.admin_site import NO_ROLE_MESSAGE
from disclosure_site.models import Organization
from tests.factories import PASSWORD, UserFactory


def log_in(page, username: str) -> None:
    page.goto(reverse("admin:login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _facts(org: Organization) -> dict:
    return {field: getattr(org, field) for field in ("name", "parent_id", "phone", "address", "is_active")}


def test_clerk_sees_only_their_organization_and_its_children(page, county, clerk, expect):
    log_in(page, "clerk")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    page.get_by_role("main").get_by_role("link", name="机构", exact=True).click()

    expect(page).to_have_url(re.compile(r"/admin/disclosure_site/organization/$"))
    expect(page.locator("#result_list tbody tr th")).to_have_text(["测试县财政局", "测试县财政局国库支付中心"])
    expect(page.get_by_text("测试县教育局")).to_have_count(0)
    expect(page.get_by_text("测试县人民政府", exact=True)).to_have_count(0)


def test_clerk_typing_another_organizations_address_is_told_it_does_not_exist(page, county, clerk, expect):
    before = _facts(county.education)
    log_in(page, "clerk")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()

    page.goto(reverse("admin:disclosure_site_organization_change", args=[county.education.pk]))

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator(".messagelist")).to_contain_text(f"ID 为“{county.education.pk}”的 机构 不存在")
    expect(page.get_by_text("测试县教育局")).to_have_count(0)
    county.education.refresh_from_db()
    assert _facts(county.education) == before


def test_clerk_posting_to_another_organizations_form_changes_nothing(page, county, clerk, expect):
    before = _facts(county.education)
    log_in(page, "clerk")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    csrf_token = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")

    response = page.request.post(
        reverse("admin:disclosure_site_organization_change", args=[county.education.pk]),
        form={"csrfmiddlewaretoken": csrf_token, "phone": "0571-00000000", "address": "别处"},
        max_redirects=0,
    )

    assert response.status == 302
    county.education.refresh_from_db()
    assert _facts(county.education) == before


def test_staff_without_a_role_is_told_why_they_cannot_log_in(page, county, expect):
    UserFactory(username="newcomer")

    log_in(page, "newcomer")

    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.locator(".errornote")).to_have_text(NO_ROLE_MESSAGE)
