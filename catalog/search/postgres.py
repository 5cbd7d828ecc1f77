"""The PostgreSQL store of the search index, and how a search reads it fast at a million items.

Storage (migrations 0002 and 0004), one row per published item in catalog_searchentry:

- `vector`: every lexeme once (title weight A, summary and numbers B, body C), GIN-indexed. A body of
  3,000 characters makes a vector of about 6 KiB, stored out of line (TOAST).
- per document type, a partial GIN index of `vector` (migration 0008): a search with a type filter
  decodes only that type's postings, instead of all of them ANDed with the type's btree bitmap.
- `title_vector`: the title's lexemes, GIN-indexed; small enough to stay in the row.
- `common`, `common_version`: one bit per lexeme of the vocabulary — the VOCABULARY_SIZE lexemes found
  in at least VOCABULARY_SHARE of the items (工作, 公开, 建设…), listed in catalog_searchvocabulary
  and chosen from the planner's statistics after a rebuild.

Why the search chooses its access paths itself (figures from bench/search.py at 1,000,000 items):
the planner prices `vector @@ query` on a row as free, but it means reading the TOASTed vector (about
3 µs a row), and it prices the GIN index of a word found in every item as cheap, but decoding its
million postings takes about 40 ms. So:

- a lexeme outside the vocabulary (a few per cent of the items at most) is found through the GIN
  index, whose postings are then few;
- a vocabulary lexeme is tested on each row it meets with `get_bit` on the row's own bits (about
  25 ns, nothing out of line read): a common word's count reads rows in storage order until the cap,
  its newest matches walk the date index (or a filter's own date-ordered index);
- windows bound what is read in date order: the newest W rows passing the filters, W from the
  estimated share of matches, widened fourfold when too few matched.

A row whose bits were computed for another vocabulary version (written while a rebuild changed the
vocabulary) is tested on its vector instead, so results never depend on the bits being current.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

from .backends import TABLE, Document, Match, Where

VOCABULARY_TABLE = "catalog_searchvocabulary"
VOCABULARY_SIZE = 1024  # bits per row (128 bytes)
VOCABULARY_SHARE = 0.05  # a lexeme in at least this share of the items gets a bit
VOCABULARY_SAMPLE_MIN = 1000  # items a sample must hold to choose the vocabulary from it
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position

# What each access path costs, in microseconds (bench/search.py, 2 cores, shared_buffers 128 MB: the
# table's pages come from the operating system's cache).
GIN_POSTING = 0.1  # decoding one posting of a GIN entry into the bitmap (0.095 measured: 104,143 in 9.9 ms)
ROW_IN_ORDER = 0.2  # reading the next row of a sequential scan and testing its bits
ROW_WALKED = 0.3  # the next row along the date index, when the table lies in date order
ROW_FETCHED = 1.5  # fetching one row through an index or a bitmap
VECTOR_READ = 3.2  # reading a row's TOASTed vector to test it
INDEX_ENTRY = 0.05  # reading one entry of a btree (index only)
WALK_LIMIT = 20_000  # rows a walk in date order may read; past that, a GIN window is cheaper
WINDOW_MARGIN = 1.5  # a window holds this many times the rows the estimated share needs
SAMPLE_ROWS = 2000  # newest rows sampled for the share of several words found together
SAMPLE_MIN_HITS = 10  # matches a sample must hold for its share to replace the estimate
HISTOGRAM_WINDOW = 50_000  # a larger window's first date comes from the statistics, not an index walk


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _and(tokens: Sequence[str]) -> str:
    return "(" + " & ".join(_quote(t) for t in tokens) + ")"


def tsquery(match: Match) -> str:
    parts = [_and(g) for g in match.required] + ["!" + _and(g) for g in match.excluded]
    return " & ".join(parts)


@dataclass(frozen=True)
class Vocabulary:
    version: int
    positions: dict[str, int]

    def bits(self, tokens: Sequence[str]) -> str:
        """The row's bit string: bit n set when the item has the vocabulary's lexeme n."""
        chars = ["0"] * VOCABULARY_SIZE
        for token in tokens:
            position = self.positions.get(token)
            if position is not None:
                chars[position] = "1"
        return "".join(chars)


class PostgresBackend:
    vendor = "postgresql"

    # Writing ---------------------------------------------------------------------------------------

    @staticmethod
    def vector_literal(document: Document) -> str:
        """A tsvector literal: title lexemes weight A, meta B, body C, each at one position."""
        parts = []
        position = 0
        for weight, tokens in (("A", document.title), ("B", document.meta), ("C", document.body)):
            for token in tokens:
                position = min(position + 1, MAX_POSITION)
                parts.append(f"{_quote(token)}:{position}{weight}")
        return " ".join(parts)

    @staticmethod
    def title_literal(document: Document) -> str:
        return " ".join(_quote(token) for token in document.title)

    def delete(self, cursor, item_ids: Sequence[int]) -> None:
        if item_ids:
            cursor.execute(f"DELETE FROM {TABLE} WHERE item_id = ANY(%s)", [list(item_ids)])  # noqa: S608

    def insert(self, cursor, documents: Sequence[Document]) -> None:
        """Index rows for published items, filter columns copied from catalog_item in the same statement,
        bits for the vocabulary in force (read in this transaction)."""
        if not documents:
            return
        vocabulary = self.vocabulary(cursor)
        cursor.execute(
            f"""INSERT INTO {TABLE} (item_id, organization_id, category_id, subject_id, document_type, validity,
                                    published_at, title_vector, vector, common_version, common)
                SELECT i.id, i.organization_id, i.category_id, i.subject_id, i.document_type, i.validity,
                       i.published_at, v.title_vector::tsvector, v.vector::tsvector, %s, v.common::varbit
                FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])
                     AS v(item_id, title_vector, vector, common)
                JOIN catalog_item i ON i.id = v.item_id
                WHERE i.status = 'published'""",  # noqa: S608
            [
                vocabulary.version if vocabulary else None,
                [d.item_id for d in documents],
                [self.title_literal(d) for d in documents],
                [self.vector_literal(d) for d in documents],
                [vocabulary.bits(d.tokens) if vocabulary else None for d in documents],
            ],
        )

    def before_rebuild(self, cursor, sample: Callable[[], Sequence[Sequence[str]]] | None = None) -> None:
        """Let the GIN indexes collect new entries in a large pending list, merged in bulk: inserting a
        thousand lexemes per item one by one would take hours at a million items.

        With no vocabulary yet, choose it now — from the statistics of an earlier index, else from the
        lexemes of a sample of the items (sample()) — so that the rebuild writes each row once with its
        bits: rewriting every row afterwards would double the build and scatter the rows, which the
        rebuild writes in date order."""
        for index in self.gin_indexes(cursor):
            cursor.execute(f"ALTER INDEX {index} SET (fastupdate = on, gin_pending_list_limit = 262144)")
        if self.vocabulary(cursor) is None:
            lexemes = self.choose_vocabulary(cursor)
            if not lexemes and sample is not None:
                lexemes = self.sampled_vocabulary(sample())
            if lexemes:
                self._new_vocabulary(cursor, lexemes)

    def after_rebuild(self, cursor, progress: Callable[[int, int], None] | None = None) -> None:
        """Merge the pending lists, turn them off again (searches then read one finished index), set
        hint bits and the visibility map and refresh the planner's statistics (VACUUM ANALYZE: the
        first searches would otherwise write every page they read), then settle the vocabulary."""
        self._merge_pending_lists(cursor)
        self._vacuum(cursor)
        self.refresh_vocabulary(cursor, progress=progress)

    @staticmethod
    def gin_indexes(cursor) -> list[str]:
        """The table's GIN indexes: of the title, of the vector, and of the vector per document type
        (migration 0008)."""
        cursor.execute(
            """SELECT c.relname FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
               WHERE i.indrelid = %s::regclass AND a.amname = 'gin' ORDER BY c.relname""",
            [TABLE],
        )
        return [name for (name,) in cursor.fetchall()]

    def _merge_pending_lists(self, cursor) -> None:
        for index in self.gin_indexes(cursor):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            cursor.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
            cursor.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")

    def _vacuum(self, cursor) -> None:
        if connection.in_atomic_block:  # VACUUM cannot run in a transaction (the tests run in one)
            cursor.execute(f"ANALYZE {TABLE}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {TABLE}")

    def delete_unpublished(self, cursor) -> None:
        cursor.execute(
            f"""DELETE FROM {TABLE} e WHERE NOT EXISTS (
                    SELECT 1 FROM catalog_item i WHERE i.id = e.item_id AND i.status = 'published')"""  # noqa: S608
        )

    # The vocabulary ----------------------------------------------------------------------------------

    _vocabulary: Vocabulary | None = None

    def vocabulary(self, cursor) -> Vocabulary | None:
        """The vocabulary in force (its lexemes cached per process, its version read every time)."""
        cursor.execute(f"SELECT MAX(version) FROM {VOCABULARY_TABLE}")  # noqa: S608
        (version,) = cursor.fetchone()
        if version is None:
            return None
        if self._vocabulary is None or self._vocabulary.version != version:
            cursor.execute(f"SELECT lexemes FROM {VOCABULARY_TABLE} WHERE version = %s", [version])  # noqa: S608
            (lexemes,) = cursor.fetchone()
            self._vocabulary = Vocabulary(version, {lexeme: n for n, lexeme in enumerate(lexemes)})
        return self._vocabulary

    def choose_vocabulary(self, cursor) -> list[str]:
        """The lexemes in at least VOCABULARY_SHARE of the items, most common first, at most VOCABULARY_SIZE
        (from the statistics of the last ANALYZE)."""
        frequencies, _rows = self._lexeme_stats(cursor, "vector", fresh=True)
        ranked = sorted((f, lexeme) for lexeme, f in frequencies.items() if f >= VOCABULARY_SHARE)
        return [lexeme for _f, lexeme in reversed(ranked)][:VOCABULARY_SIZE]

    @staticmethod
    def sampled_vocabulary(documents: Sequence[Sequence[str]]) -> list[str]:
        """The lexemes in at least VOCABULARY_SHARE of the sampled documents (each a list of its distinct
        lexemes), most common first, at most VOCABULARY_SIZE; none from a sample too small to tell."""
        if len(documents) < VOCABULARY_SAMPLE_MIN:
            return []
        counts = Counter(lexeme for tokens in documents for lexeme in set(tokens))
        floor = VOCABULARY_SHARE * len(documents)
        ranked = sorted(((n, lexeme) for lexeme, n in counts.items() if n >= floor), key=lambda c: (-c[0], c[1]))
        return [lexeme for _n, lexeme in ranked[:VOCABULARY_SIZE]]

    def _new_vocabulary(self, cursor, lexemes: Sequence[str]) -> Vocabulary:
        cursor.execute(
            f"INSERT INTO {VOCABULARY_TABLE} (version, lexemes) "  # noqa: S608
            f"SELECT COALESCE(MAX(version), 0) + 1, %s FROM {VOCABULARY_TABLE}",
            [list(lexemes)],
        )
        return self.vocabulary(cursor)

    def refresh_vocabulary(
        self, cursor, *, lexemes: Sequence[str] | None = None, progress: Callable[[int, int], None] | None = None
    ) -> Vocabulary | None:
        """Choose the vocabulary (or take lexemes), and bring every row's bits to it.

        The vocabulary in force is kept while it holds the most common half of the chosen one (the
        statistics are a sample, so the tail moves from one ANALYZE to the next, and a new version means
        updating every row). Searches stay correct throughout: rows of another version are tested on
        their vectors.
        """
        wanted = list(lexemes) if lexemes is not None else self.choose_vocabulary(cursor)
        current = self.vocabulary(cursor)
        head = wanted[: max(1, len(wanted) // 2)]
        keep = lexemes is None and current is not None and set(head) <= current.positions.keys()
        if not keep:
            if not wanted:
                return current
            current = self._new_vocabulary(cursor, wanted)
        if self.recompute_bits(cursor, current, progress=progress):
            self._vacuum(cursor)
        cursor.execute(f"DELETE FROM {VOCABULARY_TABLE} WHERE version < %s", [current.version])  # noqa: S608
        return current

    def recompute_bits(
        self, cursor, vocabulary: Vocabulary, *, batch_size: int = 2000, progress: Callable | None = None
    ) -> int:
        """Set the bits of every row not at the vocabulary's version, in batches (each committed on its
        own outside a transaction). An update writes new entries in every index, the GIN ones included:
        they go through the pending lists, as in a rebuild (0.4 ms a row instead of 2 ms)."""
        cursor.execute(
            f"SELECT COUNT(*) FROM {TABLE} WHERE common_version IS DISTINCT FROM %s",  # noqa: S608
            [vocabulary.version],
        )
        (total,) = cursor.fetchone()
        if not total:
            return 0
        done, last = 0, 0
        for index in self.gin_indexes(cursor):
            cursor.execute(f"ALTER INDEX {index} SET (fastupdate = on, gin_pending_list_limit = 262144)")
        try:
            while True:
                cursor.execute(
                    f"""SELECT item_id, tsvector_to_array(vector) FROM {TABLE}
                        WHERE item_id > %s AND common_version IS DISTINCT FROM %s
                        ORDER BY item_id LIMIT %s""",  # noqa: S608
                    [last, vocabulary.version, batch_size],
                )
                rows = cursor.fetchall()
                if not rows:
                    return done
                cursor.execute(
                    f"""UPDATE {TABLE} e SET common_version = %s, common = v.common::varbit
                        FROM unnest(%s::bigint[], %s::text[]) AS v(item_id, common)
                        WHERE e.item_id = v.item_id""",  # noqa: S608
                    [vocabulary.version, [pk for pk, _ in rows], [vocabulary.bits(lexemes) for _, lexemes in rows]],
                )
                done += len(rows)
                last = rows[-1][0]
                if progress:
                    progress(done, total)
        finally:
            self._merge_pending_lists(cursor)

    # Statistics --------------------------------------------------------------------------------------

    _stats: dict[str, tuple[float, dict[str, float], float]] = {}  # per process: planner statistics
    STATS_SECONDS = 600

    def _lexeme_stats(self, cursor, column: str, *, fresh: bool = False) -> tuple[dict[str, float], float]:
        """The most common lexemes' frequencies and the row count, from the last ANALYZE (cached)."""
        now = time.monotonic()
        cached = self._stats.get(column)
        if fresh or cached is None or now - cached[0] > self.STATS_SECONDS:
            cursor.execute(
                """SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples
                   FROM pg_class c LEFT JOIN pg_stats s
                     ON s.tablename = c.relname AND s.attname = %s AND s.schemaname = current_schema()
                   WHERE c.relname = %s""",
                [column, TABLE],
            )
            lexemes, freqs, rows = cursor.fetchone() or (None, None, 0)
            cached = (now, dict(zip(lexemes or [], freqs or [], strict=False)), max(float(rows or 0), 1.0))
            self._stats[column] = cached
        return cached[1], cached[2]

    def date_at_rank(self, cursor, newest_share: float):
        """The publication time below which lie all but the newest `newest_share` of the rows, from the
        histogram of the last ANALYZE (None without one)."""
        now = time.monotonic()
        if self._histogram is None or now - self._histogram[0] > self.STATS_SECONDS:
            cursor.execute(
                "SELECT histogram_bounds::text::timestamptz[] FROM pg_stats WHERE tablename = %s "
                "AND attname = 'published_at' AND schemaname = current_schema()",
                [TABLE],
            )
            found = cursor.fetchone()
            self._histogram = (now, (found[0] or []) if found else [])
        bounds = self._histogram[1]
        if len(bounds) < 2 or newest_share >= 1:
            return None
        position = (1 - newest_share) * (len(bounds) - 1)
        low = int(position)
        return bounds[low] + (bounds[min(low + 1, len(bounds) - 1)] - bounds[low]) * (position - low)

    _histogram: tuple[float, list] | None = None

    def date_correlation(self, cursor) -> float:
        """How well the table's physical order follows publication dates (pg_stats, -1 … 1; cached)."""
        now = time.monotonic()
        cached = self._stats.get("published_at")
        if cached is None or now - cached[0] > self.STATS_SECONDS:
            cursor.execute(
                "SELECT correlation FROM pg_stats WHERE tablename = %s AND attname = 'published_at' "
                "AND schemaname = current_schema()",
                [TABLE],
            )
            found = cursor.fetchone()
            cached = (now, {}, float(found[0] or 0.0) if found else 0.0)
            self._stats["published_at"] = cached
        return cached[2]

    def shares(self, cursor, column: str) -> tuple[dict[str, float], float, float]:
        """(share of items per common lexeme, rows, the share assumed for any other lexeme: below the
        least common one listed, 0 without statistics)."""
        frequencies, rows = self._lexeme_stats(cursor, column)
        return frequencies, rows, min(frequencies.values(), default=0.0)

    # Querying ----------------------------------------------------------------------------------------

    def condition(self, match: Match, alias: str = "e") -> tuple[str, list]:
        """The match as one GIN-indexable condition (what the bench's recall check uses)."""
        column = "title_vector" if match.title_only else "vector"
        return f"{alias}.{column} @@ %s::tsquery", [tsquery(match)]

    def searcher(self, match: Match | None, where: Where) -> PostgresSearcher:
        return PostgresSearcher(self, match, where)

    def contains(self, column: str) -> str:
        """SQL true when column contains the (lower-case) parameter, for the bounded substring search."""
        return f"strpos(lower({column}), %s) > 0"

    def size(self, cursor) -> int:
        cursor.execute(f"SELECT pg_total_relation_size('{TABLE}')")
        return cursor.fetchone()[0]


