"""Load and soak test: N virtual users for D seconds against the site served by bench/load/serve.sh.

    .venv/bin/python bench/load/run.py                           # 100 users, 600 s (the issue's figure)
    .venv/bin/python bench/load/run.py --users 20 --duration 60  # a short check

Needs bench/load/setup.sh (database gk_load and var/load/targets.json) and bench/load/serve.sh running.
Not part of the test suite; only the Python standard library, aiohttp and disclosure_site.checkdigits.

Virtual users. A share (--staff, default 10 %) are staff: each logs in to /admin/ once with its own
account (bench/load/prepare.py made one per role in eight organizations) and then opens the admin
index and the change lists of items and applications (pages, searches, filters). The others are
visitors who, in a loop, pick a page kind by weight (WEIGHTS): the home page, the item list with a
filter and a page, an organization's catalog, a category page, an item page (a third of the views on
200 "popular" items, the rest anywhere in the catalog), a search of one or two words (sometimes by
date or in one department), an application, or a status lookup. An application is a visit of its
own, with a fresh cookie jar: GET /apply/, POST a valid application (resident ID with a correct check
digit, CSRF token), GET the confirmation page and read the number and query code there. A status
lookup, also with a fresh cookie jar, takes the number and code of an application made earlier in
the run (an application if there is none yet), POSTs them to /apply/status/ and opens the status page.
Visitors browse without a session cookie (as most readers do), so the public page cache serves them.
After each page a user thinks for a random time, uniform in --think (default 1–3 s); users start
spread over the first --ramp seconds (default 20).

Errors: a connection error, a timeout (--timeout, default 30 s), a 5xx, any status other than the one
the page must answer (200, or the redirect after a successful POST), or a 200 without the page's
marker text (so that an error page answered with 200 is not counted as a success). The first five
errors of each kind are printed with their URL.

Memory: every --sample seconds (default 10) the VmRSS of each gunicorn worker (the children of the
master in var/load/gunicorn.pid) is read from /proc/<pid>/status; the report compares each
worker's mean over the first minute with its mean over the last minute.

Output: a table per page kind (count, errors, p50, p95, max in ms, requests per second), the totals,
the memory table, and JSON with everything in var/load/results-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import quote

import aiohttp

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from disclosure_site.checkdigits import make_resident_id  # noqa: E402 - pure function, no Django setup

TARGETS = ROOT / "var" / "load" / "targets.json"
RESULTS_DIR = ROOT / "var" / "load"
PID_FILE = ROOT / "var" / "load" / "gunicorn.pid"  # written by bench/load/serve.sh

# Visitor page kinds and their weights (an "apply" or "status" draw is a whole visit of 3 requests).
WEIGHTS = {
    "home": 8,
    "item_list": 14,
    "org_catalog": 8,
    "category": 14,
    "item": 30,
    "search": 14,
    "apply": 4,
    "status": 8,
}
# Staff page kinds and their weights.
STAFF_WEIGHTS = {"admin_index": 2, "admin_items": 5, "admin_applications": 5}

# Text each page must contain: a 200 without it (an error page, a wrong template) is an error.
MARKERS = {
    "home": "<h1>政府信息公开</h1>",
    "item_list": "<h1>主动公开信息列表</h1>",
    "org_catalog": "政府信息公开</h1>",
    "category": "公开目录",
    "item": "<caption>信息属性</caption>",
    "search": "<h1>全文检索</h1>",
    "apply_form": "<h1>政府信息公开申请</h1>",
    "apply_confirmation": "<h1>申请已提交</h1>",
    "status_form": "<h1>申请查询</h1>",
    "status_page": "<h1>申请办理进度</h1>",
    "admin_login_form": 'name="password"',
    "admin_index": "工作台",
    "admin_items": 'id="changelist"',
    "admin_applications": 'id="changelist"',
}
# Text no page may contain: the site's error pages, and the notes of a list or search page that ignored a
# filter or a page number it could not read (this script's URLs must all be valid).
ERROR_TEXTS = (
    "系统暂时无法处理您的请求",
    "<h1>页面不存在</h1>",
    "系统维护中",
    "部分筛选条件有误",
    "无效，已显示第 1 页",
)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RECEIPT = re.compile(r'<dd class="receipt-code">\s*([^<]+?)\s*</dd>')

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
REGIONS = ["330122", "330102", "330106", "330110", "110101", "440305", "510104"]
WANTS = [
    "2025年度本单位部门预算和决算公开表",
    "本镇高标准农田建设项目的资金拨付明细",
    "县城老旧小区改造项目的实施方案及批复文件",
    "2024年义务教育阶段学区划分方案",
    "本村土地征收的批准文件和补偿安置方案",
    "县级重大建设项目的环境影响评价批复",
]


class PageError(Exception):
    """A page answered wrongly; the message says how."""


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    applications: list[tuple[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    # Per minute of the run: response times and errors of every kind together (does it degrade?).
    minutes: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    minute_errors: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def ok(self, kind: str, ms: float) -> None:
        self.times[kind].append(ms)
        self.minutes[int((time.monotonic() - self.started) // 60)].append(ms)

    def error(self, kind: str, ms: float, url: str, message: str) -> None:
        self.ok(kind, ms)
        self.errors[kind] += 1
        self.minute_errors[int((time.monotonic() - self.started) // 60)] += 1
        if len(self.examples[kind]) < 5:
            self.examples[kind].append(f"{url}: {message}")
            print(f"  error {kind} {url}: {message}", file=sys.stderr, flush=True)


class Client:
    """One visit's HTTP client: timing, status and marker checks, CSRF tokens."""

    def __init__(self, base: str, connector: aiohttp.BaseConnector, timeout: float, stats: Stats):
        self.base, self.stats = base, stats
        self.session = aiohttp.ClientSession(
            connector=connector,
            connector_owner=False,
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies from an IP address (127.0.0.1)
            timeout=aiohttp.ClientTimeout(total=timeout),
            headers={"User-Agent": "gk-load/1.0", "Accept-Language": "zh-CN,zh;q=0.9"},
        )

    async def close(self) -> None:
        await self.session.close()

    async def request(
        self, kind: str, path: str, *, data: dict | None = None, expect: int = 200, marker: str | None = None
    ) -> tuple[str, str]:
        """GET (or POST data to) path; return (body, Location). Raises PageError after recording it."""
        url = self.base + path
        method = "POST" if data is not None else "GET"
        headers = {"Referer": url} if data is not None else None
        started = time.perf_counter()
        try:
            async with self.session.request(method, url, data=data, allow_redirects=False, headers=headers) as resp:
                body = await resp.text(errors="replace")
                status, location = resp.status, resp.headers.get("Location", "")
        except TimeoutError:
            return self._fail(kind, started, url, "timeout")
        except aiohttp.ClientError as error:
            return self._fail(kind, started, url, f"{type(error).__name__}: {error}")
        ms = (time.perf_counter() - started) * 1000
        if status != expect:
            where = f" -> {location}" if location else ""
            return self._fail(kind, started, url, f"status {status}{where}", ms)
        marker = MARKERS.get(kind) if marker is None else marker
        if status == 200 and marker and marker not in body:
            return self._fail(kind, started, url, f"200 without the marker {marker!r}", ms)
        if status == 200 and any(text in body for text in ERROR_TEXTS):
            return self._fail(kind, started, url, "200 with an error page's text", ms)
        self.stats.ok(kind, ms)
        return body, location

    def _fail(self, kind: str, started: float, url: str, message: str, ms: float | None = None):
        ms = (time.perf_counter() - started) * 1000 if ms is None else ms
        self.stats.error(kind, ms, url, message)
        raise PageError(message)

    async def get_csrf(self, kind: str, path: str) -> str:
        body, _ = await self.request(kind, path)
        found = CSRF_INPUT.search(body)
        if not found:
            self._fail(kind, time.perf_counter(), self.base + path, "no CSRF token in the form", 0.0)
        return found.group(1)


