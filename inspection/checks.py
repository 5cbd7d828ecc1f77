"""The website inspection (政府网站与政务新媒体检查指标, 国办函〔2019〕80号; reference/regulation.md, "Website
inspection"): what an inspector would flag on the public site, found in the database instead of by crawling.

Each check is a plain function `check_x(organization_ids, *, now)` returning a CheckResult: findings (what
is wrong, where, and the admin page where it is fixed) and notes (what was and was not looked at).
`organization_ids` is a list of Organization ids, or None for every organization. The checks are SQL
aggregates whose cost does not grow with the number of items, except the link check, which reads the
bodies of published items in batches and the storage directory of each attachment folder once.

The checks:

- links: links in published item bodies to our own site (resolved with the URLconf; an item, attachment,
  column, guide or organization must exist and be public) and public attachments whose file is missing
  from storage. Links to other sites are counted, not fetched: the check never uses the network.
- empty_columns: active 公开目录 columns with no published item in their subtree (a guide column is filled
  by the guide in force); 5 or more in one organization fails the inspection on its own.
- stale_columns: 工作动态 not updated within 2 weeks, 通知公告 and 政策文件 within 6 months (per
  organization, by document type), columns not updated within their Category.update_period_days, and the
  site with no new item in 2 weeks. An item without a valid publish date counts as not updated.
- publish_dates: published items whose shown publish date is missing or in the future.
- requests: open applications past their reply deadline (InfoRequest.due_on, 条例 第三十三条).
- consultations: online messages (网上咨询) with a question unanswered for more than 3 months.
"""

from __future__ import annotations

import calendar
import contextvars
import datetime as dt
import functools
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from html import unescape
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.http.request import validate_host
from django.urls import Resolver404, get_script_prefix, resolve, reverse
from django.utils import timezone

from catalog.models import Attachment, Category, DocumentType, Guide, Item, ItemStatus
from disclosure_site.models import Organization
from requests_app.models import OPEN_STATUSES, Consultation, ConsultationChannel, InfoRequest, Status

ERROR = "error"
WARNING = "warning"
SEVERITY_LABELS = {ERROR: "问题", WARNING: "提示"}

NEWS_DAYS = 14  # 动态、要闻类栏目 and the home page: 2 weeks
NOTICE_MONTHS = 6  # 通知公告、政策文件类栏目: 6 months
CONSULTATION_MONTHS = 3  # 网上留言 unanswered for more than 3 months
EMPTY_COLUMNS_LIMIT = 5  # 空白栏目 5 or more: the site fails the inspection (单项否决)

# The document types an inspector reads as one kind of column, with how long it may go without a new item.
TYPE_COLUMNS = (
    ("工作动态", (DocumentType.NEWS,), "days", NEWS_DAYS),
    ("通知公告", (DocumentType.NOTICE,), "months", NOTICE_MONTHS),
    ("政策文件", (DocumentType.RULE, DocumentType.NORMATIVE, DocumentType.OTHER_DOCUMENT), "months", NOTICE_MONTHS),
)

BATCH = 2000  # item bodies read per query by the link check
TARGET_CACHE_SIZE = 100_000
MAX_ID = 2**63 - 1  # resolved paths kept during one link check
LINK_RESULT_KEY = "inspection:links:v1"
LINK_RESULT_TIMEOUT = 3 * 24 * 60 * 60  # the daily run replaces it; a stale result expires
ID_LIST_LIMIT = 100  # ids in one changelist link (?id__in=…)
# Results shared by the checks of one run() (the column tree); None outside a run, so that a check called on
# its own always reads the database afresh.
_run_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("inspection_run_memo", default=None)


@dataclass(frozen=True)
class Finding:
    """One thing an inspector would flag, said in Chinese, with the admin page where staff fix it."""

    check: str  # key of the check that found it
    kind: str  # what exactly: broken_link, missing_file, empty_column, too_many_empty_columns, …
    severity: str  # ERROR or WARNING
    organization_id: int | None
    organization: str
    object: str  # what it is about, as staff name it: an item's title, a column's path, an application number
    message: str
    admin_url: str
    admin_model: str = ""  # "app_label.model" of the object, for changelist links grouping several findings
    object_id: int | None = None

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