@contextmanager
def _settings(cursor, *names: str) -> Iterator[str]:
    """A transaction whose next statement runs with these planner settings off: yields the SET LOCAL
    prefix to send with it (one round trip). When already inside a transaction, they are put back after.

    JIT compilation is always off: it costs 10–20 ms, more than these queries take once their path is
    chosen."""
    nested = connection.in_atomic_block
    with transaction.atomic():
        yield "".join(f"SET LOCAL {name} = off; " for name in ("jit", *names))
        if nested:
            cursor.execute("; ".join(f"SET LOCAL {name} TO DEFAULT" for name in ("jit", *names)))


_GIN_ONLY = ("enable_seqscan", "enable_indexscan")  # the match through a GIN bitmap (with btree bitmaps)


def _share(groups: Sequence[Sequence[str]], shares: dict[str, float], tokens: Sequence[str]) -> float:
    """Estimated share of rows holding all of tokens: words are taken as independent, but the tokens of
    one word (社会/消费品/零售总额) as found together, so a word counts as its rarest token."""
    return math.prod(min([shares[t] for t in group if t in tokens] or [1.0]) for group in groups)


def _gin_order(
    tokens: Sequence[str], groups: Sequence[Sequence[str]], shares: dict[str, float], covered: Sequence[str] = ()
) -> list[str]:
    """Tokens in the order the GIN index should take them up (_Plan.promotion): the rarest token of each
    word first, rarest word first, then the word's other tokens — which narrow nothing once it is found
    (社会/消费品/零售总额 are found together), so that a second word (演练) is not passed over for them.
    A word with a token the index finds already (covered) has no first token here: its others come last."""
    firsts = {
        min([t for t in group if t in tokens] or [None], key=lambda t: shares.get(t, 0.0))
        for group in groups
        if not any(t in covered for t in group)
    }
    return sorted(tokens, key=lambda t: (t not in firsts, shares[t]))


