"""Check characters of Chinese identifiers (reference/catalog-metadata.md).

Pure functions shared by every app: the organization's 统一社会信用代码 here, an applicant's
credit code or 居民身份证号码 in requests_app.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 (GB 32100-2015) for its first 17 characters."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True))
    check = 31 - total % 31
    return CREDIT_CODE_ALPHABET[0 if check == 31 else check]


def validate_credit_code(value: str) -> None:
    """Raise a ValidationError in Chinese unless value is a well-formed credit code."""
    code = value or ""
    if len(code) != 18:
        raise ValidationError(
            "统一社会信用代码应为18位，当前为%(n)d位。", code="credit_code_length", params={"n": len(code)}
        )
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            "统一社会信用代码含有不允许的字符：%(chars)s（只能使用数字和除 I、O、Z、S、V 以外的大写字母）。",
            code="credit_code_chars",
            params={"chars": "、".join(bad)},
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            "统一社会信用代码校验位不符，请逐位核对后重新输入。",
            code="credit_code_check",
        )


_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organization_code_check_char(first8: str) -> str:
    """The 9th character of an older 组织机构代码 (GB 11714) for its first 8 characters."""
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first8, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(region: str, org_base: str, registration: str = "11") -> str:
    """A well-formed credit code: registration kind (11 = 机关), 6-digit region, organization code and check."""
    first17 = registration + region + org_base + organization_code_check_char(org_base)
    return first17 + credit_code_check_char(first17)


_RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    """The 18th character of a 居民身份证号码 (GB 11643-1999) for its first 17 digits."""
    return _RESIDENT_ID_CHECK[sum(int(ch) * w for ch, w in zip(first17, _RESIDENT_ID_WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str, *, today=None) -> None:
    """Raise a ValidationError in Chinese unless value is a well-formed 居民身份证号码: 17 digits and a check
    character (X in upper or lower case), with a real birth date (digits 7–14) that is not in the future."""
    import datetime as dt

    from django.utils import timezone

    code = (value or "").upper()
    if len(code) != 18:
        raise ValidationError("居民身份证号码应为18位，当前为%(n)d位。", code="id_length", params={"n": len(code)})
    if not (code[:17].isascii() and code[:17].isdigit()) or not (code[17].isdigit() or code[17] == "X"):
        raise ValidationError("居民身份证号码前17位应为数字，最后一位为数字或 X。", code="id_chars")
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        raise ValidationError("居民身份证号码中的出生日期（第7至14位）不是有效日期。", code="id_birth_date") from None
    if born > (today or timezone.localdate()) or born.year < 1900:
        raise ValidationError("居民身份证号码中的出生日期（第7至14位）不合理，请核对。", code="id_birth_date")
    if code[17] != resident_id_check_char(code[:17]):
        raise ValidationError("居民身份证号码校验位不符，请逐位核对后重新输入。", code="id_check")


def make_resident_id(region: str, born: str, serial: str) -> str:
    """A well-formed 居民身份证号码 from a 6-digit region, a YYYYMMDD birth date and a 3-digit serial."""
    first17 = region + born + serial
    return first17 + resident_id_check_char(first17)
