"""Hostile input for every public parameter: SQL metacharacters, NUL bytes, digits that are not ASCII,
direction marks, characters outside the BMP, markup, very long strings, and random text.

The fixed corpus comes first in `hostile_text` so that a derandomized run (the profile in conftest.py)
always tries every entry of it; random text adds what nobody thought of.
"""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis import strategies as st


def hostile_settings(**overrides) -> settings:
    """The profile registered in conftest.py ("hostile", or HYPOTHESIS_PROFILE), as a test decorator."""
    return settings(settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "hostile")), **overrides)


SQL = (
    "' OR 1=1 --",
    "'; DROP TABLE catalog_item; --",
    '" OR ""="',
    "1 UNION SELECT password FROM auth_user",
    "%",
    "%%",
    "_",
    "\\",
    "\\'",
    "a%_b\\",
    "*",
    "NEAR(a b)",
    'title:"x"',
    "a OR b",
    "NOT",
    "-",
    "'",
    '"',
    '"unclosed',
    "()",
    ":*",
    "&|!",
)
BYTES = (
    "\x00",
    "abc\x00def",
    "%00",
    "\x01\x1f\x7f",
    "\r\nSet-Cookie: x=1",
    "\t",
    " ",
    "",
    "\ufeff",
    "\ud7ff\ue000\ufffd",
)
UNICODE = (
    "😀",
    "𠀀𠮷𩸽",  # CJK extension B: outside the BMP, four bytes in UTF-8
    "👨‍👩‍👧‍👦",
    "\u202eRTL\u202c",
    "\u200f\u200e\u200b",
    "مرحبا",
    "²",  # str.isdigit() is True, int() refuses it
    "１２",  # full-width digits
    "٣",  # Arabic-Indic digit
    "Ⅻ",
)
NUMBERS = (
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "99999999999999999999",
    "9223372036854775808",
    "2026-02-30",
    "9999-12-31",
    "0000-00-00",
    "2026-13-01",
)
MARKUP = (
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "../../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example.com",
    "https://evil.example.com/",
    "///evil.example.com",
    "\\\\evil.example.com",
)
CORPUS = SQL + BYTES + UNICODE + NUMBERS + MARKUP

LONG_UNITS = ("a", "字", "%", "'", "😀", "\x00", "1", " ")


def long_text() -> st.SearchStrategy[str]:
    """10 000 to 100 000 characters of one unit (cheaper to generate than random text that long)."""
    return st.builds(lambda unit, n: unit * n, st.sampled_from(LONG_UNITS), st.integers(10_000, 100_000))


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(CORPUS),
        st.lists(st.sampled_from(CORPUS), min_size=2, max_size=4).map("".join),
        st.text(max_size=40),
        long_text(),
    )


def hostile_params(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    """Some of names (and one name nobody expects) with hostile values."""
    return st.fixed_dictionaries({}, optional={name: hostile_text() for name in (*names, "unexpected")})


def hostile_id() -> st.SearchStrategy[int]:
    """Ids for <int:…> path segments: those do not match anything but digits, so only the size is hostile."""
    return st.sampled_from((0, 1, 2**31, 2**63 - 1, 2**63, 10**30))
