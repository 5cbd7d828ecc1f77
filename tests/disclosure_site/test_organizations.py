"""Organizations in the admin: validated identity, a clear message for every mistake, an audit trail."""

import pytest

from disclosure_site.checkdigits import make_credit_code
from disclosure_site.models import AuditEvent, Organization

ADD_URL = "/admin/disclosure_site/organization/add/"


def _form(county, **overrides):
    return {
        "name": "测试县审计局",
        "short_name": "县审计局",
        "kind": "department",
        "parent": county.government.pk,
        "credit_code": make_credit_code("330122", "00214399"),
        "index_prefix": "",
        "is_active": "on",
        "address": "测试县人民路9号",
        "postcode": "311500",
        "phone": "0571-58800999",
        "fax": "",
        "email": "sj@example.gov.cn",
        "office_hours": "工作日 8:30–17:30",
        "website": "",
        **overrides,
    }


def test_system_admin_adds_a_department_under_the_government(client, sysadmin, county):
    client.force_login(sysadmin)
    response = client.post(ADD_URL, _form(county))
    assert response.status_code == 302
    org = Organization.objects.get(name="测试县审计局")
    assert org.parent == county.government
    assert org.effective_index_prefix == org.credit_code
    event = AuditEvent.objects.get(object_id=str(org.pk), action="create")
    assert event.actor == sysadmin
    assert event.organization == org


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"credit_code": "11330122002143991X"}, "统一社会信用代码校验位不符"),
        ({"credit_code": "1133012200214399"}, "统一社会信用代码应为18位"),
        ({"credit_code": "11330122OO2143991X"}, "不允许的字符：O"),
        ({"name": "测试县教育局"}, "已存在同名机构"),
        ({"postcode": "31150"}, "邮政编码应为6位数字"),
        ({"phone": "call me"}, "电话号码只能包含数字"),
        ({"email": "not-an-email"}, "请输入有效的电子邮箱地址"),
        ({"website": "ht!tp://"}, "请输入有效的网址"),
        ({"parent": "999999"}, "选择一个有效的选项"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_written(client, sysadmin, county, overrides, message):
    client.force_login(sysadmin)
    count = Organization.objects.count()
    response = client.post(ADD_URL, _form(county, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Organization.objects.count() == count
    assert not AuditEvent.objects.exists()


def test_a_credit_code_used_by_another_organization_is_refused(client, sysadmin, county):
    client.force_login(sysadmin)
    response = client.post(ADD_URL, _form(county, credit_code=county.education.credit_code))
    assert "该统一社会信用代码已被其他机构使用" in response.content.decode()


def test_organizations_are_retired_not_deleted(client, sysadmin, county):
    client.force_login(sysadmin)
    response = client.post(f"/admin/disclosure_site/organization/{county.treasury.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Organization.objects.filter(pk=county.treasury.pk).exists()


def test_an_edit_is_recorded_and_shown_in_the_objects_history(client, clerk, county):
    client.force_login(clerk)
    url = f"/admin/disclosure_site/organization/{county.finance.pk}/change/"
    page = client.get(url).content.decode()
    assert "测试县财政局" in page
    from django.forms.models import model_to_dict

    data = {k: ("" if v is None else v) for k, v in model_to_dict(county.finance).items()}
    data["phone"] = "0571-87654321"
    assert client.post(url, data).status_code == 302
    event = AuditEvent.objects.get(object_id=str(county.finance.pk), action="change")
    assert event.actor == clerk
    assert event.changes == {"联系电话": ["0571-12345678", "0571-87654321"]}
    history = client.get(f"/admin/disclosure_site/organization/{county.finance.pk}/history/").content.decode()
    assert "0571-12345678 → 0571-87654321" in history
    assert "修改" in history


def test_audit_events_cannot_be_edited_or_deleted_even_by_an_administrator(client, sysadmin, county):
    from disclosure_site import audit

    event = audit.record(county.finance, actor=sysadmin, action="change", comment="原始记录")
    client.force_login(sysadmin)
    client.post(f"/admin/disclosure_site/auditevent/{event.pk}/change/", {"comment": "改写"})
    client.post(f"/admin/disclosure_site/auditevent/{event.pk}/delete/", {"post": "yes"})
    event.refresh_from_db()
    assert event.comment == "原始记录"
