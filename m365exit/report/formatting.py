"""Numbers, bytes and dates the way each language writes them."""

from __future__ import annotations

from datetime import datetime

_UNITS = {"en": ["B", "KB", "MB", "GB", "TB", "PB"], "fr": ["o", "ko", "Mo", "Go", "To", "Po"]}


def number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    if lang == "fr":  # 1 234,5 with a narrow no-break space
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def size(value: int | None, lang: str) -> str:
    if value is None:
        return "—"
    amount = float(value)
    for unit in _UNITS[lang]:
        if amount < 1000 or unit == _UNITS[lang][-1]:
            return f"{number(amount, lang, 0 if unit in ('B', 'o') else 1)}\u00a0{unit}"
        amount /= 1000
    raise AssertionError("unreachable")


def date(value: datetime, lang: str) -> str:
    return value.strftime("%d/%m/%Y %H:%M UTC" if lang == "fr" else "%Y-%m-%d %H:%M UTC")