@dataclass
class CheckResult:
    key: str
    title: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        kind: str,
        severity: str,
        organization_id: int | None,
        organization: str,
        object: str,
        message: str,
        *,
        admin_url: str = "",
        model: str = "",
        pk: int | None = None,
    ) -> None:
        """Record a finding; one about a row (model "app_label.model", pk) links to its admin change page."""
        if model and pk is not None:
            admin_url = _admin_change(model, pk)
        finding = Finding(
            self.key, kind, severity, organization_id, organization, object, message, admin_url, model, pk
        )
        self.findings.append(finding)


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    function: Callable[..., CheckResult]
    live: bool = True  # cheap enough for every load of the back-office home page


# Helpers -----------------------------------------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day when it has no such day)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _cutoff(today: dt.date, unit: str, amount: int) -> dt.date:
    """The oldest date still inside the period: anything dated before it is more than the period ago."""
    return months_before(today, amount) if unit == "months" else today - dt.timedelta(days=amount)


def _period_text(unit: str, amount: int) -> str:
    if unit == "months":
        return f"{amount}个月"
    return "2周" if amount == 14 else f"{amount}天"


def _date_text(value: dt.date | dt.datetime) -> str:
    day = timezone.localdate(value) if isinstance(value, dt.datetime) else value
    return f"{day.year}年{day.month}月{day.day}日"


_SENTINEL = 987654321


@functools.cache
def _url_parts(view_name: str, script_prefix: str) -> tuple[str, str]:
    # reverse() costs ~0.1 ms: once per view and prefix, not once per finding (20,000 overdue applications).
    before, _, after = reverse(view_name, args=[_SENTINEL]).partition(str(_SENTINEL))
    return before, after


def _admin_change(model_label: str, pk: int) -> str:
    app_label, model = model_label.split(".")
    before, after = _url_parts(f"admin:{app_label}_{model}_change", get_script_prefix())
    return f"{before}{pk}{after}"


def _admin_list(model_label: str, query: str = "") -> str:
    app_label, model = model_label.split(".")
    url = reverse(f"admin:{app_label}_{model}_changelist")
    return f"{url}?{query}" if query else url


def _scoped(queryset, organization_ids: list[int] | None, field_name: str = "organization_id"):
    if organization_ids is None:
        return queryset
    return queryset.filter(**{f"{field_name}__in": organization_ids})


def _item_errors(result: CheckResult, names: dict[int, str], kind: str, findings: Iterable[tuple]) -> None:
    """Record ERROR findings about published items, each (organization id, title, message, item pk); names
    (organization id → name) is completed for them in one query."""
    findings = list(findings)
    names.update(_names(org for org, *_ in findings if org not in names))
    for org, title, message, pk in findings:
        result.add(
            kind=kind,
            severity=ERROR,
            organization_id=org,
            organization=names.get(org, ""),
            object=title,
            message=message,
            model="catalog.item",
            pk=pk,
        )


def _names(organization_ids: Iterable[int]) -> dict[int, str]:
    return dict(Organization.objects.filter(pk__in=set(organization_ids)).values_list("pk", "name"))


def _active_organizations(organization_ids: list[int] | None) -> dict[int, str]:
    """Active organizations in scope: an inactive one's catalog pages are not public (404)."""
    return dict(_scoped(Organization.objects.filter(is_active=True), organization_ids, "pk").values_list("pk", "name"))


def _batches(queryset, size: int = BATCH) -> Iterator[list]:
    """Rows of a values() queryset in primary-key order, `size` per query (keyset pagination)."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last = rows[-1]["pk"]


# (a) Broken links ------------------------------------------------------------------------------------------


# Bodies are sanitized HTML (catalog/richtext.py): a start tag, then its href or src attribute in any quoting.
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_LINK_ATTRIBUTE = re.compile(r"""\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)


