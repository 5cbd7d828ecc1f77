"""Applications for the tests: built rows (InfoRequestFactory) and applications made through the workflow
(`registered`), so that their events and stored due date are those the real steps write."""

from __future__ import annotations

import datetime as dt

import factory
import time_machine
from django.utils import timezone

from disclosure_site.checkdigits import make_credit_code, make_resident_id
from requests_app import workflow
from requests_app.models import (
    ApplicantType,
    Channel,
    Delivery,
    IdType,
    InfoRequest,
    Status,
    WantedForm,
    hash_query_code,
)

TZ = dt.timezone(dt.timedelta(hours=8))


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=TZ)


class InfoRequestFactory(factory.django.DjangoModelFactory):
    """An unsaved-by-workflow row: fine for lists and forms; use `registered()` where events matter."""

    class Meta:
        model = InfoRequest

    number = factory.Sequence(lambda n: f"YSQ-2026-{n + 900000:06d}")
    channel = Channel.IN_PERSON
    applicant_type = ApplicantType.NATURAL
    applicant_name = factory.Sequence(lambda n: f"申请人{n:03d}")
    id_type = IdType.RESIDENT_ID
    id_number = factory.Sequence(lambda n: make_resident_id("330122", "19800101", f"{n % 1000:03d}"))
    phone = "13800000000"
    email = "applicant@example.com"
    address = "测试县人民路2号"
    postcode = "311500"
    description = "请公开2025年度部门预算中三公经费的明细"
    wanted_form = WantedForm.ELECTRONIC
    delivery = Delivery.EMAIL
    status = Status.PENDING
    query_code_salt = "salt"
    # The query code of a factory-built application is "CODE" (registered() gives a random one).
    query_code_hash = factory.LazyAttribute(lambda o: hash_query_code("CODE", o.query_code_salt))

    class Params:
        organization_applicant = factory.Trait(
            applicant_type=ApplicantType.BUSINESS,
            applicant_name=factory.Sequence(lambda n: f"测试县某某有限公司{n:03d}"),
            id_type="",
            id_number="",
            credit_code=factory.Sequence(lambda n: make_credit_code("330122", f"{20000000 + n:08d}", "91")),
            contact_person="王经理",
        )


def registered(
    organization, *, by, received_on: dt.date | None, channel: str = Channel.IN_PERSON, submitted_on=None, **fields
) -> InfoRequest:
    """An application registered by staff on its received date (time travelled to that day); with
    received_on None (e-mail, fax) it waits for 确认收到, submitted on submitted_on (default 2026-03-02)."""
    day = received_on or submitted_on or dt.date(2026, 3, 2)
    info_request = InfoRequestFactory.build(organization=organization, channel=channel, **fields)
    info_request.submitted_at = noon(submitted_on or day)
    with time_machine.travel(noon(day), tick=False):
        info_request, _code = workflow.register(info_request, by=by, received_on=received_on)
    info_request.refresh_from_db()
    return info_request


def on_day(day: dt.date):
    """Run the block as if it were noon (Beijing time) on day."""
    return time_machine.travel(noon(day), tick=False)


def today() -> dt.date:
    return timezone.localdate()


def submitted_online(organization, *, on: dt.date | None = None, **fields) -> tuple[InfoRequest, str]:
    """An application sent through the public form on the day on (default 2026-03-02, time travelled
    there), as workflow.submit_online stores it; returns it with its query code."""
    info_request = InfoRequestFactory.build(organization=organization, channel=Channel.ONLINE, **fields)
    with time_machine.travel(noon(on or dt.date(2026, 3, 2)), tick=False):
        info_request, code = workflow.submit_online(info_request)
    info_request.refresh_from_db()
    return info_request, code
