from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_save


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "主动公开"

    def import_models(self) -> None:
        super().import_models()
        # The search index's table is defined beside the search code (catalog/search/models.py).
        import_module(f"{self.name}.search.models")

    def ready(self) -> None:
        from disclosure_site.models import Organization

        # disclosure_site may not import catalog (dependencies point one way), so a new
        # organization's default 公开目录 is created from here.
        post_save.connect(_seed_new_organization, sender=Organization, dispatch_uid="catalog_seed_categories")

        from . import cache
        from .models import Attachment, Category, Guide, Item, Subject

        cache.connect_signals(Item, Attachment, Category, Guide, Subject, Organization)

        # The search index follows every save of an item in the same transaction (a withdrawn item is
        # never found, on any server); deleted items leave it through the foreign key's cascade.
        from .search import indexing

        post_save.connect(indexing.item_saved, sender=Item, dispatch_uid="catalog_search_index")


def _seed_new_organization(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .categories import seed_categories

        seed_categories(instance)
