"""The default 公开目录 of an organization (条例 第二十条、第二十一条) and the subject classification."""

from __future__ import annotations

from django.db import transaction

from disclosure_site.models import Organization

from .models import Category

STANDARD_ENTRIES = [
    ("01", "政府信息公开指南", Category.Kind.GUIDE),
    ("02", "政府信息公开制度", Category.Kind.RULES),
    ("03", "法定主动公开内容", Category.Kind.PROACTIVE),
    ("04", "政府信息公开年报", Category.Kind.REPORTS),
]

# 条例 第二十条 (一)–(十五).
ARTICLE_20 = [
    "行政法规、规章和规范性文件",
    "机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名",
    "国民经济和社会发展规划、专项规划、区域规划及相关政策",
    "国民经济和社会发展统计信息",
    "办理行政许可和其他对外管理服务事项的依据、条件、程序以及办理结果",
    "实施行政处罚、行政强制的依据、条件、程序以及本行政机关认为具有一定社会影响的行政处罚决定",
    "财政预算、决算信息",
    "行政事业性收费项目及其依据、标准",
    "政府集中采购项目的目录、标准及实施情况",
    "重大建设项目的批准和实施情况",
    "扶贫、教育、医疗、社会保障、促进就业等方面的政策、措施及其实施情况",
    "突发公共事件的应急预案、预警信息及应对情况",
    "环境保护、公共卫生、安全生产、食品药品、产品质量的监督检查情况",
    "公务员招考的职位、名额、报考条件等事项以及录用结果",
    "法律、法规、规章和国家有关规定规定应当主动公开的其他政府信息",
]

# 条例 第二十一条: city and county governments and their departments also disclose these.
ARTICLE_21_COUNTY = [
    "市政建设",
    "公共服务",
    "公益事业",
    "土地征收",
    "房屋征收",
    "治安管理",
    "社会救助",
]
# 条例 第二十一条 (2019): 乡（镇）人民政府.
ARTICLE_21_TOWN = [
    "贯彻落实农业农村政策",
    "农田水利工程建设运营",
    "农村土地承包经营权流转",
    "宅基地使用情况审核",
    "土地征收",
    "房屋征收",
    "筹资筹劳",
    "社会救助",
]


@transaction.atomic
def seed_categories(organization: Organization) -> int:
    """Give organization the standard catalog if it has none; returns how many columns were made.

    The tree is one MPTT tree per organization under a root node; its nested-set values are computed
    here and the rows inserted in bulk, since a new organization gets some thirty columns at once.
    """
    if Category.objects.filter(organization=organization).exists():
        return 0
    extras = ARTICLE_21_TOWN if organization.kind == Organization.Kind.TOWN else ARTICLE_21_COUNTY
    kinds = [*ARTICLE_20, *extras]
    root = Category.objects.create(
        organization=organization, code="00", name=f"{organization.name}公开目录", kind=Category.Kind.ROOT
    )
    entries, cursor = [], 2
    for code, name, kind in STANDARD_ENTRIES:
        width = 2 * len(kinds) if kind == Category.Kind.PROACTIVE else 0
        entries.append(
            Category(
                organization=organization, parent=root, code=code, name=name, kind=kind,
                tree_id=root.tree_id, level=1, lft=cursor, rght=cursor + width + 1,
            )
        )  # fmt: skip
        cursor += width + 2
    Category.objects.bulk_create(entries)
    Category.objects.filter(pk=root.pk).update(rght=cursor)
    proactive = next(e for e in entries if e.kind == Category.Kind.PROACTIVE)
    proactive = Category.objects.get(organization=organization, code=proactive.code)
    Category.objects.bulk_create(
        [
            Category(
                organization=organization, parent=proactive, code=f"03{number:02d}", name=name,
                kind=Category.Kind.PROACTIVE, tree_id=root.tree_id, level=2,
                lft=proactive.lft + 2 * number - 1, rght=proactive.lft + 2 * number,
            )
            for number, name in enumerate(kinds, start=1)
        ]
    )  # fmt: skip
    return 1 + len(entries) + len(kinds)
