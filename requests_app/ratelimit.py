"""Counters of what one client did in a time window, kept in Django's cache.

The cache is the one every app server shares (Redis in production, CACHE_URL), so a limit holds
across servers; nothing is kept in process memory. Windows are fixed and aligned to the clock
(a window of 3600 s runs from one full hour to the next): the key carries the window's number, so an
old count simply expires, and the time left is known without asking the cache for a key's TTL.

Used by the public pages of requests_app: stored applications per address (past the limit the form
asks an arithmetic question, see captcha.py) and wrong status lookups per address and per application
number (past the limit lookups are refused until the window ends).

A hand-written module rather than django-ratelimit: the form needs "how many so far" without counting
and a count only for what was stored, the status page two counters per attempt; the whole thing is a
few cache calls. Counting is approximate at the edges (a key can be evicted under memory pressure,
two servers can both read 4 before either writes 5); for these limits that is acceptable.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The visitor's address as the rate limits count it.

    With RATE_LIMIT_PROXY_COUNT proxies in front, the address is that many entries from the right of
    X-Forwarded-For (entries further left are whatever the client sent, so cannot be trusted). An IPv6
    address counts as its /64 network: one household or phone gets a whole /64 and could otherwise
    take a new address for every request.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.RATE_LIMIT_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _window(window: int) -> int:
    return int(time.time() // window)


def _key(scope: str, ident: str, window: int) -> str:
    # Hashed: the key must not hold an address or an application number in the clear.
    digest = hashlib.sha256(f"{scope}|{ident}".encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{window}:{_window(window)}:{digest}"


def count(scope: str, ident: str, *, window: int) -> int:
    """How many times ident was counted in scope in the current window."""
    return int(cache.get(_key(scope, ident, window), 0))


def add(scope: str, ident: str, *, window: int) -> int:
    """Count one more for ident in scope; returns the new count."""
    key = _key(scope, ident, window)
    # The key outlives its window a little so that a count read just before the window ends is real.
    cache.add(key, 0, timeout=window + 60)
    try:
        return cache.incr(key)
    except ValueError:  # expired or evicted between add() and incr()
        cache.set(key, 1, timeout=window + 60)
        return 1


def seconds_left(*, window: int) -> int:
    """Seconds until the current window ends and its counts start again from zero."""
    return max(1, math.ceil(window - time.time() % window))


def minutes_left(*, window: int) -> int:
    return max(1, math.ceil(seconds_left(window=window) / 60))
