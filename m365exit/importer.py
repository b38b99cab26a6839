"""`m365exit import`: a snapshot from usage-report CSVs downloaded from the admin center, no app registration.

Files are recognised by their columns, not their names (admins rename them, the admin center stamps dates
into them), and parsed by the same functions the Graph collectors use, so both paths give the same facts.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from m365exit import usage_reports as ur
from m365exit.collectors import REPORTS, Output, load_all
from m365exit.errors import SnapshotError, UsageError
from m365exit.snapshot import CollectionIssue, Snapshot, TenantInfo

# A column that only this report carries → the report function.
SIGNATURES: list[tuple[str, str]] = [
    ("Prohibit Send Quota (Byte)", "getMailboxUsageDetail"),
    ("Page View Count", "getSharePointSiteUsageDetail"),
    ("Private Chat Message Count", "getTeamsUserActivityUserDetail"),
    ("Team Id", "getTeamsTeamActivityDetail"),
    ("Meeting Interacted Count", "getEmailActivityUserDetail"),
    ("Outlook (Windows)", "getM365AppUserDetail"),
    ("Posted Count", "getYammerActivityUserDetail"),
    ("Copilot Chat Last Activity Date", "getMicrosoft365CopilotUsageUserDetail"),
    ("Owner Principal Name", "getOneDriveUsageAccountDetail"),  # after SharePoint, which has it too
]


@dataclass
class Imported:
    snapshot: Snapshot
    used: dict[str, str] = field(default_factory=dict)  # file name → report function
    skipped: dict[str, str] = field(default_factory=dict)  # file name → why it was not used


def _read(raw: bytes) -> tuple[pd.DataFrame | None, str]:
    """The CSV as a frame, or None and why not: admin-center files pass through many hands."""
    if b"\x00" in raw[:8192]:
        return None, "a binary file, not CSV text"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "not UTF-8 text (re-export it from the admin center, or save it as 'CSV UTF-8')"
    try:
        frame = ur.read_report(text)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error):
        return None, "not a readable CSV table (damaged or cut short)"
    lines = text.strip("\r\n").rsplit("\n", 1)
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    try:
        last = next(csv.reader([lines[-1].rstrip("\r")], delimiter=delimiter), [])
    except csv.Error:  # a stray carriage return inside the row
        return None, "not a readable CSV table (damaged or cut short)"
    if len(lines) > 1 and len(last) < len(frame.columns):
        return None, "cut short: its last row has fewer columns than its header (download it again)"
    return frame, ""


def identify(columns: list[str]) -> str | None:
    present = set(columns)
    return next((function for column, function in SIGNATURES if column in present), None)


def _period(frames: list[pd.DataFrame]) -> str:
    periods: Counter[str] = Counter()
    for frame in frames:
        if "Report Period" in frame.columns:
            periods.update(f"D{int(v)}" for v in pd.to_numeric(frame["Report Period"], errors="coerce").dropna())
    return periods.most_common(1)[0][0] if periods else "D30"


def _refreshed(frames: list[pd.DataFrame]) -> datetime:
    dates = [pd.to_datetime(f["Report Refresh Date"], errors="coerce", format="mixed").max()
             for f in frames if "Report Refresh Date" in f.columns and not f.empty]
    valid = [d for d in dates if not pd.isna(d)]
    if not valid:
        return datetime(1970, 1, 1, tzinfo=UTC)
    latest = max(valid).to_pydatetime()
    return latest.replace(tzinfo=UTC) if latest.tzinfo is None else latest


def import_dir(directory: Path, tenant_name: str = "") -> Imported:
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a folder.", "Give the folder holding the downloaded report CSV files.")
    load_all()
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    result = Imported(Snapshot(collected_at=datetime(1970, 1, 1, tzinfo=UTC), source="import"))
    outputs: list[tuple[str, Output]] = []
    parsed: dict[str, tuple[str, bytes, pd.DataFrame]] = {}
    for path in files:
        raw = path.read_bytes()
        frame, why = _read(raw)
        function = identify(list(frame.columns)) if frame is not None else None
        if frame is None or function is None:
            result.skipped[path.name] = why or "not a usage report m365exit reads"
            continue
        if function in parsed:
            raise UsageError(
                f"{path.name} and {parsed[function][0]} are both {function} reports.",
                "Keep one file per report in the folder.",
            )
        parsed[function] = (path.name, raw, frame)
    period = _period([frame for _, _, frame in parsed.values()])
    for function, (name, raw, _) in sorted(parsed.items()):
        try:
            outputs.append((name, REPORTS[function](raw, period)))
        except (ValueError, KeyError, TypeError, pd.errors.ParserError):  # the right header over damaged rows
            result.skipped[name] = f"a {function} report whose rows cannot be read (damaged or cut short)"
            continue
        result.used[name] = function
    if not result.used:
        raise SnapshotError(
            f"No usable usage report among the {len(files)} CSV file(s) in {directory}"
            + (f" ({'; '.join(f'{n}: {w}' for n, w in sorted(result.skipped.items())[:3])})." if files else "."),
            "Download the reports from the Microsoft 365 admin center (Reports > Usage > Export) as CSV.",
        )
    frames = [frame for function, (name, _, frame) in parsed.items() if name in result.used]
    snapshot = result.snapshot
    snapshot.collected_at = _refreshed(frames)
    snapshot.period = period
    snapshot.tenant = TenantInfo(display_name=tenant_name, cloud="global")
    for name, output in outputs:
        for fact, value in output.facts.items():
            snapshot.facts[fact] = value
            snapshot.provenance[fact] = f"import:{name}"
        snapshot.tables.update(output.tables)
        if output.tenant.get("report_names_concealed"):
            snapshot.tenant.report_names_concealed = True
        for fact, reason in sorted(output.absent.items()):
            snapshot.issues.append(CollectionIssue(workload=fact.split(".")[0], endpoint=f"import:{name}",
                                                   code="DataNotAvailable", message=reason, facts=[fact]))
    if snapshot.tenant.report_names_concealed is None:
        snapshot.tenant.report_names_concealed = False
    snapshot.facts = dict(sorted(snapshot.facts.items()))
    snapshot.provenance = dict(sorted(snapshot.provenance.items()))
    snapshot.tables = dict(sorted(snapshot.tables.items()))
    return result
