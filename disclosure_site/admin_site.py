"""The back office: Django's admin, in Chinese, open only to staff who hold a role."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.module_loading import module_has_submodule

from . import scoping

NO_ROLE_MESSAGE = "您的账号尚未分配所属机构和角色，暂时不能进入管理后台。请联系系统管理员在“人员角色”中为您分配。"


class StaffAuthenticationForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not scoping.has_any_role(user):
            raise ValidationError(NO_ROLE_MESSAGE, code="no_role")


class DisclosureAdminSite(admin.AdminSite):
    site_header = "政府信息公开管理后台"
    site_title = "政府信息公开管理后台"
    index_title = "工作台"
    login_form = StaffAuthenticationForm

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and scoping.has_any_role(user))

    def index(self, request, extra_context=None):
        return super().index(request, {"dashboard_panels": dashboard_panels(request), **(extra_context or {})})


def dashboard_panels(request) -> list[dict]:
    """Panels of every app that has a dashboard module (`<app>/dashboard.py` with `panels(request)`)."""
    panels = []
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "dashboard"):
            panels.extend(import_module(f"{app_config.name}.dashboard").panels(request))
    return panels
