"""Staff login hardening: lockout after failed logins, session timeouts, password rules."""

from __future__ import annotations

import datetime as dt
import logging
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils.module_loading import import_string

from disclosure_site import login_security
from disclosure_site.models import AuditEvent
from tests.factories import PASSWORD

START = dt.datetime(2026, 5, 11, 9, 0, tzinfo=dt.UTC)
LOCKED = "登录失败次数过多，登录已被暂时锁定"
WRONG = "wrong-password-1"


def _login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("admin:login"), {"username": username, "password": password}, **extra)


def _errors(response) -> list[str]:
    return [str(error) for error in response.context["form"].non_field_errors()] if response.context else []


def _logged_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


@pytest.fixture
def at_start():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


# --- Lockout -----------------------------------------------------------------------------------------


def test_fifth_wrong_password_locks_the_username_and_says_for_how_long(client, clerk, at_start):
    for _ in range(4):
        assert LOCKED not in " ".join(_errors(_login(client, "clerk", WRONG)))

    errors = _errors(_login(client, "clerk", WRONG))

    # 09:00 UTC is 17:00 in Shanghai; locked for 15 minutes.
    assert errors == [f"{LOCKED}。请在 15 分钟后（17:15 以后）再试；如需提前解锁，请联系系统管理员。"]


def test_right_password_is_refused_while_locked(client, clerk, at_start):
    for _ in range(5):
        _login(client, "clerk", WRONG)

    response = _login(client, "clerk")

    assert LOCKED in _errors(response)[0]
    assert not _logged_in(client)


def test_locked_message_counts_down(client, clerk, at_start):
    for _ in range(5):
        _login(client, "clerk", WRONG)
    at_start.shift(dt.timedelta(minutes=11))

    assert "请在 4 分钟后（17:15 以后）再试" in _errors(_login(client, "clerk"))[0]


def test_lock_ends_after_lockout_seconds(client, clerk, at_start):
    for _ in range(5):
        _login(client, "clerk", WRONG)
    at_start.shift(dt.timedelta(seconds=901))

    _login(client, "clerk")

    assert _logged_in(client)


def test_last_attempts_before_the_lock_are_announced(client, clerk, at_start):
    for _ in range(2):
        _login(client, "clerk", WRONG)

    third = _errors(_login(client, "clerk", WRONG))
    fourth = _errors(_login(client, "clerk", WRONG))

    assert third[1] == "再失败 2 次，登录将被锁定 15 分钟。"
    assert fourth[1] == "再失败 1 次，登录将被锁定 15 分钟。"


def test_a_complete_login_clears_the_usernames_failures(client, clerk, at_start):
    for _ in range(4):
        _login(client, "clerk", WRONG)
    _login(client, "clerk")
    client.post(reverse("admin:logout"))

    for _ in range(4):
        response = _login(client, "clerk", WRONG)

    assert LOCKED not in " ".join(_errors(response))
    _login(client, "clerk")
    assert _logged_in(client)


def test_failures_further_apart_than_the_window_do_not_add_up(client, clerk, at_start):
    for _ in range(4):
        _login(client, "clerk", WRONG)
    at_start.shift(dt.timedelta(seconds=901))

    for _ in range(4):
        response = _login(client, "clerk", WRONG)

    assert LOCKED not in " ".join(_errors(response))


def test_lock_holds_for_the_username_in_another_case(client, clerk, at_start):
    for _ in range(5):
        _login(client, "CLERK", WRONG)

    assert LOCKED in _errors(_login(client, "clerk"))[0]


def test_unknown_username_gets_the_same_messages_as_a_real_one(client, clerk, at_start):
    real = [_errors(_login(client, "clerk", WRONG)) for _ in range(6)]
    unknown = [_errors(_login(client, "nobody-here", WRONG, REMOTE_ADDR="192.0.2.9")) for _ in range(6)]

    assert unknown == real


def test_lockout_is_audited_on_the_user_without_the_password(client, clerk, at_start):
    for _ in range(5):
        _login(client, "clerk", WRONG)

    event = AuditEvent.objects.get(action=AuditEvent.Action.LOCKOUT)
    assert (event.object_id, event.actor, event.actor_name) == (str(clerk.pk), None, "系统")
    assert event.comment == "该用户名在 15 分钟内连续 5 次登录失败，锁定至 2026-05-11 17:15。"
    assert event.changes == {"用户名": "clerk", "来源地址": "127.0.0.1", "锁定范围": "用户名"}
    assert WRONG not in f"{event.comment}{event.changes}"


