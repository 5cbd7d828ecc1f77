"""Public URLs of yearly reports, mounted at /reports/ by disclosure_site/public_urls.py.

No namespace of their own: they join disclosure_site's, where the header and the section list already
name the entry "disclosure_site:reports", and where the browser checks look for every public page.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.report_list, name="reports"),
    path("<int:pk>/", views.report_detail, name="report"),
    path("<int:pk>/download/<str:kind>/", views.report_download, name="report_download"),
]
