"""The two stores of the search index: PostgreSQL tsvector + GIN, and SQLite FTS5.

Both are fed the same tokens (catalog/search/segment.py), written as space-free lexemes, so that the
same query finds the same items on both. Everything vendor-specific is here (except the DDL, which is
in migration 0002): writing and deleting index rows, the match condition and the relevance score.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection as default_connection

TABLE = "catalog_searchentry"
FTS_TABLE = "catalog_searchfts"
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
GIN_INDEXES = ("search_title_vector_gin", "search_vector_gin")


@dataclass(frozen=True)
class Document:
    """The tokens of one item: each lexeme once, in the most important field it occurs in."""

    item_id: int
    title: Sequence[str]
    meta: Sequence[str]  # summary, keywords, 发文字号, 索引号
    body: Sequence[str]


@dataclass(frozen=True)
class Match:
    """A boolean query over lexemes: every group of `required` must match, no group of `excluded` may."""

    required: tuple[tuple[str, ...], ...]
    excluded: tuple[tuple[str, ...], ...] = ()
    title_only: bool = False


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


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
        """Index rows for published items, filter columns copied from catalog_item in the same statement."""
        if not documents:
            return
        cursor.execute(
            f"""INSERT INTO {TABLE} (item_id, organization_id, category_id, subject_id, document_type, validity,
                                    published_at, title_vector, vector)
                SELECT i.id, i.organization_id, i.category_id, i.subject_id, i.document_type, i.validity,
                       i.published_at, v.title_vector::tsvector, v.vector::tsvector
                FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(item_id, title_vector, vector)
                JOIN catalog_item i ON i.id = v.item_id
                WHERE i.status = 'published'""",  # noqa: S608
            [
                [d.item_id for d in documents],
                [self.title_literal(d) for d in documents],
                [self.vector_literal(d) for d in documents],
            ],
        )

    def before_rebuild(self, cursor) -> None:
        """Let the GIN indexes collect new entries in a large pending list, merged in bulk: inserting a
        thousand lexemes per item one by one would take hours at a million items."""
        for index in GIN_INDEXES:
            cursor.execute(f"ALTER INDEX {index} SET (fastupdate = on, gin_pending_list_limit = 262144)")

    def after_rebuild(self, cursor) -> None:
        """Merge the pending lists, turn them off again (searches then read one finished index), and
        refresh the planner's lexeme statistics."""
        for index in GIN_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            cursor.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
            cursor.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")
        cursor.execute(f"ANALYZE {TABLE}")

    def delete_unpublished(self, cursor) -> None:
        cursor.execute(
            f"""DELETE FROM {TABLE} e WHERE NOT EXISTS (
                    SELECT 1 FROM catalog_item i WHERE i.id = e.item_id AND i.status = 'published')"""  # noqa: S608
        )

    # Querying --------------------------------------------------------------------------------------

    @staticmethod
    def tsquery(match: Match) -> str:
        def group(tokens):
            return "(" + " & ".join(_quote(t) for t in tokens) + ")"

        parts = [group(g) for g in match.required] + ["!" + group(g) for g in match.excluded]
        return " & ".join(parts)

    def condition(self, match: Match, alias: str = "e") -> tuple[str, list]:
        column = "title_vector" if match.title_only else "vector"
        return f"{alias}.{column} @@ %s::tsquery", [self.tsquery(match)]

    def title_condition(self, match: Match, alias: str = "e") -> tuple[str, list]:
        return f"{alias}.title_vector @@ %s::tsquery", [self.tsquery(Match(match.required, title_only=True))]

    def scores(self, cursor, match: Match, item_ids: Sequence[int]) -> dict[int, float]:
        """ts_rank with the default weights (A 1.0, B 0.4, C 0.2) for a bounded list of items."""
        if not item_ids:
            return {}
        cursor.execute(
            f"SELECT item_id, ts_rank(vector, %s::tsquery) FROM {TABLE} WHERE item_id = ANY(%s)",  # noqa: S608
            [self.tsquery(Match(match.required)), list(item_ids)],
        )
        return dict(cursor.fetchall())

    # Plans: the planner prices "vector @@ query" as cheap, but on a row it means reading a TOASTed
    # tsvector of several KiB (about 20 µs). So the search chooses the access path itself, from the
    # capped count and the lexeme statistics, and runs each query under that choice.
    _PLANS = {
        # Only the GIN index finds the matches (with btree bitmaps for the filters): cost follows the matches.
        "bitmap": ("enable_seqscan", "enable_indexscan"),
        # Walk the date index and test each row: cost follows the rows read until the page is full.
        "ordered": ("enable_seqscan", "enable_bitmapscan"),
    }

    @contextmanager
    def plan(self, cursor, kind: str | None) -> Iterator[None]:
        """Run the queries inside under the plan kind (call inside a transaction: SET LOCAL)."""
        # JIT compilation costs 10–20 ms, more than these queries take once their path is chosen.
        settings = ("jit", *self._PLANS.get(kind or "", ()))
        cursor.execute("; ".join(f"SET LOCAL {name} = off" for name in settings))
        try:
            yield
        finally:
            cursor.execute("; ".join(f"SET LOCAL {name} TO DEFAULT" for name in settings))

    _stats: dict[str, tuple[float, dict[str, float], float]] = {}  # per process: planner statistics
    STATS_SECONDS = 600

    def _lexeme_stats(self, cursor, column: str) -> tuple[dict[str, float], float]:
        """The most common lexemes' frequencies and the row count, from the last ANALYZE (cached)."""
        now = time.monotonic()
        cached = self._stats.get(column)
        if cached is None or now - cached[0] > self.STATS_SECONDS:
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

    def density(self, cursor, match: Match, *, title: bool = False) -> tuple[float | None, float]:
        """(estimated share of rows matching, rows in the index); None when a lexeme is not among the
        common ones (then the match is rare)."""
        frequencies, rows = self._lexeme_stats(cursor, "title_vector" if title else "vector")
        share = 1.0
        for group in match.required:
            for token in group:
                if token not in frequencies:
                    return None, rows
                share *= frequencies[token]
        return share, rows

    def cutoff(self, cursor, rows: int):
        """The publication time of the rows-th newest entry (None: fewer entries than that)."""
        cursor.execute(
            f"SELECT published_at FROM {TABLE} ORDER BY published_at DESC, item_id DESC OFFSET %s LIMIT 1",  # noqa: S608
            [rows],
        )
        found = cursor.fetchone()
        return found[0] if found else None

    def contains(self, column: str) -> str:
        """SQL true when column contains the (lower-case) parameter, for the bounded substring search."""
        return f"strpos(lower({column}), %s) > 0"

    def size(self, cursor) -> int:
        cursor.execute(f"SELECT pg_total_relation_size('{TABLE}')")
        return cursor.fetchone()[0]


