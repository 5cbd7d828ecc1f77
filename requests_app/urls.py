"""Public URLs of on-request disclosure, mounted at /apply/ by disclosure_site/public_urls.py.

No namespace of their own: they join disclosure_site's, where the header and the section list already
name the entry "disclosure_site:apply", and where the browser checks look for every public page.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.apply, name="apply"),
    path("submitted/", views.submitted, name="apply_submitted"),
    path("status/", views.status_lookup, name="apply_status"),
    path("status/<str:number>/", views.status_detail, name="apply_status_detail"),
    path("status/<str:number>/letters/<int:pk>/", views.status_letter, name="apply_status_letter"),
    path("status/<str:number>/documents/<int:pk>/", views.status_document, name="apply_status_document"),
]
