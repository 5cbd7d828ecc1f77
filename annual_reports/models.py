"""The yearly report (政府信息公开工作年度报告, 条例 第四十九条、第五十条) of an organization and a year.

A report is built from the statistics of the other apps (annual_reports.statistics), the values staff
enter and the narrative they write. While it is a draft it can be rebuilt at any time; publication by
the office head freezes everything it shows into `snapshot`, which every output reads from then on.
A correction (更正) is a new revision of the same organization and year, with a public note; earlier
revisions stay readable. State changes go through annual_reports.workflow only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from disclosure_site.models import Organization


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING = "pending", "待审批"
    PUBLISHED = "published", "已发布"


class Scope(models.TextChoices):
    OWN = "own", "本机关"
    SUBTREE = "subtree", "本级政府（汇总所属机构）"


class Report(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name="机构", on_delete=models.PROTECT, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField("年度")
    revision = models.PositiveSmallIntegerField("版本", default=1, help_text="首次发布为第1版，每次更正加1")
    format = models.CharField("报告格式", max_length=20)
    scope = models.CharField(
        "统计范围",
        max_length=10,
        choices=Scope.choices,
        default=Scope.OWN,
        help_text="本级政府的年度报告汇总本机构及所属各机构的数据",
    )
    status = models.CharField("状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    statistics = models.JSONField("统计数据", default=dict, blank=True, editable=False)
    facts = models.JSONField("系统提供的情况", default=dict, blank=True, editable=False)
    built_at = models.DateTimeField("统计时间", null=True, blank=True, editable=False)
    narrative = models.JSONField("文字部分", default=dict, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name="更正的版本",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    correction_note = models.TextField("更正说明", blank=True, help_text="公开显示：更正了哪些内容、原因")
    snapshot = models.JSONField("发布内容", null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准发布人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="编制人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政府信息公开工作年度报告"
        verbose_name_plural = "政府信息公开工作年度报告"
        ordering = ["-year", "organization__tree_id", "organization__lft", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "revision"],
                name="report_one_revision_number",
                violation_error_message="该机构该年度已有相同版本的年度报告。",
            ),
            models.UniqueConstraint(
                fields=["organization", "year"],
                condition=~Q(status="published"),
                name="report_one_open_per_year",
                violation_error_message="该机构该年度已有一份未发布的年度报告。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "pending", "published"]), name="report_status_valid"
            ),
            models.CheckConstraint(condition=Q(scope__in=["own", "subtree"]), name="report_scope_valid"),
            models.CheckConstraint(condition=Q(year__gte=2008) & Q(year__lte=2200), name="report_year_range"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="report_revision_positive"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(snapshot__isnull=False, published_at__isnull=False),
                name="report_published_has_snapshot",
            ),
            models.CheckConstraint(
                condition=Q(revision=1) | (Q(corrects__isnull=False) & ~Q(correction_note="")),
                name="report_correction_has_note",
                violation_error_message="更正须说明更正的内容和原因。",
            ),
        ]
        indexes = [models.Index(fields=["status", "year"], name="report_status_year")]

    def __str__(self) -> str:
        suffix = f"（更正第{self.revision - 1}次）" if self.revision > 1 else ""
        return f"{self.organization}{self.year}年政府信息公开工作年度报告{suffix}"

    def get_absolute_url(self) -> str:
        return reverse("disclosure_site:report", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED


class EnteredFigure(models.Model):
    """A number staff enter from other business systems (行政许可, 行政处罚, 行政强制 decisions, 收费 in 万元)."""

    report = models.ForeignKey(Report, verbose_name="年度报告", on_delete=models.CASCADE, related_name="entered")
    name = models.CharField("项目", max_length=50)
    value = models.DecimalField("数值", max_digits=16, decimal_places=4)

    class Meta:
        verbose_name = "填报数据"
        verbose_name_plural = "填报数据"
        constraints = [
            models.UniqueConstraint(fields=["report", "name"], name="entered_one_value_per_name"),
            # Only a change (本年增/减) of the 2019 format may be negative.
            models.CheckConstraint(
                condition=Q(value__gte=0) | Q(name__endswith=".change"), name="entered_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"

    @property
    def organization(self) -> Organization:
        return self.report.organization


class ReportReminder(models.Model):
    """A reminder sent about an organization's unpublished report on a year: one a day at most
    (annual_reports.reminders); the unique constraint is what makes two servers running the daily
    command at once send it only once."""

    organization = models.ForeignKey(
        Organization, verbose_name="机构", on_delete=models.CASCADE, related_name="annual_report_reminders"
    )
    year = models.PositiveSmallIntegerField("年度")
    sent_on = models.DateField("提醒日期")
    state = models.CharField("报告状态", max_length=10, help_text="提醒时报告的状态：未编制、草稿或待审批")
    deadline = models.DateField("发布期限")
    recipients = models.JSONField("收件人", default=list, help_text="收到提醒的用户名")

    class Meta:
        verbose_name = "年度报告提醒"
        verbose_name_plural = "年度报告提醒"
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "sent_on"], name="report_reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.organization}{self.year}年度报告提醒（{self.sent_on:%Y-%m-%d}）"
