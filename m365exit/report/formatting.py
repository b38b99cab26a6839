"""Numbers, sizes, money, dates and durations the way each language writes them, through Babel (CLDR).

French follows the Imprimerie nationale convention, the one the report uses everywhere:
- groups of digits are separated by a narrow no-break space (U+202F): « 1 004 »; the decimal sign is a comma;
- a no-break space (U+00A0) joins a number to its unit or sign: « 7,7 To », « 15 % », « 29 801 € »;
- dates are « 3 décembre 2026 » in prose and 03/12/2026 in tables, times « 15 h 05 », never ISO.
"""

from __future__ import annotations

import datetime
import re

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent

from m365exit.report.i18n import catalog

NBSP, NNBSP = "\u00a0", "\u202f"
_UNITS = {"en": ["B", "kB", "MB", "GB", "TB", "PB"], "fr": ["o", "ko", "Mo", "Go", "To", "Po"]}
_LOCALE = {"en": "en_GB", "fr": "fr_FR"}
DASH = "—"


def locale(lang: str) -> str:
    return _LOCALE.get(lang, lang)


def number(value: float | None, lang: str, decimals: int = 0) -> str:
    """Fixed decimals: « 1 004 », « 61,4 »."""
    if value is None:
        return DASH
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale(lang))


def decimal(value: float | None, lang: str, decimals: int = 1) -> str:
    """At most `decimals` decimals, none when they are zero: « 1 », « 1,5 », « 0,15 »."""
    if value is None:
        return DASH
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale(lang))


def percent(ratio: float | None, lang: str, decimals: int = 0) -> str:
    """0.153 → « 15 % » (no-break space in French), "15%" in English."""
    if ratio is None:
        return DASH
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    text = format_percent(ratio, format=pattern, locale=locale(lang))
    return text.replace("%", NBSP + "%") if lang == "fr" and NBSP + "%" not in text else text


def money(value: float | None, lang: str, decimals: int = 0, currency: str = "EUR") -> str:
    """« 29 801 € », "€29,801"; with decimals « 33,75 € »."""
    if value is None:
        return DASH
    digits = "." + "0" * decimals if decimals else ""
    pattern = f"#,##0{digits}{NBSP}¤" if lang == "fr" else f"¤#,##0{digits}"
    return format_currency(value, currency, format=pattern, locale=locale(lang), currency_digits=False)


def size(value: float | None, lang: str) -> str:
    """Decimal units (1 kB = 1,000 B), as storage reports count: « 7,7 To »."""
    if value is None:
        return DASH
    amount = float(value)
    units = _UNITS.get(lang, _UNITS["en"])
    for unit in units:
        if amount < 1000 or unit == units[-1]:
            return f"{number(amount, lang, 0 if unit == units[0] else 1)}{NBSP}{unit}"
        amount /= 1000
    raise AssertionError("unreachable")


def _as_date(value: datetime.date | str) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", str(value).strip())
    return datetime.date(int(match[1]), int(match[2]), int(match[3])) if match else None


def date(value: datetime.date | str | None, lang: str, long: bool = False) -> str:
    """03/12/2026 (tables) or « 3 décembre 2026 » (prose); English 03/12/2026 is ambiguous, so 3 Dec 2026."""
    if value is None or value == "":
        return DASH if value is None else ""
    day = _as_date(value)
    if day is None:
        return str(value)
    if lang == "fr":
        return format_date(day, "d MMMM y" if long else "dd/MM/y", locale=locale(lang))
    return format_date(day, "d MMMM y" if long else "d MMM y", locale=locale(lang))


def time(value: datetime.datetime, lang: str) -> str:
    """« 15 h 05 » in French, "15:05" in English."""
    pattern = "H 'h' mm" if lang == "fr" else "HH:mm"
    return format_time(value, pattern, locale=locale(lang)).replace(" ", NBSP)


def moment(value: datetime.datetime, lang: str) -> str:
    """« 3 décembre 2026 à 15 h 05 UTC », "3 December 2026 at 15:05 UTC"."""
    when = catalog(lang).gettext("%(date)s at %(time)s UTC")
    return when % {"date": date(value, lang, long=True), "time": time(value, lang)}


def days(value: float | None, lang: str) -> str:
    """A duration in days with its plural: « 0 jour », « 1,5 jour », « 2 jours »; "1.5 days"."""
    if value is None:
        return DASH
    shown = round(float(value), 1)
    return catalog(lang).ngettext("%(n)s day", "%(n)s days", shown) % {"n": decimal(shown, lang)}


def person_days(value: float | None, lang: str) -> str:
    """« 1,5 jour-homme », « 2 jours-homme »."""
    if value is None:
        return DASH
    shown = round(float(value), 1)
    text = catalog(lang).ngettext("%(n)s person-day", "%(n)s person-days", shown)
    return text % {"n": decimal(shown, lang)}


def colon(lang: str) -> str:
    """The colon after a label: « Charge : » with a no-break space in French."""
    return NBSP + ":" if lang == "fr" else ":"


_FR_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile("\u2019"), "'"),  # one apostrophe style: the straight one, as tenant names and rule files write it
    (re.compile(r"[ \u00a0\u202f]*([;!?])(?=\s|$|[)»])"), NNBSP + r"\1"),  # narrow no-break space before ; ! ?
    (re.compile(r"(?<=[\w)\]»%€'\"])[ \u00a0\u202f]*:(?=\s|$)"), NBSP + ":"),  # no-break space before :
    (re.compile(r"«[ \u00a0\u202f]*"), "«" + NBSP),
    (re.compile(r"[ \u00a0\u202f]*»"), NBSP + "»"),
    (re.compile(r"(?<=\d)[ \u202f](?=\d{3}(?!\d))"), NNBSP),  # 40 000 → 40 000 (narrow)
    (re.compile(r"(?<=\d)[ \u202f]?(?=(?:%|M€|Md€|k€|€)(?!\w))"), NBSP),  # 15 %, 9 M€
]


def typeset(text: str, lang: str) -> str:
    """French spacing for prose written with plain spaces (rule files, notes): « … », 40 000, 15 %, before : ; ! ?

    Applied to our own texts only, never to tenant data or cited titles, which stay as they were written.
    """
    if lang != "fr":
        return text
    for pattern, replacement in _FR_RULES:
        text = pattern.sub(replacement, text)
    return text
