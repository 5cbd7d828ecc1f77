"""Pagination shared by the public lists and the JSON API."""

from __future__ import annotations

from math import ceil

from django.utils.functional import cached_property

from disclosure_site.pagination import DeferredJoinPaginator


class CappedPaginator(DeferredJoinPaginator):
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
