"""The staff second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app.

pyotp computes the codes (HMAC-SHA1, 6 digits, 30-second steps: what every authenticator app uses);
segno draws the enrolment QR code as inline SVG. A code is accepted for the step before and after the
current one (clock drift of the phone), and each step only once per device: last_used_step refuses a
code seen or intercepted earlier, checked and moved in one conditional UPDATE so two servers cannot
both accept the same code.

The secret is shown to its owner only while enrolment is unconfirmed, never afterwards, never logged.
"""

from __future__ import annotations

import re
import time
import unicodedata

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from . import audit
from .errors import DomainError
from .models import AuditEvent, StaffTOTPDevice

STEP_SECONDS = 30
DIGITS = 6
# Steps either side of the current one that are still accepted (±30 s of clock drift).
DRIFT_STEPS = 1

WRONG_CODE_MESSAGE = "验证码不正确或已使用过，请输入验证器应用当前显示的 6 位数字。"


class SecondFactorError(DomainError):
    pass


def is_required() -> bool:
    """Whether every staff member must enrol before using the back office (STAFF_TOTP_REQUIRED)."""
    return bool(settings.STAFF_TOTP_REQUIRED)


def confirmed_device(user) -> StaffTOTPDevice | None:
    if not getattr(user, "pk", None):
        return None
    return StaffTOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def is_enrolled(user) -> bool:
    return confirmed_device(user) is not None


def pending_device(user) -> StaffTOTPDevice | None:
    """The device whose enrolment was started and not yet confirmed, if any."""
    return StaffTOTPDevice.objects.filter(user=user, confirmed_at__isnull=True).first()


def start_enrolment(user) -> StaffTOTPDevice:
    """Give user a new unconfirmed device with a fresh secret (replacing an unconfirmed one)."""
    with transaction.atomic():
        device = StaffTOTPDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.is_confirmed:
            raise SecondFactorError("您已启用两步验证。如需更换手机，请先停用，再重新设置。")
        if device is None:
            device = StaffTOTPDevice(user=user)
        device.secret = pyotp.random_base32()
        device.created_at = timezone.now()
        device.last_used_step = 0
        device.save()
    return device


def provisioning_uri(device: StaffTOTPDevice) -> str:
    """The otpauth:// address the QR code carries (account name and issuer shown in the app)."""
    return pyotp.TOTP(device.secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=device.user.get_username(), issuer_name=settings.SITE_NAME
    )


def qr_svg(device: StaffTOTPDevice) -> SafeString:
    """The enrolment QR code as an <svg> element (black on white, so it scans in the dark theme too)."""
    svg = segno.make(provisioning_uri(device), error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title="两步验证二维码", svgclass="totp-qr"
    )
    # segno writes the SVG from the encoded modules and our constant title; nothing user-typed is in it.
    return mark_safe(svg)  # noqa: S308


def spaced_secret(device: StaffTOTPDevice) -> str:
    """The secret in groups of four, for typing into the app by hand."""
    return " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4))


def normalize_code(code: str) -> str | None:
    """The 6 digits of a code as typed ("123 456", full-width digits), or None if it is not one."""
    digits = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", code or ""))
    return digits if re.fullmatch(rf"\d{{{DIGITS}}}", digits) else None


def verify(device: StaffTOTPDevice | None, code: str, *, at: float | None = None) -> bool:
    """Whether code is valid now for device and was not used before; an accepted code is used up."""
    digits = normalize_code(code)
    if device is None or digits is None:
        return False
    otp = pyotp.TOTP(device.secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int((time.time() if at is None else at) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > device.last_used_step and pyotp.utils.strings_equal(otp.generate_otp(step), digits):
            used = StaffTOTPDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step)
            if used:
                device.last_used_step = step
                return True
            return False  # another request used this code a moment ago
    return False


def confirm(device: StaffTOTPDevice, code: str, *, by) -> StaffTOTPDevice:
    """Finish enrolment with a code from the app: from now on login asks for a code."""
    if device.is_confirmed:
        raise SecondFactorError("两步验证已经启用。")
    if not verify(device, code):
        raise SecondFactorError(WRONG_CODE_MESSAGE)
    with transaction.atomic():
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
        audit.record(device.user, actor=by, action=AuditEvent.Action.CHANGE, comment="启用两步验证")
    return device


def disable(user, code: str, *, by) -> None:
    """Turn the second factor off; the owner proves it with a current code."""
    device = confirmed_device(user)
    if device is None:
        raise SecondFactorError("您尚未启用两步验证。")
    if not verify(device, code):
        raise SecondFactorError(WRONG_CODE_MESSAGE)
    with transaction.atomic():
        device.delete()
        audit.record(user, actor=by, action=AuditEvent.Action.CHANGE, comment="停用两步验证")


def reset(user, *, by) -> bool:
    """A system administrator removes user's device (a lost phone); returns whether there was one.

    The user logs in with the password alone and enrols again (at once, if STAFF_TOTP_REQUIRED).
    """
    with transaction.atomic():
        deleted, _ = StaffTOTPDevice.objects.filter(user=user).delete()
        if deleted:
            audit.record(user, actor=by, action=AuditEvent.Action.CHANGE, comment="系统管理员重置两步验证")
    return bool(deleted)