class Workload:
    def __init__(self, args: argparse.Namespace, targets: dict, stats: Stats):
        self.args, self.targets, self.stats = args, targets, stats
        self.rng = random.Random(args.seed)
        low, high = targets["item_ids"]
        hidden = set(targets["item_ids_hidden"])
        self.item_low, self.item_high, self.hidden = low, high, hidden
        self.popular = [self._any_item() for _ in range(200)]
        self.orgs = targets["organizations"]
        self.orgs_with_items = targets["organizations_with_items"]
        self.categories = targets["categories"]
        self.words = targets["search_words"]
        self.deadline = 0.0
        self.applied = 0

    # URLs --------------------------------------------------------------------------------------------

    def _any_item(self) -> int:
        while True:
            pk = self.rng.randint(self.item_low, self.item_high)
            if pk not in self.hidden:
                return pk

    def _page(self) -> int:
        r = self.rng.random()
        return 1 if r < 0.6 else self.rng.randint(2, 5) if r < 0.9 else self.rng.randint(6, 50)

    def item_url(self) -> str:
        pk = self.rng.choice(self.popular) if self.rng.random() < 0.33 else self._any_item()
        return f"/items/{pk}/"

    def list_url(self) -> str:
        rng = self.rng
        choice = rng.random()
        if choice < 0.25:
            query = ""
        elif choice < 0.6:
            query = f"organization={rng.choice(self.orgs_with_items)}"
        elif choice < 0.75:
            query = f"document_type={rng.choice(['normative', 'notice', 'plan', 'budget', 'news'])}"
        elif choice < 0.9:
            query = f"year={rng.randint(2016, 2026)}"
        else:
            query = f"organization={rng.choice(self.orgs_with_items)}&validity=valid"
        page = self._page()
        parts = [p for p in (query, f"page={page}" if page > 1 else "") if p]
        return "/items/" + ("?" + "&".join(parts) if parts else "")

    def category_url(self) -> str:
        org, pk = self.rng.choice(self.categories)
        page = self.rng.randint(2, 3) if self.rng.random() < 0.3 else 1
        return f"/org/{org}/catalog/{pk}/" + (f"?page={page}" if page > 1 else "")

    def search_url(self) -> str:
        rng = self.rng
        words = rng.sample(self.words, rng.choice([1, 1, 1, 2]))
        params = [("q", " ".join(words))]
        if rng.random() < 0.3:
            params.append(("order", "date"))
        if rng.random() < 0.2:
            params.append(("organization", str(rng.choice(self.orgs_with_items))))
        if rng.random() < 0.15:
            params.append(("page", str(rng.randint(2, 5))))
        return "/search/?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params)

    def application(self, csrf: str) -> dict:
        rng = self.rng
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 55))
        self.applied += 1
        with_email = rng.random() < 0.5
        return {
            "csrfmiddlewaretoken": csrf,
            "organization": str(rng.choice(self.orgs)),
            "applicant_kind": "natural",
            "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2]))),
            "id_type": "resident_id",
            "id_number": make_resident_id(rng.choice(REGIONS), born.strftime("%Y%m%d"), f"{rng.randint(0, 999):03d}"),
            "phone": f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}",
            "email": f"load{self.applied}@example.com" if with_email else "",
            "address": "浙江省清河县人民路1号",
            "postcode": "311500",
            "description": f"申请公开{rng.choice(WANTS)}。（负载测试）",
            "document_title": "",
            "document_number": "",
            "wanted_form": rng.choice(["electronic", "paper"]),
            "delivery": rng.choice(["online", "post", "pickup"] + (["email"] if with_email else [])),
            "truthful": "on",
            "leave_blank": "",
            "captcha_token": "",
            "captcha_answer": "",
        }

    # Users ---------------------------------------------------------------------------------------------

    async def think(self) -> None:
        low, high = self.args.think
        await asyncio.sleep(self.rng.uniform(low, high))

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    async def visitor(self, base: str, connector, n: int) -> None:
        client = Client(base, connector, self.args.timeout, self.stats)
        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        try:
            while self.running():
                kind = self.rng.choices(kinds, weights)[0]
                try:
                    if kind == "apply" or (kind == "status" and not self.stats.applications):
                        await self.apply(base, connector)
                    elif kind == "status":
                        await self.status(base, connector)
                    else:
                        url = {
                            "home": lambda: "/",
                            "item_list": self.list_url,
                            "org_catalog": lambda: f"/org/{self.rng.choice(self.orgs_with_items)}/catalog/",
                            "category": self.category_url,
                            "item": self.item_url,
                            "search": self.search_url,
                        }[kind]()
                        await client.request(kind, url)
                except PageError:
                    pass
                await self.think()
        finally:
            await client.close()

    async def apply(self, base: str, connector) -> None:
        client = Client(base, connector, self.args.timeout, self.stats)
        try:
            csrf = await client.get_csrf("apply_form", "/apply/")
            await self.think()  # filling in the form
            _, location = await client.request("apply_post", "/apply/", data=self.application(csrf), expect=302)
            if not location.endswith("/apply/submitted/"):
                client._fail("apply_post", time.perf_counter(), base + "/apply/", f"redirected to {location}", 0.0)
            body, _ = await client.request("apply_confirmation", "/apply/submitted/")
            found = RECEIPT.findall(body)
            if len(found) < 2:
                client._fail("apply_confirmation", time.perf_counter(), base, "no number and query code", 0.0)
            number, code = unescape(found[0]), unescape(found[1]).replace(" ", "")
            self.stats.applications.append((number, code))
        finally:
            await client.close()

    async def status(self, base: str, connector) -> None:
        number, code = self.rng.choice(self.stats.applications)
        client = Client(base, connector, self.args.timeout, self.stats)
        try:
            csrf = await client.get_csrf("status_form", "/apply/status/")
            await self.think()
            data = {"csrfmiddlewaretoken": csrf, "number": number, "code": code.lower()}
            _, location = await client.request("status_post", "/apply/status/", data=data, expect=302)
            if not location.rstrip("/").endswith(number):
                client._fail("status_post", time.perf_counter(), base, f"redirected to {location}", 0.0)
            await client.request("status_page", f"/apply/status/{number}/", marker=number)
        finally:
            await client.close()

    async def staff(self, base: str, connector, account: dict, password: str) -> None:
        client = Client(base, connector, self.args.timeout, self.stats)
        kinds, weights = list(STAFF_WEIGHTS), list(STAFF_WEIGHTS.values())
        try:
            try:
                csrf = await client.get_csrf("admin_login_form", "/admin/login/?next=/admin/")
                data = {"csrfmiddlewaretoken": csrf, "username": account["username"], "password": password}
                data["next"] = "/admin/"
                _, location = await client.request("admin_login", "/admin/login/?next=/admin/", data=data, expect=302)
                if location != "/admin/":
                    client._fail("admin_login", time.perf_counter(), base, f"redirected to {location}", 0.0)
            except PageError:
                return  # counted; a user who cannot log in has nothing else to do
            await self.think()
            while self.running():
                kind = self.rng.choices(kinds, weights)[0]
                try:
                    await client.request(kind, self.staff_url(kind))
                except PageError:
                    pass
                await self.think()
        finally:
            await client.close()

    def staff_url(self, kind: str) -> str:
        rng = self.rng
        if kind == "admin_index":
            return "/admin/"
        if kind == "admin_items":
            choices = ["", "p=2", "status__exact=published", "q=" + quote(rng.choice(self.words))]
            query = rng.choice(choices)
            return "/admin/catalog/item/" + (f"?{query}" if query else "")
        choices = ["", "p=2", "status__exact=pending", "q=" + quote(rng.choice(SURNAMES))]
        query = rng.choice(choices)
        return "/admin/requests_app/inforequest/" + (f"?{query}" if query else "")