@dataclass
class _Plan:
    """A match split by how it is cheapest to test.

    `indexed`: required tokens only the GIN index finds cheaply (rare ones); `tested`: required tokens a
    row tests by itself (vocabulary bits, or the small title vector), in _gin_order; `row_test`: that test
    as SQL; `excluded`: excluded groups the row test cannot decide (rare lexemes): in the GIN query when
    there is one, else an anti-join. `shares`: each required token's estimated share of the rows.
    """

    column: str
    groups: tuple[tuple[str, ...], ...]
    shares: dict[str, float]
    indexed: list[str]
    tested: list[str]
    row_test: tuple[str, list] | None
    excluded: list[tuple[str, ...]]
    exclude_in_index: bool
    observed: float | None = None  # the share of matches among the newest rows, when it was sampled

    @property
    def share(self) -> float:
        if self.observed is not None:
            return self.observed
        return _share(self.groups, self.shares, list(self.shares))

    def index_share(self, *, promote: int = 0) -> float:
        """Estimated share of the rows the GIN part of conditions(promote) finds (at least the matches)."""
        return max(_share(self.groups, self.shares, self.indexed + self.tested[:promote]), self.share)

    def promotion(self, rows: float) -> int:
        """How many tested tokens the GIN index should find too, when it is used: each, rarest first,
        whose postings cost less to decode than the rows they spare fetching (two words of 10 %: both,
        or all rows of the first are fetched for 1 % to match; a word in every item: never)."""
        promote = 0 if self.indexed else 1
        while promote < len(self.tested):
            share, narrower = self.index_share(promote=promote), self.index_share(promote=promote + 1)
            decoding = rows * self.shares[self.tested[promote]] * GIN_POSTING
            if decoding >= rows * (share - narrower) * ROW_FETCHED:
                break
            promote += 1
        return promote

    def conditions(self, *, promote: int = 0) -> tuple[list[str], list]:
        """SQL conditions on e; promote: also find the rarest `promote` tested tokens through the index."""
        tokens = self.indexed + self.tested[:promote]
        conditions, params = [], []
        if tokens:
            query = _and(tokens)
            if self.exclude_in_index and self.excluded:
                query += "".join(" & !" + _and(g) for g in self.excluded)
            conditions.append(f"e.{self.column} @@ %s::tsquery")
            params.append(query)
        if self.excluded and not (tokens and self.exclude_in_index):
            conditions.append(f"e.item_id NOT IN (SELECT item_id FROM {TABLE} WHERE vector @@ %s::tsquery)")  # noqa: S608
            params.append(" | ".join(_and(g) for g in self.excluded))
        if self.row_test:
            conditions.append(self.row_test[0])
            params += self.row_test[1]
        return conditions, params


