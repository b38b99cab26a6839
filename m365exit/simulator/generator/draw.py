"""Seeded draws and value formats the generator shares (never the global RNG: same seed, same tenant)."""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime, timedelta


def guid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def ascii_slug(text: str, sep: str = "-") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    plain = plain.replace("œ", "oe")
    out = []
    for ch in plain:
        out.append(ch if ch.isalnum() else sep)
    slug = "".join(out)
    if not sep:
        return slug
    while sep + sep in slug:
        slug = slug.replace(sep + sep, sep)
    return slug.strip(sep)


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def ri(rng: random.Random, a: int, b: int) -> int:
    """Uniform integer in [a, b] (faster than randint, still fully determined by the seed)."""
    return a + int(rng.random() * (b - a + 1))


def rr(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


_DAY_CACHE: dict[tuple[datetime, int], str] = {}


def date_before(rng: random.Random, ref: datetime, max_days: int, min_days: int = 0) -> datetime:
    return ref - timedelta(days=ri(rng, min_days, max_days), seconds=ri(rng, 0, 86399))


def ts_before(rng: random.Random, ref: datetime, max_days: int, min_days: int = 0) -> str:
    """ISO timestamp between max_days and min_days before ref."""
    days = ri(rng, min_days, max_days)
    secs = ri(rng, 0, 86399)
    key = (ref, days)
    day = _DAY_CACHE.get(key)
    if day is None:
        day = (ref - timedelta(days=days)).date().isoformat()
        _DAY_CACHE[key] = day
    return f"{day}T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}Z"
