"""Staff login hardening: failed-login lockout, idle and absolute session timeouts, password rules.

Lockout. Failed logins are counted per username and per client address (addresses.client_address) in
Django's cache, which every app server shares (Redis in production). LOGIN_FAILURE_LIMIT failures for
one username, or LOGIN_FAILURE_LIMIT_PER_IP from one address, within LOGIN_FAILURE_WINDOW seconds of
the first of them lock logins for that username or from that address for LOGIN_LOCKOUT_SECONDS; while
locked even the right password is refused. Wrong second-factor codes count the same way (totp.py).
The counter of a username is cleared by a complete login. Usernames that do not exist are counted and
locked exactly like real ones, with the same messages, so the lockout tells nobody which accounts exist.

Counters are incremented atomically (Redis INCR) and the lock is taken with cache.add, so of two servers
seeing the fifth failure together one locks and writes the one audit event. While the shared cache is
down (Redis stopped), counting goes on in each process's memory: weaker across servers, never open;
what was counted there is not carried back when Redis answers again.

Password rules: Django's validators (settings.AUTH_PASSWORD_VALIDATORS) plus CharacterClassValidator.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import audit
from .cache_backends import is_available
from .models import AuditEvent

logger = logging.getLogger(__name__)

# Used only while the shared cache does not answer.
_fallback_cache = LocMemCache("disclosure-login-security", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 10_000}})


def _cache_call(method: str, *args, **kwargs):
    """cache.<method>(...), or the same on this process's fallback while the shared cache is down.

    FailSafeRedisCache (cache_backends.py) hides an outage as a miss and says so in is_available();
    other backends raise their errors.
    """
    if is_available(cache):
        try:
            result = getattr(cache, method)(*args, **kwargs)
            if is_available(cache):
                return result
        except (ValueError, TypeError):
            if is_available(cache):
                raise  # incr() of a missing key, or a programming error: not an outage
        except Exception as error:  # redis.exceptions.ConnectionError, TimeoutError, ...
            logger.warning(
                "login lockout: the shared cache failed (%s); counting in this process", type(error).__name__
            )
    return getattr(_fallback_cache, method)(*args, **kwargs)


def normalize_username(username: str) -> str:
    """The form a username is counted under: "Clerk", "ｃｌｅｒｋ" and " clerk" are one counter."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def _key(kind: str, scope: str, ident: str) -> str:
    # Hashed: the cache must not hold usernames or addresses in the clear.
    digest = hashlib.sha256(f"{scope}|{ident}".encode()).hexdigest()[:32]
    return f"login:{kind}:{scope}:{digest}"


def _idents(username: str, address: str) -> list[tuple[str, str, int]]:
    """(scope, identity, limit) for each counter an attempt touches."""
    return [
        ("user", normalize_username(username), settings.LOGIN_FAILURE_LIMIT),
        ("address", address, settings.LOGIN_FAILURE_LIMIT_PER_IP),
    ]


@dataclass(frozen=True)
class Lock:
    """Logins are refused until `until` (a Unix time)."""

    until: float

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - time.time()) / 60))

    @property
    def message(self) -> str:
        local = timezone.localtime(datetime.fromtimestamp(self.until, tz=UTC))
        return (
            f"登录失败次数过多，登录已被暂时锁定。请在 {self.minutes_left} 分钟后（{local:%H:%M} 以后）再试；"
            "如需提前解锁，请联系系统管理员。"
        )


@dataclass(frozen=True)
class Failure:
    """What one more failed attempt led to: a lock, or how many attempts are left before one."""

    lock: Lock | None
    attempts_left: int

    @property
    def warning(self) -> str:
        """A hint once few attempts are left ("" before that)."""
        if self.lock is not None or self.attempts_left > 2:
            return ""
        minutes = max(1, math.ceil(settings.LOGIN_LOCKOUT_SECONDS / 60))
        return f"再失败 {self.attempts_left} 次，登录将被锁定 {minutes} 分钟。"


