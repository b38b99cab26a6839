"""Translations from gettext catalogs (`report_templates/locale/<lang>.po`), read without a compile step.

English is the source language; a missing French string falls back to English rather than failing.
Plural forms follow CLDR through Babel rather than the catalog's C expression, because report counts
can be decimals: French says « 0 jour », « 1,5 jour », « 2 jours » (singular below 2), English says
"1 day" but "1.5 days" and "0 days". Contexts (msgctxt) label data values whose English word is also
a column name or differs by table ("enabled" for a policy, a domain or an app).
"""

from __future__ import annotations

import ast
import gettext
from functools import cache
from pathlib import Path

from babel import Locale

from m365exit.resources import templates_dir

LANGUAGES = ("en", "fr")
CONTEXT_SEPARATOR = "\x04"  # how gettext joins msgctxt and msgid


def message_key(msgid: str, context: str | None = None) -> str:
    return f"{context}{CONTEXT_SEPARATOR}{msgid}" if context else msgid


def parse_po(text: str) -> dict[str, list[str]]:
    """Key (msgctxt\\x04msgid, or msgid) → its msgstr forms: one, or one per plural form (msgstr[N])."""
    messages: dict[str, list[str]] = {}
    entry: dict[str, list[str]] = {}
    current: list[str] | None = None

    def flush() -> None:
        forms = [v for k, v in sorted(entry.items()) if k.startswith("msgstr")]
        if "msgid" in entry and forms and all("".join(f) for f in forms):
            context = "".join(entry["msgctxt"]) if "msgctxt" in entry else None
            messages[message_key("".join(entry["msgid"]), context)] = ["".join(f) for f in forms]

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            if current is not None:
                current.append(ast.literal_eval(line))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgctxt" or (keyword == "msgid" and "msgid" in entry):
            flush()
            entry = {}
        current = entry.setdefault(keyword, [])
        current.append(ast.literal_eval(rest))
    flush()
    messages.pop("", None)  # the header entry
    return messages


def plural_index(lang: str, n: float) -> int:
    """0 for the CLDR 'one' category of `lang`, 1 otherwise (both our languages have two forms)."""
    return 0 if Locale.parse(lang).plural_form(n) == "one" else 1


class Catalog(gettext.NullTranslations):
    def __init__(self, messages: dict[str, list[str]], lang: str = "en") -> None:
        super().__init__()
        self._messages = messages
        self.lang = lang

    def gettext(self, message: str) -> str:
        return self._messages.get(message, [message])[0]

    def pgettext(self, context: str, message: str) -> str:
        return self._messages.get(message_key(message, context), [message])[0]

    def ngettext(self, singular: str, plural: str, n: float) -> str:
        index = plural_index(self.lang, n)
        forms = self._messages.get(singular)
        if forms is None or len(forms) < 2:
            return (singular, plural)[index]
        return forms[index]

    def npgettext(self, context: str, singular: str, plural: str, n: float) -> str:
        index = plural_index(self.lang, n)
        forms = self._messages.get(message_key(singular, context))
        if forms is None or len(forms) < 2:
            return (singular, plural)[index]
        return forms[index]

    def entries(self) -> dict[str, list[str]]:
        """Every translated entry, for the tests that check a report speaks only its language."""
        return dict(self._messages)


@cache
def catalog(lang: str) -> Catalog:
    """English is the source language: its catalog only labels data codes (en.po); French translates all."""
    path: Path = templates_dir() / "locale" / f"{lang}.po"
    return Catalog(parse_po(path.read_text(encoding="utf-8")) if path.exists() else {}, lang)
