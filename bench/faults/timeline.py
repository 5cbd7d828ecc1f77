"""Request the site in a loop and print a status timeline, one line per second, for the fault drills.

    .venv/bin/python bench/faults/timeline.py --base http://127.0.0.1:8231 --seconds 60 --events FILE

FILE is where the drill appends "EPOCH-SECONDS LABEL" lines as it breaks and repairs things; they are
printed in the timeline and used for the summary. Exit status 0 when every answer was a 200 or the 503
maintenance page (系统维护中, with Retry-After), there was at least one 503, and the site answered 200
again after the last repair without anyone touching it; with --no-outage (Redis drill), when every
answer was a 200.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path

URLS = ["/", "/proactive/", "/apply/", "/apply/status/", "/admin/login/"]


def fetch(url: str) -> tuple[str, str]:
    """(status, problem): status "200", "503", ... or "ERR"; problem says what was wrong with a 503."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own local server
            return str(response.status), ""
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")
        problem = ""
        if error.code == 503:
            if "系统维护中" not in body:
                problem = "503 without the maintenance page"
            elif not error.headers.get("Retry-After"):
                problem = "503 without Retry-After"
        return str(error.code), problem
    except (urllib.error.URLError, OSError) as error:
        return "ERR", f"{type(error).__name__}: {error}"


def read_events(path: Path | None) -> list[tuple[float, str]]:
    if path is None or not path.exists():
        return []
    events = []
    for line in path.read_text().splitlines():
        stamp, _, label = line.partition(" ")
        events.append((float(stamp), label))
    return events


def clock(stamp: float) -> str:
    return datetime.fromtimestamp(stamp).strftime("%H:%M:%S")  # noqa: DTZ006 - local wall clock for the log


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--events", type=Path)
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between requests")
    parser.add_argument(
        "--no-outage", action="store_true", help="the site must answer 200 throughout (a Redis drill): any 503 fails"
    )
    args = parser.parse_args()

    start = time.time()
    results: list[tuple[float, str]] = []
    problems: list[str] = []
    shown_events = 0
    second, line = 0, Counter()
    n = 0
    durations: list[float] = []

    slowest = [0.0]

    def flush(sec: int, counts: Counter) -> None:
        text = "  ".join(f"{status}×{count}" for status, count in sorted(counts.items()))
        print(
            f"{clock(start + sec + 1)}  +{sec:3d}-{sec + 1}s  {text:<20} slowest {slowest[0] * 1000:5.0f} ms",
            flush=True,
        )
        slowest[0] = 0.0

    while time.time() - start < args.seconds:
        now = time.time()
        current = int(now - start)
        if current != second:
            if line:
                flush(second, line)
            second, line = current, Counter()
        events = read_events(args.events)
        for stamp, label in events[shown_events:]:
            print(f"{clock(stamp)}  +{stamp - start:5.1f}s  ---- {label}", flush=True)
        shown_events = len(events)
        status, problem = fetch(args.base + URLS[n % len(URLS)])
        slowest[0] = max(slowest[0], time.time() - now)
        durations.append(time.time() - now)
        n += 1
        results.append((now, status))
        line[status] += 1
        if problem:
            problems.append(f"+{now - start:.1f}s {URLS[(n - 1) % len(URLS)]}: {status} {problem}")
        time.sleep(args.pause)
    if line:
        flush(second, line)

    counts = Counter(status for _, status in results)
    events = read_events(args.events)
    print()
    print(f"requests: {len(results)}; by status: " + ", ".join(f"{s}: {c}" for s, c in sorted(counts.items())))
    durations.sort()
    print(
        f"response time: median {durations[len(durations) // 2] * 1000:.0f} ms, "
        f"p95 {durations[int(len(durations) * 0.95)] * 1000:.0f} ms, max {durations[-1] * 1000:.0f} ms"
    )
    unavailable = [stamp for stamp, status in results if status == "503"]
    if unavailable:
        print(f"503 maintenance pages from +{unavailable[0] - start:.1f}s to +{unavailable[-1] - start:.1f}s")
    for stamp, label in events:
        if label.startswith("up"):
            first_ok = next((t for t, s in results if t >= stamp and s == "200"), None)
            after = f"{first_ok - stamp:.2f} s" if first_ok else "never"
            print(f"after '{label}' at +{stamp - start:.1f}s: first 200 {after} later")
    others = {s: c for s, c in counts.items() if s not in {"200", "503"}}
    tail = [status for _, status in results[-10:]]
    ok = True
    if others:
        print(f"FAIL: answers other than 200/503: {others}")
        ok = False
    if problems:
        print("FAIL: " + "; ".join(problems[:5]))
        ok = False
    if args.no_outage and unavailable:
        print(f"FAIL: {len(unavailable)} answers were 503")
        ok = False
    if not args.no_outage and not unavailable:
        print("FAIL: no 503 seen: the outage was not observed")
        ok = False
    if tail.count("200") != len(tail):
        print(f"FAIL: the site did not recover by itself (last answers {tail})")
        ok = False
    print("RESULT: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