def extract_links(html: str) -> list[str]:
    """The href and src values of html's tags (entities decoded), each once, in order.

    Regular expressions rather than html.parser: five times faster over a million bodies, and the
    sanitizer has already reduced the markup to plain tags with quoted attributes.
    """
    urls = []
    for tag in _TAG.findall(html or ""):
        for match in _LINK_ATTRIBUTE.finditer(tag):
            value = unescape(next(group for group in match.groups() if group is not None)).strip()
            if value:
                urls.append(value)
    return list(dict.fromkeys(urls))


def _our_hosts() -> list[str]:
    # "*" would make every site ours; a deployment lists its real host names in ALLOWED_HOSTS.
    return [host for host in settings.ALLOWED_HOSTS if host != "*"]


def classify_link(url: str, base: str, hosts: list[str]) -> tuple[str, str]:
    """("internal", decoded path), ("external", "") or ("skip", "") for mailto:, #anchors and the like."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # "http://[broken" — not a link a browser can follow either
        return "internal", "\x00"
    scheme = parts.scheme.lower()
    if scheme and scheme not in ("http", "https"):
        return "skip", ""
    if parts.netloc:
        host = hostname or ""
        if ":" in host:
            host = f"[{host}]"
        if not hosts or not validate_host(host, hosts):
            return "external", ""
        return "internal", unquote(parts.path or "/")
    if not parts.path:  # "#top", "?page=2": the item page itself
        return "skip", ""
    if parts.path.startswith("/"):
        return "internal", unquote(parts.path)
    return "internal", unquote(urlsplit(urljoin(base, url)).path)


def _url_prefix(setting: str) -> str | None:
    value = getattr(settings, setting, None) or ""
    if value.startswith(("http://", "https://", "//")):
        return None  # served elsewhere (a CDN): not ours to check
    return "/" + value.strip("/") + "/"


# Views whose object we look up; any other resolvable page of the public site counts as working.
ITEM_VIEW = "catalog:item"
ATTACHMENT_VIEW = "catalog:attachment"
CATEGORY_VIEW = "catalog:category"
GUIDE_VERSION_VIEW = "catalog:guide_version"
ORGANIZATION_VIEWS = {
    "catalog:organization": "organization_id",
    "catalog:guide": "organization_id",
    "catalog:feed": "organization_id",
    "disclosure_site:organization": "pk",
}


def _target(path: str, static_prefix: str | None, media_prefix: str | None) -> tuple[str, dict]:
    """What an internal path points at: (kind, arguments)."""
    if static_prefix and path.startswith(static_prefix):
        return "static", {"name": path[len(static_prefix) :]}
    if media_prefix and path.startswith(media_prefix):
        return "media", {"name": path[len(media_prefix) :]}
    try:
        match = resolve(path)
    except Resolver404:
        if path.endswith("/"):
            return "missing", {}
        try:  # CommonMiddleware (APPEND_SLASH) redirects /items/5 to /items/5/
            match = resolve(path + "/")
        except Resolver404:
            return "missing", {}
    if "admin" in match.namespaces:
        return "admin", {}
    return match.view_name, match.kwargs


class _FileIndex:
    """Whether files exist in the default storage: one directory listing per folder, not a stat per file."""

    def __init__(self, storage=default_storage) -> None:
        self.storage = storage
        self.folders: dict[str, set[str] | None] = {}

    def exists(self, name: str) -> bool:
        if not name:
            return False
        folder, base = posixpath.split(name)
        if folder not in self.folders:
            try:
                self.folders[folder] = set(self.storage.listdir(folder)[1])
            except NotImplementedError:
                self.folders[folder] = None
            except (FileNotFoundError, NotADirectoryError, SuspiciousFileOperation):
                self.folders[folder] = set()  # missing, or outside the storage ("/media/../x"): not there
        files = self.folders[folder]
        if files is None:
            try:
                return self.storage.exists(name)
            except SuspiciousFileOperation:
                return False
        return base in files


def _static_exists(name: str) -> bool:
    """In the app and project static folders, or (hashed names of ManifestStaticFilesStorage) in STATIC_ROOT."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    if not name or ".." in name.split("/"):
        return False
    if finders.find(name):
        return True
    return bool(settings.STATIC_ROOT) and staticfiles_storage.exists(name)


