"""Catalog at scale: generate published items on PostgreSQL and time the public pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_bench .venv/bin/python bench/catalog.py generate --items 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_bench .venv/bin/python bench/catalog.py pages

`generate` creates 200 organizations (each with its seeded category tree) and streams the items
into PostgreSQL with COPY; `pages` times the item page, filtered list pages at page 100 and the
category browse in-process (server time, no network), reporting median and p95.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure_site.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from catalog.models import Category, Item, Subject  # noqa: E402
from catalog.subjects import seed_subjects  # noqa: E402
from disclosure_site.checkdigits import make_credit_code  # noqa: E402
from disclosure_site.models import Organization  # noqa: E402

WORDS = (
    "关于 印发 做好 进一步 加强 推进 实施 开展 公布 调整 财政 预算 决算 教育 医疗 社会保障 就业 住房 "
    "城乡建设 交通 环境保护 安全生产 食品药品 市场监管 行政许可 行政处罚 政府采购 重大项目 应急 "
    "乡村振兴 养老服务 公共服务 政务公开 信息公开 营商环境 数字政府 统计 规划 招聘 征收 补偿 救助"
).split()
DOC_TYPES = ["normative", "other_document", "news", "notice", "plan", "statistics", "budget", "personnel", "other"]
TZ = dt.timezone(dt.timedelta(hours=8))


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench/catalog.py needs PostgreSQL: set DATABASE_URL=postgres://…")


def _title(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))) + f"的通知（第{n}号）"


def generate(items: int, orgs: int) -> None:
    _require_postgres()
    start = time.perf_counter()
    seed_subjects()
    author, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True})
    root, _ = Organization.objects.get_or_create(
        name="基准测试县人民政府",
        defaults={"kind": "government", "credit_code": make_credit_code("339900", "90000000")},
    )
    existing = Organization.objects.filter(parent=root).count()
    for n in range(existing, orgs):
        Organization.objects.create(
            name=f"基准测试县第{n:03d}局", parent=root, credit_code=make_credit_code("339900", f"{90000001 + n:08d}")
        )
    organizations = list(Organization.objects.filter(parent=root).order_by("pk")[:orgs])
    categories = {
        org_id: ids
        for org_id in [o.pk for o in organizations]
        for ids in [list(Category.objects.filter(organization_id=org_id, level=2).values_list("pk", flat=True))]
    }
    subjects = list(Subject.objects.filter(level=1).values_list("pk", flat=True))
    print(f"organizations ready in {time.perf_counter() - start:.1f} s")

    rng = random.Random(1)  # noqa: S311 - benchmark data
    columns = (
        "organization_id, category_id, subject_id, document_type, title, document_number, written_date, "
        "published_at, validity, keywords, summary, body, channels, index_number, status, author_id, "
        "is_late, created_at, updated_at"
    )
    per_org = items // len(organizations)
    batch = io.StringIO()
    written = 0
    copy_sql = f"COPY catalog_item ({columns}) FROM STDIN WITH (FORMAT text)"  # noqa: S608 - constant
    with connection.cursor() as cursor:
        for org in organizations:
            prefix = org.effective_index_prefix
            for serial in range(1, per_org + 1):
                day = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randint(0, 3900))
                published = dt.datetime.combine(day, dt.time(rng.randint(8, 18), rng.randint(0, 59)), tzinfo=TZ)
                title = _title(rng, serial)
                row = (
                    org.pk,
                    rng.choice(categories[org.pk]),
                    rng.choice(subjects),
                    rng.choice(DOC_TYPES),
                    title,
                    "",
                    (day - dt.timedelta(days=rng.randint(0, 30))).isoformat(),
                    published.isoformat(),
                    rng.choice(["valid"] * 9 + ["repealed"]),
                    "政务公开",
                    title[:60],
                    f"<p>{title}。</p>",
                    json.dumps(["website"]),
                    f"{prefix}/{day.year}-{serial:07d}",
                    "published",
                    author.pk,
                    "f",
                    published.isoformat(),
                    published.isoformat(),
                )
                batch.write("\t".join(str(v) for v in row) + "\n")
                written += 1
                if written % 50000 == 0:
                    batch.seek(0)
                    cursor.copy_expert(copy_sql, batch)
                    batch = io.StringIO()
                    print(f"  {written:,} items, {time.perf_counter() - start:.0f} s", flush=True)
        batch.seek(0)
        cursor.copy_expert(copy_sql, batch)
        cursor.execute("ANALYZE catalog_item")
    print(f"generated {written:,} items in {time.perf_counter() - start:.1f} s")


def _time(client, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
    return times


def _report(name: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{name:<34} n={len(times):<4} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms")


def pages(samples: int, root_name: str = "基准测试县人民政府") -> None:
    _require_postgres()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(2)  # noqa: S311
    client = Client()
    max_pk = Item.objects.order_by("-pk").values_list("pk", flat=True).first()
    orgs = list(Organization.objects.filter(parent__name=root_name).values_list("pk", flat=True))
    cats = list(Category.objects.filter(organization_id__in=orgs, level=2).values_list("organization_id", "pk"))
    subjects = list(Subject.objects.filter(level=1).values_list("pk", flat=True))
    root = Organization.objects.get(name=root_name).pk
    item_urls = [f"/items/{rng.randint(1, max_pk)}/" for _ in range(samples)]
    _time(client, item_urls[:10])  # warm up
    _report("item page", _time(client, item_urls))
    filters = [
        lambda: f"organization={rng.choice(orgs)}",
        lambda: f"organization={root}",
        lambda: "category={1}&organization={0}".format(*rng.choice(cats)),
        lambda: f"subject={rng.choice(subjects)}",
        lambda: f"document_type={rng.choice(DOC_TYPES)}",
        lambda: f"year={rng.randint(2016, 2026)}",
        lambda: "validity=repealed",
    ]
    for make in filters:
        urls = [f"/items/?{make()}&page=100" for _ in range(max(samples // 4, 20))]
        _report(f"list page 100 ({urls[0].split('?')[1].split('=')[0]})", _time(client, urls))
    _report("category browse", _time(client, [f"/org/{rng.choice(orgs)}/catalog/" for _ in range(samples // 4)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--items", type=int, default=1_000_000)
    gen.add_argument("--orgs", type=int, default=200)
    pg = sub.add_parser("pages")
    pg.add_argument("--samples", type=int, default=200)
    pg.add_argument(
        "--root",
        default="基准测试县人民政府",
        help="the generated government (bench/search.py's corpus: 检索基准县人民政府, same size, longer bodies)",
    )
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.items, args.orgs)
    else:
        pages(args.samples, args.root)


if __name__ == "__main__":
    main()
