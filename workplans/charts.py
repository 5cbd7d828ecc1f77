"""Server-rendered SVG charts: column charts (months, reply-time bands) and bar charts (categories,
outcomes, case results). Pure functions of the numbers; no script, no external file.

Each chart is an <svg role="img"> named by its <title> and described by its <desc>, a sentence with
every number, so a screen reader hears the data; the page puts the same numbers in a table beside the
chart. Colours come from CSS classes (workplans/static/workplans/statistics.css), so the high-contrast
reading mode recolours the charts like the rest of the page. Every text is escaped (format_html).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
FONT = 14


def _join(parts: Sequence[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def _nice_max(value: int) -> int:
    """The axis maximum: value rounded up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _n(value: float) -> str:
    """A coordinate with one decimal (format_html escapes its arguments, so numbers are formatted first)."""
    return f"{value:.1f}".removesuffix(".0")


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def describe(rows: Sequence[tuple[str, int]], unit: str) -> str:
    """The sentence a screen reader hears after the title: every label with its number."""
    return "；".join(f"{label}：{value}{unit}" for label, value in rows) + "。"


def _svg(chart_id: str, height: int, title: str, description: str, body: Sequence[SafeString]) -> SafeString:
    return format_html(
        '<svg class="chart-svg" role="img" viewBox="0 0 {} {}" aria-labelledby="{}-title" aria-describedby="{}-desc" '
        'xmlns="http://www.w3.org/2000/svg" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        _join(body),
    )


def columns(
    rows: Sequence[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    unit: str,
    axis_label: str = "",
    described: Sequence[tuple[str, int]] | None = None,
) -> SafeString:
    """Vertical bars, one per row (label under the bar, value above it), with a value axis; described:
    the rows with their full labels for the text alternative, when the bars carry short ones."""
    top, bottom, left, right = 24, 44 if axis_label else 30, 56, 8
    plot_height = 200
    height = top + plot_height + bottom
    plot_width = WIDTH - left - right
    scale_max = _nice_max(max((value for _, value in rows), default=0))
    slot = plot_width / max(len(rows), 1)
    bar = slot * 0.62
    body: list[SafeString] = []
    for tick in (0, scale_max // 2 if scale_max >= 2 else None, scale_max):
        if tick is None:
            continue
        y = top + plot_height - plot_height * tick / scale_max
        body.append(
            format_html(
                '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart-tick" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                left,
                WIDTH - right,
                _n(y),
                _n(y),
                left - 6,
                _n(y),
                tick,
            )
        )
    for i, (label, value) in enumerate(rows):
        x = left + slot * i + (slot - bar) / 2
        bar_height = plot_height * value / scale_max
        y = top + plot_height - bar_height
        body.append(
            format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}"/>'
                '<text class="chart-value" x="{}" y="{}" text-anchor="middle">{}</text>'
                '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(x),
                _n(y),
                _n(bar),
                _n(bar_height),
                _n(x + bar / 2),
                _n(y - 5),
                value,
                _n(x + bar / 2),
                top + plot_height + 20,
                label,
            )
        )
    body.append(
        format_html(
            '<line class="chart-axis" x1="{}" x2="{}" y1="{}" y2="{}"/>',
            left,
            WIDTH - right,
            top + plot_height,
            top + plot_height,
        )
    )
    if axis_label:
        body.append(
            format_html(
                '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(left + plot_width / 2),
                height - 4,
                axis_label,
            )
        )
    return _svg(chart_id, height, title, describe(described or rows, unit), body)


def bars(rows: Sequence[tuple[str, int]], *, chart_id: str, title: str, unit: str, label_chars: int = 12) -> SafeString:
    """Horizontal bars, one per row: the label on the left (shortened; the table has it whole), the value
    at the end of the bar."""
    label_width, right, row_height, top = FONT * label_chars + 12, 64, 26, 8
    height = top * 2 + row_height * max(len(rows), 1)
    plot_width = WIDTH - label_width - right
    scale_max = max((value for _, value in rows), default=0) or 1
    body: list[SafeString] = []
    for i, (label, value) in enumerate(rows):
        y = top + row_height * i
        length = plot_width * value / scale_max
        body.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>'
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}"/>'
                '<text class="chart-value" x="{}" y="{}" dominant-baseline="middle">{}</text>',
                label_width - 8,
                _n(y + row_height / 2),
                _short(label, label_chars),
                label_width,
                y + 4,
                _n(length),
                row_height - 8,
                _n(label_width + length + 6),
                _n(y + row_height / 2),
                value,
            )
        )
    body.append(
        format_html(
            '<line class="chart-axis" x1="{}" x2="{}" y1="{}" y2="{}"/>', label_width, label_width, top, height - top
        )
    )
    return _svg(chart_id, height, title, describe(rows, unit), body)
