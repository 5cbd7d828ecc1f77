"""Full-text search at a million items: corpus, index build, query latency, icontains, recall, memory.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_search_bench
    .venv/bin/python bench/search.py generate --items 1000000   # organizations + items, COPY (~10 min)
    .venv/bin/python bench/search.py index                      # rebuild_search_index: rate and size
    .venv/bin/python bench/search.py queries                    # p50/p95 per query kind, icontains, ratio
    .venv/bin/python bench/search.py queries --slowest 10 --explain   # … and why the slowest were slow
    .venv/bin/python bench/search.py queries --page             # the same, timing the whole search page
    .venv/bin/python bench/search.py search 公开 --organization 2 --order date   # one search, EXPLAINed
    .venv/bin/python bench/search.py recall                     # index against a substring scan
    .venv/bin/python bench/search.py segmenter                  # rjieba (and jieba if installed): speed, RSS

The corpus: titles in the shape of real notices (关于…的通知) from government phrases, bodies of
300–5,000 characters (uniform) made of sentences drawn from a pool written from a Zipf-weighted
government vocabulary, topic words (one or two topics per item), rare words, generated place names
and numbers. Deterministic (seeded). Not part of the test suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

# A script's own directory comes first on sys.path: keep bench/'s other files (bench/statistics.py)
# from shadowing the standard library modules of the same name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import io  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure_site.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402

# DEBUG only lets the settings load without production secrets: turned off again, so that no statement
# is kept in connection.queries (a rebuild's inserts are megabytes each) and timings are production's.
settings.DEBUG = False
from django.db import connection  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))
ROOT_ORG = "检索基准县人民政府"

# Vocabulary --------------------------------------------------------------------------------------------

CORE = (
    "工作 发展 建设 管理 服务 推进 加强 落实 开展 实施 完善 提升 群众 企业 单位 部门 项目 资金 政策 制度 "
    "机制 问题 情况 要求 安全 经济 社会 规定 标准 措施 组织 责任 监督 检查 有关 相关 进一步 全面 重点 目标"
).split()
GENERAL = (
    "政府 人民政府 办公室 乡镇 街道 社区 村民 居民 学校 医院 道路 工程 体系 平台 任务 方案 意见 通知 办法 "
    "条例 指标 考核 整改 风险 隐患 质量 效率 水平 能力 改革 创新 环境 生态 农业 农村 农民 产业 财政 税收 "
    "收入 支出 补贴 补助 救助 保障 保险 养老 医疗 教育 就业 住房 交通 水利 能源 电力 通信 数据 统计 审计 "
    "执法 审批 登记 备案 公示 公告 申请 受理 办理 答复 规划 计划 总结 报告 会议 文件 精神 部署 领导 干部 "
    "职工 人员 对象 范围 期限 程序 材料 条件 依据 原则 职责 分工 协调 配合 宣传 培训 指导 调研 评估 "
    "验收 审核 批准 核定 发放 拨付 使用 监管 维护 运行 保护 防治 治理 改造 提质 增效 转型 升级 优化 "
    "规范 健全 深化 扩大 加快 确保 强化 做好 抓好 研究 制定 印发 发布 公布 调整 召开 举办 参加 督查 "
    "全县 全市 各级 各地 本级 年度 季度 上半年 下半年 同比 增长 下降 累计 完成 实现 达到 超过 万元 亿元 "
    "公开 信息 政务 依法 严格 持续 稳步 统一 主要 积极 有序 切实 认真 及时 准确 便民 惠民 民生 基层 "
    "乡村振兴 营商环境 数字政府 政务服务 一网通办 放管服 信息公开 政务公开 政府信息公开 主动公开 "
    "依申请公开 行政许可 行政处罚 行政复议 行政诉讼 规范性文件 政策解读 预算 决算 预决算 三公经费 "
    "政府采购 公共资源交易 重大建设项目 安全生产 食品安全 市场监管 生态环境 疫情防控 应急预案"
).split()
TOPICS = [
    "义务教育 学前教育 职业教育 招生考试 学区划分 教师招聘 校舍 课后服务 双减 助学金".split(),
    "医疗保障 医疗救助 基本公共卫生服务 家庭医生签约 疫苗接种 卫生院 药品安全 医保 门诊 住院".split(),
    "保障性住房 公共租赁住房 保障性租赁住房 棚户区改造 老旧小区改造 住房公积金 物业 租金 房源 轮候".split(),
    "最低生活保障 低保 特困人员 临时救助 社会救助 残疾人 退役军人 优抚对象 殡葬管理 孤儿".split(),
    "耕地保护 高标准农田 粮食安全 农业补贴 耕地地力保护补贴 惠民惠农 种粮 农机 合作社 家庭农场".split(),
    "大气污染防治 水污染防治 土壤污染防治 环境影响评价 排污许可 河长制 林长制 垃圾分类 污水处理 碳达峰".split(),
    "一般公共预算 政府性基金预算 国有资本经营预算 部门预算 部门决算 转移支付 专项资金 政府债务 专项债券 审计整改".split(),
    "防汛抗旱 森林防火 突发事件 应急预案 地质灾害 避险 转移 值班 预警 演练".split(),
    "国土空间规划 控制性详细规划 建设用地规划许可证 建设工程规划许可证 施工许可证 土地征收 房屋征收 征地补偿 宅基地 不动产登记".split(),
    "公务员招录 事业单位招聘 人事任免 高校毕业生 农民工 根治欠薪 最低工资标准 稳就业 技能培训 创业担保贷款".split(),
    "统计公报 人口普查 经济普查 国民经济和社会发展 政府工作报告 地区生产总值 固定资产投资 社会消费品零售总额 居民人均可支配收入 规模以上工业".split(),
    "行政执法公示 执法全过程记录 重大执法决定法制审核 双随机一公开 权责清单 负面清单 公平竞争审查 合法性审查 重大行政决策 政府法律顾问".split(),
]
RARE = (
    "敬老院 幼儿园 派出所 供销社 水库 堤防 泵站 桥梁 隧道 渡口 码头 车站 机场 港口 仓库 粮库 林场 茶园 果园 "
    "牧场 渔业 蚕桑 中药材 食用菌 光伏 风电 储能 充电桩 冷链 电商 直播 快递 物流园 孵化器 众创空间 博物馆 "
    "图书馆 文化馆 体育馆 游泳池 公园 绿道 古村落 非物质文化遗产 文物 考古 志愿者 网格员 调解员 辅警 消防站 "
    "救护车 献血 器官捐献 计划生育 独生子女 留守儿童 困境儿童 未成年人 妇女儿童 老年人 高龄津贴 护理补贴 "
    "助餐 适老化 无障碍 盲道 廉租房 人才公寓 共有产权住房 城市更新 厕所革命 农村人居环境 畜禽养殖 秸秆 "
    "地膜 化肥 农药 兽药 饲料 检疫 屠宰 冷库 菜篮子 价格监测 计量 特种设备 电梯 锅炉 燃气 液化石油气 "
    "烟花爆竹 危险化学品 尾矿库 非煤矿山 建筑施工 脚手架 深基坑 起重机械 扬尘 噪声 油烟 餐饮 外卖 学生饮用奶"
).split()
PLACE_CHARS = "青石白云东西南北上下新旧长安平和兴隆福寿永泰清水溪河湾塘岭坪山岗桥庄湖洲坝口沙柳杨梅桃李竹松"
PLACE_SUFFIXES = ["镇", "乡", "村", "社区", "街道"]
DOC_KINDS = ["通知", "意见", "办法", "方案", "公告", "报告", "决定", "批复", "通报", "函"]
DOC_TYPES = ["normative", "other_document", "news", "notice", "plan", "statistics", "budget", "personnel", "other"]


def _zipf(words: list[str], rng: random.Random, k: int, exponent: float = 1.0) -> list[str]:
    weights = [1 / (rank + 1) ** exponent for rank in range(len(words))]
    return rng.choices(words, weights=weights, k=k)


class Corpus:
    """Deterministic Chinese titles and bodies from the vocabulary above."""

    def __init__(self, seed: int = 1, pool_size: int = 60_000):
        self.rng = random.Random(seed)
        rng = self.rng
        self.places = list(
            dict.fromkeys(
                rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS) + rng.choice(PLACE_SUFFIXES) for _ in range(3000)
            )
        )
        general = CORE + GENERAL
        rng.shuffle(general)
        self.general = general
        self.pool = [self._sentence(general) for _ in range(pool_size)]
        self.topic_pools = [[self._sentence(general, topic) for _ in range(3000)] for topic in TOPICS]

    def _sentence(self, general: list[str], topic: list[str] | None = None) -> str:
        rng = self.rng
        words = _zipf(general, rng, rng.randint(4, 10), 0.9)
        if topic:
            for _ in range(rng.randint(1, 2)):
                words.insert(rng.randrange(len(words)), rng.choice(topic))
        if rng.random() < 0.05:
            words.insert(rng.randrange(len(words)), rng.choice(RARE))
        if rng.random() < 0.2:
            words.insert(0, rng.choice(self.places))
        if rng.random() < 0.15:
            words.append(f"{rng.randint(1, 999)}{rng.choice(['万元', '个', '人', '户', '项', '公里', '亩'])}")
        if len(words) > 5 and rng.random() < 0.5:
            words.insert(rng.randint(2, len(words) - 2), "，")
        return "".join(words) + rng.choice("。。。；")

    def title(self, serial: int, topics: list[int]) -> str:
        rng = self.rng
        words = _zipf(self.general, rng, rng.randint(2, 5), 0.9)
        for topic in topics:
            words.insert(rng.randrange(len(words) + 1), rng.choice(TOPICS[topic]))
        prefix = rng.choice(["关于", "关于印发", "关于做好", "关于进一步加强", ""])
        place = rng.choice(self.places) if rng.random() < 0.3 else ""
        return f"{place}{prefix}{''.join(words)}的{rng.choice(DOC_KINDS)}（第{serial}号）"

    def body(self, topics: list[int]) -> str:
        rng = self.rng
        target = rng.randint(300, 5000)
        sentences, length = [], 0
        while length < target:
            chunk = rng.choices(self.pool, k=8)
            for topic in topics:
                chunk += rng.choices(self.topic_pools[topic], k=3)
            rng.shuffle(chunk)
            sentences += chunk
            length += sum(map(len, chunk))
        text = "".join(sentences)[:target]
        paragraphs = [text[i : i + 400] for i in range(0, len(text), 400)]
        return "".join(f"<p>{p}</p>" for p in paragraphs)


# Generate ----------------------------------------------------------------------------------------------


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench/search.py needs PostgreSQL: set DATABASE_URL=postgres://…")


def _organizations(count: int):
    from catalog.models import Category
    from disclosure_site.checkdigits import make_credit_code
    from disclosure_site.models import Organization

    root, _ = Organization.objects.get_or_create(
        name=ROOT_ORG, defaults={"kind": "government", "credit_code": make_credit_code("339800", "80000000")}
    )
    existing = Organization.objects.filter(parent=root).count()
    for n in range(existing, count):
        Organization.objects.create(
            name=f"检索基准县第{n:03d}局", parent=root, credit_code=make_credit_code("339800", f"{80000001 + n:08d}")
        )
    organizations = list(Organization.objects.filter(parent=root).order_by("pk")[:count])
    categories = {
        org.pk: list(Category.objects.filter(organization_id=org.pk, level=2).values_list("pk", flat=True))
        for org in organizations
    }
    return organizations, categories


def generate(items: int, orgs: int) -> None:
    _require_postgres()
    from django.core.management import call_command

    from catalog.models import Subject
    from catalog.subjects import seed_subjects

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed_subjects()
    author, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True})
    organizations, categories = _organizations(orgs)
    subjects = list(Subject.objects.filter(level=1).values_list("pk", flat=True))
    corpus = Corpus()
    rng = random.Random(2)
    print(f"organizations and corpus ready in {time.perf_counter() - start:.1f} s", flush=True)
    columns = (
        "organization_id, category_id, subject_id, document_type, title, document_number, written_date, "
        "published_at, validity, keywords, summary, body, channels, index_number, status, author_id, "
        "is_late, created_at, updated_at"
    )
    copy_sql = f"COPY catalog_item ({columns}) FROM STDIN WITH (FORMAT text)"  # noqa: S608 - constant
    per_org = items // len(organizations)
    buffer, written, chars = io.StringIO(), 0, 0
    with connection.cursor() as cursor:
        for org in organizations:
            prefix = org.effective_index_prefix
            for serial in range(1, per_org + 1):
                day = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randint(0, 3900))
                published = dt.datetime.combine(day, dt.time(rng.randint(8, 18), rng.randint(0, 59)), tzinfo=TZ)
                topics = rng.sample(range(len(TOPICS)), rng.choice([1, 1, 2]))
                title = corpus.title(serial, topics)
                body = corpus.body(topics)
                chars += len(title) + len(body)
                row = (
                    org.pk,
                    rng.choice(categories[org.pk]),
                    rng.choice(subjects),
                    rng.choice(DOC_TYPES),
                    title,
                    f"检基发〔{day.year}〕{serial}号",
                    (day - dt.timedelta(days=rng.randint(0, 30))).isoformat(),
                    published.isoformat(),
                    rng.choice(["valid"] * 9 + ["repealed"]),
                    " ".join(rng.choice(TOPICS[t]) for t in topics),
                    body[3:123].split("<")[0],
                    body,
                    json.dumps(["website"]),
                    f"{prefix}/{day.year}-{serial:07d}",
                    "published",
                    author.pk,
                    "f",
                    published.isoformat(),
                    published.isoformat(),
                )
                buffer.write("\t".join(str(v) for v in row) + "\n")
                written += 1
                if written % 20000 == 0:
                    buffer.seek(0)
                    cursor.copy_expert(copy_sql, buffer)
                    buffer = io.StringIO()
                    print(f"  {written:,} items, {time.perf_counter() - start:.0f} s", flush=True)
        buffer.seek(0)
        cursor.copy_expert(copy_sql, buffer)
        cursor.execute("ANALYZE")  # every table: the organizations and columns were created here too
    print(
        f"generated {written:,} items ({chars / written:,.0f} characters each on average) "
        f"in {time.perf_counter() - start:.1f} s"
    )


# Index build ---------------------------------------------------------------------------------------------


def index(workers: int) -> None:
    _require_postgres()
    from catalog.search import backends, indexing

    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 30 or done == total:
            last[0] = now
            print(f"  {done:,}/{total:,} items, {now - started:.0f} s", flush=True)

    count = indexing.rebuild(batch_size=1000, workers=workers, progress=progress)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        size = backends.for_connection(connection).size(cursor)
        cursor.execute(
            "SELECT pg_relation_size('search_vector_gin'), pg_relation_size('search_title_vector_gin'), "
            "pg_total_relation_size('catalog_item')"
        )
        gin, title_gin, items = cursor.fetchone()
    print(
        f"index build: {count:,} items in {seconds:.0f} s = {count / seconds:,.0f} items/s ({workers} worker(s))\n"
        f"index size: {size / 2**20:,.0f} MiB in all (GIN {gin / 2**20:,.0f} MiB, title GIN "
        f"{title_gin / 2**20:,.0f} MiB); the items themselves take {items / 2**20:,.0f} MiB"
    )


# Queries -----------------------------------------------------------------------------------------------


def _document_frequencies(sample: int = 3000) -> dict[str, float]:
    """The share of items containing each vocabulary word, from a random sample of the items."""
    from catalog.models import Item
    from catalog.search.segment import html_to_text

    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM catalog_item")
        top = cursor.fetchone()[0]
    rng = random.Random(3)
    ids = rng.sample(range(1, top + 1), sample)
    texts = [
        f"{t} {s} {html_to_text(b)}"
        for t, s, b in Item.objects.filter(pk__in=ids).values_list("title", "summary", "body")
    ]
    words = list(dict.fromkeys(CORE + GENERAL + [w for t in TOPICS for w in t] + RARE))
    return {w: sum(w in text for text in texts) / len(texts) for w in words}


def _strata(frequencies: dict[str, float]) -> dict[str, list[str]]:
    ranked = sorted(frequencies, key=frequencies.get, reverse=True)
    return {
        "common": ranked[:12],  # the most common words (in most items)
        "mid": [w for w in ranked if 0.01 <= frequencies[w] < 0.1][:12],
        "rare": [w for w in ranked if 0 < frequencies[w] < 0.01][:12],
    }


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(round(len(times) * 0.95)) - 1)]


@dataclass
class Sample:
    """One timed search: its arguments, its time and every SQL statement it ran (with their times)."""

    kind: str
    text: str
    filters: object
    order: str
    ms: float = 0.0
    statements: list[tuple[float, str, object]] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.ms:7.1f} ms  {self.kind:<36} q={self.text!r} order={self.order} {_describe(self.filters)}"


def _describe(filters) -> str:
    """The filters of a search in a line (organization by id and name)."""
    if filters is None or not filters.active:
        return "no filter"
    parts = []
    if filters.organization is not None:
        parts.append(f"organization={filters.organization.pk} ({filters.organization.name})")
    for name in ("category", "subject"):
        if (value := getattr(filters, name)) is not None:
            parts.append(f"{name}={value.pk}")
    for name in ("document_type", "validity", "date_from", "date_to"):
        if value := getattr(filters, name):
            parts.append(f"{name}={value}")
    return " ".join(parts)


class StatementLog:
    """connection.execute_wrapper recording each statement with its time in milliseconds."""

    def __init__(self) -> None:
        self.statements: list[tuple[float, str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append(((time.perf_counter() - started) * 1000, sql, params))


def page_url(sample: Sample) -> str:
    """The search page's URL for a sample (the filters as the page's form takes them)."""
    from urllib.parse import urlencode

    params = {"q": sample.text, "order": sample.order}
    filters = sample.filters
    if filters is not None:
        if filters.organization is not None:
            params["organization"] = filters.organization.pk
        if filters.document_type:
            params["document_type"] = filters.document_type
        if filters.date_from:
            params["date_from"] = filters.date_from.isoformat()
    return "/search/?" + urlencode(params)


_client = None
_requests = itertools.count()


def timed_search(sample: Sample, *, page: bool = False) -> Sample:
    """Time engine.search, or with page the whole search page through Django (middleware, view, template;
    never from the page cache)."""
    global _client
    from catalog.search import engine

    if page and _client is None:
        from django.test import Client
        from django.test.utils import override_settings

        override_settings(
            ALLOWED_HOSTS=["*"], CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        ).enable()
        _client = Client()
    log = StatementLog()
    with connection.execute_wrapper(log):
        started = time.perf_counter()
        if page:
            # A parameter of its own per request: never answered from the page cache, while what the page
            # keeps in the cache between requests (the filter form's options) stays there, as in production.
            response = _client.get(f"{page_url(sample)}&n={next(_requests)}")
            if response.status_code != 200:
                sys.exit(f"{page_url(sample)}: HTTP {response.status_code}")
        else:
            engine.search(sample.text, filters=sample.filters, order=sample.order)
        sample.ms = (time.perf_counter() - started) * 1000
    sample.statements = log.statements
    return sample


STATEMENT_KINDS = [  # (kind, a string that marks it), first match wins
    ("settings", "SET LOCAL"),
    ("settings", "SAVEPOINT"),
    ("estimate", "EXPLAIN"),
    ("vocabulary", "catalog_searchvocabulary"),
    ("sample", "FILTER (WHERE hit)"),
    ("count", "COUNT(*)"),
    ("walk", "row_number() OVER ()"),
    ("cutoff", "OFFSET %s LIMIT 1"),
    ("rank", "ts_rank"),
    ("page", "SELECT e.item_id, e.published_at"),
    ("items", "catalog_item"),
]


def split_settings(sql: str) -> tuple[list[str], str]:
    """The SET LOCAL statements sent ahead of a query in the same round trip, and the query."""
    settings, rest = [], sql.lstrip()
    while rest.upper().startswith("SET LOCAL"):
        head, _, rest = rest.partition(";")
        settings.append(head.strip())
        rest = rest.lstrip()
    return settings, rest


def statement_kind(sql: str) -> str:
    query = split_settings(sql)[1] or sql
    return next((kind for kind, mark in STATEMENT_KINDS if mark in query), "other")


def breakdown(samples: list[Sample]) -> None:
    """Mean milliseconds per search kind and statement kind; "python": the rest of the search's time."""
    kinds = list(dict.fromkeys(kind for kind, _ in STATEMENT_KINDS)) + ["other", "python"]
    print(f"\n{'mean ms':<36}" + "".join(f"{k[:9]:>10}" for k in kinds))
    for search_kind in dict.fromkeys(s.kind for s in samples):
        chosen = [s for s in samples if s.kind == search_kind]
        totals = dict.fromkeys(kinds, 0.0)
        for sample in chosen:
            for ms, sql, _ in sample.statements:
                totals[statement_kind(sql)] += ms
            totals["python"] += sample.ms - sum(ms for ms, _, _ in sample.statements)
        print(f"{search_kind:<36}" + "".join(f"{totals[k] / len(chosen):>10.1f}" for k in kinds))


