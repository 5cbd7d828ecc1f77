"""The generated permission matrix: every admin model, view, action, export and autocomplete field, and
every public URL, for each persona, against records of another organization. The result must be 0 leaks.

The cases are generated from the code (tests/security/inventory.py): admin.site._registry, each
ModelAdmin's get_urls() and get_actions(), the autocomplete fields and the URL resolver. What each view
is allowed to do is the explicit table in tests/security/access.py (public URLs: public_probes.py); an
unclassified view, action or URL fails test_every_*_is_classified with the place to add it. The data is
one world per module (tests/security/world.py) rolled back at the end; each case runs in a savepoint.

Personas: anonymous; norole (is_staff, no membership); clerk, reviewer, head of 县财政局; outsider
(clerk of 县教育局); sysadmin (the control: reaches every record, proving each probe can see a leak).
"""

from __future__ import annotations

import io
import itertools
import json
from urllib.parse import unquote, urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils.html import escape

from catalog.models import Item
from disclosure_site.models import Organization
from requests_app import ledger
from requests_app.models import InfoRequest, RedactionJob

from . import inventory
from .access import (
    ACTIONS,
    COLLECTION_VIEWS,
    OBJECT_VIEWS,
    OPEN_CHOICES,
    SITE_VIEWS,
    STANDARD_VIEWS,
    UNNAMED,
    UNREACHABLE_FORMS,
)
from .public_probes import PUBLIC_VIEWS, Probe
from .records import BUILDERS, SHARED
from .world import BY_NAME, HIDDEN, PERSONAS, PUBLISHED, RESTRICTED, Persona

pytestmark = pytest.mark.django_db

MODEL_ADMINS = inventory.model_admins()
MODELS = {inventory.label(model): model for model, _ in MODEL_ADMINS}
ROUTES = inventory.routes()
ADMIN_NAMES = {route.name for route in ROUTES if route.namespace == "admin" and route.name}
CUSTOM_VIEWS = {
    name: model for model, model_admin in MODEL_ADMINS for name in inventory.custom_views(model, model_admin)
}
MODEL_VIEW_NAMES = {inventory.url_prefix(model) + view for model, _ in MODEL_ADMINS for view in STANDARD_VIEWS}
ACTION_CASES = [(inventory.label(model), name) for model, ma in MODEL_ADMINS for name in inventory.actions(ma)]
AUTOCOMPLETE = inventory.autocomplete_fields()
DENIED = (302, 403, 404, 405)
STAFF_PERSONAS = [p for p in RESTRICTED if p.staff]  # clerk, reviewer, head, outsider


def _ids(value) -> str:
    return value.name if isinstance(value, Persona) else str(value)


# Classification: a new model, view, action or URL fails here until it is classified -----------------


def test_every_admin_model_has_a_record_builder():
    missing = sorted(label for label, model in MODELS.items() if model not in BUILDERS)
    assert not missing, (
        f"add how to make a record of an organization to BUILDERS in tests/security/records.py: {missing}"
    )


def test_every_admin_view_is_classified():
    unknown = sorted(set(CUSTOM_VIEWS) - set(OBJECT_VIEWS) - set(COLLECTION_VIEWS))
    assert not unknown, (
        f"classify these ModelAdmin views in tests/security/access.py (OBJECT_VIEWS for a view of one record, "
        f"COLLECTION_VIEWS for one without a pk): {unknown}"
    )
    stale = sorted((set(OBJECT_VIEWS) | set(COLLECTION_VIEWS)) - set(CUSTOM_VIEWS))
    assert not stale, f"remove views that no longer exist from tests/security/access.py: {stale}"


def test_every_admin_site_view_is_classified():
    site_names = ADMIN_NAMES - MODEL_VIEW_NAMES - set(CUSTOM_VIEWS)
    unknown = sorted(site_names - set(SITE_VIEWS))
    assert not unknown, f"classify these admin site views in SITE_VIEWS (tests/security/access.py): {unknown}"
    assert not set(SITE_VIEWS) - site_names, f"stale SITE_VIEWS entries: {sorted(set(SITE_VIEWS) - site_names)}"
    unnamed = sorted({route.route for route in ROUTES if not route.name} - set(UNNAMED))
    assert not unnamed, f"name these routes or explain them in UNNAMED (tests/security/access.py): {unnamed}"


