"""Redaction for partial disclosure (部分公开, 条例 第三十七条): a job per source document and its boxes.

The source document stays as it was uploaded, private (for_applicant=False). The job keeps its own
working PDF (the source converted or normalized, also private); staff mark boxes on it, each with one
of the eight 不予公开 reasons of table B; the job goes 标注中 → 待审核 (the burned copy is made and
kept privately) → 已审核 by a reviewer who marked nothing on it, and only then does the burned copy
become a RequestDocument for the applicant. The rules are in requests_app/redaction.py.

Imported at the end of requests_app/models.py, so these are models of requests_app.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .models import InfoRequest, Outcome, OutcomeGroup, RequestDocument

__all__ = ["REDACTION_REASONS", "BoxOrigin", "RedactionBox", "RedactionJob", "RedactionStatus"]

# The reasons a part may be withheld: the eight rows of table B （三）不予公开, by their outcome value.
REDACTION_REASONS = [(o.value, o.label) for o in Outcome if o.group == OutcomeGroup.WITHHELD]


class RedactionStatus(models.TextChoices):
    DRAFT = "draft", "标注中"
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "已审核"


OPEN_REDACTION_STATUSES = (RedactionStatus.DRAFT, RedactionStatus.SUBMITTED)


class BoxOrigin(models.TextChoices):
    DRAWN = "drawn", "手工框选"
    SEARCH = "search", "文字检索"


def redaction_file_path(instance: RedactionJob, filename: str) -> str:
    # Random names like every file of an application: nothing about the content in a path.
    return f"requests/redaction/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.pdf"


class RedactionJob(models.Model):
    """The redaction of one source document of an application."""

    info_request = models.ForeignKey(
        InfoRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="redaction_jobs"
    )
    source = models.ForeignKey(
        RequestDocument, verbose_name="原件", on_delete=models.PROTECT, related_name="redaction_jobs"
    )
    working_file = models.FileField(
        "待处理 PDF",
        upload_to=redaction_file_path,
        max_length=200,
        editable=False,
        help_text="原件转换或整理后的 PDF，只在后台使用，从不提供给申请人",
    )
    page_sizes = models.JSONField("页面尺寸", default=list, help_text="每页显示尺寸（宽、高，单位：点）")
    scanned_pages = models.JSONField("无文字页", default=list, blank=True, help_text="没有文字层的页（扫描件）")
    flattened_pages = models.JSONField(
        "整页转图像的页", default=list, blank=True, help_text="含批注、表单或隐藏图层的页，无论有无删除框都转为图像"
    )
    status = models.CharField("状态", max_length=20, choices=RedactionStatus.choices, default=RedactionStatus.DRAFT)
    # Each change of the boxes is one numbered action; undo reverses the latest one.
    last_action = models.PositiveIntegerField("操作序号", default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="标注人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    redacted_file = models.FileField(
        "删除处理后的 PDF",
        upload_to=redaction_file_path,
        max_length=200,
        blank=True,
        editable=False,
        help_text="提交审核时生成",
    )
    redacted_sha256 = models.CharField("处理后文件摘要", max_length=64, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    return_note = models.TextField("退回理由", blank=True)
    result = models.OneToOneField(
        RequestDocument,
        verbose_name="提供给申请人的文件",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redaction",
    )

    class Meta:
        verbose_name = "删除处理（部分公开）"
        verbose_name_plural = "删除处理（部分公开）"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="redactionjob_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RedactionStatus.values),
                name="redactionjob_status_valid",
                violation_error_message="状态无效。",
            ),
            # One job in progress per source document: two people marking the same file would each
            # approve a copy that hides only half of what must be hidden.
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(status__in=OPEN_REDACTION_STATUSES),
                name="redactionjob_one_open_per_source",
                violation_error_message="该原件已有一项未完成的删除处理。",
            ),
            models.CheckConstraint(
                condition=~Q(status=RedactionStatus.APPROVED)
                | (Q(reviewed_by__isnull=False) & Q(result__isnull=False) & ~Q(redacted_sha256="")),
                name="redactionjob_approved_has_reviewer_and_result",
                violation_error_message="已审核的删除处理必须有审核人和提供给申请人的文件。",
            ),
            models.CheckConstraint(
                condition=Q(status=RedactionStatus.DRAFT) | ~Q(redacted_sha256=""),
                name="redactionjob_submitted_has_output",
                violation_error_message="提交审核的删除处理必须有处理后的文件。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.original_name}（{self.get_status_display()}）"

    @property
    def organization(self):
        return self.info_request.organization

    @property
    def page_count(self) -> int:
        return len(self.page_sizes)

    @property
    def is_draft(self) -> bool:
        return self.status == RedactionStatus.DRAFT


class RedactionBox(models.Model):
    """A rectangle to black out: page (1-based) and edges in points of the page as displayed, origin at
    the top left (the crop box with the page's rotation applied), with the reason for withholding it.

    A box removed (or replaced by an edit) keeps its row with removed_in set, so that undo can bring it
    back; the boxes that count are those with removed_in empty.
    """

    job = models.ForeignKey(RedactionJob, verbose_name="删除处理", on_delete=models.CASCADE, related_name="boxes")
    page = models.PositiveIntegerField("页码")
    x0 = models.FloatField("左")
    y0 = models.FloatField("上")
    x1 = models.FloatField("右")
    y1 = models.FloatField("下")
    reason = models.CharField("不予公开理由", max_length=4, choices=REDACTION_REASONS)
    origin = models.CharField("来源", max_length=10, choices=BoxOrigin.choices, default=BoxOrigin.DRAWN)
    added_in = models.PositiveIntegerField("添加于操作")
    removed_in = models.PositiveIntegerField("删除于操作", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="标注人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField("标注时间", default=timezone.now)

    class Meta:
        verbose_name = "删除框"
        verbose_name_plural = "删除框"
        ordering = ["page", "y0", "x0", "id"]
        indexes = [models.Index(fields=["job", "removed_in", "page"], name="redactionbox_job_page")]
        constraints = [
            models.CheckConstraint(
                condition=Q(page__gte=1) & Q(x0__gte=0) & Q(y0__gte=0) & Q(x1__gt=F("x0")) & Q(y1__gt=F("y0")),
                name="redactionbox_rectangle_valid",
                violation_error_message="删除框的位置无效。",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=[value for value, _ in REDACTION_REASONS]),
                name="redactionbox_reason_valid",
                violation_error_message="请选择不予公开的理由。",
            ),
        ]

    def __str__(self) -> str:
        return f"第{self.page}页（{self.x0:.0f}, {self.y0:.0f}）–（{self.x1:.0f}, {self.y1:.0f}）"

    @property
    def reason_label(self) -> str:
        return dict(REDACTION_REASONS)[self.reason]