def explain(sample: Sample, *, top: int = 1) -> None:
    """Print the sample's statements with their times, and EXPLAIN (ANALYZE, BUFFERS) of its slowest
    ones, each run under the SET LOCAL settings the engine sent with it."""
    from django.db import transaction

    print(sample.describe())
    queries = []
    for ms, sql, params in sample.statements:
        settings, query = split_settings(sql)
        if query.upper().startswith(("SELECT", "WITH", "EXPLAIN")):
            queries.append((ms, settings, query, params))
            print(f"  {ms:8.1f} ms  {' '.join(query.split())[:150]}  {str(params)[:120]}")
    for ms, settings, query, params in sorted(queries, key=lambda q: -q[0])[:top]:
        if query.upper().startswith("EXPLAIN"):
            continue
        print(f"\n  EXPLAIN of the {ms:.1f} ms statement (settings: {'; '.join(settings) or 'none'}):")
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in settings:
                cursor.execute(setting)
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)
            for (line,) in cursor.fetchall():
                print(f"    {line}")


def queries(samples: int, naive: int, slowest: int = 0, explain_slowest: bool = False, page: bool = False) -> None:
    _require_postgres()
    from catalog.models import Item, ItemStatus
    from catalog.search import engine
    from catalog.search.segment import load
    from disclosure_site.models import Organization

    load()
    frequencies = _document_frequencies()
    strata = _strata(frequencies)
    for name, words in strata.items():
        shown = ", ".join(f"{w} {frequencies[w]:.1%}" for w in words)
        print(f"{name} words (share of items containing them): {shown}")
    rng = random.Random(5)
    departments = list(Organization.objects.filter(parent__name=ROOT_ORG))
    root = Organization.objects.get(name=ROOT_ORG)
    filters = [
        lambda: engine.SearchFilters(organization=rng.choice(departments)),
        lambda: engine.SearchFilters(organization=root),
        lambda: engine.SearchFilters(document_type=rng.choice(DOC_TYPES)),
        lambda: engine.SearchFilters(date_from=dt.date(rng.randint(2016, 2025), 1, 1)),
    ]
    pool = strata["common"] * 2 + strata["mid"] + strata["rare"]

    def one_word() -> str:
        return rng.choice(pool)

    def two_words() -> str:
        return f"{rng.choice(pool)} {rng.choice(pool)}"

    engine.search(strata["common"][0])  # warm the connection and the caches of this process
    if page:  # … and the templates
        timed_search(Sample("warm", strata["common"][0], None, "relevance"), page=True)
    print(f"\n{'kind':<44} {'n':>4} {'p50':>8} {'p95':>8} {'max':>8}")
    report: dict[str, tuple[float, float]] = {}
    timed: list[Sample] = []
    for words_name, make_words in (("1 word", one_word), ("2 words", two_words)):
        for filter_name, with_filter in (("no filter", False), ("filter", True)):
            for order in ("relevance", "date"):
                kind = f"{words_name}, {filter_name}, by {order}"
                times = []
                for _ in range(samples):
                    text = make_words()
                    chosen = rng.choice(filters)() if with_filter else None
                    sample = timed_search(Sample(kind, text, chosen, order), page=page)
                    timed.append(sample)
                    times.append(sample.ms)
                p50, p95 = _percentiles(times)
                report[kind] = (p50, p95)
                print(f"{kind:<44} {len(times):>4} {p50:>6.1f}ms {p95:>6.1f}ms {max(times):>6.1f}ms", flush=True)
    breakdown(timed)
    if slowest:
        print(f"\nthe {slowest} slowest searches:")
        for sample in sorted(timed, key=lambda s: -s.ms)[:slowest]:
            if explain_slowest:
                print()
                explain(sample)
            else:
                print(sample.describe())
    for word in strata["common"][:3]:
        times = []
        for order in ("relevance", "date"):
            t0 = time.perf_counter()
            result = engine.search(word, order=order)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"most common word {word!r} ({result.total_display} results): " + ", ".join(f"{t:.1f} ms" for t in times))

    if naive:
        print("\nnaive icontains over title and body (count + first page by date), same data:")
        naive_times, index_times = [], []
        for word in (strata["common"][:1] + strata["mid"][:1] + strata["rare"][:1] + strata["rare"][1:])[:naive]:
            t0 = time.perf_counter()
            qs = Item.objects.filter(status=ItemStatus.PUBLISHED).filter(
                django.db.models.Q(title__icontains=word) | django.db.models.Q(body__icontains=word)
            )
            count = qs.count()
            list(qs.order_by("-published_at", "-id")[:20])
            naive_ms = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            engine.search(word, order="date")
            index_ms = (time.perf_counter() - t0) * 1000
            naive_times.append(naive_ms)
            index_times.append(index_ms)
            print(f"  {word!r}: icontains {naive_ms:,.0f} ms ({count:,} items), index {index_ms:.1f} ms")
        ratio = statistics.median(naive_times) / statistics.median(index_times)
        print(
            f"  median icontains {statistics.median(naive_times):,.0f} ms against index "
            f"{statistics.median(index_times):.1f} ms: {ratio:,.0f}× faster"
        )