def test_every_action_is_classified():
    unknown = sorted(set(ACTION_CASES) - set(ACTIONS))
    assert not unknown, f"classify these admin actions in ACTIONS (tests/security/access.py): {unknown}"
    stale = sorted(set(ACTIONS) - set(ACTION_CASES))
    assert not stale, f"remove actions that no longer exist from ACTIONS (tests/security/access.py): {stale}"


def test_every_public_url_is_probed():
    public = {route.qualified for route in ROUTES if route.namespace != "admin"}
    unknown = sorted(public - set(PUBLIC_VIEWS))
    assert not unknown, (
        f"add probes for these public URLs to PUBLIC_VIEWS in tests/security/public_probes.py (a page, and "
        f"every hidden object it could show): {unknown}"
    )
    assert not set(PUBLIC_VIEWS) - public, f"stale PUBLIC_VIEWS entries: {sorted(set(PUBLIC_VIEWS) - public)}"


# Reading what came back --------------------------------------------------------------------------------


def response_text(response) -> str:
    """What a person could read in a response: HTML, JSON (unescaped), CSV, XLSX, DOCX or PDF text,
    and the file name and redirect target."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    headers = unquote(response.get("Content-Disposition", "") + " " + response.get("Location", ""))
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        text = " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c)
    elif "wordprocessingml" in content_type:
        from docx import Document

        document = Document(io.BytesIO(body))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        text = " ".join([p.text for p in document.paragraphs] + cells)
    elif "pdf" in content_type:
        import pypdfium2

        pdf = pypdfium2.PdfDocument(body)
        text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    elif content_type.startswith("image/"):
        text = ""
    elif "json" in content_type:
        text = json.dumps(json.loads(body), ensure_ascii=False)
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = body.decode("gbk", errors="replace")
    return f"{headers} {text}"


def fingerprint() -> dict[str, int]:
    """Row counts of every table (sessions aside), in one query: a refused request writes nothing."""
    tables = sorted(
        {
            m._meta.db_table
            for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy and m._meta.db_table != "django_session"
        }
    )
    quote_name = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Table names come from the model registry, quoted by the backend; no input reaches this SQL.
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote_name(t)})" for t in tables))  # noqa: S608
        return dict(zip(tables, cursor.fetchone(), strict=True))


def snapshot(record) -> dict:
    fresh = type(record)._default_manager.filter(pk=record.pk).first()
    return model_to_dict(fresh) if fresh is not None else {}


class Unchanged:
    """`with Unchanged(record) as check: ...`, then check.problems: the request added, removed or changed
    no row anywhere (row counts) and left record as it was."""

    def __init__(self, record):
        self.record = record

    def __enter__(self):
        self.counts, self.state = fingerprint(), snapshot(self.record)
        return self

    def __exit__(self, *exc):
        counts = fingerprint()
        self.problems = [f"rows added or removed in {t}" for t in counts if counts[t] != self.counts[t]]
        if snapshot(self.record) != self.state:
            self.problems.append(f"{type(self.record).__name__} {self.record.pk} changed")
        return False


def login(client, world, persona: Persona) -> None:
    user = world.user(persona)
    if user is not None:
        client.force_login(user)


def refused(response, world, persona: Persona, what: str, *, allowed=DENIED, read=True) -> list[str]:
    """Problems if response is not a refusal for persona: visitors and staff without a role are sent to
    the login page; staff get one of `allowed`; nobody reads the foreign organization's name."""
    problems = []
    status = response.status_code
    if not persona.staff:
        location = response.get("Location", "")
        if not (status == 302 and location.startswith(reverse("admin:login"))):
            problems.append(f"{what}: {status} {location} instead of the login page")
    elif status not in allowed:
        problems.append(f"{what}: answered {status}")
    if read and world.foreign_name(persona) in response_text(response):
        problems.append(f"{what}: shows {world.foreign_name(persona)}")
    return problems


