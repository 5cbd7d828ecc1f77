from django.contrib.admin.apps import AdminConfig


class DisclosureAdminConfig(AdminConfig):
    """Django's admin with our site class: Chinese titles, and entry only for staff with a role."""

    default_site = "disclosure_site.admin_site.DisclosureAdminSite"
