"""Redis stopped under a running site: pages are served uncached, the application form asks its
question (the safe side of the rate limit), the status lookup counts in process memory, and caching
resumes by itself once Redis is back. A redis-server of the test's own on port 6391."""

from __future__ import annotations

import logging
import socket
import time
import uuid

import pytest
import redis
from django.core.cache import cache, caches
from django.test import Client, override_settings

from disclosure_site import cache_backends
from disclosure_site.env import parse_cache_url
from requests_app import captcha, ratelimit
from requests_app.models import InfoRequest
from requests_app.views import APPLY_SCOPE, NOT_FOUND
from tests.catalog.factories import ItemFactory
from tests.requests_app.test_apply import APPLY, answer_to, natural, question_of, token_of
from tests.requests_app.test_status import LOOKUP, look_up

DOWN_SECONDS = 0.3


def fail_safe_cache(url: str) -> dict:
    return {**parse_cache_url(url), "KEY_PREFIX": f"t{uuid.uuid4().hex[:8]}", "OPTIONS": {"DOWN_SECONDS": DOWN_SECONDS}}


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """The outage bookkeeping and the in-memory fallbacks are per process: start each test clean."""
    for state in (cache_backends._down_until, cache_backends._last_warning, ratelimit._local, captcha._local_used):
        state.clear()
    yield
    cache_backends._down_until.clear()


@pytest.fixture
def redis_cache(private_redis, settings):
    settings.CACHES = {"default": fail_safe_cache(private_redis.url)}
    return private_redis


def keys_in(server) -> int:
    return redis.Redis(port=server.port).dbsize()


def back_up(server) -> None:
    server.start()
    time.sleep(DOWN_SECONDS + 0.05)  # the backend tries Redis again after DOWN_SECONDS


@pytest.mark.redis
def test_pages_are_served_uncached_while_redis_is_down_and_cached_again_after(county, redis_cache):
    item = ItemFactory(organization=county.finance, published=True)
    pages = ["/", "/proactive/", item.get_absolute_url(), APPLY]
    client = Client()
    assert all(client.get(url).status_code == 200 for url in pages)
    assert keys_in(redis_cache) > 0

    redis_cache.stop()
    started = time.monotonic()
    statuses = [client.get(url).status_code for url in pages * 3]
    elapsed = time.monotonic() - started

    assert statuses == [200] * len(statuses)
    assert elapsed < 5  # no request waits on the dead server: connection refused, then not tried for a while

    back_up(redis_cache)
    assert keys_in(redis_cache) == 0
    assert client.get("/proactive/").status_code == 200
    assert keys_in(redis_cache) > 0  # cached again, nobody restarted the site


@pytest.mark.redis
def test_the_application_form_asks_the_question_while_redis_is_down(county, redis_cache):
    redis_cache.stop()
    client = Client()

    page = client.get(APPLY)
    answered = natural(county, captcha_token=token_of(page), captcha_answer=answer_to(question_of(page)))
    response = client.post(APPLY, answered)
    replayed = Client().post(APPLY, answered)

    assert response.status_code == 302  # a person who answers applies as usual
    assert replayed.status_code == 200 and "验证问题：" in replayed.content.decode()  # a solved one is used up
    assert InfoRequest.objects.count() == 1


@pytest.mark.redis
def test_without_redis_nobody_is_let_through_without_the_question(county, redis_cache):
    redis_cache.stop()

    response = Client().post(APPLY, natural(county))

    assert response.status_code == 200 and "为防止自动提交，请回答验证问题后再提交" in response.content.decode()
    assert not InfoRequest.objects.exists()
    assert APPLY_SCOPE in ratelimit.ASK_WHEN_UNAVAILABLE


@pytest.mark.redis
def test_the_status_lookup_stays_usable_and_limited_while_redis_is_down(county, redis_cache, settings):
    from tests.requests_app.factories import submitted_online

    info_request, code = submitted_online(county.finance)
    settings.REQUEST_LOOKUP_LIMIT_PER_IP = 3
    redis_cache.stop()
    client = Client(REMOTE_ADDR="192.0.2.40")

    assert look_up(Client(REMOTE_ADDR="192.0.2.41"), info_request.number, code).status_code == 302
    wrong = [look_up(client, f"YSQ-2026-{n + 700:06d}", "AAAAAAAAAA") for n in range(3)]
    blocked = look_up(client, info_request.number, code)

    assert all(r.status_code == 200 and NOT_FOUND in r.content.decode() for r in wrong)
    assert blocked.status_code == 429
    assert Client().get(LOOKUP).status_code == 200


@pytest.mark.redis
def test_the_backend_answers_misses_while_redis_is_down_and_warns_once(redis_cache, caplog):
    cache.set("kept", "值", 60)
    redis_cache.stop()

    with caplog.at_level(logging.WARNING, logger="disclosure_site.cache_backends"):
        assert cache.get("kept", "默认") == "默认"
        assert cache.get_many(["kept"]) == {}
        cache.set("new", 1, 60)  # dropped, no error
        assert cache.add("counter", 0) is False
        with pytest.raises(ValueError):
            cache.incr("counter")
        assert cache.delete("kept") is False
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert not cache_backends.is_available(cache)
        time.sleep(DOWN_SECONDS + 0.05)
        assert cache.get("kept") is None  # tried again, failed again: still no second warning
    assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 1

    back_up(redis_cache)
    cache.set("kept", "新值", 60)
    assert cache.get("kept") == "新值"
    assert cache_backends.is_available(cache)


def test_a_redis_that_never_answers_costs_one_short_timeout_per_few_seconds(db):
    """A host that accepts the connection and then says nothing (hung, or a firewall): the read times
    out after 1 s, and the next calls do not try again until DOWN_SECONDS have passed."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        with override_settings(CACHES={"default": fail_safe_cache(f"redis://127.0.0.1:{port}/0")}):
            started = time.monotonic()
            assert caches["default"].get("anything", "miss") == "miss"
            first = time.monotonic() - started
            started = time.monotonic()
            for _ in range(20):
                assert caches["default"].get("anything", "miss") == "miss"
            following = time.monotonic() - started

    assert first < 2.5
    assert following < 0.2


def test_cache_urls_for_redis_use_the_fail_safe_backend():
    config = parse_cache_url("redis://cache.internal:6379/1?socket_timeout=2")
    assert config["BACKEND"] == "disclosure_site.cache_backends.FailSafeRedisCache"
    assert config["LOCATION"] == "redis://cache.internal:6379/1?socket_timeout=2"


def test_with_the_cache_host_refusing_connections_the_form_still_takes_applications(county, settings):
    """No redis-server needed: a port nobody listens on behaves like a stopped Redis."""
    settings.CACHES = {"default": fail_safe_cache("redis://127.0.0.1:1/0")}
    client = Client()

    page = client.get(APPLY)
    answered = natural(county, captcha_token=token_of(page), captcha_answer=answer_to(question_of(page)))

    assert client.post(APPLY, answered).status_code == 302
    assert InfoRequest.objects.count() == 1
