"""The citizen's side of on-request disclosure (依申请公开): apply online, see the number and query code
once, and follow the application on the status page.

Privacy: every page here may show what an applicant typed, so every response is
`Cache-Control: private, no-store` and none is wrapped in catalog.cache.cached_public_page; the public
page cache therefore never stores them (it only stores what that decorator hands it), and its
middleware skips every visitor with a session cookie, which a submission or a status lookup sets.
The status page needs a POST of number and query code (never in a URL); access to that application
is then kept in the session. Wrong code and unknown number get the same answer, and wrong answers
are counted per address and per number (requests_app/ratelimit.py).

Abuse: CSRF on every form; a honeypot field and a per-address limit on stored applications. Past the
limit, or when the honeypot is filled in, the form asks an arithmetic question (requests_app/captcha.py)
instead of refusing or silently dropping the application. Dropping it while showing a pretend success
page was rejected: a person whose browser auto-filled the hidden field would believe they had applied,
hold a number that finds nothing, and lose the legal time limits that start with an application.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from catalog.attachments import content_disposition
from catalog.filters import is_id
from catalog.models import Guide
from disclosure_site.errors import DomainError
from disclosure_site.views import _active_organizations

from . import captcha, deadlines, ratelimit, workflow
from .documents import download_response
from .forms import FILES_NOT_KEPT, HONEYPOT_FIELD, NATURAL, ApplicationForm, StatusLookupForm
from .models import (
    ENDED_STATUSES,
    PUBLIC_EVENTS,
    DocumentKind,
    EventKind,
    InfoRequest,
    Letter,
    LetterStatus,
    RequestDocument,
    Status,
    hash_query_code,
)

log = logging.getLogger(__name__)

SUBMITTED_KEY = "requests_app:submitted"  # the number and code, for the one confirmation page
ACCESS_KEY = "requests_app:access"  # pks of the applications this session may see
MAX_ACCESS = 20
APPLY_SCOPE = "apply"
LOOKUP_IP_SCOPE = "lookup-ip"
LOOKUP_NUMBER_SCOPE = "lookup-number"
NOT_FOUND = "未找到与该申请编号和查询码对应的申请。请核对后重新输入；查询码不区分大小写。"


def private_page(view):
    """Responses that may hold personal data: never stored by a browser or a shared cache."""
    return cache_control(private=True, no_store=True)(view)


# Applying -------------------------------------------------------------------------------------------


def _submissions(request: HttpRequest) -> int:
    return ratelimit.count(APPLY_SCOPE, ratelimit.client_address(request), window=settings.REQUEST_RATE_WINDOW)


def _count_submission(request: HttpRequest) -> None:
    ratelimit.add(APPLY_SCOPE, ratelimit.client_address(request), window=settings.REQUEST_RATE_WINDOW)


def _guide_urls() -> dict[str, str]:
    """{organization pk: URL of its guide} for the organizations whose guide is in force (one query)."""
    in_force = (
        Guide.objects.filter(is_published=True, effective_date__lte=timezone.localdate(), organization__is_active=True)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    return {str(pk): reverse("catalog:guide", args=[pk]) for pk in in_force}


def _render_apply(request: HttpRequest, form: ApplicationForm) -> HttpResponse:
    guide_urls = _guide_urls()
    chosen = str(form.data.get("organization", "") if form.is_bound else form.initial.get("organization", ""))
    chosen_org = next((org for org in form.fields["organization"].queryset if str(org.pk) == chosen), None)
    return render(
        request,
        "requests_app/apply.html",
        {
            "form": form,
            "guide_urls": guide_urls,
            "chosen_org": chosen_org,
            "chosen_guide_url": guide_urls.get(chosen),
            "honeypot_field": HONEYPOT_FIELD,
            "organizations": _active_organizations(),  # for applying by letter or in person
        },
    )


def _initial(request: HttpRequest) -> dict:
    organization = request.GET.get("organization", "")
    # is_id: ASCII digits of a sane length ("²".isdigit() is true, and int() refuses 5000 digits).
    return {"organization": int(organization)} if is_id(organization) else {}


def _info_request(form: ApplicationForm) -> InfoRequest:
    data = form.cleaned_data
    natural = data["applicant_kind"] == NATURAL
    return InfoRequest(
        organization=data["organization"],
        applicant_type=form.applicant_type,
        applicant_name=data["name"] if natural else data["org_name"],
        id_type=data["id_type"],
        id_number=data["id_number"],
        credit_code=data["credit_code"],
        legal_representative=data["legal_representative"],
        contact_person=data["contact_person"],
        phone=data["phone"],
        email=data["email"],
        address=data["address"],
        postcode=data["postcode"],
        description=data["description"],
        document_title=data["document_title"],
        document_number=data["document_number"],
        wanted_form=data["wanted_form"],
        delivery=data["delivery"],
    )


def _add_model_errors(form: ApplicationForm, error: ValidationError) -> None:
    """Errors of InfoRequest.full_clean() on the form's fields (applicant_name is two inputs here)."""
    natural = form.cleaned_data.get("applicant_kind") == NATURAL
    for name, messages in getattr(error, "message_dict", {None: error.messages}).items():
        if name == "applicant_name":
            name = "name" if natural else "org_name"
        form.add_error(name if name in form.fields else None, messages)


