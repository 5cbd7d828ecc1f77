"""What a keyboard user sees of the focused element: its outline, whether it stands out, whether it is cut off.

WCAG 2.1 1.4.11 (non-text contrast) asks 3:1 for the visual information that shows focus. The colour
behind the outline is the composited background of whatever lies just outside the element's box,
which is not always its parent (the skip link is positioned over the header).
"""

from __future__ import annotations

from typing import Any

FOCUS_RING_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const backgroundOf = (node) => {
    // Paint the ancestors' background colours from the canvas (white) down to node.
    const chain = [];
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) chain.unshift(n);
    let [r, g, b] = [255, 255, 255];
    for (const n of chain) {
      const [nr, ng, nb, a] = parse(getComputedStyle(n).backgroundColor);
      [r, g, b] = [nr * a + r * (1 - a), ng * a + g * (1 - a), nb * a + b * (1 - a)];
    }
    return [r, g, b];
  };
  const luminance = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const style = getComputedStyle(el);
  const width = parseFloat(style.outlineWidth) || 0;
  const offset = parseFloat(style.outlineOffset) || 0;
  const box = el.getBoundingClientRect();
  // The middle of the outline's left edge, kept inside the viewport.
  const x = Math.max(0, box.left - offset - width / 2);
  const y = Math.min(window.innerHeight - 1, Math.max(0, box.top + box.height / 2));
  const behind = document.elementsFromPoint(x, y).find((n) => n !== el && !el.contains(n)) || document.body;
  const ring = parse(style.outlineColor);
  const [l1, l2] = [luminance(ring), luminance(backgroundOf(behind))].sort((p, q) => q - p);
  return {
    element: el.tagName.toLowerCase() + (el.textContent ? ' "' + el.textContent.trim().slice(0, 20) + '"' : ''),
    style: style.outlineStyle,
    width: width,
    contrast: ring[3] === 0 ? 1 : (l1 + 0.05) / (l2 + 0.05),
    // Cut off by the edge of the window: part of the ring is never painted.
    clipped: box.left - offset - width < 0 || box.right + offset + width > document.documentElement.clientWidth,
  };
}
"""


def tab_stops(page, *, limit: int = 100) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until focus leaves it; the focus ring of each stop."""
    stops: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING_JS)
        if ring is None or (stops and ring == stops[0]):
            break
        stops.append(ring)
    return stops