@dataclass
class _Link:
    item: dict
    url: str
    target: str
    args: dict


def _broken_reasons(links: list[_Link], files: _FileIndex, today: dt.date) -> Iterator[tuple[_Link, str]]:
    """(link, reason) for each link in links whose target does not exist or is not public; batched lookups."""

    def ids(target: str, name: str = "pk") -> set[int]:
        # A number no row can have (/items/99999999999999999999/) is not looked up: SQLite cannot bind it.
        return {pk for link in links if link.target == target and 0 < (pk := int(link.args[name])) <= MAX_ID}

    items = dict(Item.objects.filter(pk__in=ids(ITEM_VIEW)).values_list("pk", "status"))
    attachments = {
        row["pk"]: row
        for row in Attachment.objects.filter(pk__in=ids(ATTACHMENT_VIEW)).values(
            "pk", "file", "revision_id", "item__status"
        )
    }
    categories = {
        row["pk"]: row
        for row in Category.objects.filter(pk__in=ids(CATEGORY_VIEW)).values(
            "pk", "organization_id", "is_active", "organization__is_active"
        )
    }
    guides = {
        row["pk"]: row
        for row in Guide.objects.filter(pk__in=ids(GUIDE_VERSION_VIEW)).values(
            "pk", "organization_id", "is_published", "effective_date", "organization__is_active"
        )
    }
    organization_ids = {
        pk
        for link in links
        if (arg := ORGANIZATION_VIEWS.get(link.target)) and 0 < (pk := int(link.args[arg])) <= MAX_ID
    }
    active = set(Organization.objects.filter(pk__in=organization_ids, is_active=True).values_list("pk", flat=True))

    for link in links:
        reason = None
        if link.target == "missing":
            reason = "指向的页面不存在"
        elif link.target == "admin":
            reason = "指向管理后台，公众无法访问"
        elif link.target == "static":
            reason = None if _static_exists(link.args["name"]) else "指向的文件不存在"
        elif link.target == "media":
            reason = None if files.exists(link.args["name"]) else "指向的文件不存在"
        elif link.target == ITEM_VIEW:
            status = items.get(int(link.args["pk"]))
            if status is None:
                reason = "指向的信息不存在"
            elif status == ItemStatus.WITHDRAWN:
                reason = "指向的信息已撤回"
            elif status != ItemStatus.PUBLISHED:
                reason = "指向的信息尚未发布"
        elif link.target == ATTACHMENT_VIEW:
            row = attachments.get(int(link.args["pk"]))
            if row is None or row["item__status"] != ItemStatus.PUBLISHED or row["revision_id"] is not None:
                reason = "指向的附件不存在或已不再公开"
            elif not files.exists(row["file"]):
                reason = "指向的附件文件缺失"
        elif link.target == CATEGORY_VIEW:
            row = categories.get(int(link.args["pk"]))
            if (
                row is None
                or not row["is_active"]
                or not row["organization__is_active"]
                or row["organization_id"] != int(link.args["organization_id"])
            ):
                reason = "指向的栏目不存在或已停用"
        elif link.target == GUIDE_VERSION_VIEW:
            row = guides.get(int(link.args["pk"]))
            if (
                row is None
                or not row["is_published"]
                or row["effective_date"] > today
                or not row["organization__is_active"]
                or row["organization_id"] != int(link.args["organization_id"])
            ):
                reason = "指向的公开指南不存在或尚未发布"
        elif link.target in ORGANIZATION_VIEWS:
            if int(link.args[ORGANIZATION_VIEWS[link.target]]) not in active:
                reason = "指向的机构不存在或已停用"
        if reason:
            yield link, reason