def admin_url(record, view: str, model=None) -> str:
    opts = (model or type(record))._meta
    name = f"admin:{opts.app_label}_{opts.model_name}_{view}"
    return reverse(name) if view in ("changelist", "add") else reverse(name, args=[quote(record.pk)])


def search_term(model_admin, record) -> str:
    """A value of the record that the admin's search finds it by (search_fields, prefixes stripped)."""
    for lookup in model_admin.search_fields:
        value = record
        for part in lookup.lstrip("^=@").split("__"):
            value = getattr(value, part, None)
        if isinstance(value, str) and value:
            return value
    return ""


def crafted_change(record) -> dict:
    data = {k: ("" if v is None else v) for k, v in snapshot(record).items() if not isinstance(v, list)}
    data.update({"name": "被篡改的名称", "phone": "110", "comment": "篡改", "username": "hacked", "title": "篡改"})
    data.update({"_save": "保存", "decision": "approve"})
    return data


def crafted_add(record) -> dict:
    """The foreign record's own values posted to the add form: it names the foreign organization."""
    data = {}
    for key, value in snapshot(record).items():
        if key == "id" or value is None:
            continue
        data[key] = [getattr(v, "pk", v) for v in value] if isinstance(value, list) else value
    data["_save"] = "保存"
    return data


# The standard admin views with a record of another organization -----------------------------------------

STANDARD_CASES = (
    "changelist",
    "add-GET",
    "add-POST",
    "change-GET",
    "change-POST",
    "delete-GET",
    "delete-POST",
    "history",
)


@pytest.mark.parametrize("case", STANDARD_CASES)
@pytest.mark.parametrize("model_label", sorted(MODELS))
@pytest.mark.parametrize("persona", RESTRICTED, ids=_ids)
def test_foreign_record_stays_out_of_reach(client, world, persona, model_label, case):
    model = MODELS[model_label]
    model_admin = admin.site._registry[model]
    record = world.foreign(persona, model)
    shared = model in SHARED and persona.staff
    login(client, world, persona)
    problems: list[str] = []
    if case == "changelist":
        url = admin_url(record, "changelist")
        term = search_term(model_admin, record)
        for query in ("", f"?{urlencode({'q': term})}") if term else ("",):
            response = client.get(url + query)
            if query:  # the search box repeats the term, which names the foreign organization
                response.content = response.content.replace(escape(term).encode(), b"").replace(term.encode(), b"")
            problems += refused(response, world, persona, f"list{query}", allowed=(200, 403))
            if not shared and admin_url(record, "change") in response_text(response):
                problems.append(f"list{query}: links to the foreign record")
    elif case == "add-GET":
        response = client.get(admin_url(record, "add"))
        problems += refused(response, world, persona, "add form", allowed=(200, 403))
    elif case == "add-POST":
        with Unchanged(record) as check:
            response = client.post(admin_url(record, "add"), crafted_add(record))
        problems += refused(response, world, persona, "crafted add", allowed=(200, 302, 403), read=False)
        problems += check.problems
    else:
        view, _, method = case.partition("-")
        url = admin_url(record, view)
        if method == "POST":
            data = crafted_change(record) if view == "change" else {"post": "yes"}
            with Unchanged(record) as check:
                response = client.post(url, data)
            problems += refused(response, world, persona, f"{view} POST", read=False) + check.problems
        else:
            response = client.get(url)
            allowed = (200, *DENIED) if shared and view != "delete" else DENIED
            problems += refused(response, world, persona, f"{view} GET", allowed=allowed)
            if shared and view == "change" and 'name="_save"' in response_text(response):
                problems.append("the shared record's form can be saved")
    assert not problems, problems


@pytest.mark.parametrize("model_label", sorted(MODELS))
def test_system_administrator_reaches_every_record(client, world, model_label):
    """The control: the same URLs show the record to a system administrator."""
    persona = BY_NAME["sysadmin"]
    model = MODELS[model_label]
    model_admin = admin.site._registry[model]
    record = world.foreign(persona, model)
    login(client, world, persona)
    term = search_term(model_admin, record)
    listing = client.get(admin_url(record, "changelist") + (f"?{urlencode({'q': term})}" if term else ""))
    assert listing.status_code == 200
    assert admin_url(record, "change") in response_text(listing)
    change = client.get(admin_url(record, "change"))
    assert change.status_code in (200, 302)
    history = client.get(admin_url(record, "history"))
    assert history.status_code == 200


