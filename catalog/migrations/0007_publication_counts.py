"""Published items per organization and month and per column and year, kept by triggers on catalog_item
(catalog/publication_counts.py says why and what counts), filled from the existing items."""

import django.db.models.deletion
from django.db import migrations, models

# An item counts while published with a 发布日期; OLD's row loses it, NEW's row gains it.
POSTGRES_FUNCTION = """
CREATE FUNCTION catalog_item_publication_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'published' AND OLD.published_at IS NOT NULL THEN
        UPDATE catalog_monthlypublications SET count = count - 1
         WHERE organization_id = OLD.organization_id
           AND month = date_trunc('month', OLD.published_at AT TIME ZONE 'Asia/Shanghai')::date;
        UPDATE catalog_categoryyearpublications SET count = count - 1
         WHERE category_id = OLD.category_id
           AND year = EXTRACT(year FROM OLD.published_at AT TIME ZONE 'Asia/Shanghai')::int;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'published' AND NEW.published_at IS NOT NULL THEN
        INSERT INTO catalog_monthlypublications (organization_id, month, count)
        VALUES (NEW.organization_id, date_trunc('month', NEW.published_at AT TIME ZONE 'Asia/Shanghai')::date, 1)
        ON CONFLICT (organization_id, month) DO UPDATE SET count = catalog_monthlypublications.count + 1;
        INSERT INTO catalog_categoryyearpublications (category_id, year, count)
        VALUES (NEW.category_id, EXTRACT(year FROM NEW.published_at AT TIME ZONE 'Asia/Shanghai')::int, 1)
        ON CONFLICT (category_id, year) DO UPDATE SET count = catalog_categoryyearpublications.count + 1;
    END IF;
    RETURN NULL;
END
$$
"""
CHANGED = (
    "(OLD.status IS DISTINCT FROM NEW.status OR OLD.published_at IS DISTINCT FROM NEW.published_at"
    " OR OLD.organization_id IS DISTINCT FROM NEW.organization_id OR OLD.category_id IS DISTINCT FROM NEW.category_id)"
)
POSTGRES_INSTALL = [
    POSTGRES_FUNCTION,
    "CREATE TRIGGER catalog_item_publication_counts AFTER INSERT OR DELETE ON catalog_item"
    " FOR EACH ROW EXECUTE FUNCTION catalog_item_publication_counts()",
    "CREATE TRIGGER catalog_item_publication_counts_update"
    " AFTER UPDATE OF status, published_at, organization_id, category_id ON catalog_item"
    f" FOR EACH ROW WHEN {CHANGED} EXECUTE FUNCTION catalog_item_publication_counts()",
]
POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS catalog_item_publication_counts_update ON catalog_item",
    "DROP TRIGGER IF EXISTS catalog_item_publication_counts ON catalog_item",
    "DROP FUNCTION IF EXISTS catalog_item_publication_counts()",
]

SQLITE_MONTH = "date({row}.published_at, '+8 hours', 'start of month')"
SQLITE_YEAR = "CAST(strftime('%Y', {row}.published_at, '+8 hours') AS integer)"
SQLITE_COUNTED = "{row}.status = 'published' AND {row}.published_at IS NOT NULL"
SQLITE_GAIN = f"""
    INSERT INTO catalog_monthlypublications (organization_id, month, count)
    VALUES (NEW.organization_id, {SQLITE_MONTH.format(row="NEW")}, 1)
    ON CONFLICT (organization_id, month) DO UPDATE SET count = count + 1;
    INSERT INTO catalog_categoryyearpublications (category_id, year, count)
    VALUES (NEW.category_id, {SQLITE_YEAR.format(row="NEW")}, 1)
    ON CONFLICT (category_id, year) DO UPDATE SET count = count + 1;
"""
SQLITE_LOSS = f"""
    UPDATE catalog_monthlypublications SET count = count - 1
     WHERE organization_id = OLD.organization_id AND month = {SQLITE_MONTH.format(row="OLD")};
    UPDATE catalog_categoryyearpublications SET count = count - 1
     WHERE category_id = OLD.category_id AND year = {SQLITE_YEAR.format(row="OLD")};
"""
SQLITE_CHANGED = (
    "(OLD.status IS NOT NEW.status OR OLD.published_at IS NOT NEW.published_at"
    " OR OLD.organization_id IS NOT NEW.organization_id OR OLD.category_id IS NOT NEW.category_id)"
)
SQLITE_INSTALL = [
    f"""CREATE TRIGGER catalog_item_publication_counts_insert AFTER INSERT ON catalog_item
        WHEN {SQLITE_COUNTED.format(row="NEW")} BEGIN {SQLITE_GAIN} END""",
    f"""CREATE TRIGGER catalog_item_publication_counts_delete AFTER DELETE ON catalog_item
        WHEN {SQLITE_COUNTED.format(row="OLD")} BEGIN {SQLITE_LOSS} END""",
    f"""CREATE TRIGGER catalog_item_publication_counts_update_old
        AFTER UPDATE OF status, published_at, organization_id, category_id ON catalog_item
        WHEN {SQLITE_COUNTED.format(row="OLD")} AND {SQLITE_CHANGED} BEGIN {SQLITE_LOSS} END""",
    f"""CREATE TRIGGER catalog_item_publication_counts_update_new
        AFTER UPDATE OF status, published_at, organization_id, category_id ON catalog_item
        WHEN {SQLITE_COUNTED.format(row="NEW")} AND {SQLITE_CHANGED} BEGIN {SQLITE_GAIN} END""",
]
SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS catalog_item_publication_counts_{name}"
    for name in ("insert", "delete", "update_old", "update_new")
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"publication counts support PostgreSQL and SQLite, not {vendor}")
    for statement in POSTGRES_INSTALL if vendor == "postgresql" else SQLITE_INSTALL:
        schema_editor.execute(statement)
    from catalog.publication_counts import recount

    recount(schema_editor.connection)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_UNINSTALL if vendor == "postgresql" else SQLITE_UNINSTALL:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0006_category_update_period'),
        ('disclosure_site', '0002_staff_second_factor'),
    ]

    operations = [
        migrations.CreateModel(
            name='CategoryYearPublications',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.IntegerField(verbose_name='年度')),
                ('count', models.IntegerField(default=0, verbose_name='发布数量')),
                ('category', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.category')),
            ],
            options={
                'verbose_name': '栏目年度发布数量',
                'verbose_name_plural': '栏目年度发布数量',
                'indexes': [models.Index(fields=['year'], include=('category', 'count'), name='category_year_pub_year')],
                'constraints': [models.UniqueConstraint(fields=('category', 'year'), name='category_year_pub_unique')],
            },
        ),
        migrations.CreateModel(
            name='MonthlyPublications',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='月份')),
                ('count', models.IntegerField(default=0, verbose_name='发布数量')),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='disclosure_site.organization')),
            ],
            options={
                'verbose_name': '每月发布数量',
                'verbose_name_plural': '每月发布数量',
                'indexes': [models.Index(fields=['month'], include=('organization', 'count'), name='monthly_pub_month')],
                'constraints': [models.UniqueConstraint(fields=('organization', 'month'), name='monthly_pub_unique')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