def check_links(organization_ids: list[int] | None, *, now: dt.datetime) -> CheckResult:
    """Broken internal links in published item bodies, and public attachments whose file is missing."""
    result = CheckResult("links", "失效链接")
    today = timezone.localdate(now)
    hosts = _our_hosts()
    static_prefix, media_prefix = _url_prefix("STATIC_URL"), _url_prefix("MEDIA_URL")
    files = _FileIndex()
    names: dict[int, str] = {}
    targets: dict[str, tuple[str, dict]] = {}  # path -> what it resolves to: many bodies link the same pages
    item_url = _url_parts("catalog:item", get_script_prefix())
    internal = external = 0

    # Only bodies that can hold a link leave the database.
    bodies = _scoped(
        Item.objects.filter(status=ItemStatus.PUBLISHED).filter(Q(body__contains="href") | Q(body__contains="src")),
        organization_ids,
    ).values("pk", "title", "organization_id", "body")
    for rows in _batches(bodies):
        links = []
        for row in rows:
            base = f"{item_url[0]}{row['pk']}{item_url[1]}"
            for url in extract_links(row["body"]):
                kind, path = classify_link(url, base, hosts)
                if kind == "external":
                    external += 1
                elif kind == "internal":
                    internal += 1
                    if path not in targets:
                        if len(targets) > TARGET_CACHE_SIZE:
                            targets.clear()
                        targets[path] = (
                            ("missing", {}) if "\x00" in path else _target(path, static_prefix, media_prefix)
                        )
                    target, args = targets[path]
                    links.append(_Link(row, url, target, args))
        _item_errors(
            result,
            names,
            "broken_link",
            (
                (link.item["organization_id"], link.item["title"], f"正文中的链接 {link.url} {reason}", link.item["pk"])
                for link, reason in _broken_reasons(links, files, today)
            ),
        )

    attachments = _scoped(
        Attachment.objects.filter(item__status=ItemStatus.PUBLISHED, revision__isnull=True),
        organization_ids,
        "item__organization_id",
    ).values("pk", "file", "original_name", "item_id", "item__title", "item__organization_id")
    checked_files = 0
    for rows in _batches(attachments):
        checked_files += len(rows)
        _item_errors(
            result,
            names,
            "missing_file",
            (
                (
                    row["item__organization_id"],
                    row["item__title"],
                    f"附件“{row['original_name']}”的文件在存储中缺失，公众下载时只会看到“附件文件缺失”",
                    row["item_id"],
                )
                for row in rows
                if not files.exists(row["file"])
            ),
        )
    result.notes.append(
        f"检查了正文中的站内链接 {internal} 个和公开附件 {checked_files} 个；"
        f"站外链接 {external} 个未检查（检查时不访问外部网络）。"
    )
    return result


# (b) Empty columns and (c) columns not updated --------------------------------------------------------------


@dataclass
class _Column:
    pk: int
    name: str
    kind: str
    organization_id: int
    tree_id: int
    lft: int
    rght: int
    period: int | None
    has_items: bool  # any published item in the subtree (or, for the guide column, a guide in force)
    newest: dt.datetime | None  # newest valid publish date in the subtree
    path: str = ""


def _columns(organization_ids: list[int], now: dt.datetime) -> list[_Column]:
    """The active columns of organization_ids in tree order, with what their subtrees hold.

    One query: each column's own newest item is an index probe (item_cat_pub_id_idx), then the values
    are carried up the tree here, over the columns (tens per organization), not over the items. Within
    one run() the empty and the stale check share the result.
    """
    if not organization_ids:
        return []
    memo = _run_memo.get()
    key = ("columns", tuple(organization_ids), now)
    if memo is not None and key in memo:
        return memo[key]
    columns = _read_columns(organization_ids, now)
    if memo is not None:
        memo[key] = columns
    return columns


