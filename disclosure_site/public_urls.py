from django.urls import path

# The project's URL wiring, not a model dependency: the guide and proactive entries are the
# catalog's pages, kept under these names for the header's links.
from catalog import views as catalog_views

from . import views

app_name = "disclosure_site"

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", catalog_views.guide_index, name="guide"),
    path("rules/", views.section, {"key": "rules"}, name="rules"),
    path("proactive/", catalog_views.proactive, name="proactive"),
    path("reports/", views.section, {"key": "reports"}, name="reports"),
    path("apply/", views.section, {"key": "apply"}, name="apply"),
    path("org/<int:pk>/", views.organization, name="organization"),
    path("reading-mode/", views.reading_mode, name="reading_mode"),
]
