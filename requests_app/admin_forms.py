"""Back-office forms: registering an application for the applicant, and one small form per workflow step.

Forms validate input only; the admin views call requests_app.workflow with the cleaned values.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog import attachments

from . import deadlines
from .models import (
    REPLY_OUTCOMES,
    ApplicantType,
    Channel,
    ConsultationParty,
    DocumentKind,
    FeeMethod,
    InfoRequest,
    Letter,
    LetterKind,
    LetterStatus,
    Outcome,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STAFF_CHANNELS = [(c.value, c.label) for c in Channel if c != Channel.ONLINE]


def _date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_WIDGET,
        help_text=help_text,
        error_messages={
            "invalid": "请输入有效的日期，格式为 年-月-日，例如 2026-03-06。",
            "required": f"请填写{label}。",
        },
    )


def _check_upload(uploaded):
    if uploaded:
        try:
            attachments.inspect_upload(uploaded)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
    return uploaded


class RegistrationForm(forms.ModelForm):
    """登记申请: staff fill in an application that came 当面, 信函, 传真, 电子邮件 or orally (第二十九条)."""

    channel = forms.ChoiceField(label="申请方式", choices=STAFF_CHANNELS)
    received_on = _date_field(
        "收到日期",
        required=False,
        help_text="当面或口头提出的为提交之日；信函为签收之日；传真、电子邮件可暂不填写，确认收到时再填（条例第三十一条）。",
    )
    scan = forms.FileField(label="申请材料扫描件", required=False, help_text="信函、传真或当面提交的书面申请的扫描件")
    identity = forms.FileField(label="身份证明", required=False)

    class Meta:
        model = InfoRequest
        fields = (
            "organization",
            "channel",
            "submitted_at",
            "applicant_type",
            "applicant_name",
            "id_type",
            "id_number",
            "credit_code",
            "legal_representative",
            "contact_person",
            "phone",
            "email",
            "address",
            "postcode",
            "description",
            "document_title",
            "document_number",
            "purpose",
            "wanted_form",
            "delivery",
            "fee_waiver_requested",
            "handler",
        )
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, organizations=None, handlers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations
        if handlers is not None:
            self.fields["handler"].queryset = handlers
        self.fields["submitted_at"].help_text = "申请人提交、寄出或口头提出申请的时间"
        self.fields["phone"].required = True

    def clean_scan(self):
        return _check_upload(self.cleaned_data.get("scan"))

    def clean_identity(self):
        return _check_upload(self.cleaned_data.get("identity"))

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("applicant_type")
        if kind == ApplicantType.NATURAL and not cleaned.get("id_number"):
            self.add_error("id_number", "自然人申请须填写身份证件号码（条例第二十九条：申请人的身份证明）。")
        if kind and kind != ApplicantType.NATURAL and not cleaned.get("credit_code"):
            self.add_error("credit_code", "法人或其他组织申请须填写统一社会信用代码。")
        submitted, received = cleaned.get("submitted_at"), cleaned.get("received_on")
        if submitted and submitted > timezone.now():
            self.add_error("submitted_at", "提交时间不能晚于现在。")
        if received:
            if received > timezone.localdate():
                self.add_error("received_on", "收到日期不能晚于今天。")
            elif submitted and received < timezone.localdate(submitted):
                self.add_error("received_on", "收到日期不能早于提交日期。")
        channel = cleaned.get("channel")
        if channel and not received and channel not in (Channel.EMAIL, Channel.FAX):
            self.add_error("received_on", f"{Channel(channel).label}申请须填写收到日期（条例第三十一条）。")
        return cleaned


# Workflow step forms -------------------------------------------------------------------------------


def _today_field(label: str) -> forms.DateField:
    field = _date_field(label)
    field.initial = timezone.localdate
    return field


class _StepForm(forms.Form):
    def __init__(self, *args, info_request: InfoRequest, **kwargs):
        self.info_request = info_request
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        on = cleaned.get("on")
        if on and on > timezone.localdate():
            self.add_error("on", "日期不能晚于今天。")
        return cleaned


def _letter_field(info_request: InfoRequest, kind: str, *, required: bool) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=f"随附{LetterKind(kind).label}",
        queryset=Letter.objects.filter(info_request=info_request, kind=kind, status=LetterStatus.APPROVED),
        required=required,
        empty_label="（不附文书）" if not required else "请选择经审核的文书",
        help_text="只列出已经审核的文书；请先在本申请页面起草并送审。",
        error_messages={"required": f"请选择经审核的{LetterKind(kind).label}。"},
    )


class ConfirmReceiptForm(_StepForm):
    on = _today_field("收到日期")


class CorrectionForm(_StepForm):
    what = forms.CharField(label="需要补正的事项", widget=forms.Textarea(attrs={"rows": 4}))
    on = _today_field("告知日期")
    due_on = _date_field("补正期限", required=False, help_text="不填则为告知之日起15个工作日")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"] = _letter_field(self.info_request, LetterKind.CORRECTION_NOTICE, required=False)


class CorrectionReceivedForm(_StepForm):
    on = _today_field("收到补正日期")
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ConsultationForm(_StepForm):
    party = forms.ChoiceField(label="征求意见对象", choices=ConsultationParty.choices)
    note = forms.CharField(label="对象和事项", widget=forms.Textarea(attrs={"rows": 3}))
    on = _today_field("征求意见日期")
    due_on = _date_field("答复意见期限", required=False, help_text="第三方不填则为15个工作日（条例第三十二条）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"] = _letter_field(self.info_request, LetterKind.CONSULTATION, required=False)


class ConsultationEndedForm(_StepForm):
    on = _today_field("收到意见日期")
    note = forms.CharField(label="意见摘要", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ExtensionForm(_StepForm):
    days = forms.IntegerField(
        label="延长工作日数",
        min_value=1,
        max_value=deadlines.MAX_EXTENSION_WORKING_DAYS,
        initial=20,
        error_messages={"max_value": "延长的期限最长不得超过20个工作日。", "min_value": "延长的工作日数至少为1。"},
    )
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 3}))
    on = _today_field("告知日期")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"] = _letter_field(self.info_request, LetterKind.EXTENSION_NOTICE, required=False)


class LaterDateForm(_StepForm):
    due_on = _date_field("延后的答复期限")
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))


class FeeNoticeForm(_StepForm):
    method = forms.ChoiceField(label="计收方式", choices=FeeMethod.choices)
    pages = forms.IntegerField(label="页数（按量计收）", min_value=1, required=False)
    on = _today_field("通知送达日期")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"] = _letter_field(self.info_request, LetterKind.FEE_NOTICE, required=False)


class PaymentForm(_StepForm):
    receipt_number = forms.CharField(label="票据号码", max_length=60)
    on = _today_field("缴费日期")


class ReplyForm(_StepForm):
    outcome = forms.ChoiceField(label="办理结果", choices=[(o.value, o.full_label) for o in REPLY_OUTCOMES])
    on = _today_field("答复日期")
    disclosed = forms.FileField(
        label="公开的政府信息（文件）", required=False, help_text="予以公开或部分公开时，随答复书提供的文件"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"] = _letter_field(self.info_request, LetterKind.REPLY, required=True)

    def clean_disclosed(self):
        return _check_upload(self.cleaned_data.get("disclosed"))

    def clean(self):
        cleaned = super().clean()
        letter, outcome = cleaned.get("letter"), cleaned.get("outcome")
        if letter and outcome and letter.outcome and letter.outcome != outcome:
            self.add_error(
                "letter", f"所选答复书的办理结果为“{Outcome(letter.outcome).full_label}”，与所选结果不一致。"
            )
        if outcome == Outcome.PARTIAL and cleaned.get("disclosed"):
            self.add_error(
                "disclosed",
                "部分公开的文件须先经“删除处理”并由审核人审核通过，审核通过的文件会自动提供给申请人；请不要在此直接上传。",
            )
        return cleaned


class WithdrawForm(_StepForm):
    note = forms.CharField(label="撤回方式和说明", widget=forms.Textarea(attrs={"rows": 3}))
    on = _today_field("撤回日期")


class NoteForm(_StepForm):
    note = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(_StepForm):
    handler = forms.ModelChoiceField(label="承办人", queryset=None, required=False, empty_label="（无）")

    def __init__(self, *args, handlers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers


class DraftLetterForm(_StepForm):
    kind = forms.ChoiceField(
        label="文书类型", choices=[(k.value, k.label) for k in LetterKind if k != LetterKind.RECEIPT]
    )
    outcome = forms.ChoiceField(
        label="办理结果（答复书）",
        required=False,
        choices=[("", "—")] + [(o.value, o.full_label) for o in REPLY_OUTCOMES],
    )
    details = forms.CharField(
        label="要点",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="例如需要补正的事项、不予公开的具体理由；起草后可在文书中修改",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == LetterKind.REPLY and not cleaned.get("outcome"):
            self.add_error("outcome", "起草答复书须选择办理结果。")
        return cleaned


class DocumentUploadForm(_StepForm):
    kind = forms.ChoiceField(label="材料类型", choices=DocumentKind.choices)
    file = forms.FileField(label="文件")
    for_applicant = forms.BooleanField(label="提供给申请人（在查询页面可下载）", required=False)

    def clean_file(self):
        return _check_upload(self.cleaned_data.get("file"))