class PostgresSearcher:
    """One search: counts, the newest matches, title matches and scores, each by its cheapest path."""

    def __init__(self, backend: PostgresBackend, match: Match | None, where: Where):
        self.backend, self.match, self.where = backend, match, where
        self._plans: dict[str, _Plan] = {}
        self._filter_rows: float | None = None
        self._vocabulary: tuple[Vocabulary | None] | None = None
        self.rows = 1.0

    # Plans -----------------------------------------------------------------------------------------

    def vocabulary(self, cursor) -> Vocabulary | None:
        if self._vocabulary is None:
            self._vocabulary = (self.backend.vocabulary(cursor),)
        return self._vocabulary[0]

    def _plan(self, cursor, kind: str) -> _Plan:
        """kind "all": the match; "title": its required words in the title (relevance candidates)."""
        if kind not in self._plans:
            match = self.match
            title = kind == "title" or match.title_only
            column = "title_vector" if title else "vector"
            frequencies, self.rows, floor = self.backend.shares(cursor, column)
            tokens = match.required_tokens
            shares = {t: frequencies.get(t, floor) for t in tokens}
            groups = tuple(match.required)
            if title:
                # The title vector is in the row: testing it costs nothing, so only rare title words
                # are worth the GIN index. Exclusions: of the title only (title_only), or of the whole
                # item (a title candidate of a normal search).
                # Of a word's tokens (社会/消费品/零售总额, always found together) only the rarest goes to
                # the index: the planner would multiply their frequencies, expect a handful of rows and
                # skip the date window; the others are tested in the row.
                indexed = []
                for group in groups:
                    rarest = min(group, key=shares.get)
                    if shares[rarest] < VOCABULARY_SHARE and rarest not in indexed:
                        indexed.append(rarest)
                tested = _gin_order([t for t in tokens if t not in indexed], groups, shares, covered=indexed)
                tests: list[str] = []
                params: list = []
                if tested or (match.title_only and match.excluded):
                    # IS TRUE: a test of the row, not a second condition for the GIN index to merge.
                    tests.append("(e.title_vector @@ %s::tsquery) IS TRUE")
                    params.append(tsquery(match) if match.title_only else _and(tokens))
                excluded: list = []
                if not match.title_only and match.excluded:
                    bits, excluded = self._bit_tests(cursor, Match((), match.excluded))
                    if bits:
                        tests.append(bits[0])
                        params += bits[1]
                row_test = (" AND ".join(tests), params) if tests else None
                plan = _Plan(column, groups, shares, indexed, tested, row_test, excluded, match.title_only)
            else:
                vocabulary = self.vocabulary(cursor)
                positions = vocabulary.positions if vocabulary else {}
                indexed = [t for t in tokens if t not in positions]
                tested = _gin_order([t for t in tokens if t in positions], groups, shares, covered=indexed)
                row_test, excluded = self._bit_tests(cursor, Match(tuple((t,) for t in tested), match.excluded))
                plan = _Plan(column, groups, shares, indexed, tested, row_test, excluded, True)
                if len(groups) > 1 and not indexed and row_test:
                    plan.observed = self._sampled_share(cursor, row_test)
            self._plans[kind] = plan
        return self._plans[kind]

    def _sampled_share(self, cursor, row_test: tuple[str, list]) -> float | None:
        """The share of the newest SAMPLE_ROWS rows that the row test passes (None: too few passed to tell).

        Words are not independent: two topic words found in 10 % of the items each may be found together
        in 10 % (负面清单 合法性审查), not 1 %. Estimated as 1 %, a count since 2022 fetched the GIN
        index's matches oldest first (56,000 older ones before the first that passed: 118 ms); sampled,
        it walks the newest rows. Each row tests its bits, so the sample costs about half a millisecond."""
        sql, params = row_test
        with _settings(cursor) as prefix:
            cursor.execute(
                f"""{prefix}SELECT COUNT(*) FILTER (WHERE hit), COUNT(*) FROM (
                        SELECT ({sql}) AS hit FROM {TABLE} e ORDER BY e.published_at DESC, e.item_id DESC LIMIT %s
                    ) s""",  # noqa: S608 - the row test is ours
                [*params, SAMPLE_ROWS],
            )
            hits, rows = cursor.fetchone()
        return hits / rows if hits >= SAMPLE_MIN_HITS else None

    def _bit_tests(self, cursor, match: Match) -> tuple[tuple[str, list] | None, list]:
        """The bits test of the vocabulary lexemes of match (required, and excluded groups made of them
        only), and the excluded groups left for the index or an anti-join. A row whose bits are of
        another version tests the same on its vector."""
        vocabulary = self.vocabulary(cursor)
        positions = vocabulary.positions if vocabulary else {}
        required = [g[0] for g in match.required]
        excluded = [g for g in match.excluded if all(t in positions for t in g)]
        rest = [g for g in match.excluded if g not in excluded]
        if not required and not excluded:
            return None, rest
        tests = [f"get_bit(e.common, {positions[t]}) = 1" for t in required]
        for group in excluded:
            tests.append("NOT (" + " AND ".join(f"get_bit(e.common, {positions[t]}) = 1" for t in group) + ")")
        fallback = tsquery(Match(tuple((t,) for t in required), tuple(excluded))) if required else None
        if fallback is None:  # exclusions only: a tsquery cannot be only negations
            fallback_sql = "NOT e.vector @@ %s::tsquery"
            fallback = " | ".join(_and(g) for g in excluded)
        else:
            fallback_sql = "e.vector @@ %s::tsquery"
        sql = f"CASE WHEN e.common_version = %s THEN {' AND '.join(tests)} ELSE {fallback_sql} END"
        return (sql, [vocabulary.version, fallback]), rest

    def _filters(self) -> tuple[str, list]:
        return self.where.sql, list(self.where.params)

    def _estimated_filter_rows(self, cursor) -> float:
        """Rows passing the filters, as the planner estimates them (it knows these columns well)."""
        if not self.where.active:
            return self.rows
        if self._filter_rows is None:
            sql, params = self._filters()
            cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {TABLE} e WHERE {sql}", params)  # noqa: S608
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            self._filter_rows = float(plan[0]["Plan"]["Plan Rows"])
        return self._filter_rows

    def _walked_row(self, cursor) -> float:
        """Cost of a row of a walk in date order: neighbours share pages when the walk follows the date
        index and the table lies in date order (publication order, or a rebuild); else a page a row."""
        if self.where.dates_only and abs(self.backend.date_correlation(cursor)) > 0.8:
            return ROW_WALKED
        return ROW_FETCHED

    # Counting --------------------------------------------------------------------------------------

    def count(self, cap: int) -> tuple[dict[int, int], dict[str, int]]:
        """Matches per organization and per document type, over the first cap + 1 matches.

        Rare words: through the GIN index. Words of the vocabulary only, each row tested on its bits:
        rows in storage order until cap + 1 matched, or — when a filter on the publication date leaves
        out the older rows, which a scan in storage order reads first when the table lies oldest first
        (as publishing appends the rows) — the newest rows along the date index; unless the words
        together are so rare that decoding the postings of the rarer ones is cheaper."""
        with connection.cursor() as cursor:
            settings: tuple[str, ...] = ()
            conditions: list[str] = []
            params: list = []
            newest_first = False
            if self.match is not None:
                plan = self._plan(cursor, "all")
                promote = plan.promotion(self.rows)
                if not plan.indexed and plan.tested:
                    filtered = self._estimated_filter_rows(cursor)
                    share = max(plan.share, 1e-9)
                    needed = min(filtered, (cap + 1) / share)  # rows passing the filters, read until the cap
                    if filtered > self.rows / 3:  # rows in storage order, of which the filter passes a share
                        scan = min(self.rows, (cap + 1) * self.rows / (share * filtered)) * ROW_IN_ORDER
                        if self.where.since and self.backend.date_correlation(cursor) > 0:
                            # Oldest first on disk (as publishing appends them): the older rows are read,
                            # and refused, before the first that passes.
                            scan += (self.rows - filtered) * ROW_IN_ORDER
                    else:  # through the filter's own index: a row fetched for each that passes it
                        scan = needed * ROW_FETCHED
                    walk = (
                        needed * self._walked_row(cursor) if self.where.dates_only and self.where.active else math.inf
                    )
                    decoded = sum(plan.shares[t] for t in plan.tested[:promote]) * self.rows * GIN_POSTING
                    found = plan.index_share(promote=promote)  # rows the GIN part finds: fetched until cap + 1 match
                    fetched = min(self.rows * found, (cap + 1) * found / share)
                    if self.where.since and self.backend.date_correlation(cursor) > 0:
                        # The bitmap is read in storage order too: oldest first, the older matches are
                        # fetched, and refused, before the first that passes.
                        older = self.rows * found * max(0.0, 1 - filtered / self.rows)
                        fetched = min(self.rows * found, older + fetched)
                    gin = decoded + fetched * ROW_FETCHED
                    if min(scan, walk) <= gin:
                        promote = 0
                        newest_first = walk <= scan  # a tie: the walk, which the planner would not choose itself
                conditions, params = plan.conditions(promote=promote)
                if plan.indexed or promote:
                    settings = _GIN_ONLY
            if newest_first:
                settings = ("enable_seqscan", "enable_bitmapscan")
            elif not settings:
                # A scan starts at the first page, not where the last one stopped (synchronized scans),
                # so that the same first cap + 1 matches are counted each time.
                settings = ("synchronize_seqscans",)
            sql, filter_params = self._filters()
            where = " AND ".join([*conditions, sql])
            order = "ORDER BY e.published_at DESC, e.item_id DESC " if newest_first else ""
            with _settings(cursor, *settings) as prefix:
                cursor.execute(
                    f"""{prefix}SELECT organization_id, document_type, COUNT(*) FROM (
                            SELECT e.organization_id, e.document_type FROM {TABLE} e WHERE {where}
                            {order}LIMIT {cap + 1}
                        ) s GROUP BY GROUPING SETS ((organization_id), (document_type))""",  # noqa: S608 - fragments are ours
                    [*params, *filter_params],
                )
                rows = cursor.fetchall()
        organizations = {organization: n for organization, _, n in rows if organization is not None}
        types = {document_type: n for _, document_type, n in rows if document_type is not None}
        return organizations, types

    # The newest matches ------------------------------------------------------------------------------

    def newest(self, limit: int, offset: int = 0, *, title: bool = False, flag_title: bool = False) -> list[tuple]:
        """(item id, publication time) of the matches offset … offset + limit, newest first.

        title: only items with every required word in the title (and the rest of the match);
        flag_title: a third column, whether the item has every required word in its title."""
        wanted = offset + limit
        with connection.cursor() as cursor:
            if self.match is None:
                return self._page(cursor, [], [], (), limit, offset)
            columns = ["e.item_id", "e.published_at"]
            params: list = []
            if flag_title:
                columns.append("e.title_vector @@ %s::tsquery")
                params.append(_and(self.match.required_tokens))
            select = (", ".join(columns), params)
            plan = self._plan(cursor, "title" if title and not self.match.title_only else "all")
            share = plan.share
            # None: no window (every match read and sorted), when it would hold the whole table anyway.
            window = math.ceil(wanted / share * WINDOW_MARGIN) if share * self.rows > wanted else None
            promote = plan.promotion(self.rows)
            indexed = plan.indexed + plan.tested[:promote]
            postings = sum(plan.shares[t] for t in indexed) * self.rows * GIN_POSTING
            # Walking the newest rows tests each one: its bits and title vector cost nothing more, a
            # word outside the vocabulary means reading the row's vector.
            per_row = self._walked_row(cursor) + (VECTOR_READ if plan.indexed and plan.column == "vector" else 0)
            while window is not None and window <= WALK_LIMIT and window * per_row < postings + window * INDEX_ENTRY:
                found = self._walk(cursor, plan, select, wanted, window)
                if found is not None:
                    return found[offset:wanted]
                window *= 4
            conditions, params = plan.conditions(promote=promote)
            if window is not None:
                # A window costs its cutoff (an index walk over `window` entries); without one, every GIN
                # match is fetched (the planner rarely ANDs a filter's index in) and sorted. Take the cheaper.
                fetched = self.rows * plan.index_share(promote=promote)
                if fetched * ROW_FETCHED <= window * INDEX_ENTRY + wanted * WINDOW_MARGIN * ROW_FETCHED:
                    window = None
            while True:
                cutoff = self._cutoff(cursor, window) if window is not None and window < self.rows else None
                if cutoff is None:
                    return self._page(cursor, conditions, params, _GIN_ONLY, limit, offset, select)
                found = self._page(
                    cursor, [*conditions, "e.published_at >= %s"], [*params, cutoff], _GIN_ONLY, limit, offset, select
                )
                if len(found) == limit:
                    return found
                window *= 4

    def _page(self, cursor, conditions, params, settings, limit: int, offset: int, select=None) -> list[tuple]:
        columns, column_params = select or ("e.item_id, e.published_at", [])
        sql, filter_params = self._filters()
        where = " AND ".join([*conditions, sql])
        with _settings(cursor, *settings) as prefix:
            cursor.execute(
                f"""{prefix}SELECT {columns} FROM {TABLE} e WHERE {where}
                    ORDER BY e.published_at DESC, e.item_id DESC LIMIT %s OFFSET %s""",  # noqa: S608
                [*column_params, *params, *filter_params, limit, offset],
            )
            return cursor.fetchall()

    def _walk(self, cursor, plan: _Plan, select, wanted: int, window: int) -> list[tuple] | None:
        """The newest `window` rows passing the filters (in date order from a btree), tested one by one:
        the matches among them, or None when the window was full and held fewer than wanted."""
        columns, column_params = select
        conditions, params = plan.conditions()
        sql, filter_params = self._filters()
        with _settings(cursor) as prefix:
            cursor.execute(
                f"""{prefix}SELECT * FROM (
                        SELECT w.*, row_number() OVER () AS n FROM (
                            SELECT ({" AND ".join(conditions)}) AS hit, {columns}
                            FROM {TABLE} e WHERE {sql}
                            ORDER BY e.published_at DESC, e.item_id DESC LIMIT %s
                        ) w
                    ) w WHERE hit OR n = %s""",  # noqa: S608
                [*params, *column_params, *filter_params, window, window],
            )
            rows = cursor.fetchall()
        found = [tuple(row[1:-1]) for row in rows if row[0]]
        if len(found) < wanted and any(row[-1] == window for row in rows):
            return None
        return found

    def _cutoff(self, cursor, window: int):
        """The publication time of the window-th newest row passing the filters (None: fewer rows).

        Without filters and for a large window, read off the planner's histogram of publication times
        instead of walking the date index that far: a window a little off is widened, or slightly larger."""
        if not self.where.active and window > HISTOGRAM_WINDOW:
            estimated = self.backend.date_at_rank(cursor, window / self.rows)
            if estimated is not None:
                return estimated
        sql, params = self._filters()
        with _settings(cursor) as prefix:
            cursor.execute(
                f"{prefix}SELECT e.published_at FROM {TABLE} e WHERE {sql} ORDER BY e.published_at DESC OFFSET %s LIMIT 1",  # noqa: S608
                [*params, window - 1],
            )
            found = cursor.fetchone()
        return found[0] if found else None

    # Candidates of the relevance order ------------------------------------------------------------------

    def in_title(self, item_ids: Sequence[int]) -> set[int]:
        if not item_ids:
            return set()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT item_id FROM {TABLE} WHERE item_id = ANY(%s) AND title_vector @@ %s::tsquery",  # noqa: S608
                [list(item_ids), _and(self.match.required_tokens)],
            )
            return {pk for (pk,) in cursor.fetchall()}

    @property
    def equal_title_scores(self) -> bool:
        """Whether every title match scores the same: each lexeme has one position, so ts_rank of a
        one-token query is its weight alone (A for the title) — no vector need be read to order them."""
        return len(self.match.required_tokens) == 1

    def scores(self, item_ids: Sequence[int]) -> dict[int, float]:
        """ts_rank with the default weights (A 1.0, B 0.4, C 0.2) for a bounded list of items."""
        if not item_ids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT item_id, ts_rank(vector, %s::tsquery) FROM {TABLE} WHERE item_id = ANY(%s)",  # noqa: S608
                [tsquery(Match(self.match.required)), list(item_ids)],
            )
            return dict(cursor.fetchall())
