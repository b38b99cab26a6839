"""Translations from gettext catalogs (`report_templates/locale/<lang>.po`), read without a compile step.

English is the source language; a missing French string falls back to English rather than failing.
"""

from __future__ import annotations

import ast
import gettext
from functools import cache
from pathlib import Path

from m365exit.resources import templates_dir

LANGUAGES = ("en", "fr")


def parse_po(text: str) -> dict[str, str]:
    """msgid → msgstr for the simple catalogs we write (no plurals, no contexts)."""
    messages: dict[str, str] = {}
    key: list[str] = []
    value: list[str] = []
    current: list[str] | None = None

    def flush() -> None:
        if key and "".join(value):
            messages["".join(key)] = "".join(value)

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("msgid "):
            flush()
            key, value = [ast.literal_eval(line[6:])], []
            current = key
        elif line.startswith("msgstr "):
            value = [ast.literal_eval(line[7:])]
            current = value
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
    flush()
    messages.pop("", None)  # the header entry
    return messages


class Catalog(gettext.NullTranslations):
    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self._messages = messages

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


@cache
def catalog(lang: str) -> Catalog:
    if lang == "en":
        return Catalog({})
    path: Path = templates_dir() / "locale" / f"{lang}.po"
    return Catalog(parse_po(path.read_text(encoding="utf-8")))
