"""Root URLs: the back office under /admin/, the public disclosure section at the site root."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("disclosure_site.public_urls")),
    path("", include("catalog.urls")),
]
