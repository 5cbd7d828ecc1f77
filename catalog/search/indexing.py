"""Keeping the search index in step with the catalog.

Only published items are in the index. The post_save handler refreshes an item's row in the
transaction that saved it: publication, an approved revision, a validity change and a withdrawal
are visible to searches exactly when they commit, on every server, and roll back with the change.
A deleted item's row goes with it (ON DELETE CASCADE, and a trigger for SQLite's FTS table).
`rebuild()` recomputes everything in batches; `manage.py rebuild_search_index` calls it.
"""

from __future__ import annotations

import multiprocessing
import random
from collections.abc import Callable, Iterable

from django.db import connection, transaction

from ..models import Item, ItemStatus
from .backends import Document, for_connection
from .segment import html_to_text, index_tokens, load

# The fields a document is built from (and all that a rebuild reads of each item).
INDEXED_FIELDS = ("id", "status", "title", "summary", "keywords", "document_number", "index_number", "body")
# Items that were never published cannot have a row; only these states need the index touched.
_INDEXED_STATES = {ItemStatus.PUBLISHED, ItemStatus.WITHDRAWN}
# Items whose lexemes a rebuild reads first, when the backend chooses its vocabulary of common words
# from them: a lexeme in 5 % of the items is then estimated within ±0.6 % (two standard errors).
VOCABULARY_SAMPLE = 5000


def document(item: Item) -> Document:
    """The tokens of item, each in the most important field it occurs in (title, then meta, then body)."""
    return _document(tuple(getattr(item, name) for name in INDEXED_FIELDS))


def _document(row: tuple) -> Document:
    pk, _status, title, summary, keywords, document_number, index_number, body = row
    title_tokens = index_tokens(title)
    seen = set(title_tokens)
    meta_text = " ".join([summary or "", keywords or "", document_number or "", index_number or ""])
    meta = [token for token in index_tokens(meta_text) if token not in seen]
    seen.update(meta)
    body_tokens = [token for token in index_tokens(html_to_text(body)) if token not in seen]
    return Document(pk, title_tokens, meta, body_tokens)


def _documents(rows: list[tuple]) -> list[Document]:
    return [_document(row) for row in rows]


def refresh(items: Iterable[Item]) -> None:
    """Bring the rows of items up to date: published ones (re)indexed, any other state removed."""
    touched, documents = [], []
    for item in items:
        if item.status not in _INDEXED_STATES:
            continue
        touched.append(item.pk)
        if item.status == ItemStatus.PUBLISHED:
            documents.append(document(item))
    if not touched:
        return
    backend = for_connection(connection)
    with transaction.atomic(), connection.cursor() as cursor:
        backend.delete(cursor, touched)
        backend.insert(cursor, documents)


def _sample(published, size: int = VOCABULARY_SAMPLE) -> list[list[str]]:
    """The lexemes of up to size published items drawn at random (reproducibly)."""
    ids = list(published.values_list("pk", flat=True))
    rng = random.Random(len(ids))  # noqa: S311 - a sample, not a secret
    chosen = sorted(rng.sample(ids, min(size, len(ids))))
    tokens = []
    for start in range(0, len(chosen), 500):
        rows = published.filter(pk__in=chosen[start : start + 500]).values_list(*INDEXED_FIELDS)
        tokens += [d.tokens for d in _documents(list(rows))]
    return tokens


def item_saved(sender, instance: Item, **kwargs) -> None:
    refresh([instance])


def rebuild(*, batch_size: int = 500, workers: int = 1, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute the index of every published item, batch by batch in publication order, each batch in
    its own transaction.

    Searches keep working throughout (a row is replaced, never missing), and publishing waits at most
    for one batch. A batch is segmented from rows read earlier; an item saved meanwhile (its
    updated_at moved) is read and segmented again under lock, so a rebuild never writes stale words.
    Rows of items no longer published are removed at the end. workers > 1 segments in that many forked
    processes while this one reads and writes the database. progress(done, total) follows each batch.
    """
    backend = for_connection(connection)
    published = Item.objects.filter(status=ItemStatus.PUBLISHED)
    fields = (*INDEXED_FIELDS, "updated_at", "published_at")
    total = published.count()
    done = 0

    def batches():
        # In publication order, as items are indexed when they are published: the table then lies in
        # date order on disk, and the newest matches of a search are read from neighbouring pages.
        ordered = published.order_by("published_at", "pk")
        rows = list(ordered.values_list(*fields)[:batch_size])
        while rows:
            yield rows
            last_pk, last_published = rows[-1][0], rows[-1][-1]
            following = ordered.filter(published_at__gte=last_published).exclude(
                published_at=last_published, pk__lte=last_pk
            )
            rows = list(following.values_list(*fields)[:batch_size])

    def write(rows: list[tuple], documents: list[Document]) -> None:
        nonlocal done
        with transaction.atomic():
            ids = [row[0] for row in rows]
            current = dict(Item.objects.select_for_update().filter(pk__in=ids).values_list("pk", "updated_at"))
            changed = {row[0] for row in rows if current.get(row[0]) != row[-2]}
            if changed:
                fresh = {row[0]: row for row in published.filter(pk__in=changed).values_list(*INDEXED_FIELDS)}
                documents = [
                    _document(fresh[d.item_id]) if d.item_id in changed else d
                    for d in documents
                    if d.item_id not in changed or d.item_id in fresh  # withdrawn meanwhile: left out
                ]
            with connection.cursor() as cursor:
                backend.delete(cursor, ids)
                backend.insert(cursor, documents)
        done += len(rows)
        if progress:
            progress(done, total)

    def segment(rows: list[tuple]) -> list[Document]:
        return _documents([row[:-2] for row in rows])

    with connection.cursor() as cursor:
        backend.before_rebuild(cursor, sample=lambda: _sample(published))
    try:
        if workers <= 1:
            for rows in batches():
                write(rows, segment(rows))
        else:
            load()  # load the dictionary once, before the fork, so the workers share it
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                pending = None
                for rows in batches():  # read the next batch while the workers cut the previous one
                    size = max(1, len(rows) // (workers * 4))
                    parts = [[row[:-2] for row in rows[i : i + size]] for i in range(0, len(rows), size)]
                    job = (rows, pool.map_async(_documents, parts))
                    if pending is not None:
                        write(pending[0], [d for part in pending[1].get() for d in part])
                    pending = job
                if pending is not None:
                    write(pending[0], [d for part in pending[1].get() for d in part])
        with transaction.atomic(), connection.cursor() as cursor:
            backend.delete_unpublished(cursor)
    finally:
        with connection.cursor() as cursor:
            backend.after_rebuild(cursor)
    return done