def _grant(request: HttpRequest, info_request: InfoRequest) -> None:
    access = [pk for pk in request.session.get(ACCESS_KEY, []) if pk != info_request.pk]
    request.session[ACCESS_KEY] = [info_request.pk, *access][:MAX_ACCESS]


@private_page
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """政府信息公开申请表 (条例 第二十九条): on success, the application is stored as 待受理 and the visitor
    is sent (POST/redirect/GET) to the confirmation page with the number and query code."""
    over_limit = _submissions(request) >= settings.REQUEST_RATE_LIMIT
    if request.method != "POST":
        challenge = captcha.new_challenge() if over_limit else None
        return _render_apply(request, ApplicationForm(initial=_initial(request), challenge=challenge))

    honeypot = bool(request.POST.get(HONEYPOT_FIELD, "").strip())
    if honeypot:
        log.info("online application form: honeypot field filled in; asking the arithmetic question")
        _count_submission(request)
    asked = over_limit or honeypot
    challenge = captcha.challenge_from(request.POST.get("captcha_token", "")) if asked else None
    form = ApplicationForm(request.POST, request.FILES, challenge=challenge, captcha_asked=asked)
    if form.is_valid():
        files = form.cleaned_data["identity_files"]
        try:
            info_request, code = workflow.submit_online(
                _info_request(form), documents=[(DocumentKind.IDENTITY, uploaded) for uploaded in files]
            )
        except ValidationError as error:
            _add_model_errors(form, error)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if not honeypot:
                _count_submission(request)
            request.session[SUBMITTED_KEY] = {"pk": info_request.pk, "code": code}
            _grant(request, info_request)
            return redirect("disclosure_site:apply_submitted")
    if form.captcha_failed:
        form.ask(captcha.new_challenge())
    if request.FILES.getlist("identity_files"):
        form.add_error("identity_files", FILES_NOT_KEPT)
    return _render_apply(request, form)


def _grouped(code: str) -> str:
    """A query code in groups of five, easier to read out and copy: 4ACD7 EFGHJ."""
    return " ".join(code[i : i + 5] for i in range(0, len(code), 5))


