"""Public URLs of the catalog: the disclosure pages of each organization, items, feeds, sitemap and the API.

The section entries /guide/ (every organization's guide) and /proactive/ (法定主动公开内容) are the
catalog's; the other entries of the header belong to disclosure_site and the later apps.
"""

from django.urls import path

from . import api, search_views, sitemaps, views
from .attachments import serve_public_attachment
from .feeds import OrganizationFeed

app_name = "catalog"

urlpatterns = [
    path("guide/", views.guide_index, name="guide_index"),
    path("proactive/", views.proactive, name="proactive"),
    path("items/", views.item_list, name="items"),
    path("search/", search_views.search, name="search"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("attachments/<int:pk>/", serve_public_attachment, name="attachment"),
    path("org/<int:organization_id>/catalog/", views.organization_home, name="organization"),
    path("org/<int:organization_id>/catalog/<int:pk>/", views.category, name="category"),
    path("org/<int:organization_id>/guide/", views.guide, name="guide"),
    path("org/<int:organization_id>/guide/<int:pk>/", views.guide_version, name="guide_version"),
    path("org/<int:organization_id>/feed/", OrganizationFeed(), name="feed"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<str:section>.xml", sitemaps.section, name="sitemap_section"),
    path("api/v1/", api.root, name="api_root"),
    path("api/v1/organizations/", api.organizations, name="api_organizations"),
    path("api/v1/categories/", api.categories, name="api_categories"),
    path("api/v1/items/", api.items, name="api_items"),
    path("api/v1/search/", api.search, name="api_search"),
    path("api/v1/items/by-index/<path:index_number>", api.item_by_index, name="api_item_by_index"),
]