def test_lockout_of_an_unknown_username_is_audited_by_name(client, db, at_start):
    for _ in range(5):
        _login(client, "ghost", WRONG)

    event = AuditEvent.objects.get(action=AuditEvent.Action.LOCKOUT)
    assert (event.object_id, event.object_repr) == ("", "不存在的用户名：ghost")
    assert event.content_type.model_class() is get_user_model()


def test_lockout_is_logged_without_the_password(client, clerk, at_start, caplog):
    with caplog.at_level(logging.INFO, logger="disclosure_site.login_security"):
        for _ in range(5):
            _login(client, "clerk", WRONG)

    locked = [r.getMessage() for r in caplog.records if r.getMessage().startswith("staff login locked")]
    assert locked == [
        "staff login locked: scope=user username='clerk' address=127.0.0.1 failures=5 until=2026-05-11T17:15:00+08:00"
    ]
    assert all(WRONG not in record.getMessage() for record in caplog.records)


def test_lockout_is_audited_once_however_many_attempts_follow(client, clerk, at_start):
    for _ in range(8):
        _login(client, "clerk", WRONG)

    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKOUT).count() == 1


def test_twenty_failures_from_one_address_lock_every_username_from_it(client, clerk, at_start):
    for n in range(20):
        _login(client, f"guess{n % 10}", WRONG)

    assert LOCKED in _errors(_login(client, "clerk"))[0]
    event = AuditEvent.objects.get(changes__锁定范围="来源地址")
    assert event.comment.startswith("该地址在 15 分钟内连续 20 次登录失败")


def test_an_address_lock_does_not_stop_other_addresses(client, clerk, at_start):
    for n in range(20):
        _login(client, f"guess{n % 10}", WRONG)

    _login(client, "clerk", REMOTE_ADDR="198.51.100.4")

    assert _logged_in(client)


@override_settings(RATE_LIMIT_PROXY_COUNT=1)
def test_behind_a_proxy_the_forwarded_address_is_counted(client, clerk, at_start):
    for n in range(20):
        _login(client, f"guess{n % 10}", WRONG, HTTP_X_FORWARDED_FOR="203.0.113.5")

    _login(client, "clerk", HTTP_X_FORWARDED_FOR="203.0.113.77")

    assert _logged_in(client)


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_LOCKOUT_SECONDS=120)
def test_limits_come_from_the_settings(client, clerk, at_start):
    _login(client, "clerk", WRONG)

    assert _errors(_login(client, "clerk", WRONG)) == [
        f"{LOCKED}。请在 2 分钟后（17:02 以后）再试；如需提前解锁，请联系系统管理员。"
    ]


def test_system_administrator_lifts_a_lock_and_it_is_audited(client, clerk, sysadmin, at_start):
    for _ in range(5):
        _login(client, "clerk", WRONG, REMOTE_ADDR="192.0.2.1")
    client.force_login(sysadmin)

    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_login", "_selected_action": [clerk.pk]},
        follow=True,
    )

    assert "已解除 1 个用户的登录锁定：clerk。" in response.content.decode()
    assert AuditEvent.objects.filter(object_id=str(clerk.pk), comment="解除登录锁定", actor=sysadmin).exists()
    client.post(reverse("admin:logout"))
    _login(client, "clerk", REMOTE_ADDR="192.0.2.1")
    assert _logged_in(client)


DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


@pytest.mark.parametrize(
    "backend",
    ["django.core.cache.backends.redis.RedisCache", "disclosure_site.cache_backends.FailSafeRedisCache"],
    ids=["raising", "fail-safe"],
)
def test_without_the_shared_cache_the_lockout_counts_in_process(backend, client, clerk, at_start, monkeypatch):
    dead = import_string(backend)(DEAD_REDIS, {})
    monkeypatch.setattr(login_security, "cache", dead)
    login_security._fallback_cache.clear()

    for _ in range(5):
        _login(client, "clerk", WRONG)

    assert LOCKED in _errors(_login(client, "clerk"))[0]
    login_security._fallback_cache.clear()


REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": "test-login-security",
    }
}


