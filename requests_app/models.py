"""On-request disclosure (依申请公开): applications, their events, documents, letters, fees, consultations
and reconsideration/lawsuit cases.

The state of an application changes only through requests_app/workflow.py, which writes a RequestEvent
for every move; the reply deadline is never stored but computed from those events by
requests_app/deadlines.py (条例 第三十条 to 第三十五条).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from disclosure_site.models import Organization


class Channel(models.TextChoices):
    ONLINE = "online", "网上申请"
    IN_PERSON = "in_person", "当面"
    LETTER = "letter", "信函"
    FAX = "fax", "传真"
    EMAIL = "email", "电子邮件"
    ORAL = "oral", "口头"
    OTHER = "other", "其他"


# 条例 第三十一条: for these the received date is the day the organ confirms receipt (确认收到).
CONFIRMED_CHANNELS = frozenset({Channel.ONLINE, Channel.EMAIL, Channel.FAX})


class ApplicantType(models.TextChoices):
    """The applicant columns of table B, in its order."""

    NATURAL = "natural", "自然人"
    BUSINESS = "business", "商业企业"
    RESEARCH = "research", "科研机构"
    PUBLIC_INTEREST = "public_interest", "社会公益组织"
    LEGAL_SERVICE = "legal_service", "法律服务机构"
    OTHER_ORG = "other_org", "其他"


ORGANIZATION_TYPES = tuple(t for t in ApplicantType if t != ApplicantType.NATURAL)


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO = "hk_macao", "港澳居民来往内地通行证"
    TAIWAN = "taiwan", "台湾居民来往大陆通行证"
    FOREIGN_RESIDENT = "foreign_resident", "外国人永久居留身份证"
    OTHER = "other", "其他有效身份证件"


class WantedForm(models.TextChoices):
    PAPER = "paper", "纸质"
    ELECTRONIC = "electronic", "电子文档"
    OTHER = "other", "其他"


class Delivery(models.TextChoices):
    POST = "post", "邮寄"
    EMAIL = "email", "电子邮件"
    PICKUP = "pickup", "自行领取"
    FAX = "fax", "传真"
    ONLINE = "online", "网上查看（查询页面）"


class Status(models.TextChoices):
    PENDING = "pending", "待受理"
    PROCESSING = "processing", "办理中"
    CORRECTING = "correcting", "待补正"
    CONSULTING = "consulting", "征求意见中"
    AWAITING_FEE = "awaiting_fee", "待缴费"
    ANSWERED = "answered", "已答复"
    WITHDRAWN = "withdrawn", "已撤回"
    ABANDONED = "abandoned", "视为放弃"


OPEN_STATUSES = frozenset(
    {Status.PENDING, Status.PROCESSING, Status.CORRECTING, Status.CONSULTING, Status.AWAITING_FEE}
)
ENDED_STATUSES = frozenset({Status.ANSWERED, Status.WITHDRAWN, Status.ABANDONED})
# The clock stands still in these (条例 第三十二条、第三十四条; 国办函〔2020〕109号).
PAUSED_STATUSES = frozenset({Status.CONSULTING, Status.AWAITING_FEE})


class OutcomeGroup(models.TextChoices):
    """The groups of table B 三、本年度办理结果."""

    DISCLOSED = "1", "（一）予以公开"
    PARTIAL = "2", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    WITHHELD = "3", "（三）不予公开"
    UNAVAILABLE = "4", "（四）无法提供"
    NOT_PROCESSED = "5", "（五）不予处理"
    OTHER = "6", "（六）其他处理"


class Outcome(models.TextChoices):
    """Exactly the rows of table B (reference/annual-report-format.md); the value's prefix is its group."""

    DISCLOSED = "1", "予以公开"
    PARTIAL = "2", "部分公开"
    WITHHELD_STATE_SECRET = "3.1", "属于国家秘密"
    WITHHELD_LAW = "3.2", "其他法律行政法规禁止公开"
    WITHHELD_SAFETY = "3.3", "危及“三安全一稳定”"
    WITHHELD_THIRD_PARTY = "3.4", "保护第三方合法权益"
    WITHHELD_INTERNAL = "3.5", "属于三类内部事务信息"
    WITHHELD_PROCESS = "3.6", "属于四类过程性信息"
    WITHHELD_ENFORCEMENT = "3.7", "属于行政执法案卷"
    WITHHELD_INQUIRY = "3.8", "属于行政查询事项"
    UNAVAILABLE_NOT_HELD = "4.1", "本机关不掌握相关政府信息"
    UNAVAILABLE_NEEDS_CREATION = "4.2", "没有现成信息需要另行制作"
    UNAVAILABLE_UNCLEAR = "4.3", "补正后申请内容仍不明确"
    NOT_PROCESSED_PETITION = "5.1", "信访举报投诉类申请"
    NOT_PROCESSED_REPEAT = "5.2", "重复申请"
    NOT_PROCESSED_PUBLICATION = "5.3", "要求提供公开出版物"
    NOT_PROCESSED_EXCESSIVE = "5.4", "无正当理由大量反复申请"
    NOT_PROCESSED_CONFIRMATION = "5.5", "要求行政机关确认或重新出具已获取信息"
    OTHER_NO_CORRECTION = "6.1", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    OTHER_FEE_UNPAID = "6.2", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    OTHER = "6.3", "其他"

    @property
    def group(self) -> OutcomeGroup:
        return OutcomeGroup(self.value.split(".")[0])

    @property
    def full_label(self) -> str:
        """The outcome with its group, as a reader of a letter or the ledger expects it."""
        group = self.group
        if group in (OutcomeGroup.DISCLOSED, OutcomeGroup.PARTIAL):
            return str(self.label)
        return f"{group.label[3:]}：{self.label}"


