"""Proactive disclosure (主动公开): the guide, the category tree, subjects, items and their attachments."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from mptt.models import MPTTModel, TreeForeignKey

from disclosure_site.models import Organization

from .index_templates import DEFAULT_TEMPLATE, validate_template


class Guide(models.Model):
    """One dated version of an organization's 政府信息公开指南 (条例 第十二条)."""

    organization = models.ForeignKey(Organization, verbose_name="机构", on_delete=models.PROTECT, related_name="guides")
    effective_date = models.DateField("施行日期")
    is_published = models.BooleanField("已发布", default=False)
    office_name = models.CharField("受理机构", max_length=100, help_text="政府信息公开工作机构的名称")
    address = models.CharField("办公地址", max_length=200)
    postcode = models.CharField("邮政编码", max_length=6, blank=True)
    phone = models.CharField("联系电话", max_length=40)
    fax = models.CharField("传真", max_length=40, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    office_hours = models.CharField("办公时间", max_length=200)
    online_url = models.URLField("网上申请地址", blank=True)
    classification = models.TextField("信息分类与编排", help_text="主动公开信息的分类、编排体系")
    how_to_obtain = models.TextField("获取方式", help_text="主动公开信息的获取方式")
    how_to_apply = models.TextField("依申请公开的提出方式")
    handling = models.TextField("办理程序与期限")
    fees = models.TextField("收费标准", help_text="信息处理费的收取情形与标准")
    remedies = models.TextField("监督和救济", help_text="投诉、举报、行政复议和行政诉讼的途径")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="编写人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "公开指南"
        verbose_name_plural = "公开指南"
        ordering = ["organization", "-effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "effective_date"],
                name="guide_one_version_per_day",
                violation_error_message="该机构在这一天已有一个版本的公开指南。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}政府信息公开指南（{self.effective_date:%Y年%m月%d日}）"


class Subject(MPTTModel):
    """国务院公文主题分类: 21 top-level categories with their second level, seeded once, editable."""

    name = models.CharField("名称", max_length=50)
    parent = TreeForeignKey(
        "self", verbose_name="上级分类", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField("编码", max_length=10, unique=True)

    class MPTTMeta:
        order_insertion_by = ["code"]

    class Meta:
        verbose_name = "主题分类"
        verbose_name_plural = "主题分类"

    def __str__(self) -> str:
        return f"{self.parent.name}\\{self.name}" if self.parent_id else self.name


class Category(MPTTModel):
    """A column of an organization's 公开目录 (disclosure catalog)."""

    class Kind(models.TextChoices):
        ROOT = "root", "目录"
        GUIDE = "guide", "政府信息公开指南"
        RULES = "rules", "政府信息公开制度"
        PROACTIVE = "proactive", "法定主动公开内容"
        REPORTS = "reports", "政府信息公开年报"
        OTHER = "other", "其他栏目"

    organization = models.ForeignKey(
        Organization, verbose_name="机构", on_delete=models.PROTECT, related_name="categories"
    )
    parent = TreeForeignKey(
        "self", verbose_name="上级栏目", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField("栏目名称", max_length=100)
    code = models.CharField("栏目编码", max_length=20, help_text="用于索引号的 {category} 占位符，机构内唯一")
    kind = models.CharField("栏目类别", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField("说明", max_length=300, blank=True)
    is_active = models.BooleanField("启用", default=True)
    # Read by the website inspection (inspection/checks.py); the defaults follow the 2019 inspection indicators.
    update_period_days = models.PositiveSmallIntegerField(
        "更新周期（天）",
        null=True,
        blank=True,
        help_text="网站检查时，本栏目（含下级栏目）最近一条信息距今不得超过的天数：工作动态类栏目填 14，"
        "通知公告、政策文件类栏目填 180；留空表示不检查更新（如机构职能等长期不变的栏目）。",
    )

    class MPTTMeta:
        order_insertion_by = None

    class Meta:
        verbose_name = "公开目录栏目"
        verbose_name_plural = "公开目录"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                name="category_code_unique_per_organization",
                violation_error_message="本机构已有相同编码的栏目。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id and self.organization_id and self.parent.organization_id != self.organization_id:
            raise ValidationError({"parent": "上级栏目必须属于同一机构的公开目录。"})

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", args=[self.organization_id, self.pk])


class DocumentType(models.TextChoices):
    RULE = "rule", "规章"
    NORMATIVE = "normative", "行政规范性文件"
    OTHER_DOCUMENT = "other_document", "其他文件"
    INTERPRETATION = "interpretation", "政策解读"
    NEWS = "news", "工作动态"
    NOTICE = "notice", "通知公告"
    PLAN = "plan", "规划计划"
    STATISTICS = "statistics", "统计信息"
    BUDGET = "budget", "财政预决算"
    PERSONNEL = "personnel", "人事信息"
    OTHER = "other", "其他"


class Validity(models.TextChoices):
    VALID = "valid", "有效"
    AMENDED = "amended", "已修改"
    EXPIRED = "expired", "已失效"
    REPEALED = "repealed", "已废止"


class Channel(models.TextChoices):
    WEBSITE = "website", "政府网站"
    WECHAT = "wechat", "政务微信"
    WEIBO = "weibo", "政务微博"
    APP = "app", "政务客户端"
    BOARD = "board", "公开栏（电子屏）"
    GAZETTE = "gazette", "政府公报"
    NEWSPAPER = "newspaper", "报刊广播电视"
    HALL = "hall", "政务服务中心"
    ARCHIVES = "archives", "档案馆、图书馆"
    OTHER = "other", "其他"


class ItemStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING = "pending", "待审核"
    SCHEDULED = "scheduled", "待定时发布"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class Item(models.Model):
    """An item of information (信息条目). The fields hold the public version once published;
    later edits wait in an ItemRevision until a reviewer approves them."""

    organization = models.ForeignKey(
        Organization, verbose_name="发布机构", on_delete=models.PROTECT, related_name="items"
    )
    category = models.ForeignKey(Category, verbose_name="公开目录栏目", on_delete=models.PROTECT, related_name="items")
    subject = models.ForeignKey(
        Subject, verbose_name="主题分类", on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )
    document_type = models.CharField(
        "文件类型", max_length=20, choices=DocumentType.choices, default=DocumentType.OTHER
    )
    title = models.CharField("标题", max_length=300)
    document_number = models.CharField("发文字号", max_length=100, blank=True)
    written_date = models.DateField("成文日期")
    published_at = models.DateTimeField("发布日期", null=True, blank=True, db_index=True)
    scheduled_at = models.DateTimeField("定时发布时间", null=True, blank=True, help_text="留空则审核通过后立即发布")
    validity = models.CharField("有效性", max_length=20, choices=Validity.choices, default=Validity.VALID)
    validity_date = models.DateField("有效性变更日期", null=True, blank=True, help_text="修改、失效或废止的日期")
    replaced_by = models.ForeignKey(
        "self", verbose_name="替代文件", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )
    keywords = models.CharField("关键词", max_length=200, blank=True, help_text="多个关键词用空格或逗号分隔")
    summary = models.TextField("内容概述", max_length=500, blank=True)
    body = models.TextField("正文", blank=True)
    channels = models.JSONField("其他发布渠道", default=list, blank=True)
    interprets = models.ManyToManyField(
        "self", verbose_name="解读的政策文件", symmetrical=False, blank=True, related_name="interpretations"
    )
    index_number = models.CharField("索引号", max_length=80, null=True, blank=True, editable=False)
    status = models.CharField("状态", max_length=20, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撰稿人", on_delete=models.PROTECT, related_name="catalog_items"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    # Timeliness, fixed at publication so that counts are plain SQL (None: the calendar had no data).
    is_late = models.BooleanField("超期发布", null=True, editable=False, help_text="成文后超过20个工作日才发布")
    interpretation_due = models.DateField("解读应发布日期", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "信息条目"
        verbose_name_plural = "信息条目"
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "index_number"],
                name="item_index_number_unique_per_organization",
                violation_error_message="本机构已有相同索引号的信息。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "pending", "scheduled", "published", "withdrawn"]),
                name="item_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(validity__in=["valid", "amended", "expired", "repealed"]), name="item_validity_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "pending", "scheduled"])
                | Q(index_number__isnull=False, published_at__isnull=False),
                name="item_published_has_index_number",
            ),
        ]
        indexes = [
            # Each public list walks its own index in the list's order, id included, so that a page's ids
            # come from the index alone (catalog/pagination.py: page 100 reads 2,000 index entries).
            models.Index(fields=["status", "-published_at", "-id"], name="item_status_pub_id_idx"),
            models.Index(fields=["organization", "status", "-published_at", "-id"], name="item_org_pub_id_idx"),
            models.Index(fields=["category", "status", "-published_at", "-id"], name="item_cat_pub_id_idx"),
            models.Index(fields=["subject", "status", "-published_at", "-id"], name="item_subj_pub_id_idx"),
            models.Index(fields=["document_type", "status", "-published_at", "-id"], name="item_type_pub_id_idx"),
            models.Index(fields=["validity", "status", "-published_at", "-id"], name="item_valid_pub_id_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:item", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status == ItemStatus.PUBLISHED


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    RETURNED = "returned", "已退回"


class ItemRevision(models.Model):
    """A proposed change to a published item: it stays private until a reviewer approves it."""

    item = models.ForeignKey(Item, verbose_name="信息条目", on_delete=models.CASCADE, related_name="revisions")
    content = models.JSONField("修改内容")
    status = models.CharField("状态", max_length=20, choices=RevisionStatus.choices, default=RevisionStatus.PENDING)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField("修改说明", blank=True)
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "修改稿"
        verbose_name_plural = "修改稿"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=["draft", "pending"]),
                name="revision_one_open_per_item",
                violation_error_message="该信息已有一份待审核的修改稿。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}（修改稿 {self.created_at:%Y-%m-%d %H:%M}）"

    @property
    def organization(self) -> Organization:
        return self.item.organization


class IndexSequence(models.Model):
    """The last serial handed out per organization and period; locked while a number is allocated."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=20)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "索引号序列"
        verbose_name_plural = "索引号序列"
        constraints = [models.UniqueConstraint(fields=["organization", "period"], name="index_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.period}={self.last_value}"


class IndexNumberScheme(models.Model):
    """An organization's index-number template (reference/catalog-metadata.md)."""

    organization = models.OneToOneField(
        Organization, verbose_name="机构", on_delete=models.CASCADE, related_name="index_scheme"
    )
    template = models.CharField(
        "索引号模板",
        max_length=100,
        default=DEFAULT_TEMPLATE,
        validators=[validate_template],
        help_text="可用占位符：{prefix} 前缀、{category} 栏目编码、{year} 年、{month} 月、{date} 日期（年月日）、"
        "{seq:05d} 序号（数字为位数）。",
    )

    class Meta:
        verbose_name = "索引号规则"
        verbose_name_plural = "索引号规则"

    def __str__(self) -> str:
        return f"{self.organization}：{self.template}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under a random name: the original (often Chinese) name is kept in a field for downloads.
    import uuid

    return f"catalog/{instance.item.organization_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    item = models.ForeignKey(Item, verbose_name="信息条目", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    original_name = models.CharField("文件名", max_length=255)
    kind = models.CharField("文件类型", max_length=10)
    size = models.PositiveBigIntegerField("大小（字节）")
    sort_order = models.PositiveSmallIntegerField("顺序", default=0)
    revision = models.ForeignKey(
        ItemRevision,
        verbose_name="所属修改稿",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        help_text="为已发布信息新增的附件，审核通过前不公开",
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("catalog:attachment", args=[self.pk])

    @property
    def organization(self) -> Organization:
        return self.item.organization


class MonthlyPublications(models.Model):
    """How many items of an organization are published with a 发布日期 in a month (Beijing time): kept by
    database triggers on catalog_item (migration 0007), whatever writes the items, in the writing
    transaction; read by the public statistics page. `manage.py recount_publications` rebuilds it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField("月份")  # the first day of the month
    count = models.IntegerField("发布数量", default=0)

    class Meta:
        verbose_name = "每月发布数量"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="monthly_pub_unique"),
        ]
        indexes = [models.Index(fields=["month"], include=["organization", "count"], name="monthly_pub_month")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}: {self.count}"


class CategoryYearPublications(models.Model):
    """How many items of a catalog column are published with a 发布日期 in a year (Beijing time); kept
    like MonthlyPublications."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.IntegerField("年度")
    count = models.IntegerField("发布数量", default=0)

    class Meta:
        verbose_name = "栏目年度发布数量"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["category", "year"], name="category_year_pub_unique"),
        ]
        indexes = [models.Index(fields=["year"], include=["category", "count"], name="category_year_pub_year")]

    def __str__(self) -> str:
        return f"{self.category_id} {self.year}: {self.count}"
