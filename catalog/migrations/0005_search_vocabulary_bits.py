"""Search index: one bit per common lexeme in each row, so that a common word is tested without reading
the row's TOASTed vector (catalog/search/postgres.py explains why).

PostgreSQL only: the vocabulary table (one row per version: the lexemes, bit n for lexeme n) and the
rows' `common` bits with the version they were computed for. An existing index gets its vocabulary
from the planner's statistics and its bits in batches of 2,000 rows, each committed on its own (the
migration is not atomic): about 4 minutes at a million items. Searches are correct before, during and
after (a row without bits of the version in force is tested on its vector). SQLite: nothing to do.
"""

from django.db import migrations

POSTGRES_INSTALL = [
    """CREATE TABLE IF NOT EXISTS catalog_searchvocabulary (
        version integer PRIMARY KEY,
        lexemes text[] NOT NULL,
        created_at timestamp with time zone NOT NULL DEFAULT now())""",
    "ALTER TABLE catalog_searchentry ADD COLUMN IF NOT EXISTS common_version integer",
    "ALTER TABLE catalog_searchentry ADD COLUMN IF NOT EXISTS common bit varying",
]
POSTGRES_UNINSTALL = [
    "ALTER TABLE catalog_searchentry DROP COLUMN IF EXISTS common",
    "ALTER TABLE catalog_searchentry DROP COLUMN IF EXISTS common_version",
    "DROP TABLE IF EXISTS catalog_searchvocabulary",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in POSTGRES_INSTALL:
            cursor.execute(statement)
        cursor.execute("SELECT EXISTS (SELECT 1 FROM catalog_searchentry)")
        if not cursor.fetchone()[0]:
            return  # the first rebuild_search_index chooses the vocabulary
        cursor.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_stats WHERE tablename = 'catalog_searchentry' AND attname = 'vector')"
        )
        if cursor.fetchone()[0]:
            cursor.execute("ANALYZE catalog_searchentry")
        # The same code as the rebuild's last step (a historical copy would drift from it; if it is ever
        # removed, this step can go: the rebuild does it).
        from catalog.search.postgres import PostgresBackend

        PostgresBackend().refresh_vocabulary(cursor)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for statement in POSTGRES_UNINSTALL:
                cursor.execute(statement)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("catalog", "0004_list_indexes_with_id"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
