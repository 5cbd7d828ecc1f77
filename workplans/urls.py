"""Public URLs of work plans and statistics, mounted at the site root by disclosure_site/public_urls.py.

No namespace of their own: they join disclosure_site's, like the yearly reports, so that the browser
checks find every public page (tests/browser/pages.py).
"""

from django.urls import path

from . import views

urlpatterns = [
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<slug:key>.csv", views.statistics_csv, name="statistics_csv"),
]
