"""The cross-tenant report: portfolio.json, portfolio.<lang>.html and, when asked, portfolio.xlsx."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from m365exit.engine.loader import load_catalogue
from m365exit.report.html import environment
from m365exit.resources import templates_dir
from m365exit.snapshot import write_atomic


def render_html(document: dict[str, Any], lang: str) -> str:
    names = {w.id: w.name.get(lang, w.id) for w in load_catalogue([]).workloads}
    until = document.get("collected_until")
    return environment(lang).get_template("portfolio.html.j2").render(
        d=document, lang=lang, workload_names=names, until=datetime.fromisoformat(until) if until else None,
        css=(templates_dir() / "report.css").read_text(encoding="utf-8"),
        js=(templates_dir() / "report.js").read_text(encoding="utf-8"),
    )


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write(document: dict[str, Any], out: Path, formats: Sequence[str], lang: str) -> list[Path]:
    """Render everything first, then write each file atomically: never half a portfolio report."""
    rendered: dict[str, bytes] = {"portfolio.json": to_json(document).encode("utf-8")}
    if "html" in formats:
        rendered[f"portfolio.{lang}.html"] = render_html(document, lang).encode("utf-8")
    written = []
    for name, data in rendered.items():
        write_atomic(out / name, data, mode=0o644)
        written.append(out / name)
    return written
