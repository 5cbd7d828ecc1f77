from django.apps import AppConfig
from django.db.models.signals import post_save


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "主动公开"

    def ready(self) -> None:
        from disclosure_site.models import Organization

        # disclosure_site may not import catalog (dependencies point one way), so a new
        # organization's default 公开目录 is created from here.
        post_save.connect(_seed_new_organization, sender=Organization, dispatch_uid="catalog_seed_categories")

        from . import cache
        from .models import Attachment, Category, Guide, Item, Subject

        cache.connect_signals(Item, Attachment, Category, Guide, Subject, Organization)


def _seed_new_organization(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .categories import seed_categories

        seed_categories(instance)
