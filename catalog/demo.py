"""Demo catalog for `manage.py load_demo`: a few hundred items across the demo organizations.

Every item goes through the real workflow (submit, approve) so that index numbers, timeliness flags
and audit events are what a real installation would show.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from disclosure_site.models import Membership, Organization, Role

from . import publishing
from .attachments import add_attachment
from .categories import seed_categories
from .models import Category, DocumentType, Guide, Item, ItemStatus, Subject, Validity
from .subjects import seed_subjects

TZ = ZoneInfo("Asia/Shanghai")
YEARS = (2025, 2026)

# (category code, document type, subject code, title patterns); {org} is the short name, {y} the year.
TOPICS = [
    (
        "0301",
        DocumentType.NORMATIVE,
        "0101",
        ["{org}关于印发《{y}年政务公开工作要点》的通知", "{org}行政规范性文件管理办法"],
    ),
    ("0302", DocumentType.OTHER_DOCUMENT, "0101", ["{org}机构职能", "{org}领导信息及分工", "{org}办公地址和联系方式"]),
    ("0303", DocumentType.PLAN, "0201", ["{org}“十五五”发展规划编制工作方案", "{org}{y}年工作计划"]),
    ("0304", DocumentType.STATISTICS, "0203", ["{org}{y}年一季度统计数据", "{org}{y}年上半年主要指标完成情况"]),
    ("0305", DocumentType.OTHER_DOCUMENT, "0101", ["{org}行政许可事项清单（{y}年版）", "{org}政务服务事项办事指南"]),
    ("0306", DocumentType.OTHER_DOCUMENT, "1503", ["{org}行政处罚裁量基准", "{org}{y}年行政处罚决定公示（第{n}批）"]),
    (
        "0307",
        DocumentType.BUDGET,
        "0301",
        ["{org}{y}年部门预算公开", "{org}{y}年部门决算公开", "{org}{y}年“三公”经费预算情况说明"],
    ),
    ("0308", DocumentType.OTHER_DOCUMENT, "0301", ["{org}行政事业性收费项目目录", "{org}涉企收费清单"]),
    ("0309", DocumentType.NOTICE, "0301", ["{org}{y}年政府集中采购目录及标准", "{org}采购项目中标结果公告（第{n}号）"]),
    (
        "0310",
        DocumentType.NOTICE,
        "0206",
        ["{org}重大建设项目批准结果信息", "{org}重大建设项目实施进度（{y}年第{n}期）"],
    ),
    ("0311", DocumentType.OTHER_DOCUMENT, "1402", ["{org}{y}年就业援助月活动方案", "{org}城乡居民医保参保缴费公告"]),
    (
        "0312",
        DocumentType.OTHER_DOCUMENT,
        "0103",
        ["{org}突发事件总体应急预案", "{org}防汛防台专项应急预案（{y}年修订）"],
    ),
    (
        "0313",
        DocumentType.NOTICE,
        "0905",
        ["{org}{y}年安全生产检查情况通报", "{org}食品安全监督抽检结果公告（{y}年第{n}期）"],
    ),
    ("0314", DocumentType.PERSONNEL, "1403", ["{org}{y}年公开招聘工作人员公告", "{org}{y}年拟录用人员公示"]),
    ("0315", DocumentType.OTHER_DOCUMENT, "0101", ["{org}政府信息公开工作制度汇编", "{org}{y}年政务公开培训情况"]),
    ("0316", DocumentType.NEWS, "0902", ["{org}推进老旧小区改造工作动态", "{org}城市道路提升工程进展"]),
    ("0317", DocumentType.NEWS, "1201", ["{org}家庭医生签约服务情况", "{org}基层公共服务设施建设"]),
    ("0318", DocumentType.NEWS, "1603", ["{org}慈善救助项目实施情况", "{org}公益性岗位开发情况"]),
    ("0319", DocumentType.NOTICE, "0401", ["{org}土地征收启动公告（{y}第{n}号）", "{org}征地补偿安置方案"]),
    ("0320", DocumentType.NOTICE, "0902", ["{org}国有土地上房屋征收决定公告", "{org}房屋征收补偿方案征求意见"]),
    ("0321", DocumentType.NEWS, "1501", ["{org}{y}年社会治安形势通报", "{org}平安建设工作动态"]),
    ("0322", DocumentType.OTHER_DOCUMENT, "1603", ["{org}最低生活保障标准调整公告", "{org}临时救助实施办法"]),
    ("02", DocumentType.OTHER_DOCUMENT, "0101", ["{org}政府信息公开申请办理制度", "{org}政府信息公开保密审查制度"]),
]
# A town's article-21 columns (catalog.categories.ARTICLE_21_TOWN), in place of the county ones from 0316 on:
# no column of the demo stays empty (website inspection: 5 or more empty columns fail it).
TOWN_TOPICS = [
    ("0316", DocumentType.OTHER_DOCUMENT, "0501", ["{org}{y}年强农惠农富农政策落实情况"]),
    ("0317", DocumentType.NEWS, "0503", ["{org}小型农田水利工程建设进展"]),
    ("0318", DocumentType.NOTICE, "0501", ["{org}农村土地承包经营权流转情况公示（{y}年第{n}期）"]),
    ("0319", DocumentType.NOTICE, "0401", ["{org}农村宅基地审批结果公示（{y}年第{n}批）"]),
    ("0320", DocumentType.NOTICE, "0401", ["{org}集体土地征收补偿安置公告"]),
    ("0321", DocumentType.NOTICE, "0902", ["{org}房屋征收补偿情况公示"]),
    ("0322", DocumentType.OTHER_DOCUMENT, "0101", ["{org}{y}年村级公益事业筹资筹劳方案"]),
    ("0323", DocumentType.OTHER_DOCUMENT, "1603", ["{org}{y}年低保、特困供养对象名单公示"]),
]
# The first item of these kinds in each organization is dated a few days before the demo is loaded, so that
# the site passes the website inspection's freshness rules whenever it is loaded (inspection/checks.py:
# 工作动态 within 2 weeks, 通知公告 and 政策文件 within 6 months): {document type: days before today}.
FRESH = {
    DocumentType.NEWS: 5,
    DocumentType.NOTICE: 12,
    DocumentType.NORMATIVE: 20,
}

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


def _staff(organization: Organization, role: str):
    membership = (
        Membership.objects.filter(organization__in=organization.get_ancestors(include_self=True), role=role)
        .select_related("user")
        .order_by("-organization__level")
        .first()
    )
    return membership.user if membership else None


def _guide(organization: Organization, author) -> None:
    Guide.objects.get_or_create(
        organization=organization,
        effective_date=dt.date(2025, 1, 1),
        defaults={
            "is_published": True,
            "office_name": f"{organization.name}政府信息公开工作领导小组办公室",
            "address": organization.address,
            "postcode": organization.postcode,
            "phone": organization.phone,
            "fax": organization.fax,
            "email": organization.email,
            "office_hours": organization.office_hours,
            "classification": "本机关主动公开的政府信息按“政府信息公开指南、政府信息公开制度、法定主动公开内容、"
            "政府信息公开年报”四个栏目编排，法定主动公开内容按《条例》第二十条、第二十一条分类。",
            "how_to_obtain": "通过本网站政府信息公开专栏查阅、检索和下载；也可到县档案馆、县图书馆政府信息查阅点查阅。",
            "how_to_apply": "可通过本网站“依申请公开”栏目在线提交申请，也可通过信函、传真或当面提交书面申请。"
            "申请内容应包括申请人的姓名或名称、身份证明、联系方式，所需政府信息的名称、文号或便于查询的其他特征性描述，"
            "以及获取信息的方式和途径。",
            "handling": "能够当场答复的当场答复；不能当场答复的，自收到申请之日起20个工作日内答复，"
            "需要延长答复期限的，经负责人同意并告知申请人，延长期限最长不超过20个工作日。",
            "fees": "依申请提供政府信息不收取费用；申请数量、频次明显超过合理范围的，按规定收取信息处理费。",
            "remedies": "认为本机关在政府信息公开工作中侵犯其合法权益的，可向上一级行政机关或政府信息公开工作主管部门投诉、举报，"
            "也可依法申请行政复议或者提起行政诉讼。",
            "created_by": author,
        },
    )


def _publish(item: Item, clerk, reviewer, when: dt.datetime) -> Item:
    publishing.submit(item, by=clerk)
    return publishing.approve(item, by=reviewer, now=when)


def load(stdout) -> None:
    """Create the demo catalog once; a second run finds it there and does nothing."""
    seed_subjects()
    if Item.objects.exists():
        stdout.write("演示信息已存在，跳过。")
        return
    rng = random.Random(20260301)  # noqa: S311 - demo data, reproducible
    # The towns' own topics draw from their own sequence: the other organizations' items stay as they were.
    town_rng = random.Random(20260302)  # noqa: S311 - demo data, reproducible
    today = timezone.localdate()
    subjects = {s.code: s for s in Subject.objects.all()}
    made = 0
    for organization in Organization.objects.filter(is_active=True).order_by("tree_id", "lft"):
        seed_categories(organization)
        clerk, reviewer = _staff(organization, Role.CLERK), _staff(organization, Role.REVIEWER)
        if clerk is None or reviewer is None or clerk == reviewer:
            continue
        _guide(organization, clerk)
        categories = {c.code: c for c in Category.objects.filter(organization=organization)}
        short = organization.short_name or organization.name
        normatives = []
        town = organization.kind == Organization.Kind.TOWN
        # The article-21 columns of a town differ from a county department's: its own topics from 0316 on.
        topics = [t for t in TOPICS if not (town and t[0] >= "0316")] + (TOWN_TOPICS if town else [])
        fresh = set(FRESH)
        for code, doc_type, subject_code, patterns in topics:
            if code not in categories:
                continue
            source = town_rng if town and code >= "0316" else rng
            for number, pattern in enumerate(patterns, start=1):
                year = source.choice(YEARS)
                written = dt.date(year, source.randint(1, 10 if year == 2026 else 12), source.randint(1, 28))
                # Most items go out within a few days; a few are late (第二十六条).
                delay = source.choice([1, 2, 3, 5, 8, 12, 40]) if code != "0301" else 3
                if doc_type in fresh:
                    fresh.discard(doc_type)
                    written, delay = today - dt.timedelta(days=FRESH[doc_type]), 1
                    year = written.year
                when = dt.datetime.combine(written + dt.timedelta(days=delay), dt.time(9, 30), tzinfo=TZ)
                when = min(when, timezone.now())  # nothing published in the future
                with transaction.atomic():
                    item = Item.objects.create(
                        organization=organization,
                        category=categories[code],
                        subject=subjects.get(subject_code),
                        document_type=doc_type,
                        title=pattern.format(org=short, y=year, n=number),
                        document_number=f"{short}发〔{year}〕{source.randint(1, 60)}号"
                        if doc_type == "normative"
                        else "",
                        written_date=written,
                        keywords="政务公开 " + short,
                        summary=f"{short}发布的{categories[code].name}相关信息。",
                        body=f"<p>{pattern.format(org=organization.name, y=year, n=number)}。</p>"
                        "<p>现予公开，欢迎社会各界监督。</p>",
                        channels=["website"] + (["wechat"] if number % 2 else []),
                        author=clerk,
                    )
                if doc_type == DocumentType.BUDGET:
                    upload = SimpleUploadedFile(f"{item.title}.pdf", PDF, content_type="application/pdf")
                    add_attachment(item, upload, by=clerk)
                item = _publish(item, clerk, reviewer, when)
                made += 1
                if doc_type == DocumentType.NORMATIVE:
                    normatives.append(item)
        # Policies with their interpretation, one abolished document replaced by a newer one.
        for policy in normatives[:1]:
            with transaction.atomic():
                reading = Item.objects.create(
                    organization=organization,
                    category=policy.category,
                    subject=policy.subject,
                    document_type=DocumentType.INTERPRETATION,
                    title=f"《{policy.title.split('《')[-1].split('》')[0] if '《' in policy.title else policy.title}》政策解读",
                    written_date=policy.written_date,
                    summary="图文解读文件出台的背景、主要内容和适用范围。",
                    body="<h2>一、出台背景</h2><p>……</p><h2>二、主要内容</h2><p>……</p>",
                    channels=["website"],
                    author=clerk,
                )
                reading.interprets.add(policy)
            _publish(reading, clerk, reviewer, policy.published_at + dt.timedelta(hours=2))
            made += 1
        if len(normatives) > 1:
            # A published item changes through a reviewed revision, whose save also refreshes the search
            # index and the cached pages (a queryset update would leave both showing it as valid).
            revision = publishing.propose_revision(
                normatives[1],
                {"validity": Validity.REPEALED, "validity_date": dt.date(2026, 6, 30), "replaced_by": normatives[0]},
                by=clerk,
                comment="该文件已废止，由新文件替代。",
            )
            publishing.approve_revision(revision, by=reviewer)
        if "04" in categories:
            # The 政府信息公开年报 column points to last year's report, published on the reports pages.
            report_year = today.year - 1 if today >= dt.date(today.year, 2, 1) else today.year - 2
            written = dt.date(report_year + 1, 1, 20)
            with transaction.atomic():
                report = Item.objects.create(
                    organization=organization,
                    category=categories["04"],
                    subject=subjects.get("0101"),
                    document_type=DocumentType.OTHER,
                    title=f"{short}{report_year}年政府信息公开工作年度报告",
                    written_date=written,
                    summary=f"{short}{report_year}年政府信息公开工作年度报告全文。",
                    body=f'<p>报告全文及表格见<a href="{reverse("disclosure_site:reports")}">政府信息公开年报</a>。</p>',
                    channels=["website"],
                    author=clerk,
                )
            _publish(
                report, clerk, reviewer, dt.datetime.combine(written + dt.timedelta(days=5), dt.time(10), tzinfo=TZ)
            )
            made += 1
        with transaction.atomic():
            scheduled = Item.objects.create(
                organization=organization,
                category=categories["0311"],
                document_type=DocumentType.NOTICE,
                title=f"{short}关于2027年元旦期间便民服务安排的公告",
                written_date=dt.date(2026, 11, 20),
                summary="元旦期间便民服务窗口安排。",
                body="<p>元旦期间，便民服务窗口正常开放。</p>",
                scheduled_at=dt.datetime(2026, 12, 28, 9, 0, tzinfo=TZ),
                author=clerk,
            )
        publishing.submit(scheduled, by=clerk)
        publishing.approve(scheduled, by=reviewer, now=dt.datetime(2026, 11, 25, 10, 0, tzinfo=TZ))
        # One draft waiting for review, so the reviewer's queue is not empty.
        with transaction.atomic():
            pending = Item.objects.create(
                organization=organization,
                category=categories["0313"],
                document_type=DocumentType.NOTICE,
                title=f"{short}{2026}年第四季度监督检查情况通报",
                written_date=dt.date(2026, 11, 24),
                author=clerk,
            )
        publishing.submit(pending, by=clerk)
        made += 2
    published = Item.objects.filter(status=ItemStatus.PUBLISHED).count()
    stdout.write(f"演示信息已载入：{made} 条（已发布 {published} 条，含定时发布和待审核信息）。")