@pytest.mark.parametrize("model_label", sorted(MODELS))
def test_system_administrator_add_form_answers_without_error(client, world, model_label):
    """The crafted add above, as a system administrator: a page or a redirect, never a server error."""
    persona = BY_NAME["sysadmin"]
    record = world.foreign(persona, MODELS[model_label])
    login(client, world, persona)
    assert client.post(admin_url(record, "add"), crafted_add(record)).status_code in (200, 302, 403)


def _forms(model_admin, request, own) -> list:
    """The add form and the change form of an own record, inline forms included, as the user gets them."""
    forms = []
    for obj in (None, own):
        if obj is None and not model_admin.has_add_permission(request):
            continue
        if obj is not None and not model_admin.has_change_permission(request, obj := type(obj).objects.get(pk=obj.pk)):
            continue
        form_class = model_admin.get_form(request, obj, change=obj is not None)
        forms.append(form_class(instance=obj) if obj is not None else form_class())
        for formset_class, _inline in model_admin.get_formsets_with_inlines(request, obj):
            formset = formset_class(instance=obj) if obj is not None else formset_class()
            forms.extend(formset.forms)
    return forms


@pytest.mark.parametrize("model_label", sorted(MODELS))
@pytest.mark.parametrize("persona", STAFF_PERSONAS, ids=_ids)
def test_form_choices_offer_no_foreign_object(rf, world, persona, model_label):
    """Every choice field of the add and change forms (a crafted POST can only pick what is offered)."""
    model = MODELS[model_label]
    request = rf.get("/")
    request.user = User.objects.get(pk=world.user(persona).pk)
    foreign_org = world.organizations[persona.foreign]
    own = world.own(persona, model)
    offered = []
    forms = [] if model_label in UNREACHABLE_FORMS else _forms(admin.site._registry[model], request, own)
    for form in forms:
        for name, field in form.fields.items():
            queryset = getattr(field, "queryset", None)
            # The pk field of an inline form: Django edits only the formset's own rows whatever it holds.
            is_inline_pk = name == form._meta.model._meta.pk.name
            if queryset is None or queryset.model in SHARED or is_inline_pk or (model_label, name) in OPEN_CHOICES:
                continue
            targets = [foreign_org.pk] if queryset.model is Organization else []
            if queryset.model in BUILDERS:
                targets.append(world.foreign(persona, queryset.model).pk)
            if targets and queryset.filter(pk__in=targets).exists():
                offered.append(f"{type(form).__name__}.{name}")
    assert not offered, f"foreign {persona.foreign} objects offered in {offered}"


# The views each ModelAdmin adds -------------------------------------------------------------------------

OBJECT_CASES = [
    (name, method) for name in sorted(CUSTOM_VIEWS) if name in OBJECT_VIEWS for method in OBJECT_VIEWS[name].methods
]


def _object_urls(name: str, record) -> list[str]:
    spec = OBJECT_VIEWS[name]
    return [
        reverse(f"admin:{name}", kwargs={spec.pk_name: spec.pk(record), **variant}) for variant in spec.variants(record)
    ]


@pytest.mark.parametrize(("name", "method"), OBJECT_CASES)
@pytest.mark.parametrize("persona", RESTRICTED, ids=_ids)
def test_custom_view_refuses_foreign_record(client, world, persona, name, method):
    record = world.foreign(persona, CUSTOM_VIEWS[name])
    urls = _object_urls(name, record)
    assert urls, f"{name}: the world's record offers no URL to probe"
    login(client, world, persona)
    problems = []
    for url in urls:
        if method == "GET":
            problems += refused(client.get(url), world, persona, f"GET {url}")
            continue
        for data in OBJECT_VIEWS[name].posts:
            with Unchanged(record) as check:
                response = client.post(url, data)
            problems += refused(response, world, persona, f"POST {url} {data}") + check.problems
    assert not problems, problems


