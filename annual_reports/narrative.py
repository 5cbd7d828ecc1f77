"""The facts the system knows, as sentences that pre-fill a report's narrative sections for staff to
edit (DESIGN.md): numbers of items and applications, late items and policies without interpretation,
fees charged and received, reconsideration and lawsuit results. Pure functions of statistics.Figures."""

from __future__ import annotations

from requests_app.models import CaseKind, ConsultationChannel

from .statistics import Figures

CASE_LABELS = {
    CaseKind.RECONSIDERATION: "行政复议",
    CaseKind.LAWSUIT_DIRECT: "行政诉讼（未经复议直接起诉）",
    CaseKind.LAWSUIT_AFTER: "行政诉讼（复议后起诉）",
}


def _proactive(f: Figures, year: int, who: str) -> str:
    c = f.catalog
    return (
        f"{year}年，{who}通过政府信息公开平台主动公开政府信息{c.published}条，其中规章{c.rule.issued}件、"
        f"行政规范性文件{c.normative.issued}件，发布政策解读{c.interpretations}篇；"
        f"截至{year}年12月31日，现行有效的规章{c.rule.valid}件、行政规范性文件{c.normative.valid}件。"
    )


def _requests(f: Figures, year: int, who: str) -> str:
    a = f.applications
    new, carried, still_open = sum(a.new.values()), sum(a.carried.values()), sum(a.open_at_end.values())
    disclosed = sum(a.outcomes.get("1", {}).values())
    partial = sum(a.outcomes.get("2", {}).values())
    return (
        f"{year}年，{who}新收政府信息公开申请{new}件，上年结转{carried}件；本年度办结{a.ended}件，"
        f"其中予以公开{disclosed}件、部分公开{partial}件；结转下年度继续办理{still_open}件。"
    )


def _cases(f: Figures, year: int, who: str) -> str:
    parts = []
    for kind, label in CASE_LABELS.items():
        results = f.cases.by_kind.get(kind, {})
        total = sum(results.values())
        if total:
            parts.append(
                f"{label}{total}件（结果维持{results.get('upheld', 0)}件、结果纠正{results.get('corrected', 0)}件、"
                f"其他结果{results.get('other', 0)}件、尚未审结{results.get('pending', 0)}件）"
            )
    if not parts:
        return f"{year}年，{who}未发生因政府信息公开引起的行政复议和行政诉讼。"
    return f"{year}年，因政府信息公开工作引起" + "，".join(parts) + "。"


def _problems(f: Figures, year: int, who: str) -> str:
    c = f.catalog
    parts = []
    if c.late:
        parts.append(f"{c.late}条信息在成文之日起20个工作日后才公开，不符合条例第二十六条的时限要求")
    if c.normative_without_interpretation:
        parts.append(f"{c.normative_without_interpretation}件行政规范性文件未按时发布政策解读")
    if not parts:
        return f"{year}年，系统未发现超过时限公开的信息，也未发现未按时发布解读的行政规范性文件。"
    return f"{year}年，" + "；".join(parts) + "。【待填写：原因分析和改进措施】"


def _fees(f: Figures, year: int, who: str) -> str:
    fees = f.fees
    if not fees.notices and not fees.paid:
        return f"{year}年，{who}未收取信息处理费。"
    return (
        f"{year}年，{who}依据《政府信息公开信息处理费管理办法》发出收费通知{fees.notices}件，"
        f"收费金额合计{fees.charged}元；实际收取信息处理费{fees.paid}件，共{fees.received}元。"
    )


def _consultations(f: Figures, year: int, who: str) -> str:
    by = f.consultations
    total = sum(by.values())
    return (
        f"{year}年，{who}接受政府信息公开咨询{total}人次，其中电话咨询{by.get(ConsultationChannel.PHONE, 0)}人次、"
        f"现场咨询{by.get(ConsultationChannel.ON_SITE, 0)}人次、网上咨询{by.get(ConsultationChannel.ONLINE, 0)}人次。"
    )


TOPICS = {
    "proactive": _proactive,
    "requests": _requests,
    "cases": _cases,
    "problems": _problems,
    "fees": _fees,
    "consultations": _consultations,
}


def facts(figures: Figures, year: int, *, subtree: bool) -> dict[str, str]:
    """{topic: sentence} for every topic a format's sections may ask for."""
    who = "本级政府及所属各机构" if subtree else "本机关"
    return {topic: write(figures, year, who) for topic, write in TOPICS.items()}
