import datetime as dt
from zoneinfo import ZoneInfo

import factory

from catalog.models import Attachment, Category, Guide, Item, ItemRevision, ItemStatus, RevisionStatus
from tests.factories import OrganizationFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


class CategoryFactory(factory.django.DjangoModelFactory):
    """One column per organization unless another code is given: items of an organization share it."""

    class Meta:
        model = Category
        django_get_or_create = ("organization", "code")

    organization = factory.SubFactory(OrganizationFactory)
    name = "财政预算、决算信息"
    code = "0301"
    kind = Category.Kind.PROACTIVE


class ItemFactory(factory.django.DjangoModelFactory):
    """A draft by default; `published=True` or `withdrawn=True` give the fields those states require."""

    class Meta:
        model = Item

    organization = factory.SubFactory(OrganizationFactory)
    category = factory.SubFactory(CategoryFactory, organization=factory.SelfAttribute("..organization"))
    title = factory.Sequence(lambda n: f"关于第{n}号事项的通知")
    written_date = dt.date(2026, 3, 2)
    author = factory.SubFactory(UserFactory)
    status = ItemStatus.DRAFT

    class Params:
        published = factory.Trait(
            status=ItemStatus.PUBLISHED,
            index_number=factory.Sequence(lambda n: f"TEST/2026-{n:05d}"),
            published_at=dt.datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI),
        )
        withdrawn = factory.Trait(
            status=ItemStatus.WITHDRAWN,
            index_number=factory.Sequence(lambda n: f"TEST/2026-W{n:05d}"),
            published_at=dt.datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI),
            withdrawn_at=dt.datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI),
        )


class ItemRevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemRevision

    item = factory.SubFactory(ItemFactory, published=True)
    content = factory.LazyFunction(lambda: {"summary": "补充附件"})
    author = factory.SubFactory(UserFactory)
    status = RevisionStatus.PENDING


class AttachmentFactory(factory.django.DjangoModelFactory):
    """An attachment of a published item; the file is written to MEDIA_ROOT, so override it in the test."""

    class Meta:
        model = Attachment

    item = factory.SubFactory(ItemFactory, published=True)
    file = factory.django.FileField(data=b"%PDF-1.4\n%%EOF\n", filename="upload.pdf")
    original_name = "附件.pdf"
    kind = "pdf"
    size = factory.LazyAttribute(lambda o: o.file.size)


def category_of(organization, code="0301"):
    """A category of organization's seeded 公开目录 (default: 第二十条 (一) 规范性文件)."""
    return Category.objects.get(organization=organization, code=code)


class GuideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guide

    organization = factory.SubFactory(OrganizationFactory)
    effective_date = dt.date(2026, 1, 1)
    is_published = True
    office_name = "政府信息公开工作机构"
    address = "测试县人民路1号"
    postcode = "311500"
    phone = "0571-12345678"
    office_hours = "工作日 8:30–17:30"
    classification = "按公开目录分类编排。"
    how_to_obtain = "通过本网站查阅、下载。"
    how_to_apply = "通过网上申请、信函或当面提交申请。"
    handling = "自收到申请之日起20个工作日内答复。"
    fees = "一般不收取费用。"
    remedies = "可依法申请行政复议或提起行政诉讼。"