@pytest.mark.parametrize("persona", STAFF_PERSONAS, ids=_ids)
def test_own_record_with_a_foreign_part_in_the_request_is_refused(client, world, persona):
    """The parts of a request that name another object: a document of a foreign application under the
    persona's own application, a box of a foreign redaction on the persona's own redaction screen."""
    own_request, foreign_request = world.own(persona, InfoRequest), world.foreign(persona, InfoRequest)
    own_job, foreign_job = world.own(persona, RedactionJob), world.foreign(persona, RedactionJob)
    foreign_box = foreign_job.boxes.get()
    login(client, world, persona)
    document_pk = foreign_request.documents.first().pk
    url = reverse("admin:requests_app_inforequest_document", args=[own_request.pk, document_pk])
    assert client.get(url).status_code == 404
    box = {"box": foreign_box.pk, f"box{foreign_box.pk}-page": "1", f"box{foreign_box.pk}-x0": "0"}
    box |= {f"box{foreign_box.pk}-{k}": v for k, v in {"y0": "0", "x1": "500", "y1": "500", "reason": "3.4"}.items()}
    for action in ("change", "remove"):
        with Unchanged(foreign_box) as check:
            client.post(reverse("admin:requests_app_redactionjob_act", args=[own_job.pk, action]), box)
        assert not check.problems


@pytest.mark.parametrize("name", sorted(n for n in CUSTOM_VIEWS if n in OBJECT_VIEWS))
def test_system_administrator_reaches_the_record_in_every_custom_view(client, world, name):
    """The control for the views above: the URL built from the record does reach it."""
    persona = BY_NAME["sysadmin"]
    spec = OBJECT_VIEWS[name]
    record = world.foreign(persona, CUSTOM_VIEWS[name])
    login(client, world, persona)
    response = client.get(_object_urls(name, record)[0])
    assert response.status_code == spec.control
    if spec.control == 200 and spec.shows:
        assert (spec.marker(record) if spec.marker else world.foreign_name(persona)) in response_text(response)


# Admin actions with a foreign pk in _selected_action -----------------------------------------------------


@pytest.mark.parametrize(("model_label", "action"), ACTION_CASES)
@pytest.mark.parametrize("persona", RESTRICTED, ids=_ids)
def test_action_on_foreign_record_does_nothing(client, world, persona, model_label, action):
    record = world.foreign(persona, MODELS[model_label])
    login(client, world, persona)
    data = {"action": action, "_selected_action": [record.pk], "index": "0", "post": "yes"}
    with Unchanged(record) as check:
        response = client.post(admin_url(record, "changelist"), data)
    problems = refused(response, world, persona, f"{action}", allowed=(200, 302, 403)) + check.problems
    assert not problems, problems


EXPORT_ACTIONS = [case for case in ACTION_CASES if ACTIONS.get(case) == "export"]


@pytest.mark.parametrize(("model_label", "action"), EXPORT_ACTIONS)
@pytest.mark.parametrize("persona", STAFF_PERSONAS, ids=_ids)
def test_export_of_own_and_foreign_records_holds_only_own(client, world, persona, model_label, action):
    model = MODELS[model_label]
    own, foreign = world.own(persona, model), world.foreign(persona, model)
    login(client, world, persona)
    data = {"action": action, "_selected_action": [own.pk, foreign.pk], "index": "0"}
    text = response_text(client.post(admin_url(own, "changelist"), data))
    assert world.foreign_name(persona) not in text
    assert world.organizations[persona.own].name in text  # the export did run


@pytest.mark.parametrize(("model_label", "action"), EXPORT_ACTIONS)
def test_system_administrator_exports_the_foreign_record(client, world, model_label, action):
    persona = BY_NAME["sysadmin"]
    record = world.foreign(persona, MODELS[model_label])
    login(client, world, persona)
    data = {"action": action, "_selected_action": [record.pk], "index": "0"}
    assert world.foreign_name(persona) in response_text(client.post(admin_url(record, "changelist"), data))


# Views without a pk: imports, exports, templates -------------------------------------------------------


