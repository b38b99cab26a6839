"""`m365exit import`: a snapshot from usage-report CSVs downloaded from the admin center, no app registration.

Files are recognised by their columns, not their names (admins rename them, the admin center stamps dates
into them), and parsed by the same functions the Graph collectors use, so both paths give the same facts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from m365exit import usage_reports as ur
from m365exit.collectors import REPORTS, Output, load_all
from m365exit.errors import UsageError
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
    skipped: list[str] = field(default_factory=list)


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
    frames = []
    parsed: dict[str, tuple[str, bytes, pd.DataFrame]] = {}
    for path in files:
        raw = path.read_bytes()
        frame = ur.read_report(raw)
        function = identify(list(frame.columns))
        if function is None:
            result.skipped.append(path.name)
            continue
        if function in parsed:
            raise UsageError(
                f"{path.name} and {parsed[function][0]} are both {function} reports.",
                "Keep one file per report in the folder.",
            )
        parsed[function] = (path.name, raw, frame)
        frames.append(frame)
    if not parsed:
        raise UsageError(
            f"No usage report was recognised among the {len(files)} CSV file(s) in {directory}.",
            "Download the reports from the Microsoft 365 admin center (Reports > Usage > Export).",
        )
    period = _period(frames)
    for function, (name, raw, _) in sorted(parsed.items()):
        outputs.append((name, REPORTS[function](raw, period)))
        result.used[name] = function
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
