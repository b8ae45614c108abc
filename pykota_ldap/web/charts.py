"""Charts as SVG written on the server: bars with their values printed on them, dark outlines and
a legend, so that they read in black and white on paper too. No script, no style attribute
(the pages' Content-Security-Policy allows neither): presentation attributes only.
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

# Colours that stay apart in grey when printed (light to dark), with a hatch-free outline.
PALETTE = ("#4e79a7", "#f28e2b", "#76b7b2", "#e15759", "#59a14f", "#edc948", "#b07aa1", "#9c755f", "#bab0ac",
           "#17becf")
FONT = 'font-family="sans-serif" font-size="12"'


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)}>'
            f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def stacked_columns(title: str, labels: list[str], series: dict[str, list[int]]) -> str:
    """One column per label (a month), one colour per series (a printer) stacked in it."""
    width = max(320, 70 + 48 * len(labels))
    top, plot_height, left = 30, 220, 50
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    peak = max(totals, default=0) or 1
    body = [f'<text x="{left}" y="18" {FONT} font-weight="bold">{escape(title)}</text>',
            f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 10}" y2="{top + plot_height}" stroke="#000"/>']
    for i, label in enumerate(labels):
        x = left + 10 + 48 * i
        y = top + plot_height
        for j, values in enumerate(series.values()):
            height = round(values[i] * plot_height / peak)
            if height:
                y -= height
                body.append(f'<rect x="{x}" y="{y}" width="34" height="{height}" fill="{PALETTE[j % len(PALETTE)]}" '
                            f'stroke="#000" stroke-width="0.5"><title>{escape(str(values[i]))}</title></rect>')
        body.append(f'<text x="{x + 17}" y="{y - 4}" {FONT} text-anchor="middle">{totals[i]}</text>')
        body.append(f'<text x="{x + 17}" y="{top + plot_height + 16}" {FONT} text-anchor="middle">'
                    f"{escape(label)}</text>")
    legend_y = top + plot_height + 36
    for j, name in enumerate(series):
        y = legend_y + 16 * j
        body.append(f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}" '
                    f'stroke="#000" stroke-width="0.5"/>')
        body.append(f'<text x="{left + 18}" y="{y}" {FONT}>{escape(name)}</text>')
    return _svg(width, legend_y + 16 * len(series) + 4, title, body)


def horizontal_bars(title: str, items: list[tuple[str, float]], shown: list[str] | None = None) -> str:
    """One bar per (label, value), largest scale to the width; `shown` are the values' texts."""
    width, left, row = 560, 150, 22
    peak = max((abs(value) for _, value in items), default=0) or 1
    body = [f'<text x="10" y="18" {FONT} font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 30 + row * i
        length = round(abs(value) * (width - left - 80) / peak)
        text = shown[i] if shown else (str(int(value)) if float(value).is_integer() else str(value))
        body.append(f'<text x="{left - 6}" y="{y + 14}" {FONT} text-anchor="end">{escape(label[:22])}</text>')
        body.append(f'<rect x="{left}" y="{y}" width="{max(length, 1)}" height="{row - 6}" '
                    f'fill="{PALETTE[0 if value >= 0 else 3]}" stroke="#000" stroke-width="0.5"/>')
        body.append(f'<text x="{left + length + 6}" y="{y + 14}" {FONT}>{escape(text)}</text>')
    return _svg(width, 40 + row * max(len(items), 1), title, body)
