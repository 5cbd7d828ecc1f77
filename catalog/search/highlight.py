"""Marking matched words in result titles and snippets, after escaping, so no input can inject HTML.

The text is split around the matches found in the raw text; every piece is escaped on its own and
the matches are wrapped in <mark>. Needles are matched literally (re.escape), case-insensitively.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

SNIPPET_LENGTH = 120
_MAX_NEEDLES = 30


def _pattern(words: Sequence[str]) -> re.Pattern | None:
    return _compiled(tuple(words))


@lru_cache(maxsize=256)
def _compiled(words: tuple[str, ...]) -> re.Pattern | None:
    needles = sorted({w for w in words if w and w.strip()}, key=len, reverse=True)[:_MAX_NEEDLES]
    if not needles:
        return None
    return re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)


def highlight(text: str, words: Sequence[str]) -> SafeString:
    """text escaped, with every occurrence of words wrapped in <mark> (longest first, no overlaps)."""
    text = text or ""
    pattern = _pattern(words)
    if pattern is None:
        return escape(text)
    # Every piece of text goes through html.escape (what django.utils.html.escape does, without making a
    # SafeString of each piece: a title or snippet of a common word has dozens of them).
    pieces, last = [], 0
    for found in pattern.finditer(text):
        pieces += (html.escape(text[last : found.start()]), "<mark>", html.escape(found.group()), "</mark>")
        last = found.end()
    pieces.append(html.escape(text[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - each piece escaped above, the tags ours


def snippet(texts: Iterable[str], words: Sequence[str], length: int = SNIPPET_LENGTH) -> SafeString:
    """A window of about length characters around the first match in the first text that has one
    (otherwise the start of the first non-empty text), highlighted. texts is read only as far as that
    match: a generator spares converting a body whose summary already has one."""
    pattern = _pattern(words)
    first = ""
    for text in texts:
        if not text:
            continue
        first = first or text
        found = pattern.search(text) if pattern else None
        if found is None:
            continue
        start = max(0, found.start() - length // 3)
        end = min(len(text), start + length)
        window = text[start:end]
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(text) else ""
        return format_html("{}{}{}", prefix, highlight(window, words), suffix)
    return format_html("{}{}", first[:length], "…" if len(first) > length else "")
