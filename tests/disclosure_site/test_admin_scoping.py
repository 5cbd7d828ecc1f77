"""A clerk of 县财政局 can neither list, open, change nor delete a 县教育局 record, for every admin model.

Every model registered in the admin must appear in RECORDS (tests/security/records.py, shared with the
permission matrix): a later model joins by adding how to make a record of a given organization (or, for
models outside every organization, any record).
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.forms.models import model_to_dict

from disclosure_site.models import AuditEvent, Membership, Role
from tests.factories import MembershipFactory, UserFactory
from tests.security.records import RECORDS, SHARED
from tests.security.records import item as organization_item


def test_every_admin_model_is_in_the_matrix():
    assert set(admin.site._registry) == set(RECORDS)


def _url(record, view):
    opts = record._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    return base if view == "changelist" else f"{base}{record.pk}/{view}/"


def _snapshot(record):
    return model_to_dict(type(record)._default_manager.get(pk=record.pk))


@pytest.fixture(params=sorted(RECORDS, key=lambda m: m.__name__), ids=lambda m: m.__name__)
def foreign_record(request, county):
    return RECORDS[request.param](county)


def test_clerk_does_not_see_the_record_in_the_list(client, clerk, foreign_record):
    client.force_login(clerk)
    response = client.get(_url(foreign_record, "changelist"))
    if isinstance(foreign_record, SHARED):
        # The calendar and the subject tree are one for the whole government: readable by all staff,
        # changed by administrators.
        assert response.status_code == 200
        return
    assert response.status_code in (200, 403)
    assert _url(foreign_record, "change") not in response.content.decode()


def test_clerk_cannot_open_the_record_by_its_url(client, clerk, foreign_record):
    client.force_login(clerk)
    response = client.get(_url(foreign_record, "change"))
    if isinstance(foreign_record, SHARED):
        assert response.status_code == 200
        assert 'name="_save"' not in response.content.decode()
        return
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        follow = client.get(response.url)
        assert "不存在" in follow.content.decode()


def test_clerk_cannot_change_the_record_by_a_crafted_post(client, clerk, foreign_record):
    before = _snapshot(foreign_record)
    data = {key: ("" if value is None else value) for key, value in before.items() if not isinstance(value, list)}
    data.update({"name": "被篡改的名称", "phone": "110", "comment": "篡改", "username": "hacked", "_save": "保存"})
    data["decision"] = "approve"  # the revision review form
    client.force_login(clerk)
    response = client.post(_url(foreign_record, "change"), data)
    assert response.status_code in (302, 403)
    assert _snapshot(foreign_record) == before


def test_clerk_cannot_delete_the_record(client, clerk, foreign_record):
    model = type(foreign_record)
    client.force_login(clerk)
    response = client.post(_url(foreign_record, "delete"), {"post": "yes"})
    assert response.status_code in (302, 403)
    response = client.post(
        _url(foreign_record, "changelist"),
        {"action": "delete_selected", "_selected_action": [foreign_record.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert model._default_manager.filter(pk=foreign_record.pk).exists()


def test_clerk_cannot_read_the_record_history(client, clerk, foreign_record):
    client.force_login(clerk)
    response = client.get(_url(foreign_record, "history"))
    if isinstance(foreign_record, SHARED):
        # Shared records are readable by every staff member, their history included.
        assert response.status_code == 200
        return
    assert response.status_code in (302, 403)


def test_reviewer_cannot_run_the_workflow_of_another_organizations_item(client, county):
    reviewer = MembershipFactory(organization=county.finance, role=Role.REVIEWER).user
    item = organization_item(county, county.education)
    client.force_login(reviewer)
    response = client.post(f"/admin/catalog/item/{item.pk}/workflow/", {"transition": "submit"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == "draft"


def test_clerk_lists_own_organization_and_its_subtree_only(client, clerk, county):
    client.force_login(clerk)
    page = client.get("/admin/disclosure_site/organization/").content.decode()
    assert "测试县财政局国库支付中心" in page
    assert _url(county.finance, "change") in page
    assert _url(county.education, "change") not in page
    assert _url(county.government, "change") not in page


def test_clerk_updates_own_contact_facts_but_not_the_structure(client, clerk, county):
    client.force_login(clerk)
    data = {
        **{k: ("" if v is None else v) for k, v in model_to_dict(county.finance).items()},
        "name": "改名的财政局",
        "credit_code": "11441700007280420Y",
        "phone": "0571-87654321",
        "office_hours": "工作日 9:00–17:00",
    }
    response = client.post(_url(county.finance, "change"), data)
    assert response.status_code == 302
    county.finance.refresh_from_db()
    assert county.finance.phone == "0571-87654321"
    assert county.finance.name == "测试县财政局"
    assert county.finance.credit_code != "11441700007280420Y"


def _autocomplete(client, term):
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "disclosure_site", "model_name": "membership", "field_name": "organization", "term": term},
    )
    assert response.status_code == 200
    return [r["text"] for r in response.json()["results"]]


def test_autocomplete_offers_only_organizations_in_scope(client, clerk, sysadmin, county):
    client.force_login(clerk)
    assert _autocomplete(client, "教育") == []
    assert _autocomplete(client, "测试县") == ["测试县财政局", "测试县财政局国库支付中心"]
    client.force_login(sysadmin)
    assert _autocomplete(client, "教育") == ["测试县教育局"]


def test_crafted_organization_choice_outside_the_scope_is_refused(rf, clerk, county):
    from disclosure_site.admin import AuditEventAdmin

    request = rf.get("/")
    request.user = clerk
    model_admin = AuditEventAdmin(AuditEvent, admin.site)
    field = model_admin.formfield_for_foreignkey(AuditEvent._meta.get_field("organization"), request)
    assert set(field.queryset) == {county.finance, county.treasury}


def test_staff_without_a_role_are_told_why_they_cannot_enter(client, db):
    UserFactory(username="norole")
    response = client.post("/admin/login/", {"username": "norole", "password": "correct-horse-42"})
    assert response.status_code == 200
    assert "尚未分配所属机构和角色" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_with_a_role_enter_the_back_office(client, clerk):
    response = client.post(
        "/admin/login/", {"username": "clerk", "password": "correct-horse-42", "next": "/admin/"}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "机构" in page
    assert "人员角色" not in page


def test_a_logged_in_user_who_lost_the_role_is_sent_to_login(client, clerk):
    client.force_login(clerk)
    Membership.objects.filter(user=clerk).delete()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_reviewer_and_head_share_the_organizations_scope(client, reviewer, head, county):
    for user in (reviewer, head):
        client.force_login(user)
        page = client.get("/admin/disclosure_site/organization/").content.decode()
        assert _url(county.treasury, "change") in page
        assert _url(county.education, "change") not in page


def test_government_staff_reach_every_department(client, county):
    gov_clerk = MembershipFactory(organization=county.government, role=Role.CLERK).user
    client.force_login(gov_clerk)
    page = client.get("/admin/disclosure_site/organization/").content.decode()
    for org in (county.finance, county.treasury, county.education, county.town):
        assert _url(org, "change") in page


def test_system_admin_manages_accounts(client, sysadmin, clerk):
    client.force_login(sysadmin)
    assert client.get("/admin/auth/user/").status_code == 200
    assert client.get("/admin/disclosure_site/membership/").status_code == 200
    assert isinstance(User.objects.get(username="clerk"), User)


def test_organization_filter_of_a_list_offers_only_organizations_in_scope(client, clerk, county):
    client.force_login(clerk)
    page = client.get("/admin/requests_app/inforequest/").content.decode()
    assert f"?organization__id__exact={county.treasury.pk}" in page
    assert "测试县教育局" not in page
    assert "测试县人民政府" not in page


def test_nobody_types_in_an_audit_event(client, sysadmin):
    client.force_login(sysadmin)
    assert client.get("/admin/disclosure_site/auditevent/add/").status_code == 403
    assert client.post("/admin/disclosure_site/auditevent/add/", {"comment": "伪造的记录"}).status_code == 403
    assert not AuditEvent.objects.filter(comment="伪造的记录").exists()