def _read_columns(organization_ids: list[int], now: dt.datetime) -> list[_Column]:
    published = Item.objects.filter(category=OuterRef("pk"), status=ItemStatus.PUBLISHED)
    newest = published.filter(published_at__lte=now).order_by("-published_at").values("published_at")[:1]
    rows = (
        Category.objects.filter(organization_id__in=organization_ids, is_active=True)
        .annotate(own_items=Exists(published), own_newest=Subquery(newest))
        .order_by("tree_id", "lft")
        .values(
            "pk",
            "name",
            "kind",
            "organization_id",
            "tree_id",
            "lft",
            "rght",
            "update_period_days",
            "own_items",
            "own_newest",
        )
    )
    with_guide = set(
        Guide.objects.filter(
            organization_id__in=organization_ids, is_published=True, effective_date__lte=timezone.localdate(now)
        ).values_list("organization_id", flat=True)
    )
    columns: list[_Column] = []
    stack: list[_Column] = []

    def close() -> None:
        done = stack.pop()
        if stack:
            parent = stack[-1]
            parent.has_items = parent.has_items or done.has_items
            if done.newest and (parent.newest is None or done.newest > parent.newest):
                parent.newest = done.newest

    for row in rows:
        while stack and (stack[-1].tree_id != row["tree_id"] or stack[-1].rght < row["lft"]):
            close()
        column = _Column(
            pk=row["pk"],
            name=row["name"],
            kind=row["kind"],
            organization_id=row["organization_id"],
            tree_id=row["tree_id"],
            lft=row["lft"],
            rght=row["rght"],
            period=row["update_period_days"],
            has_items=row["own_items"] or (row["kind"] == Category.Kind.GUIDE and row["organization_id"] in with_guide),
            newest=row["own_newest"],
        )
        ancestors = [c.name for c in stack if c.kind != Category.Kind.ROOT]
        column.path = " › ".join([*ancestors, column.name])
        stack.append(column)
        columns.append(column)
    while stack:
        close()
    return [c for c in columns if c.kind != Category.Kind.ROOT]


def check_empty_columns(organization_ids: list[int] | None, *, now: dt.datetime) -> CheckResult:
    """Columns a visitor opens to find nothing, and organizations with 5 or more of them (单项否决)."""
    result = CheckResult("empty_columns", "空白栏目")
    organizations = _active_organizations(organization_ids)
    empty: dict[int, list[_Column]] = {}
    for column in _columns(list(organizations), now):
        if not column.has_items:
            empty.setdefault(column.organization_id, []).append(column)
    for organization_id, columns in empty.items():
        name = organizations[organization_id]
        if len(columns) >= EMPTY_COLUMNS_LIMIT:
            listed = "、".join(c.name for c in columns[:5]) + ("等" if len(columns) > 5 else "")
            result.add(
                kind="too_many_empty_columns",
                severity=ERROR,
                organization_id=organization_id,
                organization=name,
                object="公开目录",
                message=f"共有 {len(columns)} 个空白栏目（{listed}），达到 {EMPTY_COLUMNS_LIMIT} 个即为检查不合格；"
                "请发布信息，或停用确实不需要的栏目",
                admin_url=_admin_list("catalog.category", f"organization__id__exact={organization_id}"),
            )
        for column in columns:
            result.add(
                kind="empty_column",
                severity=WARNING,
                organization_id=organization_id,
                organization=name,
                object=column.path,
                message=f"栏目“{column.path}”（含下级栏目）没有已发布的信息",
                model="catalog.category",
                pk=column.pk,
            )
    return result


