"""Geometry of the Progress section's charts: plain numbers and short labels the template turns into SVG.

Deterministic (coordinates rounded to 0.1, time from the runs), and nothing from the tenant is drawn
except numbers: workload names come from the rules, and the template escapes every label anyway.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from m365exit.history.trend import Progress
from m365exit.report import formatting

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 12, 28
PALETTE = ("#000091", "#18753c", "#b34000", "#6a6af4", "#a558a0", "#009081", "#7a5c00", "#ce0500", "#5b6470")


@dataclass
class Line:
    label: str
    colour: str
    points: str  # "x,y x,y" for <polyline>
    dots: list[tuple[float, float, str]]  # x, y, value as written
    dashed: bool = False
    bold: bool = False


@dataclass
class Chart:
    id: str
    title: str
    lines: list[Line]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM
    summary: list[tuple[str, str, str, str]] = field(default_factory=list)  # label, first, last, change


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value))


def _xs(dates: Sequence[datetime]) -> list[float]:
    span = (dates[-1] - dates[0]).total_seconds()
    plot = WIDTH - LEFT - RIGHT
    if span <= 0:
        return [LEFT + plot * i / max(len(dates) - 1, 1) for i in range(len(dates))]
    return [LEFT + plot * (d - dates[0]).total_seconds() / span for d in dates]


def chart(chart_id: str, title: str, dates: Sequence[datetime], series: dict[str, Sequence[float | None]],
          fmt: Callable[[float], str], lang: str, top: float | None = None, bold: str | None = None) -> Chart:
    values = [v for s in series.values() for v in s if v is not None]
    ymax = top if top is not None else _nice_ceiling(max(values, default=0) * 1.05)
    plot_h = HEIGHT - TOP - BOTTOM
    xs = _xs(dates)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - value / ymax), 1)

    lines = []
    for i, (label, points) in enumerate(series.items()):
        dots = [(round(x, 1), y(v), fmt(v)) for x, v in zip(xs, points, strict=True) if v is not None]
        lines.append(Line(label=label, colour=PALETTE[i % len(PALETTE)], dashed=i >= len(PALETTE),
                          points=" ".join(f"{dx},{dy}" for dx, dy, _ in dots), dots=dots, bold=label == bold))
    x_labels = [(round(x, 1), formatting.date(d, lang)[:10]) for x, d in zip(xs, dates, strict=True)]
    if len(x_labels) > 6:  # keep the axis readable: first, last and a few between
        step = math.ceil(len(x_labels) / 5)
        x_labels = [lab for i, lab in enumerate(x_labels) if i % step == 0 or i == len(x_labels) - 1]
    ticks = [(y(ymax * k / 4), fmt(ymax * k / 4)) for k in range(5)]
    return Chart(id=chart_id, title=title, lines=lines, x_labels=x_labels, y_ticks=ticks)


def charts(progress: Progress, lang: str, gettext: Callable[[str], str],
           workload_names: dict[str, str]) -> list[Chart]:
    _ = gettext
    dates = progress.dates()
    overall = _("Overall")
    readiness: dict[str, Sequence[float | None]] = {overall: [r.readiness for r in progress.runs]}
    for wid, points in progress.workload_series().items():
        if any(p is not None for p in points):
            readiness[workload_names.get(wid, wid)] = points

    def count(v: float) -> str:
        return formatting.number(v, lang)

    def size(v: float) -> str:
        return formatting.size(int(v), lang)

    return [
        chart("progress-readiness", _("Readiness per workload"), dates, readiness, count, lang, top=100,
              bold=overall),
        chart("progress-mailboxes", _("Mailboxes remaining in Exchange Online"), dates,
              {_("Mailboxes"): progress.mailboxes()}, count, lang),
        chart("progress-storage", _("Storage still in Microsoft 365"), dates,
              {_("Mail and files"): progress.storage()}, size, lang),
        chart("progress-licences", _("Licences still paid"), dates,
              {_("Paid seats assigned"): progress.paid_seats()}, count, lang),
    ]


def change_rows(progress: Progress, lang: str, gettext: Callable[[str], str]) -> list[tuple[str, str, str, str]]:
    """Metric, previous run, this run, change: the figures behind the charts, for readers and for print."""
    _ = gettext
    prev, now = progress.previous, progress.current

    def number(v: float | None, decimals: int = 0) -> str:
        return formatting.number(v, lang, decimals)

    def signed(a: float | None, b: float | None, text: Callable[[float], str]) -> str:
        if a is None or b is None:
            return "—"
        delta = b - a
        return ("+" if delta > 0 else "−" if delta < 0 else "±") + text(abs(delta))

    storage = progress.storage()
    return [
        (_("Overall readiness"), number(prev.readiness), number(now.readiness),
         signed(prev.readiness, now.readiness, number)),
        (_("Blockers"), number(prev.blockers), number(now.blockers), signed(prev.blockers, now.blockers, number)),
        (_("Mailboxes"), number(prev.number("exchange.mailboxes")), number(now.number("exchange.mailboxes")),
         signed(prev.number("exchange.mailboxes"), now.number("exchange.mailboxes"), number)),
        (_("Storage still in Microsoft 365"),
         formatting.size(None if storage[-2] is None else int(storage[-2]), lang),
         formatting.size(None if storage[-1] is None else int(storage[-1]), lang),
         signed(storage[-2], storage[-1], lambda v: formatting.size(int(v), lang))),
        (_("Paid seats assigned"), number(prev.paid_seats), number(now.paid_seats),
         signed(prev.paid_seats, now.paid_seats, number)),
        (_("Licence spend per month"), number(prev.spend_monthly) + "\u00a0€", number(now.spend_monthly) + "\u00a0€",
         signed(prev.spend_monthly, now.spend_monthly, lambda v: number(v) + "\u00a0€")),
    ]
