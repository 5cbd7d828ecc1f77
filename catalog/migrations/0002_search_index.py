"""The search index: a table of filter columns per published item, plus vendor-specific text storage.

PostgreSQL: two tsvector columns (title only; and title weight A, summary and numbers B, body C),
each with a GIN index. SQLite: an FTS5 table fed the same tokens, rowid = item id, emptied by a
trigger when an index row goes. Fill it with `manage.py rebuild_search_index`.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRES_INSTALL = [
    "ALTER TABLE catalog_searchentry ADD COLUMN title_vector tsvector NOT NULL DEFAULT ''",
    "ALTER TABLE catalog_searchentry ADD COLUMN vector tsvector NOT NULL DEFAULT ''",
    "CREATE INDEX search_title_vector_gin ON catalog_searchentry USING gin (title_vector) WITH (fastupdate = off)",
    "CREATE INDEX search_vector_gin ON catalog_searchentry USING gin (vector) WITH (fastupdate = off)",
    "ALTER TABLE catalog_searchentry ALTER COLUMN vector SET STATISTICS 1000",
    "ALTER TABLE catalog_searchentry ALTER COLUMN title_vector SET STATISTICS 1000",
]
POSTGRES_UNINSTALL = [
    "DROP INDEX IF EXISTS search_vector_gin",
    "DROP INDEX IF EXISTS search_title_vector_gin",
    "ALTER TABLE catalog_searchentry DROP COLUMN IF EXISTS vector",
    "ALTER TABLE catalog_searchentry DROP COLUMN IF EXISTS title_vector",
]
SQLITE_INSTALL = [
    """CREATE VIRTUAL TABLE catalog_searchfts USING fts5(
        title, meta, body, tokenize = 'unicode61 remove_diacritics 0', detail = column)""",
    """CREATE TRIGGER catalog_searchfts_delete AFTER DELETE ON catalog_searchentry BEGIN
        DELETE FROM catalog_searchfts WHERE rowid = old.item_id;
    END""",
]
SQLITE_UNINSTALL = ["DROP TRIGGER IF EXISTS catalog_searchfts_delete", "DROP TABLE IF EXISTS catalog_searchfts"]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def install_text_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_INSTALL)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_INSTALL)
    else:
        raise NotImplementedError(f"full-text search supports PostgreSQL and SQLite, not {vendor}")


def uninstall_text_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRES_UNINSTALL if vendor == "postgresql" else SQLITE_UNINSTALL)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_guide_categories_subjects_items'),
        ('disclosure_site', '0001_organizations_roles_calendar_audit'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('item', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_entry', serialize=False, to='catalog.item')),
                ('document_type', models.CharField(max_length=20)),
                ('validity', models.CharField(max_length=20)),
                ('published_at', models.DateTimeField()),
                ('category', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.category')),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='disclosure_site.organization')),
                ('subject', models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.subject')),
            ],
            options={
                'verbose_name': '检索索引',
                'verbose_name_plural': '检索索引',
                'indexes': [models.Index(fields=['-published_at', '-item'], name='search_published_idx'), models.Index(fields=['organization', '-published_at'], name='search_org_published_idx'), models.Index(fields=['category', '-published_at'], name='search_cat_published_idx'), models.Index(fields=['subject', '-published_at'], name='search_subject_published_idx'), models.Index(fields=['document_type', '-published_at'], name='search_type_published_idx'), models.Index(fields=['validity', '-published_at'], name='search_validity_published_idx')],
            },
        ),
        migrations.RunPython(install_text_index, uninstall_text_index),
    ]