# Outcomes a staff member chooses when replying; 6.1 and 6.2 are reached only through the deadlines
# that lead to them (no correction, fee unpaid), 6.3 also by a withdrawal.
REPLY_OUTCOMES = tuple(o for o in Outcome if o not in (Outcome.OTHER_NO_CORRECTION, Outcome.OTHER_FEE_UNPAID))


class RequestSequence(models.Model):
    """The last serial of application numbers handed out in a year; locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "申请编号序列"
        verbose_name_plural = "申请编号序列"

    def __str__(self) -> str:
        return f"{self.year}年：{self.last}"


def hash_query_code(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code.strip().upper()}".encode()).hexdigest()


# Query codes avoid letters and digits that look alike (0/O, 1/I/L, 2/Z, 5/S, 8/B).
QUERY_CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
QUERY_CODE_LENGTH = 10


class InfoRequest(models.Model):
    """One application for government information (政府信息公开申请)."""

    organization = models.ForeignKey(
        Organization, verbose_name="受理机关", on_delete=models.PROTECT, related_name="info_requests"
    )
    number = models.CharField("申请编号", max_length=40, unique=True)
    query_code_salt = models.CharField(max_length=32, editable=False)
    query_code_hash = models.CharField(max_length=64, editable=False)

    channel = models.CharField("申请方式", max_length=20, choices=Channel.choices)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now, help_text="申请提交或寄出、送达窗口的时间")
    received_on = models.DateField(
        "收到日期",
        null=True,
        blank=True,
        help_text="条例第三十一条：当面提交为提交之日，邮寄为签收之日，网上、电子邮件、传真为确认收到之日",
    )

    applicant_type = models.CharField("申请人类型", max_length=20, choices=ApplicantType.choices)
    applicant_name = models.CharField("申请人姓名或名称", max_length=100)
    id_type = models.CharField("证件类型", max_length=20, choices=IdType.choices, blank=True)
    id_number = models.CharField("证件号码", max_length=40, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    legal_representative = models.CharField("法定代表人或负责人", max_length=50, blank=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    phone = models.CharField(
        "联系电话", max_length=30, blank=True, help_text="网上申请必填；台账导入的历史申请可以为空"
    )
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("通信地址", max_length=200, blank=True)
    postcode = models.CharField("邮政编码", max_length=6, blank=True)

    description = models.TextField("所需信息的内容描述")
    document_title = models.CharField("所需信息的名称", max_length=300, blank=True)
    document_number = models.CharField("所需信息的文号", max_length=100, blank=True)
    purpose = models.CharField("用途（选填）", max_length=300, blank=True)
    wanted_form = models.CharField("所需信息的提供形式", max_length=20, choices=WantedForm.choices)
    delivery = models.CharField("获取信息的方式", max_length=20, choices=Delivery.choices)
    fee_waiver_requested = models.BooleanField("申请减免信息处理费", default=False)

    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField("办理结果", max_length=4, choices=Outcome.choices, blank=True)
    ended_on = models.DateField("办结日期", null=True, blank=True, help_text="答复、撤回或视为放弃之日")
    # Written by requests_app.workflow from requests_app.deadlines.clock() after every step (and by the
    # daily command), never entered: the running reply deadline, empty while the clock stands still.
    due_on = models.DateField("答复期限", null=True, blank=True, editable=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_info_requests",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered_info_requests",
        help_text="代申请人登记当面、信函、传真、电子邮件或口头申请的工作人员",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Set by requests_app.retention once the applicant's personal data has been overwritten.
    anonymized_at = models.DateTimeField("匿名化时间", null=True, blank=True, editable=False)

    # The applicant's personal data (个人信息保护法): never exported or logged, masked in the audit trail
    # (disclosure_site.audit.form_changes), overwritten by requests_app.retention after the retention period.
    personal_fields = (
        "applicant_name",
        "id_number",
        "legal_representative",
        "contact_person",
        "phone",
        "email",
        "address",
        "postcode",
    )

    class Meta:
        verbose_name = "政府信息公开申请"
        verbose_name_plural = "政府信息公开申请"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="inforequest_org_status"),
            models.Index(fields=["organization", "received_on"], name="inforequest_org_received"),
            models.Index(fields=["organization", "ended_on"], name="inforequest_org_ended"),
            models.Index(fields=["organization", "due_on"], name="inforequest_org_due"),
            # The admin list's order, walked backwards for its first page instead of sorting every row.
            models.Index(fields=["-submitted_at", "-id"], name="inforequest_submitted"),
            # The dashboard counts only open applications: a small index, read without the table.
            models.Index(
                fields=["organization", "status", "due_on"],
                name="inforequest_open",
                condition=Q(status__in=sorted(OPEN_STATUSES)),
            ),
            models.Index(fields=["applicant_name", "submitted_at"], name="inforequest_applicant_month"),
            # Reply times on the statistics page: the year's answered applications, read from the index
            # alone (PostgreSQL; elsewhere INCLUDE is dropped and it is a plain partial index).
            models.Index(
                fields=["ended_on"],
                include=["received_on", "organization", "id"],
                name="inforequest_answered",
                condition=Q(status=Status.ANSWERED.value, received_on__isnull=False),
            ),
            # Table B of the statistics page (received, carried over, still open, outcomes) for the whole
            # government: one scan of this narrow index instead of the table.
            models.Index(
                fields=["received_on"],
                include=["ended_on", "outcome", "organization", "id"],
                name="inforequest_table_b",
                condition=Q(received_on__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="inforequest_status_valid",
                violation_error_message="状态无效。",
            ),
            # Each ended application has exactly one outcome of table B; an open one has none.
            models.CheckConstraint(
                condition=(Q(status__in=sorted(ENDED_STATUSES), ended_on__isnull=False) & Q(outcome__in=Outcome.values))
                | (Q(status__in=sorted(OPEN_STATUSES)) & Q(outcome="") & Q(ended_on__isnull=True)),
                name="inforequest_outcome_iff_ended",
                violation_error_message="已办结的申请必须有且只有一个办理结果，未办结的申请不能有办理结果。",
            ),
            # The clock needs a received date once the application is being handled (条例 第三十一条).
            models.CheckConstraint(
                condition=Q(status__in=[Status.PENDING.value, Status.WITHDRAWN.value]) | Q(received_on__isnull=False),
                name="inforequest_received_when_handled",
                violation_error_message="办理中或已办结的申请必须有收到日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.short_description}"

    def clean(self) -> None:
        """The applicant's identifiers, by applicant type (条例 第二十九条): a natural person's 居民身份证
        number with its check character and birth date, an organization's credit code with its check
        character. Errors are attached to the field, in Chinese."""
        from django.core.exceptions import ValidationError

        from disclosure_site.checkdigits import validate_credit_code, validate_resident_id

        errors: dict[str, list] = {}
        self.id_number = (self.id_number or "").strip().upper()
        self.credit_code = (self.credit_code or "").strip().upper()
        if self.applicant_type == ApplicantType.NATURAL:
            if self.id_type == IdType.RESIDENT_ID and self.id_number:
                try:
                    validate_resident_id(self.id_number)
                except ValidationError as error:
                    errors["id_number"] = error.messages
            if self.id_number and not self.id_type:
                errors["id_type"] = ["请选择证件类型。"]
            if self.credit_code:
                errors["credit_code"] = ["自然人申请无需填写统一社会信用代码。"]
        elif self.applicant_type:
            if self.credit_code:
                try:
                    validate_credit_code(self.credit_code)
                except ValidationError as error:
                    errors["credit_code"] = error.messages
        if self.postcode and not (self.postcode.isascii() and self.postcode.isdigit() and len(self.postcode) == 6):
            errors["postcode"] = ["邮政编码应为6位数字。"]
        if self.description is not None and not self.description.strip():
            errors["description"] = ["请描述所需政府信息的内容。"]
        if errors:
            raise ValidationError(errors)

    @property
    def short_description(self) -> str:
        text = " ".join(self.description.split())
        return text if len(text) <= 30 else text[:29] + "…"

    def set_query_code(self) -> str:
        """Give the application a new random query code and return it; only its salted hash is kept."""
        code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))
        self.query_code_salt = secrets.token_hex(8)
        self.query_code_hash = hash_query_code(code, self.query_code_salt)
        return code

    def check_query_code(self, code: str) -> bool:
        return secrets.compare_digest(hash_query_code(code or "", self.query_code_salt), self.query_code_hash)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_organization(self) -> bool:
        return self.applicant_type != ApplicantType.NATURAL

    @property
    def outcome_enum(self) -> Outcome | None:
        return Outcome(self.outcome) if self.outcome else None


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", "提交申请"
    REGISTERED = "registered", "登记申请"
    RECEIVED = "received", "确认收到"
    ACCEPTED = "accepted", "受理"
    CORRECTION_REQUESTED = "correction_requested", "告知补正"
    CORRECTION_RECEIVED = "correction_received", "收到补正"
    CONSULTATION_STARTED = "consultation_started", "征求意见"
    CONSULTATION_ENDED = "consultation_ended", "征求意见结束"
    EXTENDED = "extended", "延长答复期限"
    LATER_DATE = "later_date", "确定延后答复期限"
    FEE_NOTICE = "fee_notice", "发出收费通知"
    FEE_PAID = "fee_paid", "缴纳费用"
    ANSWERED = "answered", "答复"
    WITHDRAWN = "withdrawn", "申请人撤回"
    ABANDONED = "abandoned", "视为放弃"
    NOTE = "note", "备注"
    REMINDED = "reminded", "发送办理提醒"


# Events that move the reply deadline away from "20 working days after receipt" (deadlines.clock): a
# corrected application restarts the count, an extension or a later date moves it, consultations and fee
# notices pause it until their end. The statistics page reads only these, through a covering index.
CLOCK_EVENTS = (
    EventKind.CORRECTION_RECEIVED,
    EventKind.EXTENDED,
    EventKind.CONSULTATION_STARTED,
    EventKind.CONSULTATION_ENDED,
    EventKind.FEE_NOTICE,
    EventKind.FEE_PAID,
    EventKind.LATER_DATE,
)

# Events an applicant sees on the public status page (the rest are internal: notes, reminders).
PUBLIC_EVENTS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.REGISTERED,
        EventKind.RECEIVED,
        EventKind.ACCEPTED,
        EventKind.CORRECTION_REQUESTED,
        EventKind.CORRECTION_RECEIVED,
        EventKind.CONSULTATION_STARTED,
        EventKind.CONSULTATION_ENDED,
        EventKind.EXTENDED,
        EventKind.LATER_DATE,
        EventKind.FEE_NOTICE,
        EventKind.FEE_PAID,
        EventKind.ANSWERED,
        EventKind.WITHDRAWN,
        EventKind.ABANDONED,
    }
)


class ConsultationParty(models.TextChoices):
    THIRD_PARTY = "third_party", "第三方（条例第三十二条）"
    OTHER_ORGAN = "other_organ", "其他机关（条例第三十四条）"
    SUPERVISOR = "supervisor", "保密审查或主管部门（条例第十七条）"


class RequestEvent(models.Model):
    """One step in an application's life: who did what, when, and for date-bearing steps the legal date.

    `on` is the date the step counts from for the clock (a correction arriving, a consultation
    answered); `due_on` a deadline the step sets (for the correction, the third party, the fee).
    """

    info_request = models.ForeignKey(InfoRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=30, choices=EventKind.choices)
    at = models.DateTimeField("记录时间", default=timezone.now)
    on = models.DateField("日期")
    due_on = models.DateField("期限", null=True, blank=True)
    days = models.PositiveSmallIntegerField("工作日数", null=True, blank=True)
    party = models.CharField("征求意见对象", max_length=20, choices=ConsultationParty.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_status = models.CharField("原状态", max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=Status.choices, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["info_request", "kind"], name="requestevent_request_kind"),
            # The few events that move a deadline, with what the clock needs: read without the table.
            models.Index(
                fields=["info_request"],
                include=["id", "kind", "on", "days", "due_on", "at"],
                name="requestevent_clock",
                condition=Q(kind__in=sorted(kind.value for kind in CLOCK_EVENTS)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on:%Y-%m-%d}"

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_EVENTS


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", "身份证明"
    APPLICATION_SCAN = "application_scan", "申请材料扫描件"
    CORRECTION = "correction", "补正材料"
    THIRD_PARTY_OPINION = "third_party_opinion", "第三方意见"
    DISCLOSED = "disclosed", "公开的政府信息"
    RECEIPT = "receipt", "缴费凭证"
    OTHER = "other", "其他"


def request_document_path(instance: RequestDocument, filename: str) -> str:
    # The stored name is random: the original (Chinese) name is kept in a field, never in a path.
    return f"requests/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class RequestDocument(models.Model):
    """A file belonging to an application: kept under MEDIA_ROOT, never served by the web server directly.

    Only documents marked for the applicant (the disclosed information) are offered on the status page.
    """

    info_request = models.ForeignKey(
        InfoRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="documents"
    )
    event = models.ForeignKey(
        RequestEvent,
        verbose_name="办理记录",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    kind = models.CharField("材料类型", max_length=30, choices=DocumentKind.choices)
    file = models.FileField("文件", upload_to=request_document_path, max_length=200)
    original_name = models.CharField("文件名", max_length=255)
    file_type = models.CharField("文件格式", max_length=10)
    size = models.PositiveBigIntegerField("大小（字节）")
    for_applicant = models.BooleanField("提供给申请人", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class LetterKind(models.TextChoices):
    REPLY = "reply", "答复书"
    CORRECTION_NOTICE = "correction_notice", "补正申请告知书"
    EXTENSION_NOTICE = "extension_notice", "延长答复期限告知书"
    CONSULTATION = "consultation", "征求第三方意见函"
    FEE_NOTICE = "fee_notice", "收费通知书"
    RECEIPT = "receipt", "申请登记回执"


class LetterStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    APPROVED = "approved", "已审核"
    SENT = "sent", "已送达"


class Letter(models.Model):
    """A letter to the applicant or a third party, drafted from a template, edited, approved, then sent."""

    info_request = models.ForeignKey(InfoRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField("文书类型", max_length=30, choices=LetterKind.choices)
    outcome = models.CharField("办理结果", max_length=4, choices=Outcome.choices, blank=True)
    reference = models.CharField("文书编号", max_length=60, blank=True)
    title = models.CharField("标题", max_length=200)
    recipient = models.CharField("收件人", max_length=200)
    body = models.TextField("正文")
    status = models.CharField("状态", max_length=20, choices=LetterStatus.choices, default=LetterStatus.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    sent_on = models.DateField("送达日期", null=True, blank=True)
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=LetterStatus.DRAFT) | Q(approved_by__isnull=False),
                name="letter_approved_has_approver",
                violation_error_message="文书须经审核人审核后才能送达。",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def organization(self) -> Organization:
        return self.info_request.organization


class FeeMethod(models.TextChoices):
    PER_APPLICATION = "per_application", "按件计收"
    PER_PAGE = "per_page", "按量计收"


class Fee(models.Model):
    """A 信息处理费 charged on one application (国办函〔2020〕109号, reference/fees.md)."""

    info_request = models.OneToOneField(InfoRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="fee")
    method = models.CharField("计收方式", max_length=20, choices=FeeMethod.choices)
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    nth_in_month = models.PositiveIntegerField("当月第几件", null=True, blank=True)
    amount = models.PositiveIntegerField("金额（元）")
    notice_on = models.DateField("通知日期")
    due_on = models.DateField("缴费期限")
    paid_on = models.DateField("缴费日期", null=True, blank=True)
    receipt_number = models.CharField("票据号码", max_length=60, blank=True)

    class Meta:
        verbose_name = "信息处理费"
        verbose_name_plural = "信息处理费"
        constraints = [
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | ~Q(receipt_number=""),
                name="fee_paid_has_receipt",
                violation_error_message="记录缴费必须填写票据号码。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} 元"

    @property
    def organization(self) -> Organization:
        return self.info_request.organization


class ConsultationChannel(models.TextChoices):
    PHONE = "phone", "电话"
    ON_SITE = "on_site", "现场"
    ONLINE = "online", "网上"


class Consultation(models.Model):
    """Enquiries (咨询) about disclosure, counted by channel for the yearly report."""

    organization = models.ForeignKey(
        Organization, verbose_name="机构", on_delete=models.PROTECT, related_name="consultations"
    )
    channel = models.CharField("渠道", max_length=20, choices=ConsultationChannel.choices)
    on = models.DateField("日期", default=timezone.localdate)
    count = models.PositiveIntegerField("人次", default=1)
    topic = models.CharField("咨询事项", max_length=200, blank=True)
    # A message left online is answered within 3 months (政府网站检查指标; inspection/checks.py flags it).
    question = models.TextField("留言内容", blank=True, help_text="网上留言咨询的原文；填写后须在3个月内答复")
    answered_on = models.DateField("答复日期", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "咨询登记"
        verbose_name_plural = "咨询登记"
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["organization", "on"], name="consultation_org_on")]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="consultation_count_positive"),
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True) | Q(answered_on__gte=models.F("on")),
                name="consultation_answered_after_asked",
                violation_error_message="答复日期不能早于咨询日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}咨询 {self.on:%Y-%m-%d}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.answered_on and self.answered_on > timezone.localdate():
            raise ValidationError({"answered_on": "答复日期不能晚于今天。"})


class CaseKind(models.TextChoices):
    """The groups of table C."""

    RECONSIDERATION = "reconsideration", "行政复议"
    LAWSUIT_DIRECT = "lawsuit_direct", "行政诉讼（未经复议直接起诉）"
    LAWSUIT_AFTER = "lawsuit_after", "行政诉讼（复议后起诉）"


class CaseResult(models.TextChoices):
    UPHELD = "upheld", "结果维持"
    CORRECTED = "corrected", "结果纠正"
    OTHER = "other", "其他结果"
    PENDING = "pending", "尚未审结"


class LegalCase(models.Model):
    """A reconsideration (行政复议) or lawsuit (行政诉讼) about the organ's disclosure work (table C)."""

    organization = models.ForeignKey(
        Organization, verbose_name="被申请机关", on_delete=models.PROTECT, related_name="legal_cases"
    )
    info_request = models.ForeignKey(
        InfoRequest,
        verbose_name="相关申请",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_cases",
    )
    kind = models.CharField("类型", max_length=20, choices=CaseKind.choices)
    case_number = models.CharField("案号", max_length=100, blank=True)
    filed_on = models.DateField("立案日期")
    result = models.CharField("结果", max_length=20, choices=CaseResult.choices, default=CaseResult.PENDING)
    decided_on = models.DateField("审结日期", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "行政复议和行政诉讼"
        verbose_name_plural = "行政复议和行政诉讼"
        ordering = ["-filed_on", "-id"]
        indexes = [models.Index(fields=["organization", "filed_on"], name="legalcase_org_filed")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(result=CaseResult.PENDING) & Q(decided_on__isnull=True))
                | (
                    ~Q(result=CaseResult.PENDING)
                    & Q(decided_on__isnull=False)
                    & Q(decided_on__gte=models.F("filed_on"))
                ),
                name="legalcase_result_has_date",
                violation_error_message="已审结的案件须填写不早于立案日期的审结日期；尚未审结的案件不能有审结日期。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_number or self.filed_on}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.info_request_id and self.organization_id and self.info_request.organization_id != self.organization_id:
            raise ValidationError({"info_request": "所选申请不是该机关受理的申请。"})
        if self.filed_on and self.filed_on > timezone.localdate():
            raise ValidationError({"filed_on": "立案日期不能晚于今天。"})


from .redaction_models import RedactionBox, RedactionJob  # noqa: E402, F401 - redaction models in their own module
