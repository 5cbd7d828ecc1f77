"""Pagination shared by the public lists and the JSON API."""

from __future__ import annotations

from math import ceil

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows: an exact COUNT(*) of a million published items costs half a second,
    and nobody pages past the first few hundred pages; beyond the cap the page says "10000+"."""

    COUNT_CAP = 10000

    @cached_property
    def count(self) -> int:
        return self.object_list.values("pk").order_by()[: self.COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.COUNT_CAP

    @cached_property
    def num_pages(self) -> int:
        return ceil(min(self.count, self.COUNT_CAP) / self.per_page) or 1

    def page(self, number):
        """The page's rows by a deferred join: first the ids of the page, read from the list's ordering
        index alone (page 100 skips 1,980 index entries, not 1,980 table rows), then those rows."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().page(number)
        ids = list(rows.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        found = {row.pk: row for row in rows.order_by().filter(pk__in=ids)}
        return self._get_page([found[pk] for pk in ids if pk in found], number, self)
