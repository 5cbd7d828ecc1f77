"""The search index: one row per published item, with the columns the search filters on.

The text itself is held in a vendor-specific form that migration 0002 adds beside this table:
PostgreSQL gets two tsvector columns (`title_vector`, and `vector` with title weight A, summary and
numbers B, body C) with GIN indexes; SQLite gets the FTS5 table `catalog_searchfts` (rowid = item id).
Rows are written by catalog/search/indexing.py only, in the transaction that changes the item.
"""

from __future__ import annotations

from django.db import models

from disclosure_site.models import Organization


class SearchEntry(models.Model):
    # Copies of the item's filter columns, so that a search filters and orders one narrow table.
    item = models.OneToOneField("catalog.Item", primary_key=True, on_delete=models.CASCADE, related_name="search_entry")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+", db_index=False)
    subject = models.ForeignKey(
        "catalog.Subject", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    document_type = models.CharField(max_length=20)
    validity = models.CharField(max_length=20)
    published_at = models.DateTimeField()

    class Meta:
        app_label = "catalog"
        verbose_name = "检索索引"
        verbose_name_plural = "检索索引"
        indexes = [
            models.Index(fields=["-published_at", "-item"], name="search_published_idx"),
            models.Index(fields=["organization", "-published_at"], name="search_org_published_idx"),
            models.Index(fields=["category", "-published_at"], name="search_cat_published_idx"),
            models.Index(fields=["subject", "-published_at"], name="search_subject_published_idx"),
            models.Index(fields=["document_type", "-published_at"], name="search_type_published_idx"),
            models.Index(fields=["validity", "-published_at"], name="search_validity_published_idx"),
        ]

    def __str__(self) -> str:
        return f"检索索引 {self.item_id}"
