"""sitemap.xml: an index of sections, each paged at 50,000 URLs (a million items make twenty pages).

Only published items and active organizations and columns are listed. The templates are ours
(catalog/templates/catalog/sitemap*.xml) so django.contrib.sitemaps need not be an installed app.
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.urls import reverse
from django.views.decorators.http import require_safe

from disclosure_site.models import Organization

from .filters import published_items
from .models import Category


class SectionSitemap(Sitemap):
    """The entry pages of the disclosure section."""

    changefreq = "daily"

    def items(self) -> list[str]:
        return ["disclosure_site:home", "catalog:guide_index", "catalog:proactive", "catalog:items"]

    def location(self, name: str) -> str:
        return reverse(name)


class OrganizationSitemap(Sitemap):
    """Each organization's disclosure home and guide."""

    changefreq = "daily"

    def items(self):
        return [
            (org.pk, page)
            for org in Organization.objects.filter(is_active=True).order_by("tree_id", "lft").only("pk")
            for page in ("catalog:organization", "catalog:guide")
        ]

    def location(self, entry) -> str:
        pk, name = entry
        return reverse(name, args=[pk])


class CategorySitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return (
            Category.objects.filter(is_active=True, organization__is_active=True)
            .exclude(kind=Category.Kind.ROOT)
            .order_by("pk")
            .only("pk", "organization_id")
        )


class ItemSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return published_items().order_by("pk").only("pk", "updated_at")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # Django's default reads every item to find the newest; the index does without the date.
        return None


SITEMAPS = {
    "sections": SectionSitemap,
    "organizations": OrganizationSitemap,
    "categories": CategorySitemap,
    "items": ItemSitemap,
}


@require_safe
def index(request):
    return sitemap_views.index(
        request,
        SITEMAPS,
        template_name="catalog/sitemap_index.xml",
        sitemap_url_name="catalog:sitemap_section",
    )


@require_safe
def section(request, section: str):
    return sitemap_views.sitemap(request, SITEMAPS, section=section, template_name="catalog/sitemap.xml")