def one_search(args) -> None:
    _require_postgres()
    from catalog.search import engine
    from catalog.search.segment import load
    from disclosure_site.models import Organization

    load()
    filters = engine.SearchFilters(
        organization=Organization.objects.get(pk=args.organization) if args.organization else None,
        document_type=args.document_type,
        date_from=args.since,
    )
    for run in range(1, args.repeat + 1):
        sample = timed_search(Sample(f"run {run}", args.text, filters, args.order))
        print(sample.describe())
    explain(sample, top=args.explain)


# Recall ------------------------------------------------------------------------------------------------


def recall(windows: int) -> None:
    """Index matches against a substring scan of the same items (a month of items per window)."""
    _require_postgres()
    from catalog.models import Item
    from catalog.search import backends
    from catalog.search.query import parse
    from catalog.search.segment import html_to_text, normalize

    frequencies = _document_frequencies(1000)
    strata = _strata(frequencies)
    words = strata["common"] + strata["mid"] + strata["rare"] + RARE[:20]
    backend = backends.for_connection(connection)
    rng = random.Random(6)
    found_total = expected_total = 0
    misses: dict[str, int] = {}
    for _ in range(windows):
        start = dt.datetime(rng.randint(2016, 2025), rng.randint(1, 12), 1, tzinfo=TZ)
        end = start + dt.timedelta(days=30)
        items = list(
            Item.objects.filter(published_at__gte=start, published_at__lt=end, status="published").values_list(
                "id", "title", "summary", "keywords", "document_number", "index_number", "body"
            )
        )
        texts = {pk: normalize(" ".join([t, s, k, d, i or "", html_to_text(b)])) for pk, t, s, k, d, i, b in items}
        for word in words:
            query = parse(word)
            condition, params = backend.condition(query.match())
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT e.item_id FROM catalog_searchentry e WHERE {condition} "  # noqa: S608
                    "AND e.published_at >= %s AND e.published_at < %s",
                    [*params, start, end],
                )
                found = {pk for (pk,) in cursor.fetchall()}
            expected = {pk for pk, text in texts.items() if normalize(word) in text}
            found_total += len(found & expected)
            expected_total += len(expected)
            if expected - found:
                misses[word] = misses.get(word, 0) + len(expected - found)
        print(f"  window {start:%Y-%m}: {len(items):,} items", flush=True)
    share = found_total / expected_total if expected_total else 1
    print(f"recall: {found_total:,} of {expected_total:,} expected matches found = {share:.2%} ({len(words)} words)")
    if misses:
        print("  missed:", ", ".join(f"{w} {n}" for w, n in sorted(misses.items(), key=lambda kv: -kv[1])[:10]))


