"""The back office: Django's admin, in Chinese, open only to staff who hold a role.

Login is hardened here (rules in login_security.py and totp.py): failed attempts lock logins for a
while, a staff member who enrolled an authenticator app gives its 6-digit code on a second page after
the password, and with STAFF_TOTP_REQUIRED nobody uses the back office before enrolling.
"""

from __future__ import annotations

import time
from importlib import import_module

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import module_has_submodule
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import login_security, scoping, totp
from .addresses import client_address

NO_ROLE_MESSAGE = "您的账号尚未分配所属机构和角色，暂时不能进入管理后台。请联系系统管理员在“人员角色”中为您分配。"
CODE_EXPIRED_MESSAGE = "输入验证码的时间已过，请重新输入用户名和密码。"
ENROL_FIRST_MESSAGE = "本系统要求管理后台的所有用户启用两步验证。请先完成设置，再继续使用。"

# The second login step: who gave the right password, and when (a session key before login).
PENDING_KEY = "_staff_second_factor_pending"
PENDING_SECONDS = 5 * 60
CODE_EXPIRED_KEY = "_staff_code_expired"


class StaffAuthenticationForm(AdminAuthenticationForm):
    """The admin login form, refusing while the username or the address is locked out."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        address = client_address(self.request)
        if lock := login_security.current_lock(username=username, address=address):
            raise ValidationError(lock.message, code="locked")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            failure = login_security.record_failure(username=username, address=address)
            if failure.lock:
                raise ValidationError(failure.lock.message, code="locked")
            errors = [self.get_invalid_login_error()]
            if failure.warning:
                errors.append(ValidationError(failure.warning, code="lockout_warning"))
            raise ValidationError(errors)
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not scoping.has_any_role(user):
            raise ValidationError(NO_ROLE_MESSAGE, code="no_role")


class CodeForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=20,
        help_text="请打开手机上的验证器应用，输入当前显示的 6 位数字。",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 10}),
        error_messages={"required": "请输入 6 位数字验证码。"},
    )

    def clean_code(self) -> str:
        digits = totp.normalize_code(self.cleaned_data["code"])
        if digits is None:
            raise ValidationError("验证码应为 6 位数字，请输入验证器应用当前显示的数字。", code="format")
        return digits


class StaffLoginView(LoginView):
    """Password first; a staff member with a confirmed device then goes on to the code page."""

    def form_valid(self, form):
        user = form.get_user()
        if totp.is_enrolled(user):
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "since": int(time.time()),
                "next": self.get_redirect_url(),
            }
            return HttpResponseRedirect(reverse("admin:login_code"))
        login_security.record_success(username=user.get_username())
        response = super().form_valid(form)
        login_security.session_started(self.request)
        return response

    def get_default_redirect_url(self):
        return reverse("admin:index", current_app=self.request.current_app)


class DisclosureAdminSite(admin.AdminSite):
    site_header = "政府信息公开管理后台"
    site_title = "政府信息公开管理后台"
    index_title = "工作台"
    login_form = StaffAuthenticationForm
    login_template = "admin/staff_login.html"

    # Views a staff member who has not enrolled may use while STAFF_TOTP_REQUIRED is on.
    enrolment_exempt_views = frozenset({"logout", "second_factor", "i18n_javascript"})

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and scoping.has_any_role(user))

    def index(self, request, extra_context=None):
        return super().index(request, {"dashboard_panels": dashboard_panels(request), **(extra_context or {})})

    def get_urls(self):
        return [
            path("login/code/", self.login_code, name="login_code"),
            path("second-factor/", self.admin_view(self.second_factor), name="second_factor"),
            *super().get_urls(),
        ]

    def admin_view(self, view, cacheable=False):
        return super().admin_view(self._require_enrolment(view), cacheable)

    def _require_enrolment(self, view):
        if getattr(view, "__name__", "") in self.enrolment_exempt_views:
            return view

        def gated(request, *args, **kwargs):
            if totp.is_required() and request.user.is_authenticated and not totp.is_enrolled(request.user):
                messages.warning(request, ENROL_FIRST_MESSAGE)
                return HttpResponseRedirect(reverse("admin:second_factor", current_app=self.name))
            return view(request, *args, **kwargs)

        gated.__name__ = getattr(view, "__name__", "gated")
        return gated

    # --- Login, step 1: username and password ---

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        notice = login_security.pop_logout_message(request)
        if request.session.pop(CODE_EXPIRED_KEY, False):
            notice = CODE_EXPIRED_MESSAGE
        context = {
            **self.each_context(request),
            "title": "登录",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            "login_notice": notice,
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return StaffLoginView.as_view(
            extra_context=context, authentication_form=self.login_form, template_name=self.login_template
        )(request)

    # --- Login, step 2: the code from the authenticator app ---

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    @login_not_required
    def login_code(self, request):
        pending = request.session.get(PENDING_KEY)
        user = self._pending_user(pending)
        if user is None:
            request.session.pop(PENDING_KEY, None)
            request.session[CODE_EXPIRED_KEY] = True
            return HttpResponseRedirect(reverse("admin:login", current_app=self.name))
        form = CodeForm(request.POST or None)
        form.fields["code"].widget.attrs["autofocus"] = True  # the one thing to do on this page
        error = ""
        locked = False
        if request.method == "POST":
            address = client_address(request)
            username = user.get_username()
            lock = login_security.current_lock(username=username, address=address)
            if lock is None and form.is_valid() and totp.verify(totp.confirmed_device(user), form.cleaned_data["code"]):
                request.session.pop(PENDING_KEY, None)
                auth_login(request, user, backend=pending["backend"])
                login_security.session_started(request)
                login_security.record_success(username=username)
                return HttpResponseRedirect(self._safe_next(request, pending.get("next")))
            if lock is None:
                failure = login_security.record_failure(username=username, address=address, reason="验证码错误")
                lock = failure.lock
                if form.is_valid():
                    form.add_error("code", totp.WRONG_CODE_MESSAGE)
                error = failure.warning
            if lock is not None:
                request.session.pop(PENDING_KEY, None)
                error, locked = lock.message, True
        request.current_app = self.name
        context = {
            **self.each_context(request),
            "title": "输入两步验证码",
            "subtitle": None,
            "form": form,
            "error": error,
            "locked": locked,
        }
        return TemplateResponse(request, "admin/staff_login_code.html", context)

    def _pending_user(self, pending):
        if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
            return None
        user = get_user_model()._default_manager.filter(pk=pending.get("user"), is_active=True).first()
        if user is None or not totp.is_enrolled(user):
            return None
        return user

    def _safe_next(self, request, next_url: str | None) -> str:
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return next_url
        return reverse("admin:index", current_app=self.name)

    # --- Enrolling and turning off the second factor ---

    def second_factor(self, request):
        """A staff member's own authenticator app: enrol (QR code, then a code), or turn it off."""
        user = request.user
        form = CodeForm(request.POST or None)
        action = request.POST.get("action", "")
        if request.method == "POST":
            if action == "start":
                try:
                    totp.start_enrolment(user)
                except totp.SecondFactorError as error:
                    messages.error(request, str(error))
                return HttpResponseRedirect(reverse("admin:second_factor", current_app=self.name))
            if action == "confirm" and form.is_valid():
                device = totp.pending_device(user)
                if device is None:
                    messages.error(request, "请先点击“开始设置”。")
                    return HttpResponseRedirect(reverse("admin:second_factor", current_app=self.name))
                try:
                    totp.confirm(device, form.cleaned_data["code"], by=user)
                except totp.SecondFactorError as error:
                    form.add_error("code", str(error))
                else:
                    messages.success(
                        request, "两步验证已启用。以后登录时，输入密码后还需输入验证器应用中的 6 位验证码。"
                    )
                    return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            if action == "disable" and form.is_valid():
                if error := self._disable(request, form.cleaned_data["code"]):
                    form.add_error("code", error)
                else:
                    messages.success(request, "两步验证已停用。登录时只需输入用户名和密码。")
                    return HttpResponseRedirect(reverse("admin:second_factor", current_app=self.name))
        device = totp.confirmed_device(user)
        pending = None if device else totp.pending_device(user)
        context = {
            **self.each_context(request),
            "title": "两步验证",
            "subtitle": None,
            "device": device,
            "pending": pending,
            "qr_svg": totp.qr_svg(pending) if pending else "",
            "secret": totp.spaced_secret(pending) if pending else "",
            "form": form,
            "action": action,
            "required": totp.is_required(),
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/second_factor.html", context)

    def _disable(self, request, code: str) -> str:
        """Turn request.user's device off; wrong codes count toward the login lockout. Returns an error or ""."""
        username = request.user.get_username()
        address = client_address(request)
        if lock := login_security.current_lock(username=username, address=address):
            return lock.message
        if not totp.is_enrolled(request.user):
            return "您尚未启用两步验证。"
        try:
            totp.disable(request.user, code, by=request.user)
        except totp.SecondFactorError as error:
            failure = login_security.record_failure(username=username, address=address, reason="验证码错误")
            if failure.lock:
                return failure.lock.message
            return " ".join(filter(None, [str(error), failure.warning]))
        return ""


def dashboard_panels(request) -> list[dict]:
    """Panels of every app that has a dashboard module (`<app>/dashboard.py` with `panels(request)`)."""
    panels = []
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "dashboard"):
            panels.extend(import_module(f"{app_config.name}.dashboard").panels(request))
    return panels
