"""The one search function of the public catalog, over either backend.

How a search runs (figures behind the bounds: bench/search.py and the README):

1. The query is parsed into terms (catalog/search/query.py) and the filters into SQL on the index
   table, with the list pages' semantics (organization and category with their subtrees, subject with
   its second level, type, validity, publication dates in Beijing time). Subtrees are written as the
   literal list of their ids, so that the planner knows how many rows they hold.
2. One query counts the matches up to CAP and groups them by organization and type (the facets);
   past the cap the count shows as "10000+" and the facets as counted over the first CAP matches.
3. Date order reads the page from the newest matches. Relevance ranks a bounded candidate set: the
   newest RELEVANCE_CANDIDATES matches, and as many of the newest title matches; title matches
   first, then the backend's score (ts_rank or bm25), then date. The best RELEVANCE_CANDIDATES are
   listed (the first page often needs only the newest matches: _ranked).
4. A term that is several tokens (张三丰, "政府信息公开 工作") is checked as a string on the texts
   of the candidates of the page, never of the whole table.
5. If the index finds nothing, a bounded substring search reads the newest FALLBACK_SCAN items
   that pass the filters, so a string across word boundaries (府信息) still finds its items.
6. With no result and filters (or title-only) in force, the same words without them are counted:
   the "did you mean" of the results page.

How each question is read fast is the backend's business (catalog/search/postgres.py explains the
access paths on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.safestring import SafeString

from disclosure_site.models import Organization

from ..models import Category, DocumentType, Item, Subject
from . import backends, parallel
from .highlight import highlight, snippet
from .query import ParsedQuery, parse
from .segment import html_to_text, normalize

CAP = 10_000
PAGE_SIZE = 20
MAX_RESULTS = 1000  # pages past this are not offered: a citizen narrows the search instead
RELEVANCE_CANDIDATES = 200
CHECK_BATCH = 100
CHECK_LIMIT = 1000  # candidates whose text a multi-token query reads, at most
FALLBACK_SCAN = 2000

ORDERS = {"relevance": "相关度", "date": "发布日期"}


@dataclass(frozen=True)
class SearchFilters:
    """The filters of the list pages (catalog/filters.py), as values the search turns into SQL."""

    organization: Organization | None = None
    category: Category | None = None
    subject: Subject | None = None
    document_type: str = ""
    validity: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive

    @classmethod
    def from_cleaned_data(cls, data: dict) -> SearchFilters:
        """From an ItemFilter form's cleaned_data: a year becomes a date range, intersected with the dates."""
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if year := data.get("year"):
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            date_from = max(date_from, first) if date_from else first
            date_to = min(date_to, last) if date_to else last
        return cls(
            organization=data.get("organization"),
            category=data.get("category"),
            subject=data.get("subject"),
            document_type=data.get("document_type") or "",
            validity=data.get("validity") or "",
            date_from=date_from,
            date_to=date_to,
        )

    @property
    def active(self) -> bool:
        return any((self.organization, self.category, self.subject, self.document_type, self.validity)) or bool(
            self.date_from or self.date_to
        )

    def sql(self, alias: str) -> tuple[list[str], list]:
        """Conditions on a table with the item's filter columns (the index table or catalog_item)."""
        where: list[str] = []
        params: list = []

        def subtree(column: str, node) -> None:
            # The ids themselves, not a subquery on the tree: the planner then knows how many rows they
            # hold (a subquery is estimated at one row, and a million rows were read one by one).
            ids = list(node.get_descendants(include_self=True).values_list("pk", flat=True))
            where.append(f"{alias}.{column} IN ({', '.join(['%s'] * len(ids))})")
            params.extend(ids)

        if self.organization is not None and not _covers_all(self.organization):
            subtree("organization_id", self.organization)
        if self.category is not None:
            subtree("category_id", self.category)
        if self.subject is not None:
            subtree("subject_id", self.subject)
        if self.document_type:
            where.append(f"{alias}.document_type = %s")
            params.append(self.document_type)
        if self.validity:
            where.append(f"{alias}.validity = %s")
            params.append(self.validity)
        if self.date_from:
            where.append(f"{alias}.published_at >= %s")
            params.append(_start_of(self.date_from))
        if self.date_to:
            where.append(f"{alias}.published_at < %s")
            params.append(_start_of(self.date_to + dt.timedelta(days=1)))
        return where, params


