"""Bar charts drawn on the server as inline SVG: no script, no CDN, nothing fetched.

The pages' content security policy forbids ``style`` attributes, so the bars are coloured by
SVG presentation attributes (``fill``) and classes, which it does not govern. Every chart has a
title and a description for screen readers, and each bar its value in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 250
BAR_WIDTH = 320
VALUE_WIDTH = 60
COLOURS = ("#2f5d8a", "#4f8a3c", "#b5762a", "#8a2f5d", "#5d5d5d", "#2a8a86")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as it reads ("3", "75 %")


def bar_chart(title: str, bars: Sequence[Bar], *, maximum: float | None = None) -> Markup:
    """A horizontal bar chart, one bar per item, scaled to ``maximum`` (the largest value by
    default)."""
    top = maximum if maximum is not None else max((bar.value for bar in bars), default=0)
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        # No fixed size: the chart takes its container's width (a phone in a corridor).
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * bar.value / top) if top > 0 else 0
        middle = y + BAR_HEIGHT / 2
        parts.append(
            f"<g><title>{escape(bar.label)}: {escape(bar.shown)}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="middle" font-size="13">{escape(bar.label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{COLOURS[index % len(COLOURS)]}"></rect>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" dominant-baseline="middle" '
            f'font-size="13">{escape(bar.shown)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
