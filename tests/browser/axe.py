"""Run axe-core (tests/browser/vendor/axe.min.js) in a page and report WCAG 2.1 A/AA violations."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"

Violations = list[dict[str, Any]]


def preload(context) -> None:
    """Load axe into every page the context opens: cheaper than injecting it after each navigation."""
    context.add_init_script(path=AXE_JS)


def violations(page) -> Violations:
    """The axe violations of the page as it is now."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the Content-Security-Policy forbids inline scripts.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(_RUN, WCAG_21_AA_TAGS)["violations"]


def describe(found: Violations, *, max_targets: int = 3) -> str:
    """One line per rule: id, impact, what it asks, how many elements, the first selectors and why."""
    lines = []
    for violation in found:
        nodes = violation["nodes"]
        targets = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:max_targets])
        more = f" (+{len(nodes) - max_targets} more)" if len(nodes) > max_targets else ""
        lines.append(
            f"  - {violation['id']} [{violation['impact']}] {violation['help']}: "
            f"{len(nodes)} element(s): {targets}{more}"
        )
        if nodes and nodes[0].get("failureSummary"):
            lines.append(f"      first: {' '.join(nodes[0]['failureSummary'].split())}")
    return "\n".join(lines)


def assert_none(found_by_page: Mapping[str, Violations]) -> None:
    """Fail with every page's violations, one readable block per page."""
    failing = {page: found for page, found in found_by_page.items() if found}
    report = "\n".join(f"{page}:\n{describe(found)}" for page, found in failing.items())
    assert not failing, f"axe found WCAG 2.1 A/AA violations on {len(failing)} page(s):\n{report}"
