"""The public item page: its metadata block, body, attachments, validity and policy/interpretation links."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from catalog.models import DocumentType, Subject, Validity
from tests.catalog.factories import SHANGHAI, AttachmentFactory, ItemFactory, ItemRevisionFactory, category_of

METADATA_LABELS = ["索引号", "主题分类", "发布机构", "成文日期", "标题", "发文字号", "发布日期", "有效性"]


def metadata(html: str) -> dict[str, str]:
    """The item page's metadata table as {label: text}."""
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>', html, flags=re.DOTALL)
    return {unescape(label.strip()): " ".join(unescape(re.sub(r"<[^>]+>", "", value)).split()) for label, value in rows}


@pytest.fixture
def policy(county):
    subject = Subject.objects.create(name="财政、金融、审计", code="03")
    return ItemFactory(
        published=True,
        organization=county.finance,
        category=category_of(county.finance),
        subject=Subject.objects.create(name="财政", code="0301", parent=subject),
        title="测试县财政局关于预算绩效管理的规定",
        document_type=DocumentType.NORMATIVE,
        document_number="测财发〔2026〕3号",
        written_date=dt.date(2026, 3, 2),
        published_at=dt.datetime(2026, 3, 24, 10, 0, tzinfo=SHANGHAI),
        summary="规定预算绩效管理的程序和责任。",
        body="<p>第一条 为加强预算绩效管理，制定本规定。</p>",
    )


def test_item_page_shows_the_metadata_block_with_chinese_dates(citizen, policy):
    response = citizen.get(policy.get_absolute_url())

    assert response.status_code == 200
    facts = metadata(response.content.decode())
    assert list(facts)[:8] == METADATA_LABELS
    assert facts["索引号"] == policy.index_number
    assert facts["主题分类"] == "财政、金融、审计\\财政"
    assert facts["发布机构"] == "测试县财政局"
    assert facts["成文日期"] == "2026年3月2日"
    assert facts["标题"] == "测试县财政局关于预算绩效管理的规定"
    assert facts["发文字号"] == "测财发〔2026〕3号"
    assert facts["发布日期"] == "2026年3月24日"
    assert facts["有效性"] == "有效"


def test_item_page_shows_the_body_and_summary(citizen, policy):
    page = citizen.get(policy.get_absolute_url()).content.decode()

    assert "<p>第一条 为加强预算绩效管理，制定本规定。</p>" in page
    assert "规定预算绩效管理的程序和责任。" in page


@pytest.mark.parametrize("state", ["draft", "pending", "scheduled", "withdrawn"])
def test_an_item_that_is_not_published_is_a_404_in_the_sites_layout(citizen, county, state):
    traits = {"withdrawn": {"withdrawn": True}}.get(state, {"status": state})
    item = ItemFactory(organization=county.finance, **traits)

    response = citizen.get(item.get_absolute_url())

    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page
    assert 'aria-label="主导航"' in page
    assert item.title not in page


def test_an_unknown_item_is_a_404(citizen, county):
    assert citizen.get("/items/99999999/").status_code == 404


def test_a_repealed_item_links_to_the_item_that_replaced_it(citizen, county, policy):
    old = ItemFactory(
        published=True,
        organization=county.finance,
        title="测试县财政局预算管理暂行办法",
        validity=Validity.REPEALED,
        validity_date=dt.date(2026, 3, 24),
        replaced_by=policy,
    )

    response = citizen.get(old.get_absolute_url())

    facts = metadata(response.content.decode())
    assert facts["有效性"] == "已废止（2026年3月24日起），现行文件：测试县财政局关于预算绩效管理的规定"
    assert f'href="{policy.get_absolute_url()}"' in response.content.decode()


def test_an_amended_item_links_to_its_replacement_and_the_replacement_lists_it(citizen, county, policy):
    old = ItemFactory(
        published=True, organization=county.finance, title="旧版规定", validity=Validity.AMENDED, replaced_by=policy
    )

    assert "已修改" in metadata(citizen.get(old.get_absolute_url()).content.decode())["有效性"]
    page = citizen.get(policy.get_absolute_url()).content.decode()
    assert "本文件替代的文件" in page
    assert f'href="{old.get_absolute_url()}"' in page


def test_a_replacement_that_is_not_published_is_not_linked(citizen, county):
    draft = ItemFactory(organization=county.finance, title="尚未发布的新规定")
    old = ItemFactory(published=True, organization=county.finance, validity=Validity.REPEALED, replaced_by=draft)

    page = citizen.get(old.get_absolute_url()).content.decode()

    assert metadata(page)["有效性"] == "已废止"
    assert "尚未发布的新规定" not in page


def test_an_interpretation_links_to_its_policy_and_the_policy_lists_it(citizen, county, policy):
    reading = ItemFactory(
        published=True,
        organization=county.finance,
        title="《关于预算绩效管理的规定》政策解读",
        document_type=DocumentType.INTERPRETATION,
    )
    reading.interprets.add(policy)

    reading_page = citizen.get(reading.get_absolute_url()).content.decode()
    policy_page = citizen.get(policy.get_absolute_url()).content.decode()

    assert "解读的政策文件" in reading_page
    assert f'href="{policy.get_absolute_url()}"' in reading_page
    assert "政策解读</h2>" in policy_page
    assert f'href="{reading.get_absolute_url()}"' in policy_page


def test_an_unpublished_interpretation_is_not_listed_on_the_policy(citizen, county, policy):
    draft = ItemFactory(
        organization=county.finance, title="尚在审核的政策解读", document_type=DocumentType.INTERPRETATION
    )
    draft.interprets.add(policy)

    page = citizen.get(policy.get_absolute_url()).content.decode()

    assert "尚在审核的政策解读" not in page
    assert "政策解读</h2>" not in page


def test_attachments_are_listed_with_their_download_links(citizen, county, policy, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    attachment = AttachmentFactory(item=policy, original_name="预算绩效管理规定.pdf")
    pending = AttachmentFactory(
        item=policy, original_name="尚在审核的附件.pdf", revision=ItemRevisionFactory(item=policy)
    )

    page = citizen.get(policy.get_absolute_url()).content.decode()

    assert "预算绩效管理规定.pdf" in page
    assert f'href="{attachment.get_absolute_url()}"' in page
    assert "尚在审核的附件.pdf" not in page
    assert pending.get_absolute_url() not in page
    download = citizen.get(attachment.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")


def test_the_item_page_runs_the_same_queries_however_many_links_it_has(
    citizen, county, policy, django_assert_max_num_queries, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    for number in range(5):
        AttachmentFactory(item=policy, original_name=f"附件{number}.pdf")
        reading = ItemFactory(published=True, organization=county.finance, document_type=DocumentType.INTERPRETATION)
        reading.interprets.add(policy)

    with django_assert_max_num_queries(10):
        assert citizen.get(policy.get_absolute_url()).status_code == 200
