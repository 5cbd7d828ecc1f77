from django.urls import include, path

from . import views

app_name = "disclosure_site"

urlpatterns = [
    path("", views.home, name="home"),
    path("rules/", views.section, {"key": "rules"}, name="rules"),
    # 政府信息公开年报: the list of yearly reports, each report and its downloads (annual_reports).
    path("reports/", include("annual_reports.urls")),
    # 依申请公开: the application form, its confirmation and the status pages (requests_app).
    path("apply/", include("requests_app.urls")),
    path("org/<int:pk>/", views.organization, name="organization"),
    # 政务公开工作要点 and 政务公开统计: plans, their progress, statistics and CSV downloads (workplans).
    path("", include("workplans.urls")),
    path("reading-mode/", views.reading_mode, name="reading_mode"),
]