class SqliteBackend:
    vendor = "sqlite"

    def delete(self, cursor, item_ids: Sequence[int]) -> None:
        for start in range(0, len(item_ids), 500):  # SQLite limits the parameters of one statement
            chunk = list(item_ids[start : start + 500])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {TABLE} WHERE item_id IN ({marks})", chunk)  # noqa: S608

    def insert(self, cursor, documents: Sequence[Document]) -> None:
        if not documents:
            return
        cursor.executemany(
            f"""INSERT INTO {TABLE} (item_id, organization_id, category_id, subject_id, document_type, validity,
                                    published_at)
                SELECT id, organization_id, category_id, subject_id, document_type, validity, published_at
                FROM catalog_item WHERE id = %s AND status = 'published'""",  # noqa: S608
            [[d.item_id] for d in documents],
        )
        cursor.executemany(
            f"""INSERT INTO {FTS_TABLE} (rowid, title, meta, body)
                SELECT %s, %s, %s, %s WHERE EXISTS (SELECT 1 FROM {TABLE} WHERE item_id = %s)""",  # noqa: S608
            [[d.item_id, " ".join(d.title), " ".join(d.meta), " ".join(d.body), d.item_id] for d in documents],
        )

    def before_rebuild(self, cursor) -> None:
        pass

    def after_rebuild(self, cursor) -> None:
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")  # noqa: S608

    def delete_unpublished(self, cursor) -> None:
        cursor.execute(
            f"""DELETE FROM {TABLE} WHERE NOT EXISTS (
                    SELECT 1 FROM catalog_item i WHERE i.id = {TABLE}.item_id AND i.status = 'published')"""  # noqa: S608
        )

    @staticmethod
    def fts_query(match: Match) -> str:
        def group(tokens):
            return "(" + " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens) + ")"

        expression = " AND ".join(group(g) for g in match.required)
        for excluded in match.excluded:
            expression = f"({expression}) NOT {group(excluded)}"
        return f"{{title}} : ({expression})" if match.title_only else expression

    def condition(self, match: Match, alias: str = "e") -> tuple[str, list]:
        return (
            f"{alias}.item_id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)",  # noqa: S608
            [self.fts_query(match)],
        )

    def title_condition(self, match: Match, alias: str = "e") -> tuple[str, list]:
        return self.condition(Match(match.required, title_only=True), alias)

    def scores(self, cursor, match: Match, item_ids: Sequence[int]) -> dict[int, float]:
        """FTS5's bm25 with the title weighted 10 and summary 4 against the body's 1 (higher is better)."""
        result: dict[int, float] = {}
        ids = list(item_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"""SELECT rowid, -bm25({FTS_TABLE}, 10.0, 4.0, 1.0) FROM {FTS_TABLE}
                    WHERE {FTS_TABLE} MATCH %s AND rowid IN ({marks})""",  # noqa: S608
                [self.fts_query(Match(match.required)), *chunk],
            )
            result.update(cursor.fetchall())
        return result

    @contextmanager
    def plan(self, cursor, kind: str | None) -> Iterator[None]:
        yield  # SQLite's planner reads FTS5 first: the index, then the filters

    def density(self, cursor, match: Match, *, title: bool = False) -> tuple[float | None, float]:
        return None, 0.0

    def cutoff(self, cursor, rows: int):
        return None

    def contains(self, column: str) -> str:
        return f"instr(lower({column}), %s) > 0"

    def size(self, cursor) -> int:
        try:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s OR name LIKE %s", [f"{TABLE}%", f"{FTS_TABLE}%"]
            )
            return cursor.fetchone()[0] or 0
        except Exception:  # noqa: BLE001 - dbstat is an optional SQLite module
            return 0


_BACKENDS = {"postgresql": PostgresBackend(), "sqlite": SqliteBackend()}


def for_connection(connection=None):
    connection = connection or default_connection
    try:
        return _BACKENDS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"full-text search supports PostgreSQL and SQLite, not {connection.vendor}") from None
