"""The staff second factor (TOTP): enrolment, the code step at login, replays, turning off and resetting."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from disclosure_site import totp
from disclosure_site.admin_site import CODE_EXPIRED_MESSAGE, ENROL_FIRST_MESSAGE
from disclosure_site.models import AuditEvent, StaffTOTPDevice
from tests.factories import PASSWORD

START = dt.datetime(2026, 5, 11, 9, 0, 10, tzinfo=dt.UTC)
LOCKED = "登录失败次数过多，登录已被暂时锁定"


@pytest.fixture
def at_start():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _enrol(user) -> StaffTOTPDevice:
    device = totp.start_enrolment(user)
    device.confirmed_at = timezone.now()
    device.save()
    return device


def _code(device, *, shift_steps: int = 0) -> str:
    return pyotp.TOTP(device.secret).at(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=30 * shift_steps))


def _password_step(client, username="clerk", next_url=None):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("admin:login"), data)


def _logged_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


# --- Enrolment ---------------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_secret_to_type(client, clerk):
    client.force_login(clerk)

    response = client.post(reverse("admin:second_factor"), {"action": "start"}, follow=True)

    device = StaffTOTPDevice.objects.get(user=clerk)
    page = response.content.decode()
    assert "<svg" in page
    assert "<title>两步验证二维码</title>" in page
    assert totp.spaced_secret(device) in page
    assert device.confirmed_at is None


def test_qr_code_carries_the_account_and_the_secret(clerk):
    device = totp.start_enrolment(clerk)

    uri = totp.provisioning_uri(device)

    assert uri.startswith("otpauth://totp/")
    assert f"secret={device.secret}" in uri
    assert "clerk" in uri


def test_a_current_code_confirms_the_enrolment_and_is_audited(client, clerk):
    client.force_login(clerk)
    client.post(reverse("admin:second_factor"), {"action": "start"})
    device = StaffTOTPDevice.objects.get(user=clerk)

    response = client.post(reverse("admin:second_factor"), {"action": "confirm", "code": _code(device)}, follow=True)

    assert "两步验证已启用" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed_at is not None
    assert AuditEvent.objects.filter(object_id=str(clerk.pk), comment="启用两步验证", actor=clerk).exists()


def test_a_wrong_code_does_not_confirm_the_enrolment(client, clerk):
    client.force_login(clerk)
    client.post(reverse("admin:second_factor"), {"action": "start"})
    device = StaffTOTPDevice.objects.get(user=clerk)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("admin:second_factor"), {"action": "confirm", "code": wrong})

    assert totp.WRONG_CODE_MESSAGE in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed_at is None


def test_a_code_that_is_not_six_digits_is_explained(client, clerk):
    client.force_login(clerk)
    client.post(reverse("admin:second_factor"), {"action": "start"})

    response = client.post(reverse("admin:second_factor"), {"action": "confirm", "code": "12ab"})

    assert "验证码应为 6 位数字" in response.content.decode()
    assert StaffTOTPDevice.objects.get(user=clerk).confirmed_at is None


def test_the_secret_is_never_shown_after_enrolment(client, clerk, sysadmin):
    device = _enrol(clerk)
    client.force_login(clerk)
    own_page = client.get(reverse("admin:second_factor")).content.decode()
    client.force_login(sysadmin)
    admin_pages = [
        client.get(reverse("admin:disclosure_site_stafftotpdevice_changelist")).content.decode(),
        client.get(reverse("admin:disclosure_site_stafftotpdevice_change", args=[device.pk])).content.decode(),
    ]

    assert "两步验证已启用" not in own_page  # the page now offers to turn it off
    assert "停用两步验证" in own_page
    for page in (own_page, *admin_pages):
        assert device.secret not in page
        assert totp.spaced_secret(device) not in page


def test_starting_again_while_enrolled_is_refused(client, clerk):
    device = _enrol(clerk)
    client.force_login(clerk)

    response = client.post(reverse("admin:second_factor"), {"action": "start"}, follow=True)

    assert "您已启用两步验证" in response.content.decode()
    assert StaffTOTPDevice.objects.get(user=clerk).secret == device.secret


# --- Login with a code -------------------------------------------------------------------------------


def test_enrolled_staff_are_asked_for_a_code_after_the_password(client, clerk):
    _enrol(clerk)

    response = _password_step(client)

    assert response.url == reverse("admin:login_code")
    assert not _logged_in(client)
    page = client.get(reverse("admin:login_code")).content.decode()
    assert 'autocomplete="one-time-code"' in page
    assert "输入当前显示的 6 位数字验证码" in page


def test_staff_without_a_device_log_in_with_the_password_alone(client, clerk):
    response = _password_step(client)

    assert response.url == reverse("admin:index")
    assert _logged_in(client)


def test_the_right_code_logs_in_and_goes_where_the_login_was_asked_for(client, clerk):
    device = _enrol(clerk)
    target = reverse("admin:disclosure_site_organization_changelist")
    _password_step(client, next_url=target)

    response = client.post(reverse("admin:login_code"), {"code": _code(device)})

    assert response.url == target
    assert _logged_in(client)


def test_an_outside_next_address_is_not_followed(client, clerk):
    device = _enrol(clerk)
    _password_step(client, next_url="https://evil.example/")

    response = client.post(reverse("admin:login_code"), {"code": _code(device)})

    assert response.url == reverse("admin:index")


def test_a_code_of_the_previous_step_is_accepted(client, clerk, at_start):
    device = _enrol(clerk)
    _password_step(client)

    client.post(reverse("admin:login_code"), {"code": _code(device, shift_steps=-1)})

    assert _logged_in(client)


def test_a_code_two_steps_old_is_refused(client, clerk, at_start):
    device = _enrol(clerk)
    _password_step(client)

    response = client.post(reverse("admin:login_code"), {"code": _code(device, shift_steps=-2)})

    assert totp.WRONG_CODE_MESSAGE in response.content.decode()
    assert not _logged_in(client)


def test_a_code_is_accepted_once(client, clerk, at_start):
    device = _enrol(clerk)
    code = _code(device)
    _password_step(client)
    client.post(reverse("admin:login_code"), {"code": code})
    client.post(reverse("admin:logout"))
    _password_step(client)

    response = client.post(reverse("admin:login_code"), {"code": code})

    assert totp.WRONG_CODE_MESSAGE in response.content.decode()
    assert not _logged_in(client)


def test_two_servers_cannot_both_accept_one_code(clerk, at_start):
    device = _enrol(clerk)
    code = _code(device)
    on_second_server = StaffTOTPDevice.objects.get(pk=device.pk)

    assert totp.verify(device, code)
    assert not totp.verify(on_second_server, code)


def test_a_code_typed_with_spaces_or_full_width_digits_is_read(clerk, at_start):
    device = _enrol(clerk)
    code = _code(device)
    full_width = "".join(chr(ord(digit) + 0xFEE0) for digit in code)

    assert totp.verify(device, f"{full_width[:3]} {full_width[3:]}")


def test_the_code_page_without_the_password_step_goes_back_to_login(client, db):
    response = client.get(reverse("admin:login_code"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:login")
    assert CODE_EXPIRED_MESSAGE in response.content.decode()


def test_the_code_step_expires_after_five_minutes(client, clerk, at_start):
    device = _enrol(clerk)
    _password_step(client)
    at_start.shift(dt.timedelta(minutes=5, seconds=1))

    response = client.post(reverse("admin:login_code"), {"code": _code(device)}, follow=True)

    assert CODE_EXPIRED_MESSAGE in response.content.decode()
    assert not _logged_in(client)


def test_wrong_codes_count_toward_the_lockout(client, clerk, at_start):
    device = _enrol(clerk)
    _password_step(client)
    for _ in range(4):
        client.post(reverse("admin:login_code"), {"code": "000000"})

    fifth = client.post(reverse("admin:login_code"), {"code": "000000"}).content.decode()

    assert LOCKED in fifth
    assert AuditEvent.objects.filter(object_id=str(clerk.pk), action=AuditEvent.Action.LOCKOUT).count() == 1
    # The password step must be passed again, and is refused while locked.
    assert client.get(reverse("admin:login_code")).url == reverse("admin:login")
    response = _password_step(client)
    assert LOCKED in str(response.context["form"].non_field_errors())
    assert device.secret not in fifth


def test_wrong_codes_and_wrong_passwords_add_up(client, clerk, at_start):
    _enrol(clerk)
    for _ in range(3):
        client.post(reverse("admin:login"), {"username": "clerk", "password": "wrong-password-1"})
    _password_step(client)
    client.post(reverse("admin:login_code"), {"code": "000000"})

    response = client.post(reverse("admin:login_code"), {"code": "000000"})

    assert LOCKED in response.content.decode()


# --- Turning off and resetting -----------------------------------------------------------------------


def test_turning_off_needs_a_current_code(client, clerk, at_start):
    _enrol(clerk)
    client.force_login(clerk)

    response = client.post(reverse("admin:second_factor"), {"action": "disable", "code": "000000"})

    assert totp.WRONG_CODE_MESSAGE in response.content.decode()
    assert totp.is_enrolled(clerk)


def test_turning_off_with_a_code_removes_the_device_and_is_audited(client, clerk, at_start):
    device = _enrol(clerk)
    client.force_login(clerk)

    response = client.post(reverse("admin:second_factor"), {"action": "disable", "code": _code(device)}, follow=True)

    assert "两步验证已停用" in response.content.decode()
    assert not StaffTOTPDevice.objects.filter(user=clerk).exists()
    assert AuditEvent.objects.filter(object_id=str(clerk.pk), comment="停用两步验证").exists()


def test_system_administrator_resets_a_lost_device_and_it_is_audited(client, clerk, sysadmin):
    device = _enrol(clerk)
    client.force_login(sysadmin)

    response = client.post(
        reverse("admin:disclosure_site_stafftotpdevice_changelist"),
        {"action": "reset_devices", "_selected_action": [device.pk]},
        follow=True,
    )

    assert "已重置 1 个用户的两步验证：clerk。" in response.content.decode()
    assert not StaffTOTPDevice.objects.filter(user=clerk).exists()
    event = AuditEvent.objects.get(object_id=str(clerk.pk), comment="系统管理员重置两步验证")
    assert event.actor == sysadmin


def test_system_administrator_resets_from_the_user_list(client, clerk, sysadmin):
    _enrol(clerk)
    client.force_login(sysadmin)

    client.post(
        reverse("admin:auth_user_changelist"), {"action": "reset_second_factor", "_selected_action": [clerk.pk]}
    )

    assert not totp.is_enrolled(clerk)


def test_staff_cannot_see_or_reset_other_peoples_devices(client, clerk, head):
    device = _enrol(head)
    client.force_login(clerk)

    listing = client.get(reverse("admin:disclosure_site_stafftotpdevice_changelist"))
    client.post(
        reverse("admin:disclosure_site_stafftotpdevice_changelist"),
        {"action": "reset_devices", "_selected_action": [device.pk]},
    )

    assert listing.status_code == 403
    assert totp.is_enrolled(head)


# --- STAFF_TOTP_REQUIRED -----------------------------------------------------------------------------


@override_settings(STAFF_TOTP_REQUIRED=True)
def test_when_required_unenrolled_staff_are_sent_to_enrol(client, clerk):
    client.force_login(clerk)

    response = client.get(reverse("admin:disclosure_site_organization_changelist"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:second_factor")
    assert ENROL_FIRST_MESSAGE in response.content.decode()


@override_settings(STAFF_TOTP_REQUIRED=True)
def test_when_required_unenrolled_staff_can_still_log_out(client, clerk):
    client.force_login(clerk)

    client.post(reverse("admin:logout"))

    assert "_auth_user_id" not in client.session


@override_settings(STAFF_TOTP_REQUIRED=True)
def test_when_required_enrolled_staff_work_as_usual(client, clerk):
    _enrol(clerk)
    client.force_login(clerk)

    assert client.get(reverse("admin:disclosure_site_organization_changelist")).status_code == 200


def test_when_not_required_unenrolled_staff_work_as_usual(client, clerk):
    client.force_login(clerk)

    assert client.get(reverse("admin:disclosure_site_organization_changelist")).status_code == 200