def _covers_all(organization: Organization) -> bool:
    """Whether the organization's subtree is every organization (the single root): no condition then."""
    return organization.is_root_node() and not Organization.objects.exclude(tree_id=organization.tree_id).exists()


def _start_of(day: dt.date):
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return connection.ops.adapt_datetimefield_value(moment)


@dataclass
class Hit:
    item: Item
    title: SafeString
    snippet: SafeString


@dataclass
class Facet:
    value: str  # the filter value (organization id or document type)
    label: str
    count: int


@dataclass
class SearchResult:
    query: ParsedQuery
    filters: SearchFilters
    order: str
    title_only: bool
    page: int = 1
    page_size: int = PAGE_SIZE
    ids: list[int] = field(default_factory=list)  # the page
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    capped: bool = False  # more than CAP: shown as "10000+"
    approximate: bool = False  # estimated from the candidates checked: shown as "约 N"
    reachable: int | None = None  # results a citizen can page through, when fewer than total
    substring: bool = False  # found by the bounded substring search
    organization_counts: dict[int, int] = field(default_factory=dict)
    type_counts: dict[str, int] = field(default_factory=dict)
    facets_partial: bool = False
    relaxed_total: int | None = None  # "did you mean": matches without the filters / title-only
    notices: list[str] = field(default_factory=list)

    @property
    def total_display(self) -> str:
        if self.capped:
            return f"{CAP}+"
        return f"约 {self.total}" if self.approximate else str(self.total)

    @property
    def num_pages(self) -> int:
        shown = self.total if self.reachable is None else min(self.total, self.reachable)
        return max(1, math.ceil(shown / self.page_size)) if self.page_size else 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.ids else 0

    @property
    def type_facets(self) -> list[Facet]:
        labels = dict(DocumentType.choices)
        return [
            Facet(value, labels.get(value, value), count)
            for value, count in sorted(self.type_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    def organization_facets(self) -> list[Facet]:
        """Counts grouped one level below the organization filter (or below the single root): a department's
        count includes its subordinate units, as choosing it would."""
        if not self.organization_counts:
            return []
        names, parents = {}, {}
        for pk, name, parent_id in Organization.objects.values_list("id", "name", "parent_id"):
            names[pk], parents[pk] = name, parent_id
        scope = self.filters.organization
        if scope is None:
            roots = [pk for pk, parent in parents.items() if parent is None]
            scope = Organization(pk=roots[0], name=names[roots[0]]) if len(roots) == 1 else None
        below = None if scope is None else scope.pk
        group_ids = {pk for pk, parent in parents.items() if parent == below}
        counts: Counter[int] = Counter()
        own = 0
        for org_id, count in self.organization_counts.items():
            if org_id not in names:
                continue
            group = org_id
            while group is not None and group not in group_ids:  # up the tree to its group, if it has one
                group = parents.get(group)
            if group is None:
                own += count
            else:
                counts[group] += count
        facets = [Facet(str(pk), names[pk], n) for pk, n in counts.most_common()]
        if own and scope is not None:
            facets.insert(0, Facet(str(scope.pk), f"{scope.name}（本级）", own))
        return facets


# The search ------------------------------------------------------------------------------------------


def search(
    text: str = "",
    *,
    filters: SearchFilters | None = None,
    order: str = "relevance",
    title_only: bool = False,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    relax: bool = True,
    hits: bool = True,
) -> SearchResult:
    """Published items matching text and filters: one page of hits, counts, facets and notices.

    order is "relevance" or "date"; page starts at 1 (a page past the end shows the last one, with a
    notice). relax=False skips the "did you mean" count; hits=False returns the ids without loading
    and highlighting the items.
    """
    query = parse(text)
    filters = filters or SearchFilters()
    order = order if order in ORDERS else "relevance"
    result = SearchResult(
        query=query,
        filters=filters,
        order=order,
        title_only=title_only,
        page=max(1, page),
        page_size=page_size,
        notices=list(query.notices),
    )
    if query.is_empty:
        _latest(result, hits)
    else:
        if query.uses_index:
            _index_search(result, hits)
        if not result.ids and result.total == 0:
            _substring_search(result)
        if result.total == 0 and relax and (filters.active or title_only):
            relaxed = search(text, relax=False, page_size=0)
            result.relaxed_total = relaxed.total
    if hits and not result.hits:
        _load_hits(result)
    return result


def _clamp_page(result: SearchResult) -> int:
    """The offset of the page asked for; a page past the last shows the last one, with a notice."""
    if result.page > result.num_pages:
        result.notices.append(f"共 {result.num_pages} 页，没有第 {result.page} 页，已显示最后一页。")
        result.page = result.num_pages
    return (result.page - 1) * result.page_size


def _searcher(result: SearchResult, match: backends.Match | None):
    conditions, params = result.filters.sql("e")
    dates_only = all(condition.startswith("e.published_at ") for condition in conditions)
    backend = backends.for_connection(connection)
    return backend.searcher(match, backends.Where(tuple(conditions), tuple(params), dates_only))


def _count(result: SearchResult, searcher, counts=None) -> None:
    """Total (capped) and the facet counts, in one query over at most CAP + 1 matches (or counts, that
    query's answer read on the side connection)."""
    result.organization_counts, result.type_counts = counts if counts is not None else searcher.count(CAP)
    total = sum(result.type_counts.values())
    result.capped = total > CAP
    result.total = min(total, CAP)
    result.facets_partial = result.capped


def _latest(result: SearchResult, hits: bool) -> None:
    """No words: the newest published items that pass the filters."""
    searcher = _searcher(result, None)
    result.reachable = MAX_RESULTS
    if result.page == 1 and result.page_size:  # the first page and its hits do not wait for the count
        counts = parallel.beside(lambda: searcher.count(CAP))
        result.ids = [pk for pk, _ in searcher.newest(result.page_size)]
        if hits:
            _load_hits(result)
        _count(result, searcher, counts())
        return
    _count(result, searcher)
    if result.page_size:
        offset = _clamp_page(result)
        result.ids = [pk for pk, _ in searcher.newest(result.page_size, offset)]


def _index_search(result: SearchResult, hits: bool) -> None:
    searcher = _searcher(result, result.query.match(title_only=result.title_only))
    if result.page == 1 and result.page_size:
        # The first page and its hits do not depend on the count: read while the count is read on the
        # side connection (catalog/search/parallel.py).
        counts = parallel.beside(lambda: searcher.count(CAP))
        if result.query.needs_check:
            _checked_page(result, searcher, counts, hits)
            return
        ids = _page(result, searcher)
        loaded = _hits(result, ids) if hits else []
        _count(result, searcher, counts())
        if result.total == 0:
            return
        result.ids, result.hits = ids, loaded
    else:
        _count(result, searcher)
        if result.total == 0 or not result.page_size:
            return
        if result.query.needs_check:
            _checked_page(result, searcher)
            return
        result.ids = _page(result, searcher)
    if result.total > (result.reachable or 0):
        result.notices.append(_reachable_notice(result))


def _page(result: SearchResult, searcher) -> list[int]:
    """The ids of the page asked for (sets result.reachable; a page past the end: the last one)."""
    if result.order == "date":
        result.reachable = MAX_RESULTS
        offset = _clamp_page(result)
        return [pk for pk, _ in searcher.newest(result.page_size, offset)]
    ranked, result.reachable = _ranked(result, searcher, needed=result.page * result.page_size)
    offset = _clamp_page(result)
    return ranked[offset : min(offset + result.page_size, result.reachable)]


def _reachable_notice(result: SearchResult) -> str:
    if result.order == "relevance":
        return f"按相关度排序时列出最相关的前 {result.reachable} 条；按发布日期排序或增加关键词、筛选条件可查看更多。"
    return f"结果较多，只列出最新的 {result.reachable} 条，请增加关键词或筛选条件。"


def _ranked(result: SearchResult, searcher, needed: int | None = None) -> tuple[list[int], int]:
    """Relevance over a bounded candidate set: the newest matches and the newest title matches. Returns
    the ranked ids (at least the first `needed`, None: all) and how many of them a citizen can page
    through: the RELEVANCE_CANDIDATES best, or every match when there are fewer.

    Scores are read only where they decide the first `needed` places: title matches come first, so when
    they fill those places the others are left in date order, and the title matches too when the backend
    says their scores are all equal (a one-word query on PostgreSQL). Then, when the newest matches hold
    `needed` title matches, those are the newest title matches of all (any newer one would be among the
    newest matches): the title matches need not be read."""
    if result.title_only:
        newest = searcher.newest(RELEVANCE_CANDIDATES)
        candidates = dict(newest)
        title_ids = set(candidates)
    else:
        newest = searcher.newest(RELEVANCE_CANDIDATES, flag_title=True)
        candidates = {pk: published for pk, published, _ in newest}
        title_ids = {pk for pk, _, in_title in newest if in_title}
        if len(newest) == RELEVANCE_CANDIDATES:  # else every match is a candidate already
            if needed is not None and searcher.equal_title_scores and len(title_ids) >= needed:
                return [pk for pk in candidates if pk in title_ids][:needed], RELEVANCE_CANDIDATES
            title_rows = searcher.newest(RELEVANCE_CANDIDATES, title=True)
            candidates.update(title_rows)
            title_ids.update(pk for pk, _ in title_rows)
    titled = [pk for pk in candidates if pk in title_ids]
    to_score = [] if searcher.equal_title_scores else titled
    if needed is None or needed > len(titled):
        to_score += [pk for pk in candidates if pk not in title_ids]
    scores = searcher.scores(to_score)

    def key(pk: int):
        return (pk in title_ids, round(scores.get(pk, 0.0), 6), candidates[pk], pk)

    return sorted(candidates, key=key, reverse=True), min(len(candidates), RELEVANCE_CANDIDATES)


_IDEOGRAPHS_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def _contains_all(item: Item, strings: list[str], title_only: bool) -> bool:
    """Whether the item's text, normalized as the index's, contains every string.

    Normalizing thousands of characters is the slow part, and most candidates contain the strings: a
    string of ideographs only is found in the raw text first (NFKC leaves those unchanged and composes
    nothing with them, so found there means found in the normalized text)."""
    if title_only:
        raw = item.title
    else:
        parts = [item.title, item.summary, item.keywords, item.document_number, item.index_number or ""]
        raw = " ".join([*parts, html_to_text(item.body)])
    pending = [s for s in strings if not (_IDEOGRAPHS_RE.fullmatch(s) and s in raw)]
    if not pending:
        return True
    text = normalize(raw)
    return all(s in text for s in pending)


def _checked_page(result: SearchResult, searcher, counts=None, hits: bool = False) -> None:
    """Fill the page with candidates whose text contains every multi-token term as a string (counts: the
    first page's count started beside, read once the candidates are checked and, with hits, the page's
    hits loaded; None: counted already)."""
    strings = [t.text for t in result.query.required if t.needs_check]
    ranked = None if result.order == "date" else _ranked(result, searcher)[0]
    wanted = result.page * result.page_size + 1
    verified: list[int] = []
    scanned = 0
    exhausted = False
    while len(verified) < wanted and scanned < CHECK_LIMIT:
        # Read a little more than the page still needs (most candidates usually pass), at most a batch.
        size = min(CHECK_BATCH, max(16, math.ceil((wanted - len(verified)) * 1.5)))
        if ranked is None:
            chunk = [pk for pk, _ in searcher.newest(size, scanned)]
        else:
            chunk = ranked[scanned : scanned + size]
        if not chunk:
            exhausted = True
            break
        scanned += len(chunk)
        items = Item.objects.filter(pk__in=chunk).only(
            "title", "summary", "keywords", "document_number", "index_number", "body", "organization_id",
            "document_type",
        )  # fmt: skip
        by_pk = {item.pk: item for item in items}
        for pk in chunk:
            item = by_pk.get(pk)
            if item is not None and _contains_all(item, strings, result.title_only):
                verified.append(pk)
        if len(chunk) < size:
            exhausted = True
            break
    loaded = None
    if counts is not None:
        loaded = _hits(result, verified[: result.page_size]) if hits else None
        _count(result, searcher, counts())
    # Complete when every index match was read: all of them in date order, or a ranked list holding them all.
    complete = exhausted and (ranked is None or (not result.capped and len(ranked) >= result.total))
    if complete:
        result.total, result.capped = len(verified), False
        items = Item.objects.filter(pk__in=verified).values_list("organization_id", "document_type")
        result.organization_counts = dict(Counter(org for org, _ in items))
        result.type_counts = dict(Counter(t for _, t in items))
        result.reachable = len(verified)
    else:
        estimate = round(result.total * len(verified) / scanned) if scanned else 0
        result.total = max(estimate, len(verified))
        result.approximate, result.capped = True, False
        result.organization_counts, result.type_counts = {}, {}
        result.reachable = len(verified)
        result.notices.append(f"检查了 {scanned} 条候选结果，列出其中完全包含所查文字的 {len(verified)} 条。")
    if not verified:
        result.total = 0
        result.approximate = False
        result.notices = [n for n in result.notices if not n.startswith("检查了")]
        return
    offset = _clamp_page(result)
    result.ids = verified[offset : offset + result.page_size]
    if loaded is not None and offset == 0:
        result.hits = loaded


def _substring_search(result: SearchResult) -> None:
    """The bounded fallback: the newest FALLBACK_SCAN items passing the filters, read as strings."""
    backend = backends.for_connection(connection)
    query = result.query
    columns = (
        ["s.title"] if result.title_only else ["s.title", "s.summary", "s.body", "s.keywords", "s.document_number"]
    )
    conditions, params = [], []
    for term in query.required:
        conditions.append("(" + " OR ".join(backend.contains(c) for c in columns) + ")")
        params += [term.text] * len(columns)
    for term in query.excluded:
        conditions.append("NOT (" + " OR ".join(backend.contains(c) for c in columns) + ")")
        params += [term.text] * len(columns)
    filter_sql, filter_params = result.filters.sql("i")
    inner_where = " AND ".join(["i.status = 'published'", *filter_sql])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT s.id, s.organization_id, s.document_type FROM (
                    SELECT i.id, i.organization_id, i.document_type, i.title, i.summary, i.body, i.keywords,
                           i.document_number, i.published_at
                    FROM catalog_item i WHERE {inner_where}
                    ORDER BY i.published_at DESC, i.id DESC LIMIT {FALLBACK_SCAN}
                ) s WHERE {" AND ".join(conditions)} ORDER BY s.published_at DESC, s.id DESC""",  # noqa: S608
            [*filter_params, *params],
        )
        rows = cursor.fetchall()
    result.ids, result.total, result.capped, result.approximate = [], len(rows), False, False
    result.organization_counts = dict(Counter(org for _, org, _ in rows))
    result.type_counts = dict(Counter(t for _, _, t in rows))
    result.reachable = None
    if not rows:
        return
    result.substring = True
    result.notices.append(f"索引中没有找到这些词，以下是在最新发布的 {FALLBACK_SCAN} 条信息中逐字查找到的结果。")
    if result.page_size:
        offset = _clamp_page(result)
        result.ids = [pk for pk, _, _ in rows[offset : offset + result.page_size]]


def _load_hits(result: SearchResult) -> None:
    result.hits = _hits(result, result.ids)


def _hits(result: SearchResult, ids: list[int]) -> list[Hit]:
    """The items of ids, in that order, with their titles and snippets highlighted."""
    if not ids:
        return []
    items = (
        Item.objects.filter(pk__in=ids)
        .select_related("organization", "category", "subject__parent")
        .order_by()  # put in the page's order below
    )
    by_pk = {item.pk: item for item in items}
    words = result.query.highlight_words
    hits = []
    for pk in ids:
        item = by_pk.get(pk)
        if item is None:  # withdrawn between the two queries
            continue
        hits.append(Hit(item=item, title=highlight(item.title, words), snippet=snippet(_texts(item, result), words)))
    return hits


def _texts(item: Item, result: SearchResult) -> Iterator[str]:
    """The texts a hit's snippet is taken from, in order; the body converted only when reached."""
    yield item.summary
    if not result.title_only:
        yield html_to_text(item.body)
