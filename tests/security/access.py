"""The expected access of every URL, admin view, admin action and export: the one table to extend.

test_permission_matrix.py enumerates admin.site._registry, each ModelAdmin's get_urls() and
get_actions(), the autocomplete fields and every pattern of the URL resolver; an entry missing here
fails test_every_*_is_classified with a message naming the table to add it to.

- The standard admin views of every model (STANDARD_VIEWS) are probed for every model, with a record of
  another organization (tests/security/records.py builds one for each admin model).
- OBJECT_VIEWS: the per-object views a ModelAdmin adds in get_urls(): which record they take, the extra
  URL arguments (every step, action and format the view knows), and the methods to craft.
- COLLECTION_VIEWS: the views a ModelAdmin adds without a pk (imports, exports, templates): the probe
  that checks they offer and return only the user's organizations (test_permission_matrix.py).
- SITE_VIEWS: the admin site's own views, and UNNAMED the routes without a name.
- ACTIONS: every admin action by model label, with what it does.
- OPEN_CHOICES / UNREACHABLE_FORMS: form choices that may name other organizations by design, and
  admin forms that are never shown nor saved, each with the reason.
- PUBLIC_VIEWS (public_probes.py): every public URL name with the requests that probe it.

Everyone but the system administrator is refused a record of another organization: a redirect to the
login page for visitors and staff without a role, a 302/403/404/405 for staff, nothing written, and no
text of the record in what comes back. Records in SHARED (the calendar and the subject tree) are read
by all staff and changed only by system administrators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from annual_reports import exports as report_exports
from annual_reports.admin import ReportAdmin
from catalog.admin import ItemAdmin
from requests_app.admin import STEPS
from workplans.admin import PlanAdmin

STANDARD_VIEWS = ("changelist", "add", "history", "delete", "change")


@dataclass(frozen=True)
class ObjectView:
    """A per-object admin view. pk(record) gives the pk in its URL (the record's own by default);
    variants(record) the other URL arguments, one request per variant and method; posts the bodies of
    the crafted POSTs; control the status the system administrator gets for a GET of the first variant
    (the proof that the URL reaches the record), with shows=True when its content must name the record's
    organization (or marker(record))."""

    variants: Callable[[object], list[dict]] = lambda record: [{}]
    methods: tuple[str, ...] = ("GET", "POST")
    posts: tuple[dict, ...] = ({},)
    pk: Callable[[object], int] = lambda record: record.pk
    control: int = 200
    shows: bool = True
    marker: Callable[[object], str] | None = None  # what the control must show, if not the organization
    pk_name: str = "pk"  # the URL argument that takes the pk


def _each(name: str, values) -> Callable[[object], list[dict]]:
    values = list(values)
    return lambda record: [{name: value} for value in values]


REDACTION_ACTIONS = ("add", "change", "remove", "search", "undo", "submit", "approve", "return", "discard")

OBJECT_VIEWS: dict[str, ObjectView] = {
    # Django's 修改密码 page of an account (UserAdmin).
    "auth_user_password_change": ObjectView(
        posts=({"password1": "Hacked-Pass-2026", "password2": "Hacked-Pass-2026", "usable_password": "true"},),
        marker=lambda user: user.username,
        pk_name="id",
    ),
    "catalog_item_workflow": ObjectView(
        posts=tuple({"transition": key, "comment": "篡改"} for key in ItemAdmin.TRANSITIONS)
    ),
    "requests_app_inforequest_step": ObjectView(
        variants=_each("key", STEPS), posts=({"note": "篡改"},), marker=lambda info_request: info_request.number
    ),
    "requests_app_inforequest_document": ObjectView(
        variants=lambda record: [{"document_pk": document.pk} for document in record.documents.all()],
        methods=("GET",),
        shows=False,  # the stored file itself
    ),
    "requests_app_letter_approve": ObjectView(control=302),
    "requests_app_letter_file": ObjectView(variants=_each("ext", ["docx", "pdf"]), methods=("GET",)),
    # The redaction page of an application: its pk is the application's.
    "requests_app_redactionjob_request": ObjectView(pk=lambda job: job.info_request_id),
    "requests_app_redactionjob_screen": ObjectView(methods=("GET",)),
    "requests_app_redactionjob_page": ObjectView(variants=_each("number", [1]), methods=("GET",), shows=False),
    "requests_app_redactionjob_preview": ObjectView(methods=("GET",), shows=False),
    "requests_app_redactionjob_act": ObjectView(
        variants=_each("action", REDACTION_ACTIONS),
        methods=("POST",),
        posts=({"box": "1", "text": "申请人", "reason": "3.4", "add-page": "1"},),
        control=405,
    ),
    "annual_reports_report_action": ObjectView(
        variants=_each("action", ReportAdmin.ACTIONS), methods=("POST",), posts=({"note": "篡改"},), control=405
    ),
    "annual_reports_report_export": ObjectView(variants=_each("kind", report_exports.FORMATS), methods=("GET",)),
    "workplans_plan_action": ObjectView(
        variants=_each("action", PlanAdmin.ACTIONS), methods=("POST",), posts=({"note": "篡改"},), control=405
    ),
    "workplans_progress_review": ObjectView(
        variants=_each("decision", ["publish", "return"]), methods=("POST",), posts=({"note": "篡改"},), control=405
    ),
}


@dataclass(frozen=True)
class CollectionView:
    """A ModelAdmin view without a pk. probe: the check in test_permission_matrix.py (PROBES) that runs
    it; post: the form fields of a crafted POST besides the foreign organization and the file."""

    probe: str
    post: dict = field(default_factory=dict)


COLLECTION_VIEWS: dict[str, CollectionView] = {
    "catalog_item_import": CollectionView("import", {"publish": "draft"}),
    "catalog_item_export": CollectionView("catalog_export"),
    "requests_app_inforequest_ledger_import": CollectionView("import", {"dry_run": "on"}),
    "requests_app_inforequest_ledger_export": CollectionView("ledger_export"),
    "annual_reports_report_import": CollectionView("import", {"year": "2025", "dry_run": "on"}),
    "annual_reports_report_import_template": CollectionView("report_template"),
    "workplans_plan_import": CollectionView("import", {"year": "2027", "title": "篡改的工作要点"}),
}

# The admin site's own views (name in the "admin" namespace): what they show.
SITE_VIEWS: dict[str, str] = {
    "index": "page",  # the dashboard: panels of the user's organizations only
    "app_list": "page",  # one app's models
    "login": "page",
    "logout": "logout",
    "password_change": "page",
    "password_change_done": "page",
    "jsi18n": "page",
    "autocomplete": "autocomplete",  # test_autocomplete_offers_no_foreign_object
    "view_on_site": "view_on_site",  # redirects to the public page, where the public rules apply
    "login_code": "page",  # the second login step (TOTP code) of the user who just gave a password
    "second_factor": "page",  # the user's own authenticator enrolment
}

# Routes without a URL name, matched on the route string.
UNNAMED: dict[str, str] = {
    "<path:object_id>/": "redirects to the change view of the same object (same checks)",
    "(?P<url>.*)$": "the admin's catch-all: 404 or the login redirect",
}

# Every admin action (as offered to a system administrator), by model label: what it does. "export"
# actions return a file; crafted POSTs of all of them with a foreign pk must change and return nothing.
ACTIONS: dict[tuple[str, str], str] = {
    ("catalog.category", "delete_selected"): "delete",
    ("catalog.indexnumberscheme", "delete_selected"): "delete",
    ("catalog.subject", "delete_selected"): "delete",
    ("catalog.item", "submit_selected"): "workflow",
    ("catalog.item", "approve_selected"): "workflow",
    ("catalog.item", "export_selected_xlsx"): "export",
    ("catalog.item", "export_selected_csv"): "export",
    ("auth.user", "unlock_login"): "account",
    ("auth.user", "reset_second_factor"): "account",
    ("disclosure_site.stafftotpdevice", "reset_devices"): "account",
    ("auth.group", "delete_selected"): "delete",
    ("disclosure_site.membership", "delete_selected"): "delete",
    ("disclosure_site.calendaryear", "delete_selected"): "delete",
    ("disclosure_site.calendarday", "delete_selected"): "delete",
    ("requests_app.consultation", "delete_selected"): "delete",
    ("requests_app.legalcase", "delete_selected"): "delete",
    ("requests_app.letter", "delete_selected"): "delete",
    ("workplans.progress", "publish_selected"): "workflow",
}


# Choice fields allowed to offer objects of other organizations, by (model label, field name), with why.
OPEN_CHOICES: dict[tuple[str, str], str] = {
    ("workplans.plan", "leads"): "a plan names lead units anywhere in the county (the task is then theirs to see)",
    ("workplans.plan", "supports"): "a plan names cooperating units anywhere in the county",
}

# Admin forms never shown nor saved, by model label, with why (their choices are not checked).
UNREACHABLE_FORMS: dict[str, str] = {
    "requests_app.redactionjob": "change_view redirects to the redaction screen, for GET and POST; no add",
}
