"""The public disclosure section: its entries, the organization pages and the reading modes."""

import pytest

SECTION_PAGES = {
    "/guide/": "政府信息公开指南",
    "/rules/": "政府信息公开制度",
    "/proactive/": "法定主动公开内容",
    "/reports/": "政府信息公开年报",
    "/apply/": "依申请公开",
}


@pytest.mark.parametrize("url", ["/", *SECTION_PAGES])
def test_every_entry_page_lists_the_organizations_and_navigation(citizen, county, url):
    page = citizen.get(url).content.decode()
    for title in SECTION_PAGES.values():
        assert title in page
    for org in (county.government, county.finance, county.education, county.town):
        assert org.get_absolute_url() in page
    assert "敬请期待" not in page


def test_footer_shows_the_governments_contact_facts(citizen, county):
    page = citizen.get("/").content.decode()
    assert "测试县人民政府" in page
    assert county.government.phone in page
    assert county.government.address in page


def test_organization_page_shows_its_contact_facts_and_children(citizen, county):
    page = citizen.get(county.finance.get_absolute_url()).content.decode()
    assert county.finance.credit_code in page
    assert "测试县财政局国库支付中心" in page
    assert "0571-12345678" in page


def test_inactive_or_unknown_organization_is_a_chinese_404(citizen, county):
    county.town.is_active = False
    county.town.save()
    response = citizen.get(county.town.get_absolute_url())
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert citizen.get("/org/99999999/").status_code == 404


def test_large_text_mode_is_remembered_without_javascript(citizen, county):
    response = citizen.get("/reading-mode/", {"text": "large", "next": "/guide/"})
    assert response.status_code == 302
    assert response.url == "/guide/"
    page = citizen.get("/guide/").content.decode()
    assert "mode-large" in page
    assert "标准字号" in page
    citizen.get("/reading-mode/", {"text": "normal", "next": "/guide/"})
    assert "mode-large" not in citizen.get("/guide/").content.decode()


def test_high_contrast_mode_is_remembered(citizen, county):
    citizen.get("/reading-mode/", {"contrast": "high", "next": "/"})
    assert "mode-contrast" in citizen.get("/apply/").content.decode()


def test_reading_mode_never_redirects_to_another_site(citizen, db):
    response = citizen.get("/reading-mode/", {"text": "large", "next": "https://evil.example.com/"})
    assert response.url == "/"


def test_the_site_works_before_any_organization_exists(citizen, db):
    page = citizen.get("/").content.decode()
    assert "尚未设立机构" in page


def test_the_organization_list_nests_departments_under_their_government(citizen, county):
    page = citizen.get("/").content.decode()
    government = page.index(county.government.name)
    nested = page.index('<ul class="org-tree">', government)
    assert government < nested < page.index(county.finance.name) < page.index(county.treasury.name)


def test_a_unit_under_an_inactive_parent_hangs_under_the_nearest_active_one(citizen, county):
    from disclosure_site.views import _active_organizations

    county.finance.is_active = False
    county.finance.save()
    (government,) = _active_organizations()
    names = [node.organization.name for node in government.children]
    assert "测试县财政局国库支付中心" in names
    assert "测试县财政局" not in names
