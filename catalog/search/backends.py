"""The two stores of the search index: PostgreSQL tsvector + GIN (catalog/search/postgres.py), and SQLite FTS5.

Both are fed the same tokens (catalog/search/segment.py), written as space-free lexemes, so that the
same query finds the same items on both. Everything vendor-specific is behind the same small interface
(except the DDL, which is in migrations 0002 and 0004): writing and deleting index rows, and a
`Searcher` per search that counts the matches, lists the newest ones, tells title matches apart and
scores candidates. The engine (catalog/search/engine.py) decides what to ask; the backend decides how
to read it fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection as default_connection

TABLE = "catalog_searchentry"
FTS_TABLE = "catalog_searchfts"


@dataclass(frozen=True)
class Document:
    """The tokens of one item: each lexeme once, in the most important field it occurs in."""

    item_id: int
    title: Sequence[str]
    meta: Sequence[str]  # summary, keywords, 发文字号, 索引号
    body: Sequence[str]

    @property
    def tokens(self) -> list[str]:
        return [*self.title, *self.meta, *self.body]


@dataclass(frozen=True)
class Match:
    """A boolean query over lexemes: every group of `required` must match, no group of `excluded` may."""

    required: tuple[tuple[str, ...], ...]
    excluded: tuple[tuple[str, ...], ...] = ()
    title_only: bool = False

    @property
    def required_tokens(self) -> list[str]:
        return list(dict.fromkeys(token for group in self.required for token in group))


@dataclass(frozen=True)
class Where:
    """The filters of a search as SQL conditions on the index table (alias e), joined with AND."""

    conditions: tuple[str, ...] = ()
    params: tuple = ()
    dates_only: bool = True  # no condition but on the publication date: the date index lists the rows

    @property
    def sql(self) -> str:
        return " AND ".join(self.conditions) or "TRUE"

    @property
    def active(self) -> bool:
        return bool(self.conditions)

    @property
    def since(self) -> bool:
        """Whether a condition leaves out the items published before a date."""
        return any(condition.startswith("e.published_at >=") for condition in self.conditions)


def placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


class SqliteBackend:
    """FTS5 finds the matches and SQLite's planner reads it first, then the filters: at the sizes an
    embedded database holds, every question is one plain query."""

    vendor = "sqlite"

    def delete(self, cursor, item_ids: Sequence[int]) -> None:
        for start in range(0, len(item_ids), 500):  # SQLite limits the parameters of one statement
            chunk = list(item_ids[start : start + 500])
            cursor.execute(f"DELETE FROM {TABLE} WHERE item_id IN ({placeholders(chunk)})", chunk)  # noqa: S608

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

    def before_rebuild(self, cursor, sample=None) -> None:
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

    def searcher(self, match: Match | None, where: Where) -> SqliteSearcher:
        return SqliteSearcher(self, match, where)

    def contains(self, column: str) -> str:
        """SQL true when column contains the (lower-case) parameter, for the bounded substring search."""
        return f"instr(lower({column}), %s) > 0"

    def size(self, cursor) -> int:
        try:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s OR name LIKE %s", [f"{TABLE}%", f"{FTS_TABLE}%"]
            )
            return cursor.fetchone()[0] or 0
        except Exception:  # noqa: BLE001 - dbstat is an optional SQLite module
            return 0


class SqliteSearcher:
    equal_title_scores = False  # bm25 weighs in the length of each field

    def __init__(self, backend: SqliteBackend, match: Match | None, where: Where):
        self.backend, self.match, self.where = backend, match, where

    def _conditions(self, *, title: bool = False) -> tuple[str, list]:
        conditions, params = list(self.where.conditions), list(self.where.params)
        if self.match is not None:
            sql, values = self.backend.condition(self.match)
            conditions.insert(0, sql)
            params[:0] = values
            if title and not self.match.title_only:
                sql, values = self.backend.condition(Match(self.match.required, title_only=True))
                conditions.insert(0, sql)
                params[:0] = values
        return " AND ".join(conditions) or "1 = 1", params

    def count(self, cap: int) -> tuple[dict[int, int], dict[str, int]]:
        """Matches per organization and per document type, over the first cap + 1 matches."""
        where, params = self._conditions()
        with default_connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT organization_id, document_type, COUNT(*) FROM (
                        SELECT e.organization_id, e.document_type FROM {TABLE} e WHERE {where} LIMIT {cap + 1}
                    ) s GROUP BY organization_id, document_type""",  # noqa: S608
                params,
            )
            organizations: dict[int, int] = {}
            types: dict[str, int] = {}
            for organization, document_type, n in cursor.fetchall():
                organizations[organization] = organizations.get(organization, 0) + n
                types[document_type] = types.get(document_type, 0) + n
            return organizations, types

    def newest(self, limit: int, offset: int = 0, *, title: bool = False, flag_title: bool = False) -> list[tuple]:
        """(item id, publication time[, in title]) of the matches offset … offset + limit, newest first."""
        where, params = self._conditions(title=title)
        with default_connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT e.item_id, e.published_at FROM {TABLE} e WHERE {where}
                    ORDER BY e.published_at DESC, e.item_id DESC LIMIT %s OFFSET %s""",  # noqa: S608
                [*params, limit, offset],
            )
            rows = cursor.fetchall()
        if not flag_title:
            return rows
        in_title = self.in_title([pk for pk, _ in rows])
        return [(pk, published, pk in in_title) for pk, published in rows]

    def in_title(self, item_ids: Sequence[int]) -> set[int]:
        found: set[int] = set()
        title = self.backend.fts_query(Match(self.match.required, title_only=True))
        with default_connection.cursor() as cursor:
            for start in range(0, len(item_ids), 500):
                chunk = list(item_ids[start : start + 500])
                cursor.execute(
                    f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders(chunk)})",  # noqa: S608
                    [title, *chunk],
                )
                found.update(pk for (pk,) in cursor.fetchall())
        return found

    def scores(self, item_ids: Sequence[int]) -> dict[int, float]:
        """FTS5's bm25 with the title weighted 10 and summary 4 against the body's 1 (higher is better)."""
        result: dict[int, float] = {}
        if not item_ids:
            return result
        query = self.backend.fts_query(Match(self.match.required))
        with default_connection.cursor() as cursor:
            for start in range(0, len(item_ids), 500):
                chunk = list(item_ids[start : start + 500])
                cursor.execute(
                    f"""SELECT rowid, -bm25({FTS_TABLE}, 10.0, 4.0, 1.0) FROM {FTS_TABLE}
                        WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders(chunk)})""",  # noqa: S608
                    [query, *chunk],
                )
                result.update(cursor.fetchall())
        return result


_BACKENDS: dict = {"sqlite": SqliteBackend()}


def for_connection(connection=None):
    connection = connection or default_connection
    if connection.vendor == "postgresql" and "postgresql" not in _BACKENDS:
        from .postgres import PostgresBackend

        _BACKENDS["postgresql"] = PostgresBackend()
    try:
        return _BACKENDS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"full-text search supports PostgreSQL and SQLite, not {connection.vendor}") from None
