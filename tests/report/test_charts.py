"""The charts: deterministic SVG whose geometry says what the assessment says, with tenant text escaped."""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from m365exit import pipeline
from m365exit.report import charts
from m365exit.report.i18n import catalog
from m365exit.scoring import Assessment
from m365exit.snapshot import Snapshot

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  (our own output)


def rows(svg: str) -> list[tuple[str, float, float]]:
    """(label, x, width) of each drawn bar, in order; the grey tracks behind the bars left out."""
    plot = parse(svg).find("svg:g", NS)
    assert plot is not None
    labels = [t for t in plot.findall("svg:text", NS) if t.get("text-anchor") == "end"]
    bars = [r for r in plot.findall("svg:rect", NS) if r.get("fill") != charts.TRACK]
    return [("".join(t.itertext()) if t.find("svg:title", NS) is None else t.find("svg:title", NS).text or "",
             float(r.get("x", 0)), float(r.get("width", 0))) for t, r in zip(labels, bars, strict=True)]


def assessment(snapshot: Snapshot) -> Assessment:
    return pipeline.evaluate(snapshot, pipeline.AssessOptions())


def test_readiness_bars_are_the_scores(demo_snapshot: Snapshot) -> None:
    a = assessment(demo_snapshot)
    svg = charts.render(a, "en", catalog("en").gettext)["readiness"]
    assert '<text x="0" y="15" font-size="14" font-weight="600">Readiness per workload</text>' in svg  # printable
    drawn = rows(svg)
    assert [label for label, _, _ in drawn] == [w.name["en"] for w in a.workloads]
    for (_, _, width), w in zip(drawn, a.workloads, strict=True):
        assert abs(width - charts.PLOT_W * (w.readiness or 0) / 100) <= 0.05


def test_data_and_spend_are_sorted_and_proportional(demo_snapshot: Snapshot) -> None:
    a = assessment(demo_snapshot)
    made = charts.render(a, "fr", catalog("fr").gettext)
    data = rows(made["data"])
    moving = sorted((w for w in a.workloads if w.data_bytes), key=lambda w: -w.data_bytes)
    assert [label for label, _, _ in data] == [w.name["fr"] for w in moving]
    assert data[0][2] == charts.PLOT_W  # the largest fills the plot; the others in proportion
    assert abs(data[1][2] - charts.PLOT_W * moving[1].data_bytes / moving[0].data_bytes) <= 0.05
    spend = rows(made["spend"])
    paid = sorted((r for r in a.spend_rows if r["monthly"]), key=lambda r: -r["monthly"])
    assert len(spend) == len(paid) and [w for _, _, w in spend] == sorted((w for _, _, w in spend), reverse=True)
    assert "20\u202f250\u00a0€" in made["spend"]  # Microsoft 365 E3, in French figures


def test_waves_are_a_timeline_of_unit_length_until_weeks_are_known(demo_snapshot: Snapshot) -> None:
    a = assessment(demo_snapshot)
    drawn = rows(charts.render(a, "en", catalog("en").gettext)["waves"])
    unit = charts.PLOT_W / len(a.waves)
    expected = [(n, wid) for n, wave in enumerate(a.waves) for wid in wave]
    assert len(drawn) == len(expected)
    for (_, x, width), (n, _) in zip(drawn, expected, strict=True):
        assert abs(x - (charts.LABEL_W + n * unit)) <= 0.05 and abs(width - unit) <= 0.05

    @dataclass
    class WithWeeks:  # what scoring will provide: Assessment.wave_weeks
        wrapped: Assessment
        wave_weeks: list[float]

        def __getattr__(self, name: str) -> Any:
            return getattr(self.wrapped, name)

    weeks = [2.0, 6.0, 4.0][: len(a.waves)] + [1.0] * max(0, len(a.waves) - 3)
    svg = charts.render(WithWeeks(a, weeks), "en", catalog("en").gettext)["waves"]  # type: ignore[arg-type]
    drawn = rows(svg)
    scale = charts.PLOT_W / sum(weeks)
    starts = [sum(weeks[:n]) for n in range(len(weeks))]
    for (_, x, width), (n, _) in zip(drawn, expected, strict=True):
        assert abs(x - (charts.LABEL_W + starts[n] * scale)) <= 0.05 and abs(width - weeks[n] * scale) <= 0.05
    assert ">2 wk<" in svg and ">8 wk<" in svg


def test_tenant_text_is_escaped_and_charts_are_deterministic(demo_snapshot: Snapshot, tmp_path: Path) -> None:
    hostile = demo_snapshot.model_copy(deep=True)
    hostile.tables["licensing.skus"].append(
        {"sku": '<script>alert(1)</script>"&', "purchased": 10, "assigned": 10, "status": "Enabled"})
    prices = tmp_path / "prices.yaml"
    prices.write_text('skus:\n  "<script>alert(1)</script>\\"&": {price: 1000}\n', encoding="utf-8")
    a = pipeline.evaluate(hostile, pipeline.AssessOptions(prices=prices))
    first = charts.render(a, "en", catalog("en").gettext)
    assert first == charts.render(a, "en", catalog("en").gettext)
    for svg in first.values():
        parse(svg)  # well-formed: nothing from the tenant broke out of its text node
        assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;" in first["spend"]


def test_chart_texts_are_translated() -> None:
    source = Path(charts.__file__).read_text(encoding="utf-8")
    ids = {node.args[0].value for node in ast.walk(ast.parse(source))
           if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_" and node.args
           and isinstance(node.args[0], ast.Constant)}
    assert {"Readiness per workload", "Migration waves", "wk"} <= ids
    french = catalog("fr")
    assert sorted(i for i in ids if french.gettext(i) == i) == []
