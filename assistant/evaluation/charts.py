"""Small inline SVG bar charts for the HTML report: no script, no CDN, no fonts to fetch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

LABEL_WIDTH = 150
BAR_WIDTH = 260
ROW_HEIGHT = 26
NOW_COLOUR = "#2f5d8a"
BASELINE_COLOUR = "#9fb3c8"
TRACK_COLOUR = "#eef1f5"


@dataclass(frozen=True)
class Bar:
    label: str
    now: float  # a rate in [0, 1]
    baseline: float | None = None


def _bar(x: float, y: float, value: float, *, height: float, colour: str, title: str) -> str:
    width = max(0.0, min(1.0, value)) * BAR_WIDTH
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="{colour}"><title>{escape(title)}</title></rect>'
    )


def bar_chart(title: str, bars: Sequence[Bar]) -> str:
    """Horizontal bars, one row per metric: now (dark) over baseline (light)."""
    height = 28 + ROW_HEIGHT * len(bars) + 18
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    for row, bar in enumerate(bars):
        y = 28 + row * ROW_HEIGHT
        parts.append(f'<text x="0" y="{y + 13}">{escape(bar.label)}</text>')
        parts.append(  # the track: a bar is read against the full 0-1 scale
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{BAR_WIDTH}" height="18" '
            f'fill="{TRACK_COLOUR}"/>'
        )
        has_base = bar.baseline is not None
        now_height = 10 if has_base else 16
        parts.append(
            _bar(
                LABEL_WIDTH,
                y + 2,
                bar.now,
                height=now_height,
                colour=NOW_COLOUR,
                title=f"now {bar.now:.3f}",
            )
        )
        if bar.baseline is not None:
            parts.append(
                _bar(
                    LABEL_WIDTH,
                    y + 13,
                    bar.baseline,
                    height=7,
                    colour=BASELINE_COLOUR,
                    title=f"baseline {bar.baseline:.3f}",
                )
            )
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 13}">{bar.now:.2f}</text>')
    legend_y = height - 6
    parts.append(
        f'<rect x="{LABEL_WIDTH}" y="{legend_y - 9}" width="10" height="10" fill="{NOW_COLOUR}"/>'
        f'<text x="{LABEL_WIDTH + 14}" y="{legend_y}">now</text>'
    )
    if any(b.baseline is not None for b in bars):
        parts.append(
            f'<rect x="{LABEL_WIDTH + 50}" y="{legend_y - 9}" width="10" height="10" '
            f'fill="{BASELINE_COLOUR}"/><text x="{LABEL_WIDTH + 64}" y="{legend_y}">baseline</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