def current_lock(*, username: str, address: str) -> Lock | None:
    """The lock that refuses a login by username from address now, if any (the later one if both)."""
    locks = [_cache_call("get", _key("lock", scope, ident)) for scope, ident, _limit in _idents(username, address)]
    now = time.time()
    until = max((float(value) for value in locks if value is not None), default=0.0)
    return Lock(until) if until > now else None


def record_failure(*, username: str, address: str, reason: str = "密码错误") -> Failure:
    """Count a failed login (wrong password or wrong code) for username and address.

    The counter that reaches its limit locks logins for LOGIN_LOCKOUT_SECONDS: an AuditEvent (on the
    user if the username exists) and a log line record it. The password is never passed in here.
    """
    attempts_left = None
    new_lock = None
    for scope, ident, limit in _idents(username, address):
        failures = _increment(_key("failures", scope, ident), timeout=settings.LOGIN_FAILURE_WINDOW)
        if failures >= limit:
            until = time.time() + settings.LOGIN_LOCKOUT_SECONDS
            # add() is atomic: of two servers reaching the limit together, one locks and audits.
            if _cache_call("add", _key("lock", scope, ident), until, timeout=settings.LOGIN_LOCKOUT_SECONDS):
                _cache_call("delete", _key("failures", scope, ident))
                _audit_lockout(username=username, address=address, scope=scope, failures=failures, until=until)
                new_lock = Lock(until)
        left = max(0, limit - failures)
        attempts_left = left if attempts_left is None else min(attempts_left, left)
    logger.info("staff login failed: username=%r address=%s reason=%s", username[:150], address, reason)
    lock = new_lock or current_lock(username=username, address=address)
    return Failure(lock=lock, attempts_left=attempts_left or 0)


def record_success(*, username: str) -> None:
    """A complete login (password, and code if enrolled): the username's failures start again from zero."""
    _cache_call("delete", _key("failures", "user", normalize_username(username)))


def unlock(user, *, by) -> bool:
    """Lift the lock on user's username before it expires (a system administrator's action).

    Returns whether there was a lock. Locks on addresses are not lifted: they expire by themselves.
    """
    ident = normalize_username(user.get_username())
    was_locked = _cache_call("get", _key("lock", "user", ident)) is not None
    _cache_call("delete_many", [_key("lock", "user", ident), _key("failures", "user", ident)])
    if was_locked:
        audit.record(user, actor=by, action=AuditEvent.Action.CHANGE, comment="解除登录锁定")
        logger.warning("staff login unlocked: username=%r by=%r", user.get_username(), by.get_username())
    return was_locked


def _increment(key: str, *, timeout: int) -> int:
    # The window runs from the first failure: add() sets the expiry once, incr() keeps it.
    if _cache_call("add", key, 1, timeout=timeout):
        return 1
    try:
        return int(_cache_call("incr", key))
    except ValueError:  # expired between add() and incr()
        _cache_call("set", key, 1, timeout=timeout)
        return 1


def _audit_lockout(*, username: str, address: str, scope: str, failures: int, until: float) -> None:
    user_model = get_user_model()
    user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
    local_until = timezone.localtime(datetime.fromtimestamp(until, tz=UTC))
    what = "该用户名" if scope == "user" else "该地址"
    comment = (
        f"{what}在 {settings.LOGIN_FAILURE_WINDOW // 60} 分钟内连续 {failures} 次登录失败，"
        f"锁定至 {local_until:%Y-%m-%d %H:%M}。"
    )
    changes = {"用户名": username[:150], "来源地址": address, "锁定范围": "用户名" if scope == "user" else "来源地址"}
    if user is not None:
        audit.record(user, actor=None, action=AuditEvent.Action.LOCKOUT, comment=comment, changes=changes)
    else:
        # No such account: the event names the username as typed, on the user model with no object id.
        AuditEvent.objects.create(
            actor=None,
            actor_name="系统",
            content_type=ContentType.objects.get_for_model(user_model),
            object_id="",
            object_repr=f"不存在的用户名：{username}"[:200],
            action=AuditEvent.Action.LOCKOUT,
            comment=comment,
            changes=changes,
        )
    logger.warning(
        "staff login locked: scope=%s username=%r address=%s failures=%d until=%s",
        scope,
        username[:150],
        address,
        failures,
        local_until.isoformat(timespec="seconds"),
    )


