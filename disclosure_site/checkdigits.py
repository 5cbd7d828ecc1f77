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