def check_stale_columns(organization_ids: list[int] | None, *, now: dt.datetime) -> CheckResult:
    """工作动态 older than 2 weeks, 通知公告 and 政策文件 older than 6 months, columns older than their own
    period, and the site with no new item in 2 weeks. Only valid publish dates count (not future ones)."""
    result = CheckResult("stale_columns", "栏目未按期更新")
    today = timezone.localdate(now)
    organizations = _active_organizations(organization_ids)
    valid = Item.objects.filter(status=ItemStatus.PUBLISHED, published_at__lte=now)

    # The site: its newest item, shown on the section pages; attributed to the top organization(s).
    roots = dict(Organization.objects.filter(pk__in=list(organizations), parent__isnull=True).values_list("pk", "name"))
    if roots:
        newest = valid.aggregate(newest=Max("published_at"))["newest"]
        if newest is None or timezone.localdate(newest) < today - dt.timedelta(days=NEWS_DAYS):
            message = (
                "网站还没有发布任何信息"
                if newest is None
                else f"全站最近一条信息发布于{_date_text(newest)}，已超过2周没有新信息"
            )
            for pk, name in roots.items():
                result.add(
                    kind="stale_site",
                    severity=ERROR,
                    organization_id=pk,
                    organization=name,
                    object="网站首页",
                    message=message,
                    admin_url=_admin_list("catalog.item"),
                )

    # Each organization's news, notices and policy documents: one query, one index walk per organization.
    if organizations:
        annotations = {
            f"newest_{index}": Subquery(
                valid.filter(organization=OuterRef("pk"), document_type__in=types)
                .order_by("-published_at")
                .values("published_at")[:1]
            )
            for index, (_, types, _, _) in enumerate(TYPE_COLUMNS)
        }
        rows = (
            Organization.objects.filter(pk__in=list(organizations))
            .annotate(**annotations)
            .order_by("tree_id", "lft")
            .values("pk", *annotations)
        )
        for row in rows:
            for index, (label, types, unit, amount) in enumerate(TYPE_COLUMNS):
                newest = row[f"newest_{index}"]
                if newest is None or timezone.localdate(newest) >= _cutoff(today, unit, amount):
                    continue  # never published this kind (no such column), or fresh
                query = f"organization__id__exact={row['pk']}&document_type__in={','.join(types)}"
                result.add(
                    kind="stale_type",
                    severity=ERROR,
                    organization_id=row["pk"],
                    organization=organizations[row["pk"]],
                    object=label,
                    message=f"最近一条{label}发布于{_date_text(newest)}，超过{_period_text(unit, amount)}没有更新",
                    admin_url=_admin_list("catalog.item", query),
                )

    # Columns with their own period (Category.update_period_days).
    for column in _columns(list(organizations), now):
        if not column.period or column.newest is None:
            continue  # no period set, or empty (the empty-column check reports it)
        if timezone.localdate(column.newest) >= today - dt.timedelta(days=column.period):
            continue
        result.add(
            kind="stale_column",
            severity=ERROR,
            organization_id=column.organization_id,
            organization=organizations[column.organization_id],
            object=column.path,
            message=f"栏目“{column.path}”最近一条信息发布于{_date_text(column.newest)}，"
            f"超过更新周期 {column.period} 天没有更新",
            model="catalog.category",
            pk=column.pk,
        )
    return result


# (d) Publish dates ------------------------------------------------------------------------------------------


def check_publish_dates(organization_ids: list[int] | None, *, now: dt.datetime) -> CheckResult:
    """Published items whose page shows no real publish date: none, or one in the future.

    (A published item without a date cannot be saved: the item_published_has_index_number constraint.)
    """
    result = CheckResult("publish_dates", "发布日期缺失或无效")
    rows = list(
        _scoped(Item.objects.filter(status=ItemStatus.PUBLISHED), organization_ids)
        .filter(Q(published_at__isnull=True) | Q(published_at__gt=now))
        .order_by("pk")
        .values("pk", "title", "organization_id", "published_at")
    )
    names = _names(row["organization_id"] for row in rows)
    for row in rows:
        when = row["published_at"]
        message = (
            "已发布但没有发布日期"
            if when is None
            else f"发布日期为{_date_text(when)}，晚于当前时间，页面上显示的不是实际发布日期"
        )
        result.add(
            kind="no_publish_date",
            severity=ERROR,
            organization_id=row["organization_id"],
            organization=names.get(row["organization_id"], ""),
            object=row["title"],
            message=message + "（视为未更新）",
            model="catalog.item",
            pk=row["pk"],
        )
    return result


# (e) Applications and consultations --------------------------------------------------------------------------


