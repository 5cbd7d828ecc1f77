"""Reply letters and notices: templates citing the regulation, four-eyes approval, PDF and DOCX output."""

import datetime as dt
import io

import pytest
from docx import Document
from pypdf import PdfReader

from disclosure_site.audit import events_for
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.errors import DomainError
from requests_app import letters, workflow
from requests_app.models import (
    ConsultationParty,
    EventKind,
    FeeMethod,
    LetterKind,
    LetterStatus,
    Outcome,
    Status,
)

from .factories import on_day, registered

D = dt.date
RECEIVED = D(2026, 3, 6)  # a Friday

# The article each outcome's reply must cite (条例 unless stated).
BASIS = {
    Outcome.DISCLOSED: "第三十六条第二项",
    Outcome.PARTIAL: "第三十七条",
    Outcome.WITHHELD_STATE_SECRET: "第十四条",
    Outcome.WITHHELD_LAW: "第十四条",
    Outcome.WITHHELD_SAFETY: "第十四条",
    Outcome.WITHHELD_THIRD_PARTY: "第十五条",
    Outcome.WITHHELD_INTERNAL: "第十六条第一款",
    Outcome.WITHHELD_PROCESS: "第十六条第二款",
    Outcome.WITHHELD_ENFORCEMENT: "第十六条第二款",
    Outcome.WITHHELD_INQUIRY: "第三十六条第七项",
    Outcome.UNAVAILABLE_NOT_HELD: "第三十六条第四项",
    Outcome.UNAVAILABLE_NEEDS_CREATION: "第三十八条",
    Outcome.UNAVAILABLE_UNCLEAR: "第三十条",
    Outcome.NOT_PROCESSED_PETITION: "第三十九条第一款",
    Outcome.NOT_PROCESSED_REPEAT: "第三十六条第六项",
    Outcome.NOT_PROCESSED_PUBLICATION: "第三十九条第二款",
    Outcome.NOT_PROCESSED_EXCESSIVE: "第三十五条",
    Outcome.NOT_PROCESSED_CONFIRMATION: "第二条",
    Outcome.OTHER_NO_CORRECTION: "第三十条",
    Outcome.OTHER_FEE_UNPAID: "国办函〔2020〕109号",
    Outcome.OTHER: "",
}


@pytest.fixture
def calendar(db):
    seed_from_package({2025, 2026})


@pytest.fixture
def application(calendar, county, clerk):
    return registered(county.finance, by=clerk, received_on=RECEIVED, applicant_name="张三丰")


def reply_letter(application, by, outcome=Outcome.DISCLOSED, details="附件：2025年度部门预算三公经费明细表"):
    with on_day(D(2026, 3, 10)):
        return letters.draft(application, kind=LetterKind.REPLY, by=by, outcome=outcome, details=details)


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [p.text for section in document.sections for p in section.header.paragraphs]
    return "\n".join(parts)


def test_every_outcome_has_a_template():
    assert set(letters.REPLY_TEXT) == set(Outcome)
    assert set(BASIS) == set(Outcome)


@pytest.mark.parametrize("outcome", list(Outcome), ids=lambda o: o.value)
def test_reply_draft_cites_the_article_of_its_outcome_and_the_remedies(application, clerk, outcome):
    letter = reply_letter(application, clerk, outcome=outcome, details="具体说明")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT
    assert letter.kind == LetterKind.REPLY
    assert letter.outcome == outcome
    assert letter.title == "政府信息公开申请答复书"
    assert letter.recipient == "张三丰"
    assert letter.drafted_by == clerk
    assert BASIS[outcome] in letter.body
    assert "《中华人民共和国政府信息公开条例》" in letter.body or outcome == Outcome.OTHER
    assert "60日内" in letter.body and "《中华人民共和国行政复议法》" in letter.body
    assert "6个月内" in letter.body and "《中华人民共和国行政诉讼法》" in letter.body
    # The application's facts: number, received date, description; the county government reconsiders.
    assert application.number in letter.body
    assert "2026年3月6日" in letter.body
    assert "三公经费" in letter.body
    assert "向测试县人民政府申请行政复议" in letter.body
    assert letter.body.startswith("张三丰：\n\n")


def test_partial_disclosure_without_reasons_leaves_a_fill_in_that_blocks_approval(application, clerk, reviewer):
    letter = reply_letter(application, clerk, outcome=Outcome.PARTIAL, details="")
    assert "【待填写：不予公开部分的内容和理由】" in letter.body
    with pytest.raises(DomainError, match="待填写"):
        letters.approve(letter, by=reviewer)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT


def test_drafter_cannot_approve_their_own_letter(application, reviewer):
    letter = reply_letter(application, reviewer)
    with pytest.raises(DomainError, match="起草人不能审核自己起草的文书"):
        letters.approve(letter, by=reviewer)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT
    assert letter.approved_by is None


def test_clerk_cannot_approve(application, clerk, head):
    letter = reply_letter(application, head)
    with pytest.raises(DomainError, match="审核人"):
        letters.approve(letter, by=clerk)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT


def test_reviewer_approves_another_persons_draft_with_an_audit_event(application, clerk, reviewer):
    letter = reply_letter(application, clerk)
    letters.approve(letter, by=reviewer)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.APPROVED
    assert letter.approved_by == reviewer
    assert letter.approved_at is not None
    event = events_for(letter).get(action="审核通过")
    assert event.actor == reviewer
    assert (event.from_state, event.to_state) == ("草稿", "已审核")


def test_outsider_cannot_draft_for_another_organization(application, outsider):
    with pytest.raises(DomainError, match="测试县财政局"):
        reply_letter(application, outsider)
    assert not application.letters.exists()


def test_outsider_reviewer_cannot_approve(application, clerk, county):
    from tests.factories import MembershipFactory, UserFactory

    other_reviewer = MembershipFactory(
        user=UserFactory(username="edu-reviewer"), organization=county.education, role="reviewer"
    ).user
    letter = reply_letter(application, clerk)
    with pytest.raises(DomainError):
        letters.approve(letter, by=other_reviewer)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT


def test_edit_changes_a_draft(application, clerk):
    letter = reply_letter(application, clerk)
    letters.edit(letter, by=clerk, title="答复书", body="张三丰：\n\n新的正文。")
    letter.refresh_from_db()
    assert (letter.title, letter.body) == ("答复书", "张三丰：\n\n新的正文。")
    assert events_for(letter).filter(action="修改文书").exists()


def test_edit_refuses_an_empty_body(application, clerk):
    letter = reply_letter(application, clerk)
    before = letter.body
    with pytest.raises(DomainError, match="正文不能为空"):
        letters.edit(letter, by=clerk, title="答复书", body="   ")
    letter.refresh_from_db()
    assert letter.body == before


def test_edit_after_approval_is_refused(application, clerk, reviewer):
    letter = reply_letter(application, clerk)
    letters.approve(letter, by=reviewer)
    with pytest.raises(DomainError, match="不能再修改"):
        letters.edit(letter, by=clerk, title="改过的标题", body="改过的正文")
    letter.refresh_from_db()
    assert letter.title == "政府信息公开申请答复书"


def test_returned_letter_is_a_draft_again(application, clerk, reviewer):
    letter = reply_letter(application, clerk)
    letters.approve(letter, by=reviewer)
    letters.return_letter(letter, by=reviewer, reason="请补充附件清单")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT
    assert letter.approved_by is None and letter.approved_at is None
    assert events_for(letter).get(action="退回修改").comment == "请补充附件清单"
    letters.edit(letter, by=clerk, title=letter.title, body=letter.body + "\n\n附件清单：一份。")


def test_reply_with_an_unapproved_letter_is_refused(application, clerk):
    letter = reply_letter(application, clerk)
    with on_day(D(2026, 3, 12)), pytest.raises(DomainError, match="尚未经审核人审核"):
        workflow.reply(application, by=clerk, outcome=Outcome.DISCLOSED, letter=letter)
    application.refresh_from_db()
    letter.refresh_from_db()
    assert application.status == Status.PROCESSING
    assert letter.status == LetterStatus.DRAFT


def test_reply_with_an_approved_letter_ends_the_application(application, clerk, reviewer):
    letter = reply_letter(application, clerk)
    letters.approve(letter, by=reviewer)
    with on_day(D(2026, 3, 12)):
        workflow.reply(application, by=clerk, outcome=Outcome.DISCLOSED, letter=letter)
    application.refresh_from_db()
    letter.refresh_from_db()
    assert application.status == Status.ANSWERED
    assert application.outcome == Outcome.DISCLOSED
    assert (letter.status, letter.sent_on) == (LetterStatus.SENT, D(2026, 3, 12))
    assert application.events.filter(kind=EventKind.ANSWERED).exists()