@private_page
@require_safe
def submitted(request: HttpRequest) -> HttpResponse:
    """The confirmation: number and query code, shown once. The code is taken out of the session as the
    page is rendered, so coming back to this address later shows only that it is no longer available."""
    # Only a GET uses the code up: a HEAD (a link checker, a prefetch) must not take it from the applicant.
    data = request.session.pop(SUBMITTED_KEY, None) if request.method == "GET" else request.session.get(SUBMITTED_KEY)
    info_request = None
    if data:
        info_request = InfoRequest.objects.select_related("organization").filter(pk=data["pk"]).first()
    return render(
        request,
        "requests_app/submitted.html",
        {
            "info_request": info_request,
            "code": _grouped(data["code"]) if info_request else "",
            "reply_days": deadlines.REPLY_WORKING_DAYS,
        },
    )


# Status ---------------------------------------------------------------------------------------------


def _lookup_blocked(address: str, number: str) -> bool:
    window = settings.REQUEST_LOOKUP_WINDOW
    return (
        ratelimit.count(LOOKUP_IP_SCOPE, address, window=window) >= settings.REQUEST_LOOKUP_LIMIT_PER_IP
        or ratelimit.count(LOOKUP_NUMBER_SCOPE, number, window=window) >= settings.REQUEST_LOOKUP_LIMIT_PER_NUMBER
    )


def _find(number: str, code: str) -> InfoRequest | None:
    """The application with number and code, or None; an unknown number costs the same hashing as a
    known one, so the time taken does not tell which numbers exist."""
    info_request = InfoRequest.objects.filter(number=number).first()
    if info_request is None:
        hash_query_code(code, "0" * 16)
        return None
    return info_request if info_request.check_query_code(code) else None


def _accessible(request: HttpRequest) -> list[InfoRequest]:
    pks = request.session.get(ACCESS_KEY, [])
    if not pks:
        return []
    found = {r.pk: r for r in InfoRequest.objects.filter(pk__in=pks).select_related("organization")}
    return [found[pk] for pk in pks if pk in found]


@private_page
@require_http_methods(["GET", "HEAD", "POST"])
def status_lookup(request: HttpRequest) -> HttpResponse:
    """申请查询: number and query code by POST; on a match the session may see that application."""
    form = StatusLookupForm(request.POST if request.method == "POST" else None)
    problem, status = "", 200
    if form.is_valid():
        number, code = form.cleaned_data["number"], form.cleaned_data["code"]
        address = ratelimit.client_address(request)
        window = settings.REQUEST_LOOKUP_WINDOW
        if _lookup_blocked(address, number):
            minutes = ratelimit.minutes_left(window=window)
            problem = (
                f"查询尝试次数过多。为保护申请人的信息，请在{minutes}分钟后再试；"
                "如忘记查询码，请联系受理机关，凭身份证明查询办理进度。"
            )
            status = 429
        else:
            info_request = _find(number, code)
            if info_request is not None:
                _grant(request, info_request)
                return redirect("disclosure_site:apply_status_detail", number=info_request.number)
            ratelimit.add(LOOKUP_IP_SCOPE, address, window=window)
            ratelimit.add(LOOKUP_NUMBER_SCOPE, number, window=window)
            problem = NOT_FOUND
    return render(
        request,
        "requests_app/status_lookup.html",
        {"form": form, "problem": problem, "seen": _accessible(request)},
        status=status,
    )


def _allowed(request: HttpRequest, number: str) -> InfoRequest | None:
    pks = request.session.get(ACCESS_KEY, [])
    if not pks:
        return None
    return InfoRequest.objects.select_related("organization").filter(Q(pk__in=pks), number=number).first()


def mask_phone(phone: str) -> str:
    """138****0000: the first three and last four digits of a long number, the last two of a short one."""
    positions = [i for i, ch in enumerate(phone) if ch.isdigit()]
    keep = set(positions[:3] + positions[-4:]) if len(positions) >= 8 else set(positions[-2:])
    return "".join("*" if i in positions and i not in keep else ch for i, ch in enumerate(phone))


