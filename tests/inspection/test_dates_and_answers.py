"""(d) Items without a valid publish date, (e) applications past their legal due date and online consultations
unanswered for more than 3 months; and the consultation's question and answer date in the admin."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from disclosure_site.calendar_data import seed_from_package
from inspection import checks
from requests_app.models import Consultation, ConsultationChannel, Status
from tests.inspection.conftest import at, published
from tests.requests_app.factories import InfoRequestFactory, registered

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def calendar(db):
    seed_from_package({2025, 2026})


# (d) Publish dates ----------------------------------------------------------------------------------------------


def test_a_published_item_dated_in_the_future_has_no_valid_publish_date(county):
    published(county.finance, on=D(2026, 3, 2), title="按时发布的通知")
    future = published(county.finance, on=D(2026, 3, 20), title="发布日期写错的通知")

    with time_machine.travel(at(D(2026, 3, 19)), tick=False):
        findings = checks.check_publish_dates([county.finance.pk], now=timezone.now()).findings

    assert [(f.object, f.message) for f in findings] == [
        ("发布日期写错的通知", "发布日期为2026年3月20日，晚于当前时间，页面上显示的不是实际发布日期（视为未更新）")
    ]
    assert findings[0].admin_url == f"/admin/catalog/item/{future.pk}/change/"
    with time_machine.travel(at(D(2026, 3, 20), hour=11), tick=False):
        assert checks.check_publish_dates([county.finance.pk], now=timezone.now()).findings == []


# (e) Applications -------------------------------------------------------------------------------------------------


def test_an_open_application_is_overdue_the_day_after_its_due_date(calendar, county, clerk):
    application = registered(county.finance, by=clerk, received_on=D(2026, 3, 6))  # due 2026-04-03 (20 working days)
    assert application.due_on == D(2026, 4, 3)

    with time_machine.travel(at(D(2026, 4, 3)), tick=False):
        assert checks.check_overdue_requests(None, now=timezone.now()).findings == []
    with time_machine.travel(at(D(2026, 4, 4)), tick=False):
        findings = checks.check_overdue_requests(None, now=timezone.now()).findings

    assert [(f.organization, f.object, f.message) for f in findings] == [
        (
            "测试县财政局",
            f"申请 {application.number}",
            f"申请 {application.number}（办理中）的答复期限为2026年4月3日，已超期 1 天未答复",
        )
    ]
    assert findings[0].admin_url == f"/admin/requests_app/inforequest/{application.pk}/change/"
    assert application.applicant_name not in findings[0].message  # no personal data in cron logs


def test_answered_and_paused_applications_are_not_overdue(county):
    InfoRequestFactory(
        organization=county.finance,
        status=Status.ANSWERED,
        outcome="1",
        received_on=D(2026, 1, 5),
        ended_on=D(2026, 3, 1),
        due_on=D(2026, 2, 2),
    )
    InfoRequestFactory(organization=county.finance, status=Status.CONSULTING, received_on=D(2026, 1, 5), due_on=None)

    with time_machine.travel(at(D(2026, 4, 1)), tick=False):
        assert checks.check_overdue_requests(None, now=timezone.now()).findings == []


def test_overdue_applications_of_other_organizations_are_outside_the_scope(county):
    InfoRequestFactory(
        organization=county.education, status=Status.PROCESSING, received_on=D(2026, 1, 5), due_on=D(2026, 2, 2)
    )

    with time_machine.travel(at(D(2026, 4, 1)), tick=False):
        assert checks.check_overdue_requests([county.finance.pk], now=timezone.now()).findings == []
        assert len(checks.check_overdue_requests([county.education.pk], now=timezone.now()).findings) == 1


# (e) Consultations ------------------------------------------------------------------------------------------------


def _consultation(organization, **fields) -> Consultation:
    values = {"channel": ConsultationChannel.ONLINE, "on": D(2026, 3, 31), "question": "如何申请公开征地批复？"}
    return Consultation.objects.create(organization=organization, **{**values, **fields})


def test_an_online_question_unanswered_for_more_than_three_months_is_flagged(county):
    consultation = _consultation(county.finance, topic="征地批复")

    with time_machine.travel(at(D(2026, 6, 30)), tick=False):
        assert checks.check_unanswered_consultations(None, now=timezone.now()).findings == []
    with time_machine.travel(at(D(2026, 7, 1)), tick=False):
        findings = checks.check_unanswered_consultations(None, now=timezone.now()).findings

    assert [(f.organization, f.message) for f in findings] == [
        ("测试县财政局", "2026年3月31日收到的网上咨询“征地批复”超过3个月未答复")
    ]
    assert findings[0].admin_url == f"/admin/requests_app/consultation/{consultation.pk}/change/"


def test_answered_counted_only_and_offline_consultations_are_not_flagged(county):
    _consultation(county.finance, answered_on=D(2026, 7, 10))
    _consultation(county.finance, question="")  # a count of online enquiries, no message kept
    _consultation(county.finance, channel=ConsultationChannel.PHONE)

    with time_machine.travel(at(D(2026, 9, 1)), tick=False):
        assert checks.check_unanswered_consultations(None, now=timezone.now()).findings == []


def _post_consultation(client, county, **fields):
    data = {
        "organization": county.finance.pk,
        "channel": "online",
        "on": "2026-03-31",
        "count": "1",
        "topic": "征地批复",
        "question": "如何申请公开征地批复？",
        "answered_on": "",
        **fields,
    }
    return client.post("/admin/requests_app/consultation/add/", data)


def test_clerk_records_a_question_and_later_its_answer_date(client, county, clerk):
    client.force_login(clerk)
    with time_machine.travel(at(D(2026, 4, 2)), tick=False):
        response = _post_consultation(client, county)
        assert response.status_code == 302
        consultation = Consultation.objects.get()
        assert consultation.question == "如何申请公开征地批复？" and consultation.answered_on is None

        page = client.get(f"/admin/requests_app/consultation/{consultation.pk}/change/").content.decode()
        assert "留言内容" in page and "答复日期" in page


@pytest.mark.parametrize(
    ("answered_on", "message"),
    [("2026-03-30", "答复日期不能早于咨询日期。"), ("2026-04-03", "答复日期不能晚于今天。")],
)
def test_a_bad_answer_date_is_explained_and_nothing_is_written(client, county, clerk, answered_on, message):
    client.force_login(clerk)
    with time_machine.travel(at(D(2026, 4, 2)), tick=False):
        response = _post_consultation(client, county, answered_on=answered_on)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Consultation.objects.exists()
