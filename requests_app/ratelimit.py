"""Counters of what one client did in a time window, kept in Django's cache.

The cache is the one every app server shares (Redis in production, CACHE_URL), so a limit holds
across servers; nothing is kept in process memory while it answers. Windows are fixed and aligned to the clock
(a window of 3600 s runs from one full hour to the next): the key carries the window's number, so an
old count simply expires, and the time left is known without asking the cache for a key's TTL.

Used by the public pages of requests_app: stored applications per address (past the limit the form
asks an arithmetic question, see captcha.py) and wrong status lookups per address and per application
number (past the limit lookups are refused until the window ends).

A hand-written module rather than django-ratelimit: the form needs "how many so far" without counting
and a count only for what was stored, the status page two counters per attempt; the whole thing is a
few cache calls. Counting is approximate at the edges (a key can be evicted under memory pressure,
two servers can both read 4 before either writes 5); for these limits that is acceptable.

When the shared cache is down (Redis stopped: disclosure_site.cache_backends reports it unavailable
instead of raising), the limits fail safe rather than open, and nobody is locked out:

- scopes in ASK_WHEN_UNAVAILABLE (the application form) count as over the limit: every visitor is asked
  the arithmetic question. It costs a person one question and still keeps scripts from flooding an
  organ's inbox, while counting nothing would let them through and refusing would stop real applicants.
- every other scope (the status lookup's wrong answers per address and per number) is counted in this
  process's memory until Redis answers again: the lookup stays usable, and past the limit it is refused
  as usual. A limit is then per app-server process (gunicorn worker) rather than site-wide, so an
  attacker gets at most (workers x servers) times the usual attempts, still far too few to guess a
  query code. Those counts are not carried back into Redis.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time

from django.core.cache import cache

# The one rule for the client address lives in disclosure_site: the staff login lockout counts it too.
from disclosure_site.addresses import client_address
from disclosure_site.cache_backends import is_available

__all__ = ["add", "client_address", "count", "minutes_left", "seconds_left"]


def _window(window: int) -> int:
    return int(time.time() // window)


def _key(scope: str, ident: str, window: int) -> str:
    # Hashed: the key must not hold an address or an application number in the clear.
    digest = hashlib.sha256(f"{scope}|{ident}".encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{window}:{_window(window)}:{digest}"


# Scopes that count as over the limit while the shared cache is down (requests_app.views.APPLY_SCOPE).
ASK_WHEN_UNAVAILABLE = frozenset({"apply"})
OVER_ANY_LIMIT = 2**31  # the count reported for those scopes meanwhile

_local: dict[str, tuple[int, float]] = {}  # key -> (count, expires at): this process, while Redis is down
_local_lock = threading.Lock()
_LOCAL_MAX_KEYS = 10_000


def _local_count(key: str) -> int:
    with _local_lock:
        found = _local.get(key)
        return found[0] if found and found[1] > time.time() else 0


def _local_add(key: str, timeout: int) -> int:
    now = time.time()
    with _local_lock:
        if len(_local) >= _LOCAL_MAX_KEYS:  # drop what has expired; if nothing has, start over
            for stale in [k for k, (_n, expires) in _local.items() if expires <= now] or list(_local):
                del _local[stale]
        found = _local.get(key)
        value = (found[0] if found and found[1] > now else 0) + 1
        _local[key] = (value, now + timeout)
        return value


def count(scope: str, ident: str, *, window: int) -> int:
    """How many times ident was counted in scope in the current window (see the module docstring for
    what it answers while the shared cache is down)."""
    key = _key(scope, ident, window)
    value = cache.get(key, 0)
    if is_available(cache):
        return int(value)
    if scope in ASK_WHEN_UNAVAILABLE:
        return OVER_ANY_LIMIT
    return _local_count(key)


def add(scope: str, ident: str, *, window: int) -> int:
    """Count one more for ident in scope; returns the new count."""
    key = _key(scope, ident, window)
    # The key outlives its window a little so that a count read just before the window ends is real.
    cache.add(key, 0, timeout=window + 60)
    try:
        return cache.incr(key)
    except ValueError:  # expired or evicted between add() and incr(), or the cache is down
        if not is_available(cache):
            return _local_add(key, window + 60)
        cache.set(key, 1, timeout=window + 60)
        return 1


def seconds_left(*, window: int) -> int:
    """Seconds until the current window ends and its counts start again from zero."""
    return max(1, math.ceil(window - time.time() % window))


def minutes_left(*, window: int) -> int:
    return max(1, math.ceil(seconds_left(window=window) / 60))
