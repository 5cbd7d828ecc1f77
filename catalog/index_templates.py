"""Index-number templates: validation and rendering, free of models so the model field can use them."""

from __future__ import annotations

import datetime as dt
import re
import string

from django.core.exceptions import ValidationError

DEFAULT_TEMPLATE = "{prefix}/{year}-{seq:05d}"
PLACEHOLDERS = {"prefix", "category", "year", "month", "date", "seq"}
_SEQ_SPEC = re.compile(r"^0?([1-9])d$|^d?$")


def validate_template(template: str) -> None:
    """Raise a Chinese ValidationError unless template is a usable index-number template."""
    try:
        fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        raise ValidationError("索引号模板中的花括号不成对，请检查 { 和 }。", code="template_syntax") from None
    names = [name for name, _ in fields]
    unknown = sorted({n for n in names if n not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            "索引号模板含有无法识别的占位符：%(names)s。可用：{prefix} {category} {year} {month} {date} {seq:05d}。",
            code="template_unknown",
            params={"names": "、".join("{" + n + "}" for n in unknown)},
        )
    if names.count("seq") != 1:
        raise ValidationError("索引号模板必须且只能包含一个序号占位符 {seq}，例如 {seq:05d}。", code="template_seq")
    for name, spec in fields:
        if name == "seq" and not _SEQ_SPEC.match(spec):
            raise ValidationError(
                "序号格式应写成 {seq:05d} 的形式（数字为补零后的位数，1–9）。", code="template_seq_spec"
            )
        if name != "seq" and spec:
            raise ValidationError("占位符 {%(name)s} 不能带格式说明。", code="template_spec", params={"name": name})
    if len(render(template, prefix="X" * 18, category="XXXXXX", day=dt.date(2026, 12, 31), seq=99999)) > 80:
        raise ValidationError("按此模板生成的索引号过长（超过80个字符）。", code="template_length")


def render(template: str, *, prefix: str, category: str, day: dt.date, seq: int) -> str:
    return template.format(
        prefix=prefix,
        category=category,
        year=f"{day.year:04d}",
        month=f"{day.year:04d}{day.month:02d}",
        date=f"{day:%Y%m%d}",
        seq=seq,
    )
