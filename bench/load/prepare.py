"""Load test data that the generic commands do not make: staff accounts and the targets file for run.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_load .venv/bin/python bench/load/prepare.py

Called by bench/load/setup.sh after the demo data and the generated catalog are in. It creates one
account per role (经办人, 审核人, 机关负责人) in each of eight organizations (the demo county, three of
its units, the generated county and three of its departments), all with one generated password, and
writes var/load/targets.json: those accounts, the ids run.py draws its URLs from and the search words.
Not part of the test suite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure_site.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402

from catalog.models import Category, Item, ItemStatus  # noqa: E402
from disclosure_site.models import Membership, Organization, Role  # noqa: E402

TARGETS = ROOT / "var" / "load" / "targets.json"
DEMO_ROOT = "清河县人民政府"
DEMO_UNITS = ["清河县财政局", "清河县教育局", "清河县城关镇人民政府"]
GENERATED_ROOT = "检索基准县人民政府"  # bench/search.py generate


def _search_words() -> list[str]:
    """Words of bench/search.py's corpus: topic words (a few % of items each), common words, rare words."""
    spec = importlib.util.spec_from_file_location("bench_search_corpus", ROOT / "bench" / "search.py")
    corpus = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = corpus  # its dataclasses look their module up there
    spec.loader.exec_module(corpus)
    topic_words = [word for topic in corpus.TOPICS for word in topic]
    return corpus.CORE[:20] + topic_words + corpus.RARE[:30]


@transaction.atomic
def _staff(organizations: list[Organization], password: str) -> list[dict]:
    User = get_user_model()
    password_hash = make_password(password)  # one hash for all: each costs a noticeable fraction of a second
    accounts = []
    # Role by role, so that the first few staff users of run.py are spread over the organizations.
    for role in (Role.CLERK, Role.REVIEWER, Role.HEAD):
        for n, organization in enumerate(organizations, start=1):
            username = f"load{n:02d}_{role.value}"
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={"is_staff": True, "is_superuser": False, "is_active": True, "password": password_hash},
            )
            Membership.objects.get_or_create(user=user, organization=organization, role=role)
            accounts.append({"username": username, "organization": organization.name, "role": role.value})
    return accounts


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench/load/prepare.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    demo_root = Organization.objects.get(name=DEMO_ROOT)
    generated_root = Organization.objects.get(name=GENERATED_ROOT)
    departments = list(Organization.objects.filter(parent=generated_root).order_by("pk"))
    staffed = [
        demo_root,
        *Organization.objects.filter(name__in=DEMO_UNITS).order_by("pk"),
        generated_root,
        *departments[:3],
    ]
    password = secrets.token_urlsafe(18)
    accounts = _staff(staffed, password)

    published = Item.objects.filter(status=ItemStatus.PUBLISHED)
    bounds = published.aggregate(low=Min("pk"), high=Max("pk"))
    organizations = list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))
    with_items = list(published.values_list("organization_id", flat=True).distinct())
    categories = [
        [org_id, pk]
        for org_id, pk in Category.objects.filter(organization_id__in=with_items, is_active=True)
        .exclude(kind=Category.Kind.ROOT)  # its page redirects to the organization's catalog
        .order_by("pk")
        .values_list("organization_id", "pk")
    ]
    targets = {
        "password": password,
        "staff": accounts,
        "item_ids": [bounds["low"], bounds["high"]],
        # Ids in that range that a visitor may not see (the demo's drafts, pending and withdrawn items).
        "item_ids_hidden": list(
            Item.objects.filter(pk__range=(bounds["low"], bounds["high"]))
            .exclude(status=ItemStatus.PUBLISHED)
            .values_list("pk", flat=True)
        ),
        "items": published.count(),
        "organizations": organizations,
        "organizations_with_items": with_items,
        "categories": categories,
        "search_words": _search_words(),
    }
    TARGETS.parent.mkdir(parents=True, exist_ok=True)
    TARGETS.write_text(json.dumps(targets, ensure_ascii=False, indent=1))
    TARGETS.chmod(0o600)
    print(
        f"{len(accounts)} staff accounts in {len(staffed)} organizations; {targets['items']:,} published items "
        f"(ids {bounds['low']}–{bounds['high']}), {len(categories)} categories; targets in {TARGETS}"
    )


if __name__ == "__main__":
    main()