# Segmenter and memory -----------------------------------------------------------------------------------

_SEGMENTER_SCRIPT = """
import sys, time
def rss():
    return int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) / 1024
text = sys.stdin.read()
paragraphs = [p for p in text.split('\\n') if p]
before = rss()
t0 = time.perf_counter()
if sys.argv[1] == 'rjieba':
    import rjieba
    cut = lambda p: rjieba.cut(p, False)
    cut('预热')
else:
    import jieba, logging
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    cut = lambda p: jieba.lcut(p, HMM=False)
load = time.perf_counter() - t0
after = rss()
t0 = time.perf_counter()
for p in paragraphs:
    cut(p)
seconds = time.perf_counter() - t0
print(f"{sys.argv[1]}: {sum(map(len, paragraphs)) / seconds / 1e6:.1f} M characters/s, "
      f"load {load:.1f} s, +{after - before:.0f} MiB RSS")
"""

_WORKER_SCRIPT = """
import os, sys
sys.path.insert(0, {root!r})
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'disclosure_site.settings')
import django
django.setup()
from django.test import Client
from django.conf import settings
settings.ALLOWED_HOSTS = ['*']
from catalog.search import engine
for word in ['预算', '保障性住房 公开', '政府信息公开']:
    engine.search(word)
    engine.search(word, order='date')
try:
    Client().get('/search/?q=预算')
except Exception:
    pass
rss = int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) / 1024
print(f"worker RSS after searches (Django, segmenter loaded, database connection): {{rss:.0f}} MiB")
"""


