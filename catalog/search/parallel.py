"""A second database connection per process, for the count of a search while its page is read.

A search on PostgreSQL asks two independent questions: how many items match (with the facet counts),
and which are on the page. At a million items each takes 10–40 ms, most of it waiting for pages, so
the count is asked on a side connection by a worker thread while the request's thread reads the page:
the search then takes about the longer of the two instead of their sum (bench/search.py).

The side connection sees only committed data, so the count runs in line, as before, when the request's
connection is inside a transaction (a test's, ATOMIC_REQUESTS, or a caller's atomic block): the count
then sees what that transaction wrote. Any error on the side connection closes it (the next search
opens a new one) and the count is run again in line, so a search never fails for it; so does a search
while another thread's count holds the side connection (threaded servers). The side
connection lives as long as the request's (CONN_MAX_AGE): one more connection per worker process (count
it in max_connections). SEARCH_SIDE_CONNECTION=0 turns this off.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import connection

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass
class _Side:
    pid: int  # the process that made it: threads and locks do not survive a fork
    executor: ThreadPoolExecutor
    busy: threading.Lock  # held while the side connection works: a second search meanwhile counts in line


_lock = threading.Lock()
_side: _Side | None = None


def _this_process() -> _Side:
    global _side
    with _lock:
        if _side is None or _side.pid != os.getpid():
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-side")
            _side = _Side(os.getpid(), executor, threading.Lock())
        return _side


def enabled() -> bool:
    return (
        getattr(settings, "SEARCH_SIDE_CONNECTION", True)
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def _on_side_connection(side: _Side, function: Callable[[], T]) -> T:
    try:
        # As at the start of a request: a connection past CONN_MAX_AGE is closed, one is health-checked.
        connection.close_if_unusable_or_obsolete()
        return function()
    except BaseException:
        connection.close()  # this thread's connection: the next search opens a fresh one
        raise
    finally:
        side.busy.release()


def close() -> None:
    """Close this process's side connection (before its database is dropped, as at the end of tests)."""
    if _side is not None and _side.pid == os.getpid():
        _side.executor.submit(_close_here).result()


def _close_here() -> None:
    connection.close()  # looked up in the worker thread: its own connection


def beside(function: Callable[[], T]) -> Callable[[], T]:
    """Start function on the side connection when it can run there; returns a call that waits for its
    result (or, when it could not, runs it here)."""
    if not enabled():
        return function
    side = _this_process()
    if not side.busy.acquire(blocking=False):  # threaded servers: another search's count has it
        return function
    try:
        future: Future = side.executor.submit(_on_side_connection, side, function)
    except BaseException:
        side.busy.release()
        raise

    def result() -> T:
        try:
            return future.result()
        except Exception:
            logger.warning("search count on the side connection failed; counted in line", exc_info=True)
            return function()

    return result
