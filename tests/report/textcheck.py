"""What a reader sees in a report, and checks on it that work on any extracted text (HTML now, PDF text later).

- `visible_text(html)`: the text a browser shows, one line per block, cells joined by " | "; scripts, styles and
  elements marked translate="no" (identifiers, fact names, cited titles, which stay as written) are left out.
- `typography_problems(text)`: French typography (Imprimerie nationale convention, as formatting.py states it).
- `untranslated(text, entries)`: English catalogue strings that appear in a French text.
- `french_in_english(text, entries)`: French translations that leaked into an English text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

NBSP, NNBSP = "\u00a0", "\u202f"
_BLOCKS = {"p", "li", "tr", "h1", "h2", "h3", "h4", "summary", "div", "br", "section", "header", "footer",
           "title", "ul", "ol", "table", "thead", "tbody", "nav", "article", "details", "main"}
_VOID = {"br", "img", "meta", "link", "input", "hr", "rect", "circle", "path"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden)

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        hidden = tag in ("script", "style", "svg") or dict(attrs).get("translate") == "no"
        if tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")
        if tag not in _VOID:
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    # Trim ASCII spaces only: a no-break space before a colon is part of the text.
    lines = (re.sub(r"[ \t\r\n]+", " ", line).strip(" ") for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def segments(text: str) -> set[str]:
    """Each line and each table cell on its own, trimmed: for whole-value checks ("enabled", "User")."""
    out: set[str] = set()
    for line in text.splitlines():
        out.update(part.strip() for part in line.split(" | ") if part.strip())
    return out


# (what is wrong, pattern). Versions keep their dots (openDesk 1.18, SAML 2.0, « version 3.2 »): a number with a
# dot counts as a decimal unless the word before it is a name (it has a capital or a digit) or « version ».
_FRENCH_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("colon without a no-break space before it", re.compile(r"(?<!\u00a0)(?<!:):(?=[\s]|$)")),
    ("; ! ? without a narrow no-break space before it", re.compile(r"(?<!\u202f)[;!?](?=[\s)]|$)")),
    ("« without a no-break space after it", re.compile(r"«(?!\u00a0)")),
    ("» without a no-break space before it", re.compile(r"(?<!\u00a0)»")),
    ("digits grouped with an ordinary or a wide space", re.compile(r"\d[ \u00a0]\d{3}(?!\d)")),
    ("%, € or M€ not joined by a no-break space", re.compile(r"\d(?:[ \u202f]?)(?=%|€|M€)")),
    ("decimal point instead of a comma", re.compile(r"(?:^|(?<=[\s(]))\d+\.\d{1,2}(?![\d.])(?!\s?(?:ou|et)\b)")),
    ("ISO date in prose", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    ("time written HH:MM", re.compile(r"\b\d{1,2}:\d{2}\b")),
    ("curly apostrophe (the report uses the straight one)", re.compile("\u2019")),
    ("plural written (s)", re.compile(r"\w\((?:s|x|es)\)")),
    ("English decimal with a unit", re.compile(r"\d\.\d\s?(?:To|Go|Mo|ko|jours?)\b")),
]


def _is_version(text: str, start: int) -> bool:
    before = text[:start].rstrip().rsplit(None, 1)
    word = before[-1] if before else ""
    return word.lower() in ("version", "v") or any(c.isupper() or c.isdigit() for c in word)


def typography_problems(text: str) -> list[str]:
    """Every breach of French typography in `text`, as 'what: …context…' lines (empty when clean)."""
    problems = []
    for what, pattern in _FRENCH_RULES:
        for match in pattern.finditer(text):
            if what.startswith("decimal point") and _is_version(text, match.start()):
                continue
            start, end = max(0, match.start() - 30), min(len(text), match.end() + 30)
            problems.append(f"{what}: …{text[start:end]!r}…")
    return problems


_PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def _fragments(msgid: str) -> list[str]:
    """The literal pieces of a message worth looking for anywhere: phrases (a single word may be tenant data,
    such as a French policy name in an English report, so single words are only matched as whole values)."""
    pieces = (f.strip(" :;,.\u00a0\u202f") for f in _PLACEHOLDER.split(msgid))
    return [p for p in pieces if len(p) >= 12 and " " in p]


def untranslated(text: str, entries: dict[str, list[str]]) -> list[str]:
    """English msgids whose French differs, found in a French text: whole values, or long phrases anywhere."""
    whole = segments(text)
    found = []
    for key, forms in entries.items():
        msgid = key.split("\x04")[-1]
        if msgid in forms:  # the same in both languages (a proper name, "Licence", "SAML")
            continue
        if msgid in whole or any(fragment in text for fragment in _fragments(msgid)):
            found.append(key.replace("\x04", " | "))
    return sorted(found)


def french_in_english(text: str, entries: dict[str, list[str]], english: dict[str, list[str]]) -> list[str]:
    """French forms found in an English text (forms that are also the English label, like SAML, do not count)."""
    whole = segments(text)
    found = []
    for key, forms in entries.items():
        msgid = key.split("\x04")[-1]
        for form in forms:
            if form == msgid or form in english.get(key, []):
                continue
            if form in whole or any(fragment in text for fragment in _fragments(form)):
                found.append(form)
    return sorted(set(found)) + (["« or »"] if "«" in text or "»" in text else [])