def segmenter() -> None:
    corpus = Corpus(pool_size=5000)
    text = "\n".join(corpus.body([t % len(TOPICS)]) for t in range(2000))
    from catalog.search.segment import html_to_text

    text = "\n".join(html_to_text(p) for p in text.split("\n"))
    print(f"{len(text):,} characters of generated bodies")
    for name in ("rjieba", "jieba"):
        result = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _SEGMENTER_SCRIPT, name], input=text, capture_output=True, text=True
        )
        print(result.stdout.strip() or f"{name}: not installed ({result.stderr.strip().splitlines()[-1]})")


def memory() -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _WORKER_SCRIPT.format(root=str(ROOT))], capture_output=True, text=True, env=os.environ
    )
    print(result.stdout.strip() or result.stderr.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--items", type=int, default=1_000_000)
    gen.add_argument("--orgs", type=int, default=200)
    idx = sub.add_parser("index")
    idx.add_argument("--workers", type=int, default=2)
    qs = sub.add_parser("queries")
    qs.add_argument("--samples", type=int, default=60)
    qs.add_argument("--naive", type=int, default=3, help="icontains queries to time (each scans the table)")
    qs.add_argument("--slowest", type=int, default=0, help="print the parameters of the N slowest searches")
    qs.add_argument("--explain", action="store_true", help="with --slowest: their statements and EXPLAIN ANALYZE")
    qs.add_argument(
        "--page", action="store_true", help="time the whole search page (view and template), not the engine"
    )
    one = sub.add_parser("search", help="one search: its statements, their times and EXPLAIN ANALYZE")
    one.add_argument("text")
    one.add_argument("--order", default="relevance", choices=["relevance", "date"])
    one.add_argument("--organization", type=int, help="organization id (with its subtree)")
    one.add_argument("--type", dest="document_type", default="")
    one.add_argument("--since", type=dt.date.fromisoformat, help="published on or after this date")
    one.add_argument("--repeat", type=int, default=2, help="run it this many times (the first may be cold)")
    one.add_argument("--explain", type=int, default=1, help="EXPLAIN the N slowest statements of the last run")
    rc = sub.add_parser("recall")
    rc.add_argument("--windows", type=int, default=3)
    sub.add_parser("segmenter")
    sub.add_parser("memory")
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.items, args.orgs)
    elif args.command == "index":
        index(args.workers)
    elif args.command == "queries":
        queries(args.samples, args.naive, args.slowest, args.explain, args.page)
    elif args.command == "search":
        one_search(args)
    elif args.command == "recall":
        recall(args.windows)
    elif args.command == "segmenter":
        segmenter()
    else:
        memory()


if __name__ == "__main__":
    main()