def _probe_import(client, world, persona, name, spec) -> list[str]:
    url = reverse(f"admin:{name}")
    problems = refused(client.get(url), world, persona, "form", allowed=(200, 403))
    foreign_org = world.organizations[persona.foreign]
    upload = SimpleUploadedFile("导入.csv", "标题,机构\n篡改,测试\n".encode())
    with Unchanged(foreign_org) as check:
        response = client.post(url, {**spec.post, "organization": foreign_org.pk, "file": upload})
    return problems + refused(response, world, persona, "crafted import", allowed=(200, 403)) + check.problems


def _probe_catalog_export(client, world, persona, name, spec) -> list[str]:
    url = reverse(f"admin:{name}")
    problems = []
    for query in (
        "format=xlsx",
        "format=csv",
        f"format=csv&organization__id__exact={world.organizations[persona.foreign].pk}",
    ):
        problems += refused(client.get(f"{url}?{query}"), world, persona, query, allowed=(200, 302, 403))
    return problems


def _probe_ledger_export(client, world, persona, name, spec) -> list[str]:
    url = reverse(f"admin:{name}")
    problems = refused(client.get(url), world, persona, "form", allowed=(200, 403))
    for key, file_format in itertools.product(("foreign", "own"), ledger.FORMATS):
        org_key = getattr(persona, key)
        if org_key is None:
            continue
        data = {"organization": world.organizations[org_key].pk, "format": file_format, "date_from": "", "date_to": ""}
        response = client.post(url, data)
        problems += refused(response, world, persona, f"{key} ledger {file_format}", allowed=(200, 403))
    return problems


def _probe_report_template(client, world, persona, name, spec) -> list[str]:
    url = reverse(f"admin:{name}")
    problems = []
    for key in ("foreign", "own"):
        org_key = getattr(persona, key)
        if org_key is None:
            continue
        query = urlencode({"organization": world.organizations[org_key].pk, "year": 2025})
        problems += refused(client.get(f"{url}?{query}"), world, persona, f"{key} template", allowed=(200, 302, 403))
    return problems


PROBES = {
    "import": _probe_import,
    "catalog_export": _probe_catalog_export,
    "ledger_export": _probe_ledger_export,
    "report_template": _probe_report_template,
}


@pytest.mark.parametrize("name", sorted(n for n in CUSTOM_VIEWS if n in COLLECTION_VIEWS))
@pytest.mark.parametrize("persona", RESTRICTED, ids=_ids)
def test_collection_view_offers_and_returns_no_foreign_data(client, world, persona, name):
    spec = COLLECTION_VIEWS[name]
    login(client, world, persona)
    problems = PROBES[spec.probe](client, world, persona, name, spec)
    assert not problems, problems


def test_system_administrator_exports_every_organization(client, world):
    """The control for the exports above: the same requests return the foreign rows to an administrator."""
    persona = BY_NAME["sysadmin"]
    login(client, world, persona)
    name = world.foreign_name(persona)
    assert name in response_text(client.get(reverse("admin:catalog_item_export") + "?format=csv"))
    for file_format in ledger.FORMATS:
        data = {"organization": world.organizations[persona.foreign].pk, "format": file_format}
        assert name in response_text(client.post(reverse("admin:requests_app_inforequest_ledger_export"), data))


# Autocomplete -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field_name"), AUTOCOMPLETE, ids=lambda v: v if isinstance(v, str) else inventory.label(v)
)
@pytest.mark.parametrize("persona", PERSONAS, ids=_ids)
def test_autocomplete_offers_no_foreign_object(client, world, persona, model, field_name):
    related = model._meta.get_field(field_name).remote_field.model
    foreign = world.foreign(persona, related)
    term = search_term(admin.site._registry[related], foreign)
    login(client, world, persona)
    query = {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field_name}
    response = client.get(reverse("admin:autocomplete"), {**query, "term": term})
    if persona.name == "sysadmin":
        assert str(foreign.pk) in [r["id"] for r in response.json()["results"]]
        return
    problems = refused(response, world, persona, f"autocomplete {term}", allowed=(200, 403))
    if response.status_code == 200:
        offered = [r["id"] for r in response.json()["results"]]
        assert str(foreign.pk) not in offered
    assert not problems, problems


# The admin site's own views ---------------------------------------------------------------------------------

SITE_CASES = [name for name in sorted(SITE_VIEWS) if SITE_VIEWS[name] == "page"]


