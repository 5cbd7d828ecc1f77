"""The shared Redis cache, treating an unreachable Redis as an empty cache instead of an error.

Everything the site keeps in the cache can be lost: cached public pages and filter options are
rendered again, rate-limit counters start from zero (requests_app/ratelimit.py then applies its
fail-safe rules), an import preview waiting for confirmation has to be uploaded again. So when Redis is
stopped, restarting, out of memory for writes or unreachable, the site keeps serving, uncached:

- reads miss: get() returns the default, get_many() {}, has_key() False;
- writes are dropped: set(), delete(), delete_many(), touch() and clear() do nothing (set_many() reports
  every key as not stored, as its contract asks);
- add() returns False: nothing was stored. Code using add() as "first one wins" (the captcha's used
  tokens) must ask is_available() before reading False as "someone else was first";
- incr()/decr() raise ValueError, as for a missing key: every caller already handles that (a counter
  that expired), and none of them then believes a count that was never kept.

Short socket timeouts (connect 0.5 s, read 1 s unless OPTIONS or the CACHE_URL query say otherwise)
keep a request from hanging on a Redis host that does not answer. After a failure the backend does not
try Redis again for DOWN_SECONDS (5 s, OPTIONS["DOWN_SECONDS"]) in this process, so during an outage
at most one request per process every few seconds pays the timeout; then it tries again and caching
resumes by itself. A warning is logged at most once a minute per process.

is_available() tells callers whether the last attempt failed: rate limits use it to fail safe.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import wraps

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
DOWN_SECONDS = 5.0
WARNING_INTERVAL = 60.0

# Per process and per Redis location: Django makes one backend object per thread, the outage is shared.
_down_until: dict[str, float] = {}
_last_warning: dict[str, float] = {}
_lock = threading.Lock()


def _unavailable(error: Exception) -> bool:
    if isinstance(error, RedisConnectionError | RedisTimeoutError | ReadOnlyError):
        return True
    # MISCONF: Redis refuses writes because it cannot save its snapshot (its disk is full).
    return isinstance(error, ResponseError) and str(error).startswith(("MISCONF", "LOADING"))


class _Missing(Exception):
    """Raised instead of a result while Redis is known to be down."""


def _fail_safe(fallback):
    """Run the RedisCache method; on a Redis outage return fallback(*args) (or raise it if an exception)."""

    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                if not self.is_available():
                    raise _Missing
                return method(self, *args, **kwargs)
            except _Missing:
                pass
            except Exception as error:
                if not _unavailable(error):
                    raise
                self._went_down(error)
            result = fallback(*args, **kwargs)
            if isinstance(result, Exception):
                raise result
            return result

        return wrapper

    return decorate


class FailSafeRedisCache(RedisCache):
    """RedisCache whose connection errors and timeouts are cache misses (see the module docstring)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.down_seconds = float(options.pop("DOWN_SECONDS", DOWN_SECONDS))
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **options}}
        super().__init__(server, params)
        self._location = ",".join(self._servers)

    def is_available(self) -> bool:
        """False for DOWN_SECONDS after Redis failed to answer in this process; True otherwise."""
        return time.monotonic() >= _down_until.get(self._location, 0.0)

    def _went_down(self, error: Exception) -> None:
        now = time.monotonic()
        with _lock:
            _down_until[self._location] = now + self.down_seconds
            warn = now - _last_warning.get(self._location, -WARNING_INTERVAL) >= WARNING_INTERVAL
            if warn:
                _last_warning[self._location] = now
        if warn:
            log.warning(
                "Redis cache %s unavailable (%s: %s); serving uncached, next attempt in %.1f s",
                self._location,
                type(error).__name__,
                error,
                self.down_seconds,
            )

    @_fail_safe(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_fail_safe(lambda *args, **kwargs: {})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_fail_safe(lambda *args, **kwargs: False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_fail_safe(lambda *args, **kwargs: None)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_fail_safe(lambda data, *args, **kwargs: list(data))
    def set_many(self, data, *args, **kwargs):
        return super().set_many(data, *args, **kwargs)

    @_fail_safe(lambda *args, **kwargs: False)
    def add(self, key, value, *args, **kwargs):
        return super().add(key, value, *args, **kwargs)

    @_fail_safe(lambda *args, **kwargs: False)
    def touch(self, key, *args, **kwargs):
        return super().touch(key, *args, **kwargs)

    @_fail_safe(lambda key, *args, **kwargs: ValueError(f"Key '{key}' not found (cache unavailable)."))
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_fail_safe(lambda *args, **kwargs: False)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_fail_safe(lambda *args, **kwargs: None)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_fail_safe(lambda *args, **kwargs: False)
    def clear(self):
        return super().clear()


def is_available(cache) -> bool:
    """Whether cache (a backend or django.core.cache.cache) can be trusted to keep what is written now.

    Backends other than FailSafeRedisCache raise their errors instead of hiding them: always True.
    """
    probe = getattr(cache, "is_available", None)
    return probe() if callable(probe) else True
