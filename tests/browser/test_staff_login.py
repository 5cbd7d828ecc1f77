"""Staff login hardening in Chromium: the lockout message, and enrolling an authenticator app then logging in
with its code (computed here by pyotp, as the phone would)."""

from __future__ import annotations

import re
import time

import pyotp
from django.urls import reverse

from disclosure_site.models import StaffTOTPDevice

from . import axe
from .test_admin_clerk import log_in


def test_wrong_passwords_lock_the_login_with_a_clear_message(page, clerk, expect):
    page.goto(reverse("admin:login"))
    for _ in range(5):
        page.get_by_label("用户名").fill("clerk")
        page.get_by_label("密码").fill("not-the-password")
        page.get_by_role("button", name="登录").click()

    expect(page.locator(".errornote")).to_contain_text("登录失败次数过多，登录已被暂时锁定。请在 15 分钟后")

    # Even the right password is refused now.
    log_in(page, "clerk")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.locator(".errornote")).to_contain_text("登录失败次数过多")


def test_staff_enrol_an_authenticator_app_and_log_in_with_its_code(page, clerk, expect):
    axe.preload(page.context)
    log_in(page, "clerk")
    page.get_by_role("link", name="两步验证").click()
    page.get_by_role("button", name="开始设置").click()

    expect(page.locator("svg.totp-qr")).to_be_visible()
    secret = page.locator("code.totp-secret").inner_text().replace(" ", "")
    axe.assert_none({"两步验证设置": axe.violations(page)})
    phone = pyotp.TOTP(secret)
    page.get_by_label("验证码").fill(phone.now())
    page.get_by_role("button", name="完成设置").click()

    expect(page.locator(".messagelist")).to_contain_text("两步验证已启用")
    assert StaffTOTPDevice.objects.get(user=clerk).confirmed_at is not None

    page.get_by_role("button", name="注销").click()
    log_in(page, "clerk")

    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    axe.assert_none({"登录验证码": axe.violations(page)})
    # The code of the next 30-second step: the one just used to confirm cannot be used twice.
    page.get_by_label("验证码").fill(phone.at(time.time() + 30))
    page.get_by_role("button", name="验证并登录").click()

    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
