"""The default 公开目录 of a new organization, the subject tree, and editing the tree in the admin."""

from catalog.categories import ARTICLE_20
from catalog.models import Category, Subject
from catalog.subjects import seed_subjects
from disclosure_site.models import AuditEvent
from tests.catalog.factories import ItemFactory, category_of
from tests.factories import OrganizationFactory


def _tree(org):
    return sorted(
        Category.objects.filter(organization=org).values_list("code", "lft", "rght", "level", "tree_id", "parent__code")
    )


def test_a_new_department_gets_the_four_entries_and_articles_20_and_21(county):
    categories = Category.objects.filter(organization=county.finance)
    top = categories.filter(level=1).order_by("lft")
    assert [c.name for c in top] == ["政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报"]
    proactive = top.get(code="03")
    kinds = [c.name for c in proactive.get_children()]
    assert kinds[:15] == ARTICLE_20
    assert kinds[15:] == ["市政建设", "公共服务", "公益事业", "土地征收", "房屋征收", "治安管理", "社会救助"]


def test_a_town_gets_the_town_list_of_article_21(county):
    kinds = [c.name for c in category_of(county.town, "03").get_children()]
    assert len(kinds) == 23
    assert "农村土地承包经营权流转" in kinds
    assert "市政建设" not in kinds


def test_the_bulk_built_tree_equals_what_mptt_would_build(county):
    before = _tree(county.town)
    Category.objects.partial_rebuild(category_of(county.town, "00").tree_id)
    assert _tree(county.town) == before


def test_an_organization_with_a_catalog_is_not_seeded_again(county):
    from catalog.categories import seed_categories

    assert seed_categories(county.finance) == 0


def test_subject_tree_has_21_top_level_categories_seeded_once(db):
    assert seed_subjects() > 100
    assert Subject.objects.filter(parent=None).count() == 21
    assert str(Subject.objects.get(code="0101")) == "综合政务\\政务公开"
    assert seed_subjects() == 0


def test_moving_a_column_keeps_its_items(client, clerk, county):
    column = category_of(county.finance, "0307")
    item = ItemFactory(organization=county.finance, category=column, author=clerk)
    target = category_of(county.finance, "02")
    client.force_login(clerk)
    response = client.post(
        "/admin/catalog/category/",
        {"cmd": "move_node", "cut_item": column.pk, "pasted_on": target.pk, "position": "last-child"},
    )
    assert response.content.startswith(b"OK")
    column.refresh_from_db()
    item.refresh_from_db()
    assert column.parent == target
    assert item.category == column
    assert AuditEvent.objects.filter(object_id=str(column.pk), comment="调整栏目位置").exists()


def test_a_column_cannot_move_into_another_organizations_catalog(client, county):
    from tests.factories import MembershipFactory

    gov_clerk = MembershipFactory(organization=county.government).user
    column = category_of(county.finance, "0307")
    client.force_login(gov_clerk)
    response = client.post(
        "/admin/catalog/category/",
        {
            "cmd": "move_node",
            "cut_item": column.pk,
            "pasted_on": category_of(county.education, "03").pk,
            "position": "last-child",
        },
    )
    assert response.content.startswith(b"FAIL")
    column.refresh_from_db()
    assert column.organization == county.finance
    assert column.parent.code == "03"


def test_a_column_with_a_parent_from_another_organization_is_refused(client, sysadmin, county):
    client.force_login(sysadmin)
    response = client.post(
        "/admin/catalog/category/add/",
        {
            "organization": county.finance.pk,
            "parent": category_of(county.education, "03").pk,
            "name": "新栏目",
            "code": "0399",
            "kind": "other",
            "is_active": "on",
        },
    )
    assert "上级栏目必须属于同一机构的公开目录" in response.content.decode()
    assert not Category.objects.filter(code="0399").exists()


def test_a_duplicate_code_is_refused(client, sysadmin, county):
    client.force_login(sysadmin)
    response = client.post(
        "/admin/catalog/category/add/",
        {
            "organization": county.finance.pk,
            "parent": category_of(county.finance, "03").pk,
            "name": "新栏目",
            "code": "0301",
            "kind": "other",
            "is_active": "on",
        },
    )
    assert "本机构已有相同编码的栏目" in response.content.decode()


def test_new_organization_created_in_the_admin_gets_a_catalog(db):
    org = OrganizationFactory(name="测试县审计局")
    assert Category.objects.filter(organization=org).count() == 1 + 4 + 22
