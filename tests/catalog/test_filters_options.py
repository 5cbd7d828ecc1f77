"""The options of the filter form's long selects: built once per catalog generation, current after any edit."""

from __future__ import annotations

import re

from django.http import QueryDict
from django.urls import reverse

from catalog.filters import ItemFilter
from catalog.models import Subject
from tests.catalog.factories import CategoryFactory, category_of


def select(page: str, name: str) -> str:
    return re.search(rf'<select name="{name}".*?</select>', page, flags=re.DOTALL).group(0)


def filter_page(client, **params) -> str:
    response = client.get(reverse("catalog:items"), params)
    assert response.status_code == 200
    return response.content.decode()


def render_selects(form) -> str:
    return "".join(str(form[name]) for name in ("organization", "category", "subject"))


def test_a_warm_filter_form_renders_its_options_without_a_query(county, django_assert_num_queries):
    Subject.objects.create(name="财政、金融、审计", code="03")
    data = QueryDict(f"organization={county.finance.pk}")
    cold = render_selects(ItemFilter(data).form)
    filterset = ItemFilter(data)

    with django_assert_num_queries(0):
        form = filterset.form
    assert form.is_valid()  # one query: the chosen organization exists
    with django_assert_num_queries(0):
        warm = render_selects(form)

    assert warm == cold
    assert county.education.name in warm
    assert category_of(county.finance, "0307").name in warm
    assert "财政、金融、审计" in warm


def test_the_options_show_the_trees_by_indentation_and_the_subject_notation(citizen, county):
    finance = Subject.objects.create(name="财政、金融、审计", code="03")
    Subject.objects.create(name="审计", code="0308", parent=finance)

    page = filter_page(citizen, organization=county.finance.pk)

    assert f'<option value="{county.treasury.pk}">\u3000\u3000{county.treasury.name}</option>' in select(
        page, "organization"
    )
    assert "财政、金融、审计\\审计" in select(page, "subject")
    assert f"\u3000{category_of(county.finance, '0307').name}" in select(page, "category")


def test_renaming_an_organization_renames_its_option_at_once(citizen, county):
    filter_page(citizen)

    county.education.name = "测试县教育和体育局"
    county.education.save()

    options = select(filter_page(citizen), "organization")
    assert "测试县教育和体育局" in options
    assert "测试县教育局<" not in options


def test_a_deactivated_organization_is_no_longer_offered_nor_accepted(citizen, county):
    filter_page(citizen)

    county.town.is_active = False
    county.town.save()

    assert county.town.name not in select(filter_page(citizen), "organization")
    response = citizen.get(reverse("catalog:items"), {"organization": county.town.pk})
    assert response.status_code == 400
    assert "所选发布机构不存在，请从列表中重新选择。" in response.content.decode()


def test_a_new_column_is_offered_at_once(citizen, county):
    filter_page(citizen, organization=county.finance.pk)

    column = CategoryFactory(organization=county.finance, code="0399", name="新设栏目")

    assert f'<option value="{column.pk}">' in select(filter_page(citizen, organization=county.finance.pk), "category")


def test_a_new_subject_is_offered_at_once(citizen, county):
    Subject.objects.create(name="财政、金融、审计", code="03")
    filter_page(citizen)

    Subject.objects.create(name="科技、教育", code="10")

    assert "科技、教育" in select(filter_page(citizen), "subject")


def test_option_labels_are_escaped(citizen, county):
    county.education.name = "<script>alert(1)</script>教育局"
    county.education.save()

    options = select(filter_page(citizen), "organization")

    assert "&lt;script&gt;alert(1)&lt;/script&gt;教育局" in options
    assert "<script>" not in options


def test_the_chosen_options_stay_selected(citizen, county):
    column = category_of(county.finance, "0307")

    page = filter_page(citizen, organization=county.finance.pk, category=column.pk)

    assert f'<option value="{county.finance.pk}" selected>' in select(page, "organization")
    assert f'<option value="{column.pk}" selected>' in select(page, "category")
    assert '<option value="" selected>全部主题</option>' in select(page, "subject")


def test_a_bookmarked_column_of_another_organization_stays_selected(citizen, county):
    elsewhere = category_of(county.education, "0307")

    page = filter_page(citizen, organization=county.finance.pk, category=elsewhere.pk)

    assert f'<option value="{elsewhere.pk}" selected>{elsewhere.name}</option>' in select(page, "category")