def _deadline(info_request: InfoRequest, clock: deadlines.Clock) -> dict:
    """What the page says about the reply deadline: a date, or words for why there is none."""
    days = deadlines.REPLY_WORKING_DAYS
    status = info_request.status
    if status in ENDED_STATUSES:
        return {"label": "办结日期", "date": info_request.ended_on}
    if info_request.received_on is None:
        return {
            "label": "答复期限",
            "text": "待确认收到",
            "note": f"本机关确认收到申请之日起{days}个工作日内答复（条例第三十一条、第三十三条）。",
        }
    if status == Status.CORRECTING:
        return {
            "label": "答复期限",
            "text": "暂停计时（等待补正）",
            "note": f"本机关收到补正后的申请之日起重新计算{days}个工作日（条例第三十条）。",
        }
    if clock.missing_year:
        return {
            "label": "答复期限",
            "text": "暂时无法计算",
            "note": (
                f"{clock.missing_year}年的法定节假日安排尚未录入系统，答复期限将在录入后显示。"
                f"本机关自收到申请之日起{days}个工作日内答复，依法延长的除外。"
            ),
        }
    if clock.paused:
        why = (
            "征求第三方或其他机关意见所需时间不计算在答复期限内（条例第三十二条、第三十四条）。"
            if status == Status.CONSULTING
            else "缴纳信息处理费期间不计算在答复期限内。"
        )
        return {"label": "答复期限", "text": "暂停计时", "note": why}
    note = f"经机关负责人同意，答复期限已延长{clock.extension_days}个工作日。" if clock.extended else ""
    return {"label": "答复期限", "date": clock.due, "note": note}


@private_page
@require_safe
def status_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The status of one application the session may see: timeline, deadline, correction, letters, files."""
    info_request = _allowed(request, number)
    if info_request is None:
        return redirect("disclosure_site:apply_status")
    events = list(info_request.events.all())
    clock = deadlines.clock(info_request, events=events)
    correction = None
    if info_request.status == Status.CORRECTING:
        correction = next((e for e in reversed(events) if e.kind == EventKind.CORRECTION_REQUESTED), None)
    return render(
        request,
        "requests_app/status_detail.html",
        {
            "info_request": info_request,
            "masked_phone": mask_phone(info_request.phone),
            "events": [event for event in events if event.kind in PUBLIC_EVENTS],
            "deadline": _deadline(info_request, clock),
            "correction": correction,
            "letters": info_request.letters.filter(status=LetterStatus.SENT).order_by("sent_on", "pk"),
            "documents": _documents_for_applicant(info_request),
            "outcome": info_request.outcome_enum,
        },
    )


def _documents_for_applicant(info_request: InfoRequest):
    """The documents provided to the applicant, offered once the reply has gone out (a redacted copy
    approved before the reply waits for it)."""
    if info_request.status != Status.ANSWERED:
        return RequestDocument.objects.none()
    return info_request.documents.filter(for_applicant=True)


@private_page
@require_safe
def status_letter(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """A letter that was sent to the applicant, as a PDF download."""
    from requests_app.letters import download_name, render_pdf

    info_request = _allowed(request, number)
    if info_request is None:
        raise Http404("请先在申请查询页面输入申请编号和查询码。")
    letter = get_object_or_404(
        Letter.objects.select_related("info_request"), pk=pk, info_request=info_request, status=LetterStatus.SENT
    )
    response = HttpResponse(render_pdf(letter), content_type="application/pdf")
    name = SimpleNamespace(pk=letter.pk, original_name=download_name(letter, "pdf"), kind="pdf")
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@private_page
@require_safe
def status_document(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """A document the organ provides to the applicant (the disclosed information), as a download."""
    info_request = _allowed(request, number)
    if info_request is None:
        raise Http404("请先在申请查询页面输入申请编号和查询码。")
    document = get_object_or_404(_documents_for_applicant(info_request), pk=pk)
    try:
        return download_response(document)
    except FileNotFoundError:
        log.error("request document %s: file %s is missing from storage", document.pk, document.file.name)
        raise Http404("文件缺失，请联系受理机关。") from None
