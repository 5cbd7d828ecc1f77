"""The public forms of on-request disclosure: the application (条例 第二十九条) and the status lookup.

Both validate input and nothing else; requests_app/views.py stores through requests_app.workflow.
Every message is Chinese and says what to do.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from catalog.attachments import ACCEPTED_FORMATS, inspect_upload
from disclosure_site.checkdigits import validate_credit_code, validate_resident_id
from disclosure_site.models import Organization

from . import captcha
from .models import ORGANIZATION_TYPES, ApplicantType, Delivery, IdType, WantedForm

NATURAL = "natural"
ORGANIZATION = "organization"
MAX_FILES = 5
HONEYPOT_FIELD = "leave_blank"
# No fax number is asked for on the public form, so a reply by fax cannot be chosen there.
PUBLIC_DELIVERIES = [(value, label) for value, label in Delivery.choices if value != Delivery.FAX]
FILES_NOT_KEPT = "出于浏览器的安全限制，页面重新显示后已选择的文件不会保留，请重新选择要上传的文件。"

_PHONE_CHARS = re.compile(r"[0-9+\-() 转]+")
_OTHER_ID = re.compile(r"[A-Z0-9()\-]{5,40}")


def _normalized(value: str) -> str:
    """Full-width digits and letters (typed with a Chinese input method) as ASCII, without spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        # Ideographic spaces show the tree in the list; every name already says whose department it is.
        return "\u3000" * obj.level + obj.name


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by its content (catalog.attachments.inspect_upload)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise ValidationError(f"最多上传{MAX_FILES}个文件，本次选择了{len(files)}个。", code="too_many")
        errors = []
        for uploaded in files:
            super().clean(uploaded, initial)
            try:
                inspect_upload(uploaded)
            except ValidationError as error:
                errors.extend(error.messages)
            uploaded.seek(0)
        if errors:
            raise ValidationError(errors)
        return files