# --- Session timeouts -------------------------------------------------------------------------------

LAST_SEEN_KEY = "_staff_last_seen"
STARTED_KEY = "_staff_session_started"
LOGOUT_REASON_KEY = "_staff_logout_reason"

IDLE_MESSAGE = "由于长时间未操作，已自动退出，请重新登录。"


def absolute_timeout_message() -> str:
    hours = settings.SESSION_COOKIE_AGE / 3600
    span = f"{hours:g} 小时" if hours >= 1 else f"{max(1, settings.SESSION_COOKIE_AGE // 60)} 分钟"
    return f"本次登录已超过 {span}，已自动退出，请重新登录。"


LOGOUT_MESSAGES = {"idle": lambda: IDLE_MESSAGE, "absolute": absolute_timeout_message}


def session_started(request) -> None:
    """Mark the session just logged in (called right after login, so the next request need not save it)."""
    now = int(time.time())
    request.session[STARTED_KEY] = now
    request.session[LAST_SEEN_KEY] = now


def pop_logout_message(request) -> str:
    """The reason the session was ended by a timeout, once, for the login page ("" if none)."""
    reason = request.session.pop(LOGOUT_REASON_KEY, None)
    message = LOGOUT_MESSAGES.get(reason)
    return message() if message else ""


class StaffSessionTimeoutMiddleware:
    """Log a staff session out after STAFF_SESSION_IDLE_SECONDS without a request, or SESSION_COOKIE_AGE
    after it began however busy it was.

    Only people who work in the back office have accounts, so every logged-in session is a staff session.
    Django alone would keep extending SESSION_COOKIE_AGE each time the session is saved; the start time
    kept here makes it a real upper bound. The last-seen time is written at most once a minute, so a
    busy session is not saved on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie nobody is logged in; do not touch the session (it would add Vary: Cookie).
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        now = int(time.time())
        last_seen = session.get(LAST_SEEN_KEY)
        started = session.get(STARTED_KEY)
        reason = None
        if isinstance(last_seen, int) and now - last_seen > settings.STAFF_SESSION_IDLE_SECONDS:
            reason = "idle"
        elif isinstance(started, int) and now - started > settings.SESSION_COOKIE_AGE:
            reason = "absolute"
        if reason:
            username = request.user.get_username()
            logout(request)
            request.session[LOGOUT_REASON_KEY] = reason
            logger.info("staff session ended: username=%r reason=%s", username, reason)
            return
        if not isinstance(started, int):
            session[STARTED_KEY] = now
        touch_every = min(60, max(1, settings.STAFF_SESSION_IDLE_SECONDS // 10))
        if not isinstance(last_seen, int) or now - last_seen >= touch_every:
            session[LAST_SEEN_KEY] = now


# --- Password rules ---------------------------------------------------------------------------------

CHARACTER_CLASSES = (
    ("大写字母", str.isupper),
    ("小写字母", str.islower),
    ("数字", str.isdigit),
)


class CharacterClassValidator:
    """A password must mix at least `min_classes` of: upper case, lower case, digits, symbols.

    Letters without case (汉字) count as symbols: they are not in an attacker's usual alphabets.
    """

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    @staticmethod
    def classes_in(password: str) -> set[str]:
        found = set()
        for char in password:
            for name, test in CHARACTER_CLASSES:
                if test(char):
                    found.add(name)
                    break
            else:
                if not char.isspace():
                    found.add("符号")
        return found

    def validate(self, password: str, user=None) -> None:
        if len(self.classes_in(password)) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return f"密码须至少包含大写字母、小写字母、数字、符号四类字符中的 {self.min_classes} 类。"
