"""Usage-report CSVs → DataFrames → facts. Shared by the Graph collectors and `m365exit import`.

Columns are read by name, never by position: Graph adds columns over time, admin-center exports may be
localised, `;`-delimited and use decimal commas, and files often start with a BOM.

pandas is imported when a report is first parsed, not with this module: its 0.2 s import then overlaps the
sign-in and the listings of a collection (`warm_up` starts it on a thread) instead of preceding them.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# Header variants seen in documentation and fixtures (graph-facts §2) → the canonical Graph name. Localised
# admin-center headers are not listed: no verified sample of them exists yet, and a guessed name would only
# pretend to cover them.
_ALIASES = {
    "team type": "Team Type",
    "active users": "Active Users",
    "guest count": "External Member Count",
    "storage used (bytes)": "Storage Used (Byte)",
}
_TRUE = {"true", "yes", "1"}
_HASHED = re.compile(r"^[0-9A-F]{32}$")


def _canonical(column: str) -> str:
    name = column.strip().strip('"').replace("\ufeff", "")
    return _ALIASES.get(name.lower(), name)


def read_report(data: bytes | str, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A report CSV as strings, columns canonicalised. Empty cells stay empty strings.

    With `columns` (canonical names), only those are kept, and the report date: a detail report of
    100,000 users weighs a few hundred MB as a table of strings, most of it in columns no fact reads.
    """
    if columns is not None:
        wanted = {*columns, "Report Refresh Date"}
        frame = _read(data, lambda name: _canonical(str(name)) in wanted)
        if len(frame.columns):
            return frame
    return _read(data, None)


def _read(data: bytes | str, usecols: Callable[[str], bool] | None) -> pd.DataFrame:
    import pandas as pd

    if isinstance(data, bytes):  # parsed from the bytes: a decoded copy in a StringIO would weigh 5 times the CSV
        header = data[:4096].split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
        source: io.BytesIO | io.StringIO = io.BytesIO(data)
    else:
        header = data.lstrip("\ufeff").split("\n", 1)[0]
        source = io.StringIO(data.lstrip("\ufeff"))
    delimiter = ";" if header.count(";") > header.count(",") else ","
    frame = pd.read_csv(
        source, sep=delimiter, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL,
        encoding="utf-8-sig", encoding_errors="replace", usecols=usecols,
    )
    frame.columns = [_canonical(str(c)) for c in frame.columns]
    return frame


def flags(series: pd.Series) -> pd.Series:
    return series.astype(str).str.strip().str.lower().isin(_TRUE)


def numbers(series: pd.Series) -> pd.Series:
    """Integers from cells that may hold decimal commas, spaces as thousand separators, or nothing."""
    import pandas as pd

    direct = pd.to_numeric(series, errors="coerce")
    if not direct.isna().any():  # every cell a plain number (Graph's own reports): no cleaning to do
        return direct.round().astype("int64")
    cleaned = series.astype(str).str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    cleaned = cleaned.str.replace(",", ".", regex=False)
    return pd.to_numeric(cleaned, errors="coerce").fillna(0).round().astype("int64")


def live_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows not marked deleted (reports keep deleted objects for a while)."""
    if "Is Deleted" not in frame.columns:
        return frame
    return frame[~flags(frame["Is Deleted"])]


def names_concealed(frame: pd.DataFrame, column: str = "User Principal Name") -> bool:
    """True when the report hides names behind MD5-style hashes (graph-facts §2)."""
    if column not in frame.columns or frame.empty:
        return False
    values = frame[column].astype(str)
    return bool(values.str.fullmatch(_HASHED).mean() > 0.9)


def total(frame: pd.DataFrame, column: str) -> int:
    return int(numbers(frame[column]).sum()) if column in frame.columns else 0


def period_days(period: str) -> int:
    return int(period.lstrip("Dd"))


def active(frame: pd.DataFrame, period: str, column: str = "Last Activity Date") -> pd.Series:
    """Rows with activity in the report period: a Last Activity Date at most N days before the refresh date."""
    import pandas as pd

    if column not in frame.columns or "Report Refresh Date" not in frame.columns:
        return pd.Series(False, index=frame.index)
    last = pd.to_datetime(frame[column], errors="coerce", format="mixed")
    refresh = pd.to_datetime(frame["Report Refresh Date"], errors="coerce", format="mixed")
    return ((refresh - last).dt.days <= period_days(period)).fillna(False).astype(bool)


def column_flags(frame: pd.DataFrame, column: str) -> pd.Series:
    """Yes/True cells of a column as booleans; all False when the column is missing."""
    import pandas as pd

    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return flags(frame[column])


def with_numbers(frame: pd.DataFrame, **columns: str) -> pd.DataFrame:
    """The frame plus integer copies of report columns under new names (0 where a column is absent)."""
    return frame.assign(**{name: numbers(frame[column]) if column in frame.columns else 0
                           for name, column in columns.items()})


def warm_up() -> None:
    """Import pandas on a thread now, so that the first report parsed need not wait for it."""
    threading.Thread(target=_import_pandas, name="import-pandas").start()


def _import_pandas() -> None:
    import pandas  # noqa: F401