@pytest.mark.redis
@override_settings(CACHES=REDIS_CACHE)
def test_a_lock_taken_on_one_server_holds_on_another(client, clerk):
    from django.core.cache.backends.redis import RedisCache

    caches["default"].clear()
    try:
        for _ in range(5):
            _login(client, "clerk", WRONG)
        # A second app server: its own connection to the same Redis.
        other_server = RedisCache(REDIS_CACHE["default"]["LOCATION"], {"KEY_PREFIX": "test-login-security"})
        with mock.patch.object(login_security, "cache", other_server):
            lock = login_security.current_lock(username="clerk", address="198.51.100.200")
        assert lock is not None
        assert 899 <= lock.until - login_security.time.time() <= 900
    finally:
        caches["default"].clear()


# --- Session timeouts --------------------------------------------------------------------------------

IDLE_MESSAGE = "由于长时间未操作，已自动退出，请重新登录。"


def test_idle_session_is_logged_out_and_the_login_page_says_why(client, clerk, at_start):
    client.force_login(clerk)
    assert _logged_in(client)
    at_start.shift(dt.timedelta(seconds=1801))

    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert IDLE_MESSAGE in response.content.decode()


def test_idle_message_is_shown_once(client, clerk, at_start):
    client.force_login(clerk)
    client.get(reverse("admin:index"))
    at_start.shift(dt.timedelta(seconds=1801))
    client.get(reverse("admin:index"), follow=True)

    assert IDLE_MESSAGE not in client.get(reverse("admin:login")).content.decode()


def test_activity_keeps_the_session_alive(client, clerk, at_start):
    client.force_login(clerk)
    for _ in range(3):
        at_start.shift(dt.timedelta(seconds=1700))
        assert _logged_in(client)


@override_settings(STAFF_SESSION_IDLE_SECONDS=3 * 60 * 60)
def test_session_ends_after_session_cookie_age_however_busy(client, clerk, at_start):
    client.force_login(clerk)
    client.get(reverse("admin:index"))
    for _ in range(4):  # a request every 2 hours for 8 hours
        at_start.shift(dt.timedelta(hours=2))
        assert _logged_in(client)

    at_start.shift(dt.timedelta(minutes=1))
    response = client.get(reverse("admin:index"), follow=True)

    assert "本次登录已超过 8 小时，已自动退出，请重新登录。" in response.content.decode()


@override_settings(STAFF_SESSION_IDLE_SECONDS=60)
def test_idle_limit_comes_from_the_settings(client, clerk, at_start):
    client.force_login(clerk)
    client.get(reverse("admin:index"))
    at_start.shift(dt.timedelta(seconds=61))

    assert not _logged_in(client)


# --- Password rules ----------------------------------------------------------------------------------

CLASSES_MESSAGE = "密码须至少包含大写字母、小写字母、数字、符号四类字符中的 3 类。"


@pytest.mark.parametrize("password", ["qwertzuiop17", "QWERTZUIOP17", "qwertzuiopXY", "qwertz-uiop"])
def test_password_of_two_character_classes_is_refused(password, db):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)

    assert CLASSES_MESSAGE in refused.value.messages


@pytest.mark.parametrize("password", ["Qwertzuiop17", "qwertz-uiop17", "QWERTZ-UIOP7", "Qwertz-uiop", "政务公开qwer17"])
def test_password_of_three_character_classes_is_accepted(password, db):
    validate_password(password)


def test_existing_rules_still_apply(db):
    with pytest.raises(ValidationError) as refused:
        validate_password("Ab1-")

    assert "password_too_short" in {error.code for error in refused.value.error_list}


def test_admin_password_change_refuses_a_password_of_two_classes(client, clerk):
    client.force_login(clerk)

    response = client.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": "qwertzuiop17", "new_password2": "qwertzuiop17"},
    )

    assert CLASSES_MESSAGE in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)


class _TTY(StringIO):
    def isatty(self):
        return True


def test_createsuperuser_refuses_a_password_of_two_classes(db):
    passwords = iter(["qwertzuiop17", "qwertzuiop17", "Qwertz-uiop17", "Qwertz-uiop17"])
    stderr = StringIO()
    with (
        mock.patch(
            "django.contrib.auth.management.commands.createsuperuser.getpass.getpass", lambda *prompt: next(passwords)
        ),
        mock.patch("builtins.input", side_effect=["admin", "", "n"]),
    ):
        call_command("createsuperuser", interactive=True, stdin=_TTY(), stdout=StringIO(), stderr=stderr)

    assert CLASSES_MESSAGE in stderr.getvalue()
    assert get_user_model().objects.get(username="admin").check_password("Qwertz-uiop17")
