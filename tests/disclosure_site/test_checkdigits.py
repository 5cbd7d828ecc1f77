import pytest
from django.core.exceptions import ValidationError

from disclosure_site.checkdigits import make_credit_code, organization_code_check_char, validate_credit_code


@pytest.mark.parametrize(
    "code",
    [
        "11441700007280420Y",  # index-number prefixes seen on real government sites
        "11341702486344515H",
        "91350100M000100Y43",  # an enterprise code, letters inside
    ],
)
def test_real_credit_codes_are_accepted(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("11441700007280420X", "校验位不符"),
        ("11441700007280420", "应为18位，当前为17位"),
        ("1144170000728042OY", "不允许的字符：O"),
        ("11441700007280420y", "不允许的字符：y"),
        ("", "应为18位，当前为0位"),
    ],
)
def test_malformed_credit_codes_are_refused_in_chinese(code, message):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert message in error.value.messages[0]


def test_organization_code_check_character_matches_a_published_code():
    # 000014349 is printed on the State Council's own index numbers.
    assert organization_code_check_char("00001434") == "9"


def test_made_credit_codes_validate():
    validate_credit_code(make_credit_code("330122", "00214300"))
