"""Organizations, staff roles, the working-day calendar and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from mptt.models import MPTTModel, TreeForeignKey

from .checkdigits import validate_credit_code

postcode_validator = RegexValidator(r"^\d{6}$", "邮政编码应为6位数字。")
phone_validator = RegexValidator(
    r"^[0-9０-９()（）+\-－ ,，、转]{5,40}$", "电话号码只能包含数字、括号、加号、连字符和“转”，例如 0571-12345678。"
)


class Organization(MPTTModel):
    """An organ of the government: the county government, a department, a town (乡镇)."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", "人民政府"
        DEPARTMENT = "department", "政府部门"
        TOWN = "town", "乡镇（街道）"
        OTHER = "other", "其他机构"

    name = models.CharField(
        "机构名称", max_length=100, unique=True, error_messages={"unique": "已存在同名机构，机构名称不能重复。"}
    )
    short_name = models.CharField("简称", max_length=50, blank=True)
    kind = models.CharField("机构类型", max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = TreeForeignKey(
        "self", verbose_name="上级机构", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    credit_code = models.CharField(
        "统一社会信用代码",
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        error_messages={"unique": "该统一社会信用代码已被其他机构使用。"},
    )
    index_prefix = models.CharField("索引号前缀", max_length=40, blank=True, help_text="留空时使用统一社会信用代码。")
    address = models.CharField("办公地址", max_length=200, blank=True)
    postcode = models.CharField("邮政编码", max_length=6, blank=True, validators=[postcode_validator])
    phone = models.CharField("联系电话", max_length=40, blank=True, validators=[phone_validator])
    fax = models.CharField("传真", max_length=40, blank=True, validators=[phone_validator])
    email = models.EmailField("电子邮箱", blank=True)
    office_hours = models.CharField("办公时间", max_length=200, blank=True)
    website = models.URLField("网站", blank=True)
    is_active = models.BooleanField("启用", default=True)

    class MPTTMeta:
        order_insertion_by = ["name"]

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["government", "department", "town", "other"]), name="organization_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("disclosure_site:organization", args=[self.pk])

    @property
    def effective_index_prefix(self) -> str:
        return self.index_prefix or self.credit_code


class Role(models.TextChoices):
    CLERK = "clerk", "经办人"
    REVIEWER = "reviewer", "审核人"
    HEAD = "head", "机关负责人"


class Membership(models.Model):
    """A staff member's role in an organization; it reaches the organization's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name="机构", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "人员角色"
        verbose_name_plural = "人员角色"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"],
                name="membership_unique_role",
                violation_error_message="该用户在此机构已有这个角色。",
            ),
            models.CheckConstraint(condition=Q(role__in=["clerk", "reviewer", "head"]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


class CalendarYear(models.Model):
    """A year whose holidays and make-up working days have been entered.

    Deadlines are computed only inside years that have a row here (DESIGN.md: never guess).
    """

    class Source(models.TextChoices):
        PACKAGE = "chinesecalendar", "chinesecalendar 数据包"
        MANUAL = "manual", "人工录入"

    year = models.PositiveSmallIntegerField(
        "年份", unique=True, error_messages={"unique": "该年份的工作日历已存在，请直接修改。"}
    )
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.MANUAL)
    notice = models.CharField(
        "依据", max_length=200, blank=True, help_text="例如：国务院办公厅关于2027年部分节假日安排的通知"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=1990) & Q(year__lte=2200), name="calendar_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    """A statutory holiday (放假) or a weekend make-up working day (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    calendar_year = models.ForeignKey(CalendarYear, verbose_name="年度", on_delete=models.CASCADE, related_name="days")
    date = models.DateField("日期", unique=True, error_messages={"unique": "该日期已登记。"})
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("节日名称", max_length=50, blank=True)

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["holiday", "workday"]), name="calendar_day_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class AuditEvent(models.Model):
    """One recorded action on a record: who, when, what, from which state to which, and why."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        CHANGE = "change", "修改"
        DELETE = "delete", "删除"
        TRANSITION = "transition", "状态变更"
        LOCKOUT = "lockout", "登录锁定"

    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name="所属机构", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT)
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    from_state = models.CharField("原状态", max_length=50, blank=True)
    to_state = models.CharField("新状态", max_length=50, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    comment = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"


class StaffTOTPDevice(models.Model):
    """A staff member's authenticator app (TOTP, RFC 6238): the second factor asked for at login.

    The row exists from the moment enrolment starts; only a confirmed device is asked for at login.
    The secret is shown while enrolment is unconfirmed and never again (login_security, totp.py).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.CharField("密钥", max_length=64)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    confirmed_at = models.DateTimeField("启用时间", null=True, blank=True)
    # The 30-second time step of the last accepted code: a code of that step or an earlier one is a replay.
    last_used_step = models.BigIntegerField("最近使用的时间步", default=0)

    class Meta:
        verbose_name = "两步验证设备"
        verbose_name_plural = "两步验证设备"
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} 的两步验证"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