def _site_urls(name: str) -> list[str]:
    if name == "app_list":
        return [
            reverse("admin:app_list", args=[label]) for label in sorted({m._meta.app_label for m in MODELS.values()})
        ]
    return [reverse(f"admin:{name}")]


@pytest.mark.parametrize("name", SITE_CASES)
@pytest.mark.parametrize("persona", RESTRICTED, ids=_ids)
def test_admin_site_page_names_no_foreign_organization(client, world, persona, name):
    login(client, world, persona)
    problems = []
    for url in _site_urls(name):
        response = client.get(url)
        if world.foreign_name(persona) in response_text(response):
            problems.append(f"{url} shows {world.foreign_name(persona)}")
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
    assert not problems, problems


@pytest.mark.parametrize("persona", RESTRICTED, ids=_ids)
def test_view_on_site_of_a_foreign_draft_reveals_nothing(client, world, persona):
    record = world.foreign(persona, Item)  # a draft
    login(client, world, persona)
    content_type = ContentType.objects.get_for_model(Item)
    response = client.get(reverse("admin:view_on_site", args=[content_type.pk, record.pk]), follow=True)
    assert world.foreign_name(persona) not in response_text(response)


# Public pages -------------------------------------------------------------------------------------------------

PUBLIC_CASES = [
    (persona, name, probe)
    for persona in PERSONAS
    for name in sorted(PUBLIC_VIEWS)
    for probe in PUBLIC_VIEWS[name]
    if not probe.heavy or persona.name in ("anonymous", "sysadmin")
]


def hidden_tokens(world) -> list[str]:
    """Text and links of everything the public may not see."""
    public = world.public
    tokens = [HIDDEN, public.application.number, public.other_application.number]
    tokens += [reverse("catalog:item", args=[item.pk]) + '"' for item in public.hidden_items]
    tokens += [reverse("catalog:attachment", args=[a.pk]) + '"' for a in public.hidden_attachments]
    tokens += [reverse("disclosure_site:report", args=[r.pk]) + '"' for r in public.hidden_reports]
    tokens += [reverse("disclosure_site:plan", args=[p.pk]) + '"' for p in public.hidden_plans]
    return tokens


@pytest.mark.parametrize(("persona", "name", "probe"), PUBLIC_CASES, ids=_ids)
def test_public_url_shows_only_public_content(client, world, persona, name, probe: Probe):
    login(client, world, persona)
    path = probe.path(world)
    response = client.get(path)
    text = response_text(response)
    assert response.status_code in probe.statuses, f"{path}: {response.status_code}"
    # A not-found page may repeat the address asked for (the reading-mode links): not a leak.
    leaked = [token for token in hidden_tokens(world) if token in text and token.rstrip('"') not in path]
    assert not leaked, f"{path} shows {leaked}"
    if probe.shows is not None:
        assert probe.shows(world) in text, f"{path}: the control {probe.shows(world)!r} is missing"


@pytest.mark.parametrize("persona", PERSONAS, ids=_ids)
def test_an_application_is_seen_only_with_its_number_and_code(client, world, persona):
    """With the number and query code of one application, that one shows; another one of the same
    organization (whose staff may be the persona) stays out of reach, its files included."""
    public = world.public
    login(client, world, persona)
    wrong = client.post(
        reverse("disclosure_site:apply_status"), {"number": public.application.number, "code": "WRONGCODE1"}
    )
    assert HIDDEN not in response_text(wrong)
    found = client.post(
        reverse("disclosure_site:apply_status"),
        {"number": public.application.number, "code": public.application_code},
        follow=True,
    )
    assert f"{HIDDEN}申请人" in response_text(found)  # the control: the applicant sees their own
    other = public.other_application
    detail = client.get(reverse("disclosure_site:apply_status_detail", args=[other.number]))
    assert detail.status_code == 302
    document = client.get(
        reverse("disclosure_site:apply_status_document", args=[other.number, public.disclosed_document_pk])
    )
    assert document.status_code == 404
    crossed = client.get(
        reverse("disclosure_site:apply_status_document", args=[public.application.number, public.disclosed_document_pk])
    )
    assert crossed.status_code == 404
    assert PUBLISHED not in response_text(crossed)
