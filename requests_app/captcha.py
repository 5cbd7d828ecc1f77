"""A question a person answers before an application is stored, asked only when there is cause.

The public form asks it when one address has stored more applications than REQUEST_RATE_LIMIT in the
current window, or when a submission filled in the honeypot field. Nobody is refused: answering
correctly lets the application through, so a family or an office behind one address, a lawyer filing
for several clients, or a person whose browser filled in a hidden field can still apply.

Why an arithmetic question in Chinese text ("七加五等于几？") and no picture:

- 2021 适老化 rules and the inspection rules (reference/regulation.md) ask for a CAPTCHA that can be
  enlarged and has a non-visual alternative. Text is both: it grows with the large-text mode and the
  browser's zoom, keeps the high-contrast colours, and a screen reader reads it aloud. So the question
  itself is the non-visual alternative; there is no image, audio file or third-party service (which
  would also send visitors' addresses elsewhere).
- The answer may be typed as 12, １２ or 十二.
- It stops the naive scripts that fill every form they find, which is what floods an organ's inbox.
  A program written for this site could parse the question; the per-address limit still slows it
  down, and staff can see and end such applications. Stronger puzzles would shut out real people first.

The question travels in a signed token (django.core.signing with SECRET_KEY, valid MAX_AGE seconds) in
a hidden field, so nothing is kept per visitor until an answer is checked; each token can be checked
once (its nonce is then remembered in the shared cache), so one solved question cannot be replayed.
While the shared cache is down (Redis stopped) the nonces are remembered in this process's memory
instead: the question still works, and a solved one can be replayed at most once per app-server process
until Redis is back.
"""

from __future__ import annotations

import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache

from disclosure_site.cache_backends import is_available

MAX_AGE = 60 * 60  # seconds a question stays answerable: time to fill in a long form
_SALT = "requests_app.captcha"
_DIGITS = "零一二三四五六七八九"
_OPERATIONS = {"+": "加", "-": "减"}


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _number(n: int) -> str:
    """0–99 in Chinese numerals: 七, 十二, 二十, 三十五."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def _question(a: int, op: str, b: int) -> str:
    return f"{_number(a)}{_OPERATIONS[op]}{_number(b)}等于几？"


def _answer(a: int, op: str, b: int) -> int:
    return a + b if op == "+" else a - b


def new_challenge() -> Challenge:
    """A fresh question: the sum of two numbers from 1 to 9, or a difference that is not negative."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    op = secrets.choice(tuple(_OPERATIONS))
    if op == "-" and b > a:
        a, b = b, a
    token = signing.dumps({"q": [a, op, b], "n": secrets.token_hex(8)}, salt=_SALT, compress=True)
    return Challenge(question=_question(a, op, b), token=token)


def _load(token: str) -> dict | None:
    try:
        data = signing.loads(token or "", salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("q"), list) or len(data["q"]) != 3:
        return None
    return data


def challenge_from(token: str) -> Challenge | None:
    """The challenge a still-valid, unanswered token carries (to show the same question again)."""
    data = _load(token)
    if data is None or cache.get(_used_key(data["n"])) or _used_locally(data["n"]):
        return None
    a, op, b = data["q"]
    return Challenge(question=_question(a, op, b), token=token)


def parse_answer(text: str) -> int | None:
    """The number typed: ASCII or full-width digits, or Chinese numerals up to 九十九."""
    text = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")
    if text.isascii() and text.isdigit():
        return int(text) if len(text) <= 3 else None
    text = text.replace("两", "二").replace("〇", "零")
    if not text or any(ch not in _DIGITS + "十" for ch in text):
        return None
    if "十" not in text:
        return _DIGITS.index(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_DIGITS.index(tens) if tens else 1) * 10 + (_DIGITS.index(ones) if ones else 0)


def _used_key(nonce: str) -> str:
    return f"captcha:used:{nonce}"


_local_used: dict[str, float] = {}  # nonce -> expires at; only written while the shared cache is down
_local_lock = threading.Lock()


def _used_locally(nonce: str) -> bool:
    with _local_lock:
        return _local_used.get(nonce, 0.0) > time.time()


def _use(nonce: str) -> bool:
    """Mark nonce used; False if it was already. The shared cache when it answers, else this process."""
    if cache.add(_used_key(nonce), 1, timeout=MAX_AGE + 60):
        return not _used_locally(nonce)
    if is_available(cache):
        return False
    now = time.time()
    with _local_lock:
        for stale in [n for n, expires in _local_used.items() if expires <= now]:
            del _local_used[stale]
        if _local_used.get(nonce, 0.0) > now:
            return False
        _local_used[nonce] = now + MAX_AGE + 60
        return True


def check(token: str, answer: str) -> bool:
    """True if answer solves the question in token. Any check uses the token up, right or wrong."""
    data = _load(token)
    if data is None:
        return False
    if not _use(data["n"]):
        return False  # already checked once
    a, op, b = data["q"]
    return parse_answer(answer) == _answer(a, op, b)
