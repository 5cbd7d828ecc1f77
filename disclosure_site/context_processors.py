from django.conf import settings

from .models import Organization

A11Y_TEXT_COOKIE = "a11y_text"
A11Y_CONTRAST_COOKIE = "a11y_contrast"


def site(request):
    """The site organization (root of the tree), for the header and footer, and the reading modes."""
    site_org = Organization.objects.filter(parent=None, is_active=True).order_by("tree_id").first()
    return {
        "site_org": site_org,
        "site_name": site_org.name if site_org else settings.SITE_NAME,
        "a11y_large": request.COOKIES.get(A11Y_TEXT_COOKIE) == "large",
        "a11y_contrast": request.COOKIES.get(A11Y_CONTRAST_COOKIE) == "high",
    }
