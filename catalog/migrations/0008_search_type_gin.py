"""Search index: a GIN index of the vector per document type (partial: WHERE document_type = the type).

A word searched with a type filter (what a type facet's link asks) is then found through its type's own
index, whose postings are that type's only: about a ninth of the word's, and no bitmap of the type's
btree to AND them with. At a million items the count of a word found in 10 % of the items, within one
type, went from 41 ms to 15 ms (bench/search.py; the README has the figures). The cost: each row is
written into two GIN indexes, and the type indexes together are about as large as the full one (about
1 GB at a million items; building them takes a few minutes and blocks writes to the index table
meanwhile, not searches).

PostgreSQL only (SQLite: nothing to do). The types are those of this migration: a type added later has
no index of its own and is searched as before. catalog/search/postgres.py finds the GIN indexes of the
table by itself (a rebuild turns on their pending lists).
"""

from django.db import migrations

TYPES = [
    "rule",
    "normative",
    "other_document",
    "interpretation",
    "news",
    "notice",
    "plan",
    "statistics",
    "budget",
    "personnel",
    "other",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for document_type in TYPES:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS search_vector_gin_{document_type} ON catalog_searchentry "
                f"USING gin (vector) WITH (fastupdate = off) WHERE document_type = '{document_type}'"
            )
        cursor.execute("RESET maintenance_work_mem")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for document_type in TYPES:
                cursor.execute(f"DROP INDEX IF EXISTS search_vector_gin_{document_type}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0007_publication_counts"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