# Memory --------------------------------------------------------------------------------------------------


def _workers(master: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{master}/task").glob("*/children"):
        children += [int(pid) for pid in task.read_text().split()]
    return sorted(children)


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


async def sample_memory(samples: list[dict], every: float, started: float, stop: asyncio.Event) -> None:
    if not PID_FILE.exists():
        print(f"no {PID_FILE}: worker memory is not sampled", file=sys.stderr)
        return
    master = int(PID_FILE.read_text().strip())
    while True:
        rss = {pid: kib for pid in _workers(master) if (kib := _rss_kib(pid)) is not None}
        samples.append({"t": round(time.monotonic() - started, 1), "rss_kib": rss})
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
            return
        except TimeoutError:
            pass


def memory_report(samples: list[dict], duration: float) -> dict:
    """Each worker's mean RSS over the first and the last minute (MiB), and the change."""
    if not samples:
        return {}
    window = min(60.0, duration / 3)
    pids = sorted({pid for s in samples for pid in s["rss_kib"]})
    report = {}
    for pid in pids:
        seen = [(s["t"], s["rss_kib"][pid]) for s in samples if pid in s["rss_kib"]]
        first = [kib for t, kib in seen if t <= seen[0][0] + window]
        last = [kib for t, kib in seen if t >= seen[-1][0] - window]
        first_mib, last_mib = sum(first) / len(first) / 1024, sum(last) / len(last) / 1024
        # The first minute includes the warm-up (imports, template and URL caches, the segmenter's
        # dictionary); the trend over the second half says whether memory still grows once warm.
        middle = seen[0][0] + (seen[-1][0] - seen[0][0]) / 2
        half = [(t, kib / 1024) for t, kib in seen if t >= middle]
        report[str(pid)] = {
            "first_minute_mib": round(first_mib, 1),
            "last_minute_mib": round(last_mib, 1),
            "change_mib": round(last_mib - first_mib, 1),
            "max_mib": round(max(kib for _, kib in seen) / 1024, 1),
            "second_half_slope_mib_per_min": round(_slope(half) * 60, 2) if len(half) >= 3 else None,
            "samples": len(seen),
            "alive_from_s": seen[0][0],
            "alive_to_s": seen[-1][0],
        }
    return report


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


# Report --------------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def summarize(stats: Stats, elapsed: float) -> dict:
    order = [
        *WEIGHTS,
        "apply_form",
        "apply_post",
        "apply_confirmation",
        "status_form",
        "status_post",
        "status_page",
        "admin_login_form",
        "admin_login",
        *STAFF_WEIGHTS,
    ]
    kinds = {}
    for kind in sorted(stats.times, key=lambda k: order.index(k) if k in order else len(order)):
        times = stats.times[kind]
        kinds[kind] = {
            "count": len(times),
            "errors": stats.errors.get(kind, 0),
            "p50_ms": round(percentile(times, 0.50), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1),
            "per_second": round(len(times) / elapsed, 2),
        }
    everything = [ms for times in stats.times.values() for ms in times]
    total = {
        "count": len(everything),
        "errors": sum(stats.errors.values()),
        "p50_ms": round(percentile(everything, 0.50), 1) if everything else 0,
        "p95_ms": round(percentile(everything, 0.95), 1) if everything else 0,
        "max_ms": round(max(everything), 1) if everything else 0,
        "per_second": round(len(everything) / elapsed, 2),
    }
    minutes = [
        {
            "minute": minute + 1,
            "count": len(times),
            "errors": stats.minute_errors.get(minute, 0),
            "p50_ms": round(percentile(times, 0.50), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
        }
        for minute, times in sorted(stats.minutes.items())
    ]
    return {"kinds": kinds, "total": total, "minutes": minutes}


def print_report(result: dict) -> None:
    print(f"\n{'page kind':<20} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>7}")
    rows = [*result["pages"]["kinds"].items(), ("TOTAL", result["pages"]["total"])]
    for kind, row in rows:
        print(
            f"{kind:<20} {row['count']:>7} {row['errors']:>6} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['max_ms']:>8.1f} {row['per_second']:>7.2f}"
        )
    print("\nminute  " + " ".join(f"{m['minute']:>6}" for m in result["pages"]["minutes"]))
    for name, key in (("count", "count"), ("errors", "errors"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms")):
        print(f"{name:<7} " + " ".join(f"{m[key]:>6.0f}" for m in result["pages"]["minutes"]))
    print(
        f"\n{result['users']} users ({result['staff_users']} staff) for {result['elapsed_s']:.0f} s, think time "
        f"{result['think_s'][0]}–{result['think_s'][1]} s; {result['applications']} applications submitted; "
        f"load average before {result['load_before']}, after {result['load_after']}"
    )
    if result["memory"]:
        print(
            f"\n{'worker pid':<11} {'first min MiB':>13} {'last min MiB':>13} {'change':>7} {'max MiB':>8} "
            f"{'2nd half MiB/min':>16} {'samples':>7}"
        )
        for pid, row in result["memory"].items():
            slope = row["second_half_slope_mib_per_min"]
            print(
                f"{pid:<11} {row['first_minute_mib']:>13.1f} {row['last_minute_mib']:>13.1f} "
                f"{row['change_mib']:>+7.1f} {row['max_mib']:>8.1f} {'' if slope is None else f'{slope:+.2f}':>16} "
                f"{row['samples']:>7}"
            )
    for kind, examples in result["error_examples"].items():
        print(f"\nerrors of {kind}:", *examples, sep="\n  ")


async def main(args: argparse.Namespace) -> dict:
    targets = json.loads(TARGETS.read_text())
    stats = Stats()
    workload = Workload(args, targets, stats)
    base = args.url.rstrip("/")
    staff_users = round(args.users * args.staff) if args.users > 1 else 0
    accounts = targets["staff"]
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=1.5)  # the server's keep-alive is 5 s
    load_before = load_average()
    started = stats.started = time.monotonic()
    workload.deadline = started + args.duration
    samples: list[dict] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(samples, args.sample, started, stop))

    async def start(n: int):
        await asyncio.sleep(workload.rng.uniform(0, args.ramp))
        if n < staff_users:
            await workload.staff(base, connector, accounts[n % len(accounts)], targets["password"])
        else:
            await workload.visitor(base, connector, n)

    print(f"{args.users} users ({staff_users} staff) for {args.duration} s against {base}", flush=True)
    await asyncio.gather(*(start(n) for n in range(args.users)))
    elapsed = time.monotonic() - started
    stop.set()
    await sampler
    await connector.close()
    return {
        "started_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "url": base,
        "users": args.users,
        "staff_users": staff_users,
        "duration_s": args.duration,
        "elapsed_s": round(elapsed, 1),
        "think_s": args.think,
        "timeout_s": args.timeout,
        "weights": WEIGHTS,
        "staff_weights": STAFF_WEIGHTS,
        "catalog_items": targets["items"],
        "applications": len(stats.applications),
        "load_before": load_before,
        "load_after": load_average(),
        "pages": summarize(stats, elapsed),
        "error_examples": dict(stats.examples),
        "memory": memory_report(samples, elapsed),
        "memory_samples": samples,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('LOAD_PORT', '8307')}")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=float, default=600, help="seconds")
    parser.add_argument("--staff", type=float, default=0.10, help="share of the users who are staff")
    parser.add_argument(
        "--think", type=lambda s: [float(x) for x in s.split(",")], default=[1.0, 3.0], help="min,max seconds"
    )
    parser.add_argument("--ramp", type=float, default=20, help="users start spread over this many seconds")
    parser.add_argument("--timeout", type=float, default=30, help="seconds before a request counts as failed")
    parser.add_argument("--sample", type=float, default=10, help="seconds between worker memory samples")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, help="JSON results (default var/load/results-<time>.json)")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    result = asyncio.run(main(arguments))
    print_report(result)
    output = arguments.output or RESULTS_DIR / f"results-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"\nresults: {output}")
    sys.exit(1 if result["pages"]["total"]["errors"] else 0)
