"""The charts a CIO reads first, as inline SVG: readiness and data per workload, the wave plan, licence spend.

Simple bars written directly (DESIGN §7): deterministic (same input, same bytes; coordinates rounded), no
script, colours as attributes so the PDF engine needs no stylesheet, and every label from the tenant or
the rules escaped. A label too long for its column is cut, with the full text in a <title> tooltip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from m365exit.report import formatting
from m365exit.scoring import READY_AT, Assessment

GOOD, MID, LOW, MUTED, TRACK, INK = "#18753c", "#b34000", "#ce0500", "#5b6470", "#eceff3", "#1b1f24"
DEFAULT_ACCENT = "#000091"
ROW, BAR, LABEL_W, PLOT_W, VALUE_W = 22, 14, 260, 400, 110
LABEL_CHARS = 34
CAPTION = 26  # room for the title above the plot


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader sees it
    colour: str


@dataclass(frozen=True)
class Span:
    """One row of a timeline: a label, where it starts and how long it lasts, in the chart's unit."""

    label: str
    start: float
    length: float
    colour: str = DEFAULT_ACCENT
    note: str = ""


def _n(x: float) -> str:
    """Coordinates with one decimal and no trailing zero: stable text for the same geometry."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _label(text: str, x: float, y: float, anchor: str = "end") -> str:
    short = text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"
    title = f"<title>{escape(text)}</title>" if short != text else ""
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}">{title}{escape(short)}</text>'


def _svg(title: str, width: float, height: float, body: list[str]) -> str:
    """The chart with its title written above it: a printed page has no tooltip."""
    height += CAPTION
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" role="img" aria-label="{escape(title)}" '
        f'font-family="system-ui, sans-serif" font-size="12" fill="{INK}"><title>{escape(title)}</title>'
        f'<text x="0" y="15" font-size="14" font-weight="600">{escape(title)}</text>'
        f'<g transform="translate(0 {CAPTION})">' + "".join(body) + "</g></svg>"
    )


def bars(title: str, rows: Sequence[Bar], maximum: float | None = None) -> str:
    """Horizontal bars, one row each, scaled to `maximum` (the largest value when not given)."""
    top = maximum if maximum is not None else max((r.value for r in rows), default=0)
    height = ROW * len(rows) + 8
    body = []
    for i, r in enumerate(rows):
        y = 4 + i * ROW
        width = PLOT_W * r.value / top if top > 0 else 0
        body += [
            _label(r.label, LABEL_W - 8, y + BAR - 2),
            f'<rect x="{LABEL_W}" y="{_n(y)}" width="{PLOT_W}" height="{BAR}" rx="2" fill="{TRACK}"/>',
            f'<rect x="{LABEL_W}" y="{_n(y)}" width="{_n(width)}" height="{BAR}" rx="2" fill="{r.colour}"/>',
            f'<text x="{_n(LABEL_W + PLOT_W + 8)}" y="{_n(y + BAR - 2)}">{escape(r.text)}</text>',
        ]
    return _svg(title, LABEL_W + PLOT_W + VALUE_W, height, body)


def timeline(title: str, rows: Sequence[Span], unit: Callable[[float], str]) -> str:
    """A Gantt-like timeline: each row a bar from `start` for `length`, with ticks along the top in `unit`."""
    end = max((r.start + r.length for r in rows), default=0) or 1
    scale = PLOT_W / end
    ticks = sorted({r.start for r in rows} | {end})
    body = []
    for t in ticks:
        x = LABEL_W + t * scale
        body += [f'<line x1="{_n(x)}" y1="16" x2="{_n(x)}" y2="{_n(22 + ROW * len(rows))}" stroke="{TRACK}"/>',
                 f'<text x="{_n(x)}" y="12" text-anchor="middle" fill="{MUTED}">{escape(unit(t))}</text>']
    for i, r in enumerate(rows):
        y = 22 + i * ROW
        x, width = LABEL_W + r.start * scale, max(r.length * scale, 2)
        note = f"<title>{escape(r.note)}</title>" if r.note else ""
        body += [_label(r.label, LABEL_W - 8, y + BAR - 2),
                 f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{BAR}" rx="2" fill="{r.colour}">'
                 f'{note}</rect>']
    return _svg(title, LABEL_W + PLOT_W + VALUE_W, 26 + ROW * len(rows), body)


def _readiness_colour(value: int | None) -> str:
    if value is None:
        return MUTED
    return GOOD if value >= READY_AT else MID if value >= 50 else LOW


def wave_lengths(assessment: Assessment) -> tuple[list[float], bool]:
    """Each wave's length: `Assessment.wave_weeks` once scoring estimates it, else 1 per wave (order only)."""
    weeks: Any = getattr(assessment, "wave_weeks", None)
    if not weeks:
        return [1.0] * len(assessment.waves), False
    return [float(weeks[i]) if i < len(weeks) else 1.0 for i in range(len(assessment.waves))], True


def render(assessment: Assessment, lang: str, gettext: Callable[[str], str],
           accent: str = DEFAULT_ACCENT) -> dict[str, str]:
    """The four charts of the report, by name; a chart with nothing to show is left out."""
    _ = gettext
    names = {w.id: w.name.get(lang, w.id) for w in assessment.workloads}
    charts: dict[str, str] = {}

    charts["readiness"] = bars(_("Readiness per workload"), [
        Bar(names[w.id], w.readiness or 0, "—" if w.readiness is None else f"{w.readiness} / 100",
            _readiness_colour(w.readiness)) for w in assessment.workloads
    ], maximum=100)

    moving = sorted((w for w in assessment.workloads if w.data_bytes), key=lambda w: (-w.data_bytes, w.id))
    if moving:
        charts["data"] = bars(_("Data to move per workload"), [
            Bar(names[w.id], w.data_bytes, formatting.size(w.data_bytes, lang), accent) for w in moving
        ])

    lengths, estimated = wave_lengths(assessment)
    spans, start = [], 0.0
    for n, (wave, length) in enumerate(zip(assessment.waves, lengths, strict=True), start=1):
        for wid in wave:
            status = assessment.workload(wid).status
            colour = LOW if status == "blocked" else MUTED if status == "not-assessed" else accent
            note = _("Wave %(n)s: %(status)s") % {"n": n, "status": _(status)}
            spans.append(Span(names.get(wid, wid), start, length, colour, note))
        start += length
    if spans:
        firsts = {sum(lengths[:i]): i + 1 for i in range(len(lengths))}

        def unit(t: float) -> str:  # weeks once estimated; until then the ticks name the waves
            if estimated:
                return f"{formatting.number(t, lang, 1 if t % 1 else 0)} {_('wk')}"
            return f"{_('Wave')} {firsts[t]}" if t in firsts else ""

        charts["waves"] = timeline(_("Migration waves"), spans, unit)

    spend = sorted((r for r in assessment.spend_rows if r.get("monthly")),
                   key=lambda r: (-float(r["monthly"]), str(r.get("sku"))))
    if spend:
        charts["spend"] = bars(_("Licence spend per month by subscription"), [
            Bar(str(r.get("name") or r.get("sku")), float(r["monthly"]),
                f"{formatting.number(float(r['monthly']), lang)}\u00a0€", accent) for r in spend
        ])
    return charts
