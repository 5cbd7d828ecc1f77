"""The yearly work plan (年度政务公开工作要点与分工) of an organization: numbered tasks grouped under
headings, each with its lead (牵头) and cooperating (配合) units from anywhere in the organization tree,
and the progress the lead units report on them (实事求是公布进展和完成情况).

State changes go through workplans.workflow only: a plan is drafted, approved and published by the office
head (机关负责人); a progress update is entered by staff of a lead unit and made public after review by
the disclosure office (a 审核人 of the plan's organization). Every move writes an AuditEvent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from disclosure_site.models import Organization


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    APPROVED = "approved", "已批准"
    PUBLISHED = "published", "已发布"


class Plan(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name="制定机关", on_delete=models.PROTECT, related_name="work_plans"
    )
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("标题", max_length=200)
    status = models.CharField("状态", max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    source_name = models.CharField("导入文件", max_length=255, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = "政务公开工作要点"
        verbose_name_plural = "政务公开工作要点"
        ordering = ["-year", "organization__tree_id", "organization__lft"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="workplan_one_per_year",
                violation_error_message="该机关该年度已有政务公开工作要点。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "approved", "published"]), name="workplan_status_valid"
            ),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2200), name="workplan_year_range"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="workplan_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_by__isnull=False, published_at__isnull=False),
                name="workplan_published_has_publisher",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("disclosure_site:plan", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == PlanStatus.PUBLISHED


class Heading(models.Model):
    """A heading the tasks are grouped under, e.g. 一、围绕深化改革推进公开."""

    plan = models.ForeignKey(Plan, verbose_name="工作要点", on_delete=models.CASCADE, related_name="headings")
    position = models.PositiveSmallIntegerField("顺序")
    title = models.CharField("标题", max_length=200)

    class Meta:
        verbose_name = "任务分组"
        verbose_name_plural = "任务分组"
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="workplan_heading_position_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def organization(self) -> Organization:
        return self.plan.organization


class Task(models.Model):
    plan = models.ForeignKey(Plan, verbose_name="工作要点", on_delete=models.CASCADE, related_name="tasks")
    heading = models.ForeignKey(
        Heading, verbose_name="分组", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    number = models.PositiveSmallIntegerField("序号")
    text = models.TextField("任务")
    due_on = models.DateField("完成时限", null=True, blank=True)

    class Meta:
        verbose_name = "工作任务"
        verbose_name_plural = "工作任务"
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="workplan_task_number_unique",
                violation_error_message="同一工作要点中任务序号不能重复。",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="workplan_task_number_positive"),
            models.CheckConstraint(condition=~Q(text=""), name="workplan_task_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.short_text}"

    @property
    def short_text(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 40 else text[:39] + "…"

    @property
    def organization(self) -> Organization:
        """The organization the task is recorded under (the plan's), for the audit trail and scoping."""
        return self.plan.organization


class UnitRole(models.TextChoices):
    LEAD = "lead", "牵头单位"
    SUPPORT = "support", "配合单位"


class TaskUnit(models.Model):
    """An organization named on a task, as its lead unit or a cooperating unit, in the order written."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.CASCADE, related_name="units")
    organization = models.ForeignKey(
        Organization, verbose_name="单位", on_delete=models.PROTECT, related_name="work_tasks"
    )
    role = models.CharField("分工", max_length=10, choices=UnitRole.choices)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "任务分工"
        verbose_name_plural = "任务分工"
        ordering = ["task", "role", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "organization"],
                name="workplan_unit_once_per_task",
                violation_error_message="同一单位在一项任务中只能是牵头单位或配合单位之一。",
            ),
            models.CheckConstraint(condition=Q(role__in=["lead", "support"]), name="workplan_unit_role_valid"),
        ]
        indexes = [models.Index(fields=["organization", "role"], name="workplan_unit_org_role")]

    def __str__(self) -> str:
        return f"{self.organization}（{self.get_role_display()}）"


class ProgressState(models.TextChoices):
    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"
    DELAYED = "delayed", "延期"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    PUBLISHED = "published", "已公开"
    RETURNED = "returned", "已退回"


class Progress(models.Model):
    """A progress update on a task, entered by staff of one of its lead units; public once reviewed."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.PROTECT, related_name="progress")
    organization = models.ForeignKey(
        Organization, verbose_name="填报单位", on_delete=models.PROTECT, related_name="work_progress"
    )
    on = models.DateField("进展日期")
    state = models.CharField("完成状态", max_length=20, choices=ProgressState.choices)
    percent = models.PositiveSmallIntegerField("完成进度（%）", null=True, blank=True)
    text = models.TextField("进展情况")
    reason = models.TextField("延期原因", blank=True)
    status = models.CharField("审核状态", max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField("填报时间", default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = "工作进展"
        verbose_name_plural = "工作进展"
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["task", "status", "on"], name="workplan_progress_task")]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | (Q(percent__gte=0) & Q(percent__lte=100)),
                name="workplan_progress_percent_range",
                violation_error_message="完成进度应为0到100之间的整数。",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["not_started", "in_progress", "done", "delayed"]),
                name="workplan_progress_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "published", "returned"]), name="workplan_progress_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="delayed") | ~Q(reason=""),
                name="workplan_progress_delay_has_reason",
                violation_error_message="状态为“延期”时必须说明延期原因。",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="workplan_progress_reviewed_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"第{self.task.number}项任务进展（{self.on:%Y-%m-%d}，{self.get_state_display()}）"


class TaskNote(models.Model):
    """A note by a cooperating unit on a task it supports (what it did, what it needs); seen by the lead
    units and the plan's organization in the back office, not published."""

    task = models.ForeignKey(Task, verbose_name="任务", on_delete=models.PROTECT, related_name="notes")
    organization = models.ForeignKey(
        Organization, verbose_name="配合单位", on_delete=models.PROTECT, related_name="work_notes"
    )
    text = models.TextField("备注")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("填写时间", default=timezone.now)

    class Meta:
        verbose_name = "配合单位备注"
        verbose_name_plural = "配合单位备注"
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="workplan_note_not_empty")]

    def __str__(self) -> str:
        return f"{self.organization}关于第{self.task.number}项任务的备注"