def test_reply_letter_must_match_the_outcome(application, clerk, reviewer):
    letter = reply_letter(application, clerk, outcome=Outcome.WITHHELD_STATE_SECRET)
    letters.approve(letter, by=reviewer)
    with on_day(D(2026, 3, 12)), pytest.raises(DomainError, match="不一致"):
        workflow.reply(application, by=clerk, outcome=Outcome.DISCLOSED, letter=letter)


def test_reply_draft_needs_an_outcome(application, clerk):
    with pytest.raises(DomainError, match="办理结果"):
        letters.draft(application, kind=LetterKind.REPLY, by=clerk)


def test_no_new_letter_for_an_answered_application_except_its_own_outcome(application, clerk, reviewer):
    letter = reply_letter(application, clerk)
    letters.approve(letter, by=reviewer)
    with on_day(D(2026, 3, 12)):
        workflow.reply(application, by=clerk, outcome=Outcome.DISCLOSED, letter=letter)
    with pytest.raises(DomainError, match="已办结"):
        letters.draft(application, kind=LetterKind.EXTENSION_NOTICE, by=clerk, details="情况复杂")
    again = letters.draft(application, kind=LetterKind.REPLY, by=clerk, outcome=Outcome.DISCLOSED, details="补发")
    assert again.reference == f"{application.number}-02"


def test_correction_notice_states_what_and_the_deadline_and_goes_out_with_the_step(application, clerk, reviewer):
    with on_day(D(2026, 3, 9)):
        letter = letters.draft(
            application, kind=LetterKind.CORRECTION_NOTICE, by=clerk, details="请写明所需文件的名称或文号"
        )
    assert letter.title == "政府信息公开申请补正告知书"
    assert "第三十条" in letter.body
    assert "请写明所需文件的名称或文号" in letter.body
    # 15 working days after Monday 2026-03-09 (the default period the workflow also uses).
    assert "2026年3月30日前" in letter.body
    assert "视为放弃申请" in letter.body
    assert "行政复议" in letter.body and "行政诉讼" in letter.body
    letters.approve(letter, by=reviewer)
    with on_day(D(2026, 3, 9)):
        workflow.request_correction(application, by=clerk, what="请写明所需文件的名称或文号", letter=letter)
    letter.refresh_from_db()
    application.refresh_from_db()
    assert letter.status == LetterStatus.SENT
    assert application.events.get(kind=EventKind.CORRECTION_REQUESTED).due_on == D(2026, 3, 30)


def test_correction_notice_takes_what_and_deadline_from_the_recorded_step(application, clerk):
    with on_day(D(2026, 3, 9)):
        workflow.request_correction(application, by=clerk, what="请提供身份证明", due_on=D(2026, 3, 20))
        letter = letters.draft(application, kind=LetterKind.CORRECTION_NOTICE, by=clerk)
    assert "请提供身份证明" in letter.body
    assert "2026年3月20日前" in letter.body


def test_correction_notice_deadline_given_as_a_parameter(application, clerk):
    with on_day(D(2026, 3, 9)):
        letter = letters.draft(
            application, kind=LetterKind.CORRECTION_NOTICE, by=clerk, details="请提供身份证明", due_on=D(2026, 4, 1)
        )
    assert "2026年4月1日前" in letter.body


def test_extension_notice_cites_article_33_and_the_new_due_date(application, clerk):
    # Received 2026-03-06: due 2026-04-03; 20 more working days, over Qingming and Labour Day, is 2026-05-07.
    with on_day(D(2026, 3, 20)):
        letter = letters.draft(application, kind=LetterKind.EXTENSION_NOTICE, by=clerk, details="需要调取历史档案")
    assert letter.title == "延长政府信息公开申请答复期限告知书"
    assert "第三十三条第二款" in letter.body
    assert "需要调取历史档案" in letter.body
    assert "延长20个工作日" in letter.body
    assert "2026年5月7日前" in letter.body
    assert "行政复议" in letter.body


def test_extension_notice_refuses_more_than_twenty_days(application, clerk):
    with pytest.raises(DomainError, match="20个工作日"):
        letters.draft(application, kind=LetterKind.EXTENSION_NOTICE, by=clerk, details="原因", days=25)
    assert not application.letters.exists()


def test_consultation_letter_goes_to_the_third_party_without_the_applicants_name(application, clerk, reviewer):
    with on_day(D(2026, 3, 9)):
        letter = letters.draft(
            application,
            kind=LetterKind.CONSULTATION,
            by=clerk,
            recipient="测试县某某建筑有限公司",
            details="贵公司2025年承建县政府采购项目的合同金额",
        )
    assert letter.title == "政府信息公开征求第三方意见函"
    assert letter.recipient == "测试县某某建筑有限公司"
    assert "第三十二条" in letter.body
    assert "15个工作日内（2026年3月30日前）" in letter.body
    assert "张三丰" not in letter.body
    assert "行政复议" not in letter.body  # not a decision on the applicant's request
    letters.approve(letter, by=reviewer)
    with on_day(D(2026, 3, 9)):
        workflow.start_consultation(
            application, by=clerk, party=ConsultationParty.THIRD_PARTY, note="征求承建单位意见", letter=letter
        )
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT


