from django.urls import path

from . import views

app_name = "disclosure_site"

urlpatterns = [
    path("", views.home, name="home"),
    path("rules/", views.section, {"key": "rules"}, name="rules"),
    path("reports/", views.section, {"key": "reports"}, name="reports"),
    path("apply/", views.section, {"key": "apply"}, name="apply"),
    path("org/<int:pk>/", views.organization, name="organization"),
    path("reading-mode/", views.reading_mode, name="reading_mode"),
]
