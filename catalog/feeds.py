"""Atom feed of an organization's newly published items (its subordinate units included)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from disclosure_site.models import Organization

from .filters import published_items, subtree_ids
from .models import Item

FEED_LENGTH = 50


class OrganizationFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, organization_id: int) -> Organization:
        return get_object_or_404(Organization, pk=organization_id, is_active=True)

    def title(self, org: Organization) -> str:
        return f"{org.name}政府信息公开：最新信息"

    def subtitle(self, org: Organization) -> str:
        return f"{org.name}及其下属机构最新主动公开的政府信息。"

    def link(self, org: Organization) -> str:
        return reverse("catalog:organization", args=[org.pk])

    def feed_url(self, org: Organization) -> str:
        return reverse("catalog:feed", args=[org.pk])

    def author_name(self, org: Organization) -> str:
        return org.name

    def items(self, org: Organization):
        return (
            published_items()
            .filter(organization_id__in=subtree_ids(org))
            .select_related("organization", "category")
            .order_by("-published_at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, item: Item) -> str:
        return item.title

    def item_description(self, item: Item) -> str:
        return item.summary or item.title

    def item_pubdate(self, item: Item):
        return item.published_at

    def item_updateddate(self, item: Item):
        return item.published_at

    def item_author_name(self, item: Item) -> str:
        return item.organization.name

    def item_categories(self, item: Item) -> list[str]:
        return [item.category.name]
