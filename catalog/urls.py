"""Public URLs of the catalog: the disclosure pages of each organization, items, feeds, sitemap and the API.

The section entries /guide/ and /proactive/ are routed in disclosure_site/public_urls.py to the views
here, so that the header's links keep their names.
"""

from django.urls import path

from . import api, sitemaps, views
from .attachments import serve_public_attachment
from .feeds import OrganizationFeed

app_name = "catalog"

urlpatterns = [
    path("items/", views.item_list, name="items"),
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
    path("api/v1/items/by-index/<path:index_number>", api.item_by_index, name="api_item_by_index"),
]