class ApplicationForm(forms.Form):
    """政府信息公开申请表. Both applicant fieldsets are on the page (it works without JavaScript); only the
    chosen type's fields are validated and kept, the other's are dropped."""

    organization = OrganizationChoiceField(
        label="受理机关",
        queryset=Organization.objects.none(),
        empty_label="请选择受理机关",
        help_text="请选择掌握所需政府信息的机关。申请前可阅读该机关的政府信息公开指南。",
        error_messages={"required": "请选择受理机关。", "invalid_choice": "所选机关不存在或已停止受理，请重新选择。"},
    )
    applicant_kind = forms.ChoiceField(
        label="申请人类型",
        choices=[(NATURAL, ApplicantType.NATURAL.label), (ORGANIZATION, "法人或其他组织")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择申请人类型。"},
    )

    name = forms.CharField(label="姓名", max_length=100, required=False)
    id_type = forms.ChoiceField(
        label="证件类型", choices=[("", "请选择证件类型"), *IdType.choices], required=False, initial=IdType.RESIDENT_ID
    )
    id_number = forms.CharField(label="证件号码", max_length=40, required=False)

    org_type = forms.ChoiceField(
        label="组织类型",
        choices=[(t.value, t.label) for t in ORGANIZATION_TYPES],
        widget=forms.RadioSelect,
        required=False,
    )
    org_name = forms.CharField(label="名称", max_length=100, required=False)
    credit_code = forms.CharField(
        label="统一社会信用代码", max_length=30, required=False, help_text="18位，见营业执照或登记证书。"
    )
    legal_representative = forms.CharField(label="法定代表人或负责人", max_length=50, required=False)
    contact_person = forms.CharField(label="联系人", max_length=50, required=False)

    phone = forms.CharField(
        label="联系电话",
        max_length=30,
        help_text="手机号码，或带区号的固定电话。",
        error_messages={"required": "请填写联系电话。"},
    )
    email = forms.EmailField(
        label="电子邮箱",
        required=False,
        help_text="选填；填写后，办理进度会通过电子邮件通知您。",
        error_messages={"invalid": "电子邮箱格式不正确，例如 name@example.com。"},
    )
    address = forms.CharField(label="通信地址", max_length=200, required=False, help_text="选择邮寄获取信息时必填。")
    postcode = forms.CharField(label="邮政编码", max_length=10, required=False, help_text="6位数字；选择邮寄时必填。")

    description = forms.CharField(
        label="所需政府信息的内容描述",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="请尽量写明信息的内容、时间范围和相关事项，便于机关查找。",
        error_messages={"required": "请描述所需政府信息的内容。"},
    )
    document_title = forms.CharField(label="所需信息的名称（选填）", max_length=300, required=False)
    document_number = forms.CharField(
        label="所需信息的文号（选填）", max_length=100, required=False, help_text="例如：测财发〔2026〕3号。"
    )
    wanted_form = forms.ChoiceField(
        label="所需信息的提供形式",
        choices=WantedForm.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择所需信息的提供形式。"},
    )
    delivery = forms.ChoiceField(
        label="获取信息的方式",
        choices=PUBLIC_DELIVERIES,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择获取信息的方式。"},
    )
    identity_files = MultipleFileField(label="身份证明材料（选填）", required=False)
    truthful = forms.BooleanField(
        label="本人承诺所填信息真实、准确，提交的身份证明材料属实。",
        error_messages={"required": "请阅读并勾选信息真实性承诺。"},
    )

    captcha_token = forms.CharField(widget=forms.HiddenInput, required=False)
    captcha_answer = forms.CharField(
        label="验证问题",
        max_length=10,
        required=False,
        help_text="可以填写阿拉伯数字，例如 12。",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6}),
    )

    # Labels too long (or changing) to stand before a message in the error summary.
    SUMMARY_LABELS = {"truthful": "信息真实性承诺", "captcha_answer": "验证问题"}
    NATURAL_FIELDS = ("name", "id_type", "id_number")
    ORGANIZATION_FIELDS = ("org_type", "org_name", "credit_code", "legal_representative", "contact_person")

    def __init__(self, *args, challenge: captcha.Challenge | None = None, captcha_asked: bool = False, **kwargs):
        """challenge: the question to ask (None: none is asked); captcha_asked: an answer is required even
        if no valid question came with the submission (a new one is then shown)."""
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(is_active=True).order_by("tree_id", "lft")
        limit_mb = settings.ATTACHMENT_MAX_BYTES / (1024 * 1024)
        self.fields["identity_files"].help_text = (
            f"可上传身份证、营业执照等证明材料的扫描件或照片，最多{MAX_FILES}个文件，每个不超过 {limit_mb:g} MB；"
            f"{ACCEPTED_FORMATS}。"
        )
        self.challenge = challenge
        self.captcha_asked = captcha_asked or challenge is not None
        self.captcha_used = False
        if challenge is not None:
            self.fields["captcha_answer"].label = f"验证问题：{challenge.question}"
            self.fields["captcha_answer"].required = True
            if not self.is_bound:
                self.initial["captcha_token"] = challenge.token
        self.fields["captcha_answer"].error_messages["required"] = "请回答验证问题。"

    # Fields -------------------------------------------------------------------------------------------

    def clean_phone(self) -> str:
        phone = unicodedata.normalize("NFKC", self.cleaned_data["phone"]).strip()
        digits = re.sub(r"\D", "", phone)
        if not _PHONE_CHARS.fullmatch(phone) or not 7 <= len(digits) <= 15:
            raise ValidationError("联系电话格式不正确：请填写手机号码，或带区号的固定电话，例如 0571-12345678。")
        return phone

    def clean_postcode(self) -> str:
        postcode = _normalized(self.cleaned_data["postcode"])
        if postcode and not re.fullmatch(r"[0-9]{6}", postcode):
            raise ValidationError("邮政编码应为6位数字。")
        return postcode

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if not description:
            raise ValidationError("请描述所需政府信息的内容。")
        return description

    # The whole form -------------------------------------------------------------------------------------

    def clean(self):
        data = super().clean()
        kind = data.get("applicant_kind")
        if kind == NATURAL:
            self._clean_natural(data)
            for name in self.ORGANIZATION_FIELDS:
                data[name] = ""
        elif kind == ORGANIZATION:
            self._clean_organization(data)
            for name in self.NATURAL_FIELDS:
                data[name] = ""
        delivery = data.get("delivery")
        if delivery == Delivery.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "选择以电子邮件获取信息时，请填写电子邮箱。")
        if delivery == Delivery.POST:
            if not data.get("address"):
                self.add_error("address", "选择邮寄获取信息时，请填写通信地址。")
            if not data.get("postcode") and "postcode" not in self.errors:
                self.add_error("postcode", "选择邮寄获取信息时，请填写邮政编码。")
        self._clean_captcha(data)
        return data

    def _require(self, data: dict, name: str, message: str) -> bool:
        if not (data.get(name) or "").strip():
            if name not in self.errors:
                self.add_error(name, message)
            return False
        return True

    def _clean_natural(self, data: dict) -> None:
        self._require(data, "name", "请填写申请人姓名。")
        self._require(data, "id_type", "请选择证件类型。")
        if not self._require(data, "id_number", "请填写证件号码。"):
            return
        number = _normalized(data["id_number"])
        data["id_number"] = number
        try:
            if data.get("id_type") == IdType.RESIDENT_ID:
                validate_resident_id(number)
            elif not _OTHER_ID.fullmatch(number):
                raise ValidationError("证件号码格式不正确：应为5至40位字母或数字，请按证件上的号码填写。")
        except ValidationError as error:
            self.add_error("id_number", error)

    def _clean_organization(self, data: dict) -> None:
        self._require(data, "org_type", "请选择组织类型。")
        self._require(data, "org_name", "请填写法人或其他组织的名称。")
        self._require(data, "legal_representative", "请填写法定代表人或负责人。")
        self._require(data, "contact_person", "请填写联系人。")
        if not self._require(data, "credit_code", "请填写统一社会信用代码。"):
            return
        code = _normalized(data["credit_code"])
        data["credit_code"] = code
        try:
            validate_credit_code(code)
        except ValidationError as error:
            self.add_error("credit_code", error)

    def _clean_captcha(self, data: dict) -> None:
        """Checked last and only when everything else is right: checking uses the question up, and a
        person correcting another field should not have to answer a new one."""
        if not self.captcha_asked:
            return
        if self.challenge is None:
            self.add_error("captcha_answer", "为防止自动提交，请回答验证问题后再提交。")
            return
        if self.errors or not data.get("captcha_answer"):
            return
        self.captcha_used = True
        if not captcha.check(self.challenge.token, data["captcha_answer"]):
            self.add_error("captcha_answer", "验证问题的答案不正确，请回答新的问题。")

    # Presentation -----------------------------------------------------------------------------------------

    @property
    def applicant_type(self) -> str:
        data = self.cleaned_data
        return ApplicantType.NATURAL if data["applicant_kind"] == NATURAL else data["org_type"]

    @property
    def captcha_failed(self) -> bool:
        """The question was used up (answered) or none came with the submission: ask a new one."""
        return self.captcha_asked and (self.challenge is None or self.captcha_used)

    def ask(self, challenge: captcha.Challenge) -> None:
        """Show challenge (a new question) when the form is displayed again, with an empty answer."""
        self.challenge = challenge
        self.captcha_asked = True
        self.captcha_used = False
        self.fields["captcha_answer"].label = f"验证问题：{challenge.question}"
        self.fields["captcha_answer"].required = True
        self._bound_fields_cache.pop("captcha_answer", None)  # its label was read when it was bound
        if self.is_bound:
            self.data = self.data.copy()
            self.data[self.add_prefix("captcha_token")] = challenge.token
            self.data[self.add_prefix("captcha_answer")] = ""
        else:
            self.initial["captcha_token"] = challenge.token

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(id of the input to jump to, field label, message) for every field error, in page order."""
        entries = []
        for name in self.fields:
            bound = self[name]
            radios = isinstance(bound.field.widget, forms.RadioSelect)
            target = f"{bound.auto_id}_0" if radios else bound.auto_id
            label = self.SUMMARY_LABELS.get(name, bound.label)
            entries.extend((target, label, message) for message in self.errors.get(name, []))
        return entries


class StatusLookupForm(forms.Form):
    """申请查询: the application number and query code, both as printed on the confirmation page."""

    number = forms.CharField(
        label="申请编号",
        max_length=40,
        help_text="例如：YSQ-2026-000123。",
        error_messages={"required": "请填写申请编号。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label="查询码",
        max_length=40,
        help_text="提交申请时显示的10位查询码，不区分大小写。",
        error_messages={"required": "请填写查询码。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_number(self) -> str:
        return _normalized(self.cleaned_data["number"])

    def clean_code(self) -> str:
        return _normalized(self.cleaned_data["code"]).replace("-", "")

    def error_summary(self) -> list[tuple[str, str, str]]:
        return [
            (self[name].auto_id, self[name].label, message)
            for name in self.fields
            for message in self.errors.get(name, [])
        ]
