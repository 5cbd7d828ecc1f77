from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import models
from django.db.models import Exists, OuterRef
from mptt.admin import MPTTModelAdmin

from . import calendar_data, login_security, scoping, totp
from .admin_mixins import ALL, AuditedAdminMixin, AuditedDeletionMixin, ScopedAdminMixin
from .errors import DomainError
from .models import AuditEvent, CalendarDay, CalendarYear, Membership, Organization, Role, StaffTOTPDevice


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, MPTTModelAdmin):
    scope_field = ""
    # The organization's own staff keep its contact facts current; its place in the tree and its
    # identity are the system administrator's.
    change_roles = frozenset({Role.CLERK, Role.HEAD})
    structural_fields = ("name", "short_name", "kind", "parent", "credit_code", "index_prefix", "is_active")
    list_display = ("name", "kind", "credit_code", "phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "short_name", "credit_code")
    mptt_level_indent = 24
    formfield_overrides = {
        models.URLField: {
            "assume_scheme": "https",
            "error_messages": {"invalid": "请输入有效的网址，例如 https://www.example.gov.cn/。"},
        },
        models.EmailField: {"error_messages": {"invalid": "请输入有效的电子邮箱地址，例如 gk@example.gov.cn。"}},
    }
    fieldsets = (
        (None, {"fields": ("name", "short_name", "kind", "parent", "credit_code", "index_prefix", "is_active")}),
        ("联系方式", {"fields": ("address", "postcode", "phone", "fax", "email", "office_hours", "website")}),
    )

    def get_readonly_fields(self, request, obj=None):
        if scoping.is_system_admin(request.user):
            return ()
        return self.structural_fields

    def has_delete_permission(self, request, obj=None):
        # Catalogs, applications and reports point at their organization for good: an organization
        # that no longer exists is retired by clearing 启用, never deleted.
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("organization",)


class SystemAdminOnly(AuditedAdminMixin):
    """Staff accounts and roles are managed by system administrators alone, in the audit trail."""

    def has_module_permission(self, request):
        return scoping.is_system_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return scoping.is_system_admin(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(SystemAdminOnly, UserAdmin):
    inlines = (MembershipInline,)
    list_display = (
        "username",
        "last_name",
        "first_name",
        "email",
        "is_staff",
        "is_superuser",
        "is_active",
        "second_factor",
    )
    actions = ("unlock_login", "reset_second_factor")

    def get_queryset(self, request):
        confirmed = StaffTOTPDevice.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
        return super().get_queryset(request).annotate(has_second_factor=Exists(confirmed))

    @admin.display(description="两步验证", boolean=True, ordering="has_second_factor")
    def second_factor(self, obj):
        return obj.has_second_factor

    @admin.action(description="解除所选用户的登录锁定", permissions=["change"])
    def unlock_login(self, request, queryset):
        unlocked = [user.get_username() for user in queryset if login_security.unlock(user, by=request.user)]
        if unlocked:
            self.message_user(request, f"已解除 {len(unlocked)} 个用户的登录锁定：{'、'.join(unlocked)}。")
        else:
            self.message_user(request, "所选用户都没有被锁定。", messages.WARNING)

    @admin.action(description="重置所选用户的两步验证（丢失手机时）", permissions=["change"])
    def reset_second_factor(self, request, queryset):
        reset = [user.get_username() for user in queryset if totp.reset(user, by=request.user)]
        if reset:
            self.message_user(
                request, f"已重置 {len(reset)} 个用户的两步验证：{'、'.join(reset)}。他们下次登录后需重新设置。"
            )
        else:
            self.message_user(request, "所选用户都没有设置两步验证。", messages.WARNING)

    def save_model(self, request, obj, form, change):
        if not change:
            # Everyone created here works in the back office.
            obj.is_staff = True
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # Someone who has worked in the back office stays on record as the actor of their events:
        # their account is closed by clearing 有效 (is_active), never deleted.
        if obj is not None and AuditEvent.objects.filter(actor=obj).exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Group)
class StaffGroupAdmin(SystemAdminOnly, GroupAdmin):
    pass


@admin.register(StaffTOTPDevice)
class StaffTOTPDeviceAdmin(SystemAdminOnly, admin.ModelAdmin):
    """Who has enrolled an authenticator app; the secret is never shown. A device is removed only by
    the audited reset action (a staff member turns their own off on the 两步验证 page)."""

    list_display = ("user", "is_confirmed", "created_at", "confirmed_at")
    list_filter = (("confirmed_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__last_name", "user__first_name")
    fields = ("user", "created_at", "confirmed_at")
    readonly_fields = fields
    actions = ("reset_devices",)

    @admin.display(description="已启用", boolean=True, ordering="confirmed_at")
    def is_confirmed(self, obj):
        return obj.is_confirmed

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_reset_permission(self, request):
        return scoping.is_system_admin(request.user)

    @admin.action(description="重置所选用户的两步验证（丢失手机时）", permissions=["reset"])
    def reset_devices(self, request, queryset):
        users = [device.user for device in queryset]
        for user in users:
            totp.reset(user, by=request.user)
        names = "、".join(user.get_username() for user in users)
        self.message_user(request, f"已重置 {len(users)} 个用户的两步验证：{names}。他们下次登录后需重新设置。")


@admin.register(Membership)
class MembershipAdmin(SystemAdminOnly, admin.ModelAdmin):
    list_display = ("user", "organization", "role")
    list_filter = ("role",)
    list_select_related = ("user", "organization")
    search_fields = ("user__username", "user__last_name", "organization__name")
    autocomplete_fields = ("user", "organization")


class CalendarYearForm(forms.ModelForm):
    holidays_text = forms.CharField(
        label="放假安排",
        widget=forms.Textarea(attrs={"rows": 10, "cols": 60}),
        help_text="每行一段放假时间，例如“2027-02-06 至 2027-02-12 春节”或“2027-01-01 元旦”，含放假期间的周末。",
    )
    workdays_text = forms.CharField(
        label="调休上班日",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text="每行一天，须为周六或周日，例如“2027-02-14 春节”。",
    )

    class Meta:
        model = CalendarYear
        fields = ("year", "notice")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            holidays, workdays = calendar_data.format_year_entry(self.instance)
            self.initial.setdefault("holidays_text", holidays)
            self.initial.setdefault("workdays_text", workdays)

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year")
        if year is not None and "holidays_text" in cleaned:
            try:
                self.entered_days = calendar_data.parse_year_entry(
                    year, cleaned["holidays_text"], cleaned.get("workdays_text", "")
                )
            except DomainError as error:
                raise forms.ValidationError(str(error)) from error
        return cleaned


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ("date", "kind", "name")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CalendarViewAdmin(AuditedDeletionMixin):
    """Every staff member may read the calendar; only system administrators change it (calendar_data
    audits each entered year, the mixin each deletion)."""

    def has_module_permission(self, request):
        return scoping.has_any_role(request.user)

    def has_view_permission(self, request, obj=None):
        return scoping.has_any_role(request.user)

    def has_add_permission(self, request, obj=None):
        return scoping.is_system_admin(request.user)

    has_change_permission = has_delete_permission = has_add_permission


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarViewAdmin, admin.ModelAdmin):
    form = CalendarYearForm
    list_display = ("year", "source", "holiday_count", "workday_count", "notice", "updated_at")

    def get_inlines(self, request, obj):
        # The entered days, listed read-only once the year exists.
        return (CalendarDayInline,) if obj is not None else ()

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(
                n_holidays=Count("days", filter=Q(days__kind=CalendarDay.Kind.HOLIDAY)),
                n_workdays=Count("days", filter=Q(days__kind=CalendarDay.Kind.WORKDAY)),
            )
        )

    @admin.display(description="放假天数", ordering="n_holidays")
    def holiday_count(self, obj):
        return obj.n_holidays

    @admin.display(description="调休上班天数", ordering="n_workdays")
    def workday_count(self, obj):
        return obj.n_workdays

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not self.has_change_permission(request, obj):
            kwargs["fields"] = ("year", "notice")
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if not self.has_change_permission(request, obj):
            return ("year", "source", "notice")
        return ("year", "notice", "holidays_text", "workdays_text")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.source = CalendarYear.Source.MANUAL
        super().save_model(request, obj, form, change)
        calendar_data.save_year_entry(obj, form.entered_days, by=request.user)
        messages.info(request, f"{obj.year}年工作日历已保存，共登记 {len(form.entered_days)} 天。")


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarViewAdmin, admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "calendar_year")
    list_filter = ("kind", "calendar_year")
    list_select_related = ("calendar_year",)
    date_hierarchy = "date"
    search_fields = ("name",)

    @admin.display(description="星期")
    def weekday(self, obj):
        return "一二三四五六日"[obj.date.weekday()]

    def has_add_permission(self, request, obj=None):
        # Days are entered a year at a time in 工作日历, where the whole notice is checked.
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    view_roles = ALL
    list_display = ("created_at", "actor_name", "action", "content_type", "object_repr", "organization")
    list_filter = ("action", "content_type")
    list_select_related = ("content_type", "organization")
    search_fields = ("object_repr", "actor_name", "comment")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    # Events of records outside every organization (the calendar, accounts) have no organization,
    # so the scope leaves them to system administrators.

    def has_add_permission(self, request):
        return False  # events are written by the code that makes the change, never typed in

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
