from django.apps import AppConfig


class DisclosureSiteConfig(AppConfig):
    name = "disclosure_site"
    verbose_name = "机构与系统"
