"""The shared Redis cache configured by CACHE_URL (several app servers see the same entries)."""

import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from disclosure_site.env import parse_cache_url

REDIS = parse_cache_url("redis://127.0.0.1:6379/15")


@pytest.mark.redis
def test_two_app_servers_share_entries_through_redis():
    key = f"test-{uuid.uuid4().hex}"
    with override_settings(CACHES={"default": REDIS, "other": REDIS}):
        first, second = caches["default"], caches["other"]
        assert first is not second
        first.set(key, {"申请": 3}, timeout=30)
        assert second.get(key) == {"申请": 3}
        first.delete(key)
        assert second.get(key) is None
        # Counters (rate limits) add up across servers.
        counter = f"{key}-count"
        assert first.add(counter, 0, timeout=30)
        first.incr(counter)
        assert second.incr(counter) == 2
        first.delete(counter)
