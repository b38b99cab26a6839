"""DESIGN §3 boundaries: which modules may import which libraries and layers."""

from __future__ import annotations

import ast
from pathlib import Path

import m365exit

PACKAGE = Path(m365exit.__file__).resolve().parent

# library or layer → the modules allowed to import it (prefixes, relative to the package)
ALLOWED = {
    "rich": ("console.py", "cli/"),
    "typer": ("cli/",),
    "click": (),  # typer vendors it; importing click fails on a clean install
    "msal": ("auth.py",),
    "requests": ("auth.py", "graph.py", "downloads.py", "transport.py", "simulator/"),
    "jinja2": ("report/",),
    "m365exit.graph": ("graph.py", "collectors/", "pipeline.py", "cli/"),
    "m365exit.auth": ("auth.py", "graph.py", "pipeline.py", "cli/", "portfolio/"),  # a portfolio signs in per tenant
    "m365exit.collectors": ("collectors/", "pipeline.py", "cli/", "importer.py", "permissions.py", "factsdoc.py",
                            "checkpoint.py"),
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_boundaries_hold() -> None:
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("_data/"):
            continue
        for name in imports_of(path):
            for guarded, allowed in ALLOWED.items():
                if (name == guarded or name.startswith(guarded + ".")) and not rel.startswith(allowed):
                    violations.append(f"{rel} imports {name}")
    assert violations == []


def test_engine_scoring_report_stay_pure() -> None:
    for part in ("engine", "scoring.py", "report"):
        root = PACKAGE / part
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            bad = {n for n in imports_of(path) if n.startswith(("m365exit.graph", "m365exit.auth",
                                                                 "m365exit.collectors", "requests", "msal"))}
            assert not bad, f"{path.name} imports {bad}"
