"""An XSS corpus through everything the public or an applicant can put in front of a reader: item titles
and rich-text bodies (imported, so sanitized as staff's are), attachment names, search terms and their
highlights, the application form and status page, the fields staff read in the admin, and the reply
letters (their HTML and the PDF text). Checked in Chromium with the Content-Security-Policy bypassed,
so escaping and sanitizing are tested on their own: no dialog opens, the flag the payloads try to set
stays unset, and no payload becomes a script, an event handler, a javascript: link or a frame."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from catalog.import_export import import_items
from catalog.models import Attachment, Item
from disclosure_site.calendar_data import seed_from_package
from disclosure_site.models import Role
from requests_app import letters
from requests_app.models import LetterKind, Outcome
from tests.factories import MembershipFactory
from tests.requests_app.factories import registered, submitted_online

from .test_csp import log_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Each one tries to run `window.__xss = 1` or to open a dialog, from a different context.
PAYLOADS = (
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload="window.__xss=1">',
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(2)</script>",
    '<a href="javascript:alert(3)">点这里</a>',
    "javascript:alert(4)",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(5)>",
    '<div style="background:url(javascript:alert(6))" onmouseover="alert(7)">悬停</div>',
    "{{ 7|add:42 }}{% now 'Y' %}",
)
TEMPLATE_LIKE = "{{ 7|add:42 }}{% now 'Y' %}"
SHORT = '"><img src=x onerror=alert(9)>'  # fits the 100-character fields

AUDIT = """() => {
  const attrs = (el) => Array.from(el.attributes);
  const all = Array.from(document.querySelectorAll('*'));
  return {
    flag: window.__xss === 1,
    inlineScripts: Array.from(document.scripts)
      .filter((s) => !s.src && s.type !== 'application/json').map((s) => s.textContent.slice(0, 60)),
    handlers: all.flatMap((el) => attrs(el).filter((a) => a.name.startsWith('on'))
      .map((a) => `${el.tagName.toLowerCase()} ${a.name}`)),
    javascriptUrls: all.flatMap((el) => attrs(el)
      .filter((a) => ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name)
        && /^\\s*javascript:/i.test(a.value))
      .map((a) => `${el.tagName.toLowerCase()} ${a.name}`)),
    frames: document.querySelectorAll('iframe, object, embed, frame').length,
  };
}"""
CLEAN = {"flag": False, "inlineScripts": [], "handlers": [], "javascriptUrls": [], "frames": 0}


class Audit:
    """Dialogs seen by a page, and what AUDIT finds in it, per page visited."""

    def __init__(self, page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)
        self.found: dict[str, dict] = {}

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        result = self.page.evaluate(AUDIT)
        if result != CLEAN:
            self.found[label] = result

    def visit(self, path: str, *, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response.status == status, path
        self.check(path)

    def assert_nothing_ran(self) -> None:
        assert self.dialogs == []
        assert self.found == {}


@pytest.fixture
def hostile_site(county):
    """Published items whose titles, bodies, summaries and attachment names are the payloads."""
    seed_from_package({2025, 2026})
    head = MembershipFactory(organization=county.finance, role=Role.HEAD).user
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["标题", "栏目编码", "成文日期", "发布日期", "内容概述", "正文", "关键词"])
    for number, payload in enumerate(PAYLOADS, start=1):
        body = f"<p>预算说明第{number}条</p>" + "".join(PAYLOADS)
        writer.writerow([f"预算公开{number} {payload}", "0307", "2026-03-02", "2026-03-05", payload, body, payload])
    with time_machine.travel(dt.datetime(2026, 3, 6, 10, 0, tzinfo=SHANGHAI), tick=False):
        report = import_items(
            buffer.getvalue().encode("utf-8-sig"),
            organization=county.finance,
            by=head,
            publish=True,
            dry_run=False,
            name="xss.csv",
        )
    assert report.ok, report.errors
    items = list(Item.objects.order_by("pk"))
    for item, payload in zip(items, PAYLOADS, strict=True):
        Attachment.objects.create(
            item=item, file="catalog/none.pdf", original_name=f"{payload}.pdf", kind="pdf", size=1
        )
    return items


def test_item_pages_lists_and_search_run_no_payload(new_page, hostile_site, county):
    page = new_page(bypass_csp=True)
    audit = Audit(page)

    for item in hostile_site:
        audit.visit(item.get_absolute_url())
    audit.visit(reverse("catalog:items"))
    audit.visit(reverse("catalog:organization", args=[county.finance.pk]))
    audit.visit(hostile_site[0].category.get_absolute_url())
    audit.visit(reverse("catalog:proactive"))
    audit.visit(f"{reverse('catalog:search')}?q=预算公开")  # highlights in the payload titles
    for payload in PAYLOADS:  # as a crafted link would send them; the page shows the words again
        audit.visit(f"{reverse('catalog:search')}?{urlencode({'q': payload})}")
        audit.visit(f"{reverse('catalog:search')}?{urlencode({'q': '预算公开 ' + payload, 'order': payload})}")

    audit.assert_nothing_ran()
    page.goto(hostile_site[-1].get_absolute_url())
    assert TEMPLATE_LIKE in page.locator("h1").inner_text()  # shown as typed, never evaluated


def test_application_form_and_status_page_run_no_payload(new_page, county, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    seed_from_package({2026})
    info_request, code = submitted_online(
        county.finance,
        applicant_name=SHORT,
        address=SHORT,
        description="".join(PAYLOADS),
        document_title=PAYLOADS[0],
        document_number=SHORT,
    )
    page = new_page(bypass_csp=True)
    audit = Audit(page)

    # The form shown again after a refused submission keeps what was typed in every field.
    page.goto(reverse("disclosure_site:apply"))
    page.get_by_label("自然人", exact=True).check()
    page.get_by_label("姓名", exact=True).fill(SHORT)
    page.get_by_label("所需政府信息的内容描述").fill("".join(PAYLOADS))
    page.get_by_label("所需信息的名称（选填）").fill(PAYLOADS[4])
    page.get_by_role("button", name="提交申请").click()
    audit.check("apply form shown again")
    page.goto(reverse("disclosure_site:apply_status"))
    page.get_by_label("申请编号").fill(info_request.number)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**{reverse('disclosure_site:apply_status_detail', args=[info_request.number])}")
    audit.check("status page")

    audit.assert_nothing_ran()


def test_admin_pages_show_applicants_and_titles_without_running_them(
    new_page, hostile_site, county, clerk, live_server
):
    seed_from_package({2026})
    info_request = registered(
        county.finance,
        by=clerk,
        received_on=dt.date(2026, 3, 6),
        applicant_name=SHORT,
        address=SHORT,
        description="".join(PAYLOADS),
        document_title=PAYLOADS[1],
    )
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        letter = letters.draft(
            info_request, kind=LetterKind.REPLY, by=clerk, outcome=Outcome.DISCLOSED, details="".join(PAYLOADS)
        )
    page = new_page(bypass_csp=True)
    log_in(page, clerk, live_server)
    audit = Audit(page)

    audit.visit(reverse("admin:requests_app_inforequest_changelist"))
    audit.visit(f"{reverse('admin:requests_app_inforequest_changelist')}?q={SHORT}")
    audit.visit(reverse("admin:requests_app_inforequest_change", args=[info_request.pk]))
    audit.visit(reverse("admin:requests_app_letter_change", args=[letter.pk]))
    audit.visit(reverse("admin:catalog_item_changelist"))
    audit.visit(reverse("admin:catalog_item_change", args=[hostile_site[1].pk]))

    audit.assert_nothing_ran()


def test_reply_letter_prints_the_payloads_as_text(page, county, clerk):
    seed_from_package({2026})
    info_request = registered(
        county.finance, by=clerk, received_on=dt.date(2026, 3, 6), applicant_name=SHORT, address=SHORT
    )
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        letter = letters.draft(
            info_request, kind=LetterKind.REPLY, by=clerk, outcome=Outcome.DISCLOSED, details="".join(PAYLOADS)
        )
    audit = Audit(page)

    page.set_content(render_to_string("requests_app/letters/letter.html", letters._content(letter)))
    audit.check("letter HTML")
    text = _pdf_text(letters.render_pdf(letter))

    audit.assert_nothing_ran()
    assert "<script>window.__xss=1</script>" in page.locator("body").inner_text()
    assert "<script>window.__xss=1</script>" in text
    assert SHORT in text


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_audit_catches_a_payload_that_was_not_escaped(page):
    audit = Audit(page)

    page.set_content("<main>" + "".join(PAYLOADS) + "</main>")
    audit.check("unescaped")

    found = audit.found["unescaped"]
    assert found["flag"] is True
    assert found["handlers"] and found["javascriptUrls"] and found["frames"]
    assert audit.dialogs