def test_consultation_letter_without_a_recipient_cannot_be_approved(application, clerk, reviewer):
    letter = letters.draft(application, kind=LetterKind.CONSULTATION, by=clerk)
    assert letter.recipient.startswith("【待填写")
    with pytest.raises(DomainError, match="待填写"):
        letters.approve(letter, by=reviewer)


def test_fee_notice_states_method_amount_and_twenty_working_days(application, clerk, reviewer):
    with on_day(D(2026, 3, 9)):
        letter = letters.draft(
            application,
            kind=LetterKind.FEE_NOTICE,
            by=clerk,
            method=FeeMethod.PER_PAGE,
            pages=150,
            details="通过非税收入缴款码缴纳",
        )
    assert letter.title == "政府信息公开信息处理费收费通知书"
    assert "国办函〔2020〕109号" in letter.body
    assert "按量计收" in letter.body and "共150页" in letter.body
    assert "人民币1700元" in letter.body
    assert "20个工作日内（2026年4月7日前）" in letter.body
    assert "行政复议" in letter.body
    letters.approve(letter, by=reviewer)
    with on_day(D(2026, 3, 9)):
        fee = workflow.send_fee_notice(application, by=clerk, method=FeeMethod.PER_PAGE, pages=150, letter=letter)
    assert (fee.amount, fee.due_on) == (1700, D(2026, 4, 7))


def test_fee_notice_refused_when_nothing_is_due(application, clerk):
    with pytest.raises(DomainError, match="不需要收取"):
        letters.draft(application, kind=LetterKind.FEE_NOTICE, by=clerk, method=FeeMethod.PER_PAGE, pages=30)


def test_download_name():
    class Stub:
        kind = LetterKind.REPLY

        class info_request:  # noqa: N801 - stands in for the related application
            number = "YSQ-2026-000001"

    assert letters.download_name(Stub, "pdf") == "YSQ-2026-000001 答复书.pdf"
    assert letters.download_name(Stub, ".docx") == "YSQ-2026-000001 答复书.docx"


def test_dates_are_written_without_leading_zeros():
    assert letters.cn_date(D(2026, 3, 6)) == "2026年3月6日"


def test_pdf_is_a_real_pdf_with_chinese_text(application, clerk, reviewer):
    letter = letters.approve(reply_letter(application, clerk), by=reviewer)
    content = letters.render_pdf(letter)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    # Extractable Chinese proves the CJK font was embedded with its mapping, not rendered as tofu.
    assert "张三丰" in text
    assert application.number in text
    assert "行政复议" in text
    assert "测试县财政局" in text
    assert "（印章）" in text
    assert "草稿" not in text


def test_citizen_text_is_printed_as_text_not_markup(calendar, county, clerk):
    application = registered(
        county.finance,
        by=clerk,
        received_on=RECEIVED,
        description='<img src="http://127.0.0.1:9/x.png">请公开预算',
    )
    text = pdf_text(letters.render_pdf(reply_letter(application, clerk)))
    assert '<imgsrc="http://127.0.0.1:9/x.png">' in "".join(text.split())


def test_draft_pdf_carries_the_draft_watermark(application, clerk):
    letter = reply_letter(application, clerk)
    assert "草稿" in pdf_text(letters.render_pdf(letter))


def test_docx_has_the_same_text(application, clerk, reviewer):
    letter = letters.approve(reply_letter(application, clerk), by=reviewer)
    text = docx_text(letters.render_docx(letter))
    assert "张三丰" in text
    assert application.number in text
    assert "行政复议" in text
    assert "测试县财政局" in text
    assert "（印章）" in text
    assert "草稿" not in text
    for paragraph in letters.paragraphs(letter.body)[1:]:
        assert paragraph in text


def test_docx_sets_the_east_asian_font(application, clerk):
    letter = reply_letter(application, clerk)
    document = Document(io.BytesIO(letters.render_docx(letter)))
    rfonts = document.styles["Normal"].element.rPr.rFonts
    assert rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"
    assert "草稿" in docx_text(letters.render_docx(letter))
