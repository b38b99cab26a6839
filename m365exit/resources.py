"""Where the built-in rules and report templates live: inside the wheel, or in the checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPOSITORY = _PACKAGE.parent


def data_dir(name: str) -> Path:
    """The shipped copy (`m365exit/_data/<name>`) wins; an editable install falls back to the repository."""
    for candidate in (_PACKAGE / "_data" / name, _REPOSITORY / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"m365exit data folder {name!r} is missing from this installation")


def rules_dir() -> Path:
    return data_dir("rules")


def templates_dir() -> Path:
    return data_dir("report_templates")