def check_overdue_requests(organization_ids: list[int] | None, *, now: dt.datetime) -> CheckResult:
    """Open applications past their reply deadline (条例 第三十三条). InfoRequest.due_on is the deadline the
    workflow and the daily command keep from requests_app.deadlines; empty while the clock stands still."""
    result = CheckResult("requests", "逾期未答复的申请")
    today = timezone.localdate(now)
    rows = list(
        _scoped(InfoRequest.objects.filter(status__in=sorted(OPEN_STATUSES), due_on__lt=today), organization_ids)
        .order_by("due_on", "pk")
        .values("pk", "number", "organization_id", "status", "due_on")
    )
    names = _names(row["organization_id"] for row in rows)
    for row in rows:
        late = (today - row["due_on"]).days
        result.add(
            kind="overdue_request",
            severity=ERROR,
            organization_id=row["organization_id"],
            organization=names.get(row["organization_id"], ""),
            object=f"申请 {row['number']}",
            message=f"申请 {row['number']}（{Status(row['status']).label}）的答复期限为{_date_text(row['due_on'])}，"
            f"已超期 {late} 天未答复",
            model="requests_app.inforequest",
            pk=row["pk"],
        )
    return result


def check_unanswered_consultations(organization_ids: list[int] | None, *, now: dt.datetime) -> CheckResult:
    """Online messages (网上咨询 with the question recorded) unanswered for more than 3 months."""
    result = CheckResult("consultations", "超过3个月未答复的网上咨询")
    today = timezone.localdate(now)
    cutoff = months_before(today, CONSULTATION_MONTHS)
    rows = list(
        _scoped(
            Consultation.objects.filter(
                channel=ConsultationChannel.ONLINE, answered_on__isnull=True, on__lt=cutoff
            ).exclude(question=""),
            organization_ids,
        )
        .order_by("on", "pk")
        .values("pk", "on", "topic", "organization_id")
    )
    names = _names(row["organization_id"] for row in rows)
    for row in rows:
        topic = row["topic"] or "网上咨询"
        result.add(
            kind="unanswered_consultation",
            severity=ERROR,
            organization_id=row["organization_id"],
            organization=names.get(row["organization_id"], ""),
            object=f"{_date_text(row['on'])}的网上咨询",
            message=f"{_date_text(row['on'])}收到的网上咨询“{topic}”超过3个月未答复",
            model="requests_app.consultation",
            pk=row["pk"],
        )
    return result


CHECKS = (
    Check("links", "失效链接", check_links, live=False),
    Check("empty_columns", "空白栏目", check_empty_columns),
    Check("stale_columns", "栏目未按期更新", check_stale_columns),
    Check("publish_dates", "发布日期缺失或无效", check_publish_dates),
    Check("requests", "逾期未答复的申请", check_overdue_requests),
    Check("consultations", "超过3个月未答复的网上咨询", check_unanswered_consultations),
)


def run(
    organization_ids: list[int] | None = None, *, now: dt.datetime | None = None, live_only: bool = False
) -> list[CheckResult]:
    """Every check (or only the cheap ones) over organization_ids (None: all organizations)."""
    now = now or timezone.now()
    token = _run_memo.set({})
    try:
        return [check.function(organization_ids, now=now) for check in CHECKS if check.live or not live_only]
    finally:
        _run_memo.reset(token)


def subtree_ids(organization: Organization) -> list[int]:
    return list(organization.get_descendants(include_self=True).values_list("pk", flat=True))


# The link check's last full result, for the dashboard (it reads every body: too slow for a page view).


def store_link_result(result: CheckResult, *, now: dt.datetime) -> None:
    cache.set(
        LINK_RESULT_KEY,
        {"checked_at": now, "findings": [asdict(f) for f in result.findings], "notes": result.notes},
        LINK_RESULT_TIMEOUT,
    )


def stored_link_result() -> tuple[dt.datetime, CheckResult] | None:
    stored = cache.get(LINK_RESULT_KEY)
    if not stored:
        return None
    try:
        findings = [Finding(**row) for row in stored["findings"]]
        return stored["checked_at"], CheckResult("links", "失效链接", findings, list(stored["notes"]))
    except (KeyError, TypeError):  # written by an older version: as good as none
        return None
