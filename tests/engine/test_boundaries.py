"""The engine is pure: it never imports graph, auth, collectors, requests, rich or jinja2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_engine_imports_stay_pure() -> None:
    code = (
        "import sys, m365exit.engine, m365exit.engine.docs, m365exit.engine.sovereignty\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('requests', 'rich', 'jinja2', 'msal', 'typer', "
        "'pandas') or m in ('m365exit.graph', 'm365exit.auth') or m.startswith('m365exit.collectors')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert result.stdout.strip() == ""
