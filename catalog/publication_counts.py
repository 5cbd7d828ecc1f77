"""Published items per organization and month and per catalog column and year (Beijing time), as the
public statistics page reads them: catalog.MonthlyPublications and catalog.CategoryYearPublications.

Database triggers on catalog_item (migration 0007) keep both in the transaction that publishes,
withdraws, re-dates, moves or deletes an item, whatever does the writing (the admin, an import, a
queryset update, raw SQL). An item counts while its status is 已发布 and it has a 发布日期 — the yearly
report's rule (catalog.report_stats). Rows whose count falls to zero stay.

recount() rebuilds both from catalog_item, for a database whose triggers were bypassed (a bulk load with
triggers disabled, session_replication_role = replica) or to check them: `manage.py
recount_publications`.
"""

from __future__ import annotations

from django.db import connection, transaction

from .models import CategoryYearPublications, MonthlyPublications

# The Beijing month (its first day) and year of catalog_item.published_at, per database.
MONTH = {
    "postgresql": "date_trunc('month', published_at AT TIME ZONE 'Asia/Shanghai')::date",
    "sqlite": "date(published_at, '+8 hours', 'start of month')",
}
YEAR = {
    "postgresql": "EXTRACT(year FROM published_at AT TIME ZONE 'Asia/Shanghai')::int",
    "sqlite": "CAST(strftime('%Y', published_at, '+8 hours') AS integer)",
}
COUNTED = "status = 'published' AND published_at IS NOT NULL"


def recount(using=None) -> tuple[int, int]:
    """Rebuild both tables from catalog_item in one transaction (on PostgreSQL, item writes wait for it);
    returns the number of (organization, month) and (column, year) rows written."""
    conn = using or connection
    vendor = conn.vendor
    monthly, yearly = MonthlyPublications._meta.db_table, CategoryYearPublications._meta.db_table
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("LOCK TABLE catalog_item IN SHARE MODE")
        cursor.execute(f"DELETE FROM {monthly}")  # noqa: S608 - table names from the models
        cursor.execute(f"DELETE FROM {yearly}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {monthly} (organization_id, month, count) "  # noqa: S608 - fixed expressions
            f"SELECT organization_id, {MONTH[vendor]}, COUNT(*) FROM catalog_item WHERE {COUNTED} GROUP BY 1, 2"
        )
        months = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {yearly} (category_id, year, count) "  # noqa: S608 - fixed expressions
            f"SELECT category_id, {YEAR[vendor]}, COUNT(*) FROM catalog_item WHERE {COUNTED} GROUP BY 1, 2"
        )
        return months, cursor.rowcount
