"""What a citizen typed, as terms: words (all must match), "quoted phrases", and -exclusions.

    三公经费 2025          both words
    "政府信息公开 工作"     the exact phrase
    预算 -部门             预算 but not 部门

Chinese quotation marks (“…”, 「…」) work like ASCII ones, full-width spaces and minus signs like
half-width ones. A query longer than MAX_LENGTH characters is cut, with a notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .backends import Match
from .segment import has_searchable_text, normalize, query_tokens

MAX_LENGTH = 100
MAX_TERMS = 10
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "＂": '"'})
_TERM_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Term:
    text: str  # normalized: NFKC, lower case, single spaces
    tokens: tuple[str, ...]  # what the index knows of it; empty for stop words or punctuation alone
    exclude: bool = False
    phrase: bool = False

    @property
    def index_tokens(self) -> tuple[str, ...]:
        """The tokens used against the index: a single character is left to the substring check when the
        term has longer words (the character may have been cut into a word of the item: 市政府 → 市/政府…)."""
        longer = tuple(t for t in self.tokens if len(t) > 1)
        return longer or self.tokens

    @property
    def needs_check(self) -> bool:
        """Whether an index match may still lack the exact string (several tokens, or a quoted phrase)."""
        return len(self.tokens) > 1 or (self.phrase and self.text not in self.tokens)


@dataclass
class ParsedQuery:
    raw: str
    terms: list[Term] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def required(self) -> list[Term]:
        return [t for t in self.terms if not t.exclude]

    @property
    def excluded(self) -> list[Term]:
        return [t for t in self.terms if t.exclude]

    @property
    def is_empty(self) -> bool:
        """Nothing to look for: the latest items are shown."""
        return not self.required

    @property
    def uses_index(self) -> bool:
        """Every required term has tokens the index knows (else only the substring search can find it)."""
        return bool(self.required) and all(t.tokens for t in self.required)

    @property
    def needs_check(self) -> bool:
        return any(t.needs_check for t in self.required)

    def match(self, *, title_only: bool = False) -> Match:
        return Match(
            required=tuple(t.index_tokens for t in self.required),
            excluded=tuple(t.tokens for t in self.excluded if t.tokens),
            title_only=title_only,
        )

    @property
    def highlight_words(self) -> list[str]:
        """What to mark in the results: each required term, and its tokens of two characters or more."""
        words = []
        for term in self.required:
            words.append(term.text)
            words += [t for t in term.tokens if len(t) > 1]
        return list(dict.fromkeys(w for w in words if w))

    @property
    def normalized(self) -> str:
        """The query in a canonical form (for "did you mean" links and the cache)."""
        parts = []
        for term in self.terms:
            text = f'"{term.text}"' if term.phrase else term.text
            parts.append(("-" if term.exclude else "") + text)
        return " ".join(parts)


def parse(raw: str) -> ParsedQuery:
    raw = raw or ""
    query = ParsedQuery(raw=raw)
    text = raw.translate(_QUOTES).replace("\u3000", " ").replace("－", "-").strip()
    if len(text) > MAX_LENGTH:
        text = text[:MAX_LENGTH]
        query.notices.append(f"搜索词过长，只按前 {MAX_LENGTH} 个字查找。")
    for match in _TERM_RE.finditer(text):
        minus, quoted, bare = match.groups()
        phrase = quoted is not None
        value = quoted if phrase else bare
        exclude = bool(minus)
        if not phrase and value.startswith("-") and len(value) > 1:
            exclude, value = True, value[1:]
        value = _SPACE_RE.sub(" ", normalize(value)).strip()
        if not value or not has_searchable_text(value):
            continue
        term = Term(text=value, tokens=tuple(query_tokens(value)), exclude=exclude, phrase=phrase)
        if term not in query.terms:
            query.terms.append(term)
    if len(query.terms) > MAX_TERMS:
        query.terms = query.terms[:MAX_TERMS]
        query.notices.append(f"搜索词最多 {MAX_TERMS} 个，其余的未使用。")
    if raw.strip() and not query.terms:
        query.notices.append("搜索词中没有可查找的文字或数字，以下是最新发布的信息。")
    elif query.terms and query.is_empty:
        query.notices.append("只有要排除的词，请至少输入一个要查找的词。以下是最新发布的信息。")
    return query
