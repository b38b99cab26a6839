"""Usage report CSVs as Microsoft serves them: UTF-8 BOM, exact header line, one row per object.

Headers are the exact strings of graph-facts §2; getMailboxUsageDetail carries the columns real tenants
send (`Deleted Item Quota (Byte)`, `Has Archive`, `Recipient Type`) and getOffice365GroupsActivityDetail
uses `External Member Count`. With concealed names, user principal names, display names, site URLs and
group/team names are 32-character uppercase MD5 hex strings.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

from m365exit.simulator.model import GB, User

if TYPE_CHECKING:
    from m365exit.simulator.tenant import Tenant

BOM = "\ufeff"


def md5_upper(value: str) -> str:
    """How Microsoft conceals names in usage reports: an MD5 hash, 32 uppercase hex characters."""
    return hashlib.md5(value.encode("utf-8")).hexdigest().upper()

HEADERS: dict[str, tuple[str, ...]] = {
    "getOffice365ActiveUserDetail": (
        "Report Refresh Date",
        "User Principal Name",
        "Display Name",
        "Is Deleted",
        "Deleted Date",
        "Has Exchange License",
        "Has OneDrive License",
        "Has SharePoint License",
        "Has Skype For Business License",
        "Has Yammer License",
        "Has Teams License",
        "Exchange Last Activity Date",
        "OneDrive Last Activity Date",
        "SharePoint Last Activity Date",
        "Skype For Business Last Activity Date",
        "Yammer Last Activity Date",
        "Teams Last Activity Date",
        "Exchange License Assign Date",
        "OneDrive License Assign Date",
        "SharePoint License Assign Date",
        "Skype For Business License Assign Date",
        "Yammer License Assign Date",
        "Teams License Assign Date",
        "Assigned Products",
    ),
    "getMailboxUsageDetail": (
        "Report Refresh Date",
        "User Principal Name",
        "Display Name",
        "Is Deleted",
        "Deleted Date",
        "Created Date",
        "Last Activity Date",
        "Item Count",
        "Storage Used (Byte)",
        "Issue Warning Quota (Byte)",
        "Prohibit Send Quota (Byte)",
        "Prohibit Send/Receive Quota (Byte)",
        "Deleted Item Count",
        "Deleted Item Size (Byte)",
        "Deleted Item Quota (Byte)",
        "Has Archive",
        "Recipient Type",
        "Report Period",
    ),
    "getOneDriveUsageAccountDetail": (
        "Report Refresh Date",
        "Site URL",
        "Owner Display Name",
        "Is Deleted",
        "Last Activity Date",
        "File Count",
        "Active File Count",
        "Storage Used (Byte)",
        "Storage Allocated (Byte)",
        "Owner Principal Name",
        "Report Period",
    ),
    "getSharePointSiteUsageDetail": (
        "Report Refresh Date",
        "Site Id",
        "Site URL",
        "Owner Display Name",
        "Is Deleted",
        "Last Activity Date",
        "File Count",
        "Active File Count",
        "Page View Count",
        "Visited Page Count",
        "Storage Used (Byte)",
        "Storage Allocated (Byte)",
        "Root Web Template",
        "Owner Principal Name",
        "Report Period",
    ),
    "getTeamsUserActivityUserDetail": (
        "Report Refresh Date",
        "Tenant Display Name",
        "Shared Channel Tenant Display Names",
        "User Id",
        "User Principal Name",
        "Last Activity Date",
        "Is Deleted",
        "Deleted Date",
        "Assigned Products",
        "Team Chat Message Count",
        "Private Chat Message Count",
        "Call Count",
        "Meeting Count",
        "Post Messages",
        "Reply Messages",
        "Urgent Messages",
        "Meetings Organized Count",
        "Meetings Attended Count",
        "Ad Hoc Meetings Organized Count",
        "Ad Hoc Meetings Attended Count",
        "Scheduled One-time Meetings Organized Count",
        "Scheduled One-time Meetings Attended Count",
        "Scheduled Recurring Meetings Organized Count",
        "Scheduled Recurring Meetings Attended Count",
        "Audio Duration",
        "Video Duration",
        "Screen Share Duration",
        "Audio Duration In Seconds",
        "Video Duration In Seconds",
        "Screen Share Duration In Seconds",
        "Has Other Action",
        "Is Licensed",
        "Report Period",
    ),
    "getTeamsTeamActivityDetail": (
        "Report Refresh Date",
        "Team Name",
        "Team Id",
        "Team Type",
        "Last Activity Date",
        "Report Period",
        "Active Users",
        "Active Channels",
        "Guests",
        "Reactions",
        "Meetings Organized",
        "Post Messages",
        "Reply Messages",
        "Channel Messages",
        "Urgent Messages",
        "Mentions",
        "Active Shared Channels",
        "Active External Users",
    ),
    "getEmailActivityUserDetail": (
        "Report Refresh Date",
        "User Principal Name",
        "Display Name",
        "Is Deleted",
        "Deleted Date",
        "Last Activity Date",
        "Send Count",
        "Receive Count",
        "Read Count",
        "Meeting Created Count",
        "Meeting Interacted Count",
        "Assigned Products",
        "Report Period",
    ),
    "getM365AppUserDetail": (
        "Report Refresh Date",
        "User Principal Name",
        "Last Activation Date",
        "Last Activity Date",
        "Report Period",
        "Windows",
        "Mac",
        "Mobile",
        "Web",
        "Outlook",
        "Word",
        "Excel",
        "PowerPoint",
        "OneNote",
        "Teams",
        "Outlook (Windows)",
        "Word (Windows)",
        "Excel (Windows)",
        "PowerPoint (Windows)",
        "OneNote (Windows)",
        "Teams (Windows)",
        "Outlook (Mac)",
        "Word (Mac)",
        "Excel (Mac)",
        "PowerPoint (Mac)",
        "OneNote (Mac)",
        "Teams (Mac)",
        "Outlook (Mobile)",
        "Word (Mobile)",
        "Excel (Mobile)",
        "PowerPoint (Mobile)",
        "OneNote (Mobile)",
        "Teams (Mobile)",
        "Outlook (Web)",
        "Word (Web)",
        "Excel (Web)",
        "PowerPoint (Web)",
        "OneNote (Web)",
        "Teams (Web)",
    ),
    "getOffice365GroupsActivityDetail": (
        "Report Refresh Date",
        "Group Display Name",
        "Is Deleted",
        "Owner Principal Name",
        "Last Activity Date",
        "Group Type",
        "Member Count",
        "External Member Count",
        "Exchange Received Email Count",
        "SharePoint Active File Count",
        "Yammer Posted Message Count",
        "Yammer Read Message Count",
        "Yammer Liked Message Count",
        "Exchange Mailbox Total Item Count",
        "Exchange Mailbox Storage Used (Byte)",
        "SharePoint Total File Count",
        "SharePoint Site Storage Used (Byte)",
        "Group Id",
        "Report Period",
    ),
    "getYammerActivityUserDetail": (
        "Report Refresh Date",
        "User Principal Name",
        "Display Name",
        "User State",
        "State Change Date",
        "Last Activity Date",
        "Posted Count",
        "Read Count",
        "Liked Count",
        "Assigned Products",
        "Report Period",
    ),
    "getMicrosoft365CopilotUsageUserDetail": (
        "Report Refresh Date",
        "User Principal Name",
        "Display Name",
        "Last Activity Date",
        "Copilot Chat Last Activity Date",
        "Microsoft Teams Copilot Last Activity Date",
        "Word Copilot Last Activity Date",
        "Excel Copilot Last Activity Date",
        "PowerPoint Copilot Last Activity Date",
        "Outlook Copilot Last Activity Date",
        "OneNote Copilot Last Activity Date",
        "Loop Copilot Last Activity Date",
        "Report Period",
    ),
}

PRODUCT_NAMES: dict[str, str] = {
    "05e9a617-0261-4cee-bb44-138d3ef5d965": "MICROSOFT 365 E3",
    "18181a46-0d4e-45cd-891e-60aabd171b4e": "OFFICE 365 E1",
    "66b55226-6b4f-492c-910c-a3b7a3c9d993": "MICROSOFT 365 F3",
    "efccb6f7-5641-4e0e-bd10-b4976e1bf68e": "ENTERPRISE MOBILITY + SECURITY E3",
    "f8a1db68-be16-40ed-86d5-cb42ce701560": "POWER BI PRO",
    "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235": "MICROSOFT FABRIC (FREE)",
    "f30db892-07e9-47e9-837c-80727f46fd3d": "MICROSOFT POWER AUTOMATE FREE",
    "ee02fd1b-340e-4a4b-b355-4a514e4c8943": "EXCHANGE ONLINE ARCHIVING FOR EXCHANGE ONLINE",
    "639dec6b-bb19-468b-871c-c5c441c4b0cb": "MICROSOFT 365 COPILOT",
    "0c266dff-15dd-4b49-8397-2bb16070ed52": "MICROSOFT 365 AUDIO CONFERENCING",
    "c5928f49-12ba-48f7-ada3-0d743a3601d5": "VISIO PLAN 2",
}

PERIOD_DAYS = {"D7": 7, "D30": 30, "D90": 90, "D180": 180, "ALL": 180}


def _b(value: bool) -> str:
    return "True" if value else "False"


def _yn(value: bool) -> str:
    return "Yes" if value else "No"


def _products(u: User) -> str:
    return "+".join(PRODUCT_NAMES[s] for s in u.licenses if s in PRODUCT_NAMES)


class _Ctx:
    def __init__(self, t: Tenant, fn: str, period: str, concealed: bool) -> None:
        self.t = t
        self.refresh = (t.reference_date - timedelta(days=1)).isoformat()
        self.days = PERIOD_DAYS[period]
        self.period = str(self.days)
        self.concealed = concealed
        self.rng = random.Random(f"report:{fn}:{period}:{t.size}:{t.seed}")

    def name(self, value: str) -> str:
        return md5_upper(value) if self.concealed and value else value

    def recent(self, within: int | None = None) -> str:
        span = min(within or self.days, self.days)
        return (self.t.reference_date - timedelta(days=1 + int(self.rng.random() * span))).isoformat()

    def maybe_recent(self, p: float) -> str:
        return self.recent() if self.rng.random() < p else ""

    def n(self, hi: int) -> int:
        return int(self.rng.random() * (hi + 1))


def _active_user(c: _Ctx) -> Iterable[list[str]]:
    t = c.t
    for u in [x for x in t.users if x.licenses and x.kind == "person"] + t.deleted_users:
        lic = bool(u.mailbox_type)
        assign = u.created[:10]
        yield [
            c.refresh,
            c.name(u.upn),
            c.name(u.display_name),
            _b(bool(u.deleted_date)),
            u.deleted_date or "",
            _b(lic),
            _b(lic),
            _b(lic),
            _b(False),
            _b(lic),
            _b(lic),
            u.mailbox_last_activity,
            c.maybe_recent(0.7) if u.onedrive_url else "",
            c.maybe_recent(0.6),
            "",
            c.maybe_recent(0.03),
            c.maybe_recent(0.85) if lic else "",
            assign if lic else "",
            assign if lic else "",
            assign if lic else "",
            "",
            assign if lic else "",
            assign if lic else "",
            _products(u),
        ]


def _quota(gb: int) -> tuple[int, int, int]:
    total = gb * GB
    return total - 2 * GB if gb > 2 else int(total * 0.9), total - GB if gb > 2 else int(total * 0.95), total


def _mailbox(c: _Ctx) -> Iterable[list[str]]:
    for u in c.t.mailbox_rows():
        warn, send, send_recv = _quota(u.mailbox_quota_gb or 50)
        yield [
            c.refresh,
            c.name(u.upn),
            c.name(u.display_name),
            _b(bool(u.deleted_date)),
            u.deleted_date or "",
            u.created[:10],
            u.mailbox_last_activity,
            str(u.mailbox_items),
            str(u.mailbox_bytes),
            str(warn),
            str(send),
            str(send_recv),
            str(u.mailbox_deleted_items),
            str(u.mailbox_deleted_bytes),
            str(30 * GB),
            _b(u.has_archive),
            u.mailbox_type or "User",
            c.period,
        ]


def _onedrive(c: _Ctx) -> Iterable[list[str]]:
    for u in c.t.onedrive_rows():
        yield [
            c.refresh,
            c.name(u.onedrive_url or ""),
            c.name(u.display_name),
            _b(bool(u.deleted_date)),
            c.maybe_recent(0.75),
            str(u.onedrive_files),
            str(u.onedrive_active_files),
            str(u.onedrive_bytes),
            str(1024 * GB),
            c.name(u.upn),
            c.period,
        ]


def _sharepoint(c: _Ctx) -> Iterable[list[str]]:
    for s in c.t.site_rows():
        site_id = s.id.split(",")[1] if "," in s.id else s.id
        yield [
            c.refresh,
            site_id,
            c.name(s.web_url),
            c.name(s.owner_name),
            _b(s.deleted),
            c.maybe_recent(0.8) if not s.deleted else s.modified[:10],
            str(s.file_count),
            str(s.active_files),
            str(s.page_views),
            str(s.page_views // 3),
            str(s.storage_bytes),
            str(25 * 1024 * GB),
            s.template,
            c.name(s.owner_upn),
            c.period,
        ]


def _teams_user(c: _Ctx) -> Iterable[list[str]]:
    t = c.t
    for u in [x for x in t.users if x.licenses and x.kind == "person"] + t.deleted_users:
        active = u.teams_messages > 0
        meetings = u.meetings
        audio = c.n(meetings * 3600)
        video = audio // 2
        share = audio // 5
        yield [
            c.refresh,
            c.name(t.display_name),
            "",
            c.name(u.id),
            c.name(u.upn),
            c.recent() if active else "",
            _b(bool(u.deleted_date)),
            u.deleted_date or "",
            _products(u),
            str(u.teams_messages // 3),
            str(u.teams_messages),
            str(c.n(20)),
            str(meetings),
            str(c.n(10)),
            str(c.n(20)),
            "0",
            str(meetings // 4),
            str(meetings),
            str(c.n(3)),
            str(c.n(5)),
            str(meetings // 8),
            str(meetings // 3),
            str(meetings // 8),
            str(meetings // 3),
            _dur(audio),
            _dur(video),
            _dur(share),
            str(audio),
            str(video),
            str(share),
            "No",
            "Yes" if u.licenses else "No",
            c.period,
        ]


def _dur(seconds: int) -> str:
    return f"PT{seconds // 3600}H{seconds // 60 % 60}M{seconds % 60}S" if seconds else "PT0S"


def _teams_team(c: _Ctx) -> Iterable[list[str]]:
    for tm in c.t.teams:
        shared = sum(1 for ch in tm.channels if ch.membership_type == "shared")
        yield [
            c.refresh,
            c.name(tm.display_name),
            tm.id,
            tm.visibility,
            c.maybe_recent(0.8),
            c.period,
            str(tm.active_users),
            str(min(len(tm.channels), c.n(len(tm.channels)) + 1)),
            str(c.n(3)),
            str(c.n(50)),
            str(c.n(10)),
            str(tm.messages // 3),
            str(tm.messages // 2),
            str(tm.messages),
            "0",
            str(c.n(30)),
            str(min(shared, c.n(1))),
            str(c.n(2) if shared else 0),
        ]


def _email(c: _Ctx) -> Iterable[list[str]]:
    for u in c.t.mailbox_rows():
        if u.mailbox_type != "User":
            continue
        yield [
            c.refresh,
            c.name(u.upn),
            c.name(u.display_name),
            _b(bool(u.deleted_date)),
            u.deleted_date or "",
            u.mailbox_last_activity,
            str(c.n(40 * c.days // 7)),
            str(c.n(200 * c.days // 7)),
            str(c.n(180 * c.days // 7)),
            str(c.n(5)),
            str(c.n(20)),
            _products(u),
            c.period,
        ]


def _apps(c: _Ctx) -> Iterable[list[str]]:
    for u in c.t.app_rows():
        win, mac, mobile, web = u.apps or (False, False, False, False)
        platforms = (win, mac, mobile, web)
        per_app = []
        for on in platforms:
            per_app.append([on and c.rng.random() < p for p in (0.95, 0.85, 0.8, 0.5, 0.3, 0.9)])
        totals = [any(per_app[k][a] for k in range(4)) for a in range(6)]
        cells = [_yn(x) for x in platforms] + [_yn(x) for x in totals]
        for k in range(4):
            cells += [_yn(x) for x in per_app[k]]
        active = any(platforms)
        yield [
            c.refresh,
            c.name(u.upn),
            u.created[:10] if win or mac else "",
            c.recent() if active else "",
            c.period,
            *cells,
        ]


def _groups(c: _Ctx) -> Iterable[list[str]]:
    for g in c.t.groups:
        if not g.unified:
            continue
        yield [
            c.refresh,
            c.name(g.display_name),
            "False",
            c.name(g.owner_upn),
            c.maybe_recent(0.8),
            g.visibility or "Private",
            str(g.member_count),
            str(g.guest_count),
            str(c.n(300)),
            str(min(g.site_files, c.n(200))),
            "0",
            "0",
            "0",
            str(g.mailbox_items),
            str(g.mailbox_bytes),
            str(g.site_files),
            str(g.site_bytes),
            g.id,
            c.period,
        ]


def _yammer(c: _Ctx) -> Iterable[list[str]]:
    people = [u for u in c.t.users if u.kind == "person" and u.licenses]
    for i, u in enumerate(people):
        if i % 19:
            continue
        yield [
            c.refresh,
            c.name(u.upn),
            c.name(u.display_name),
            "Active",
            "",
            c.maybe_recent(0.5),
            str(c.n(3)),
            str(c.n(30)),
            str(c.n(5)),
            _products(u),
            c.period,
        ]


def _copilot(c: _Ctx) -> Iterable[list[str]]:
    for u in c.t.users:
        if not u.copilot:
            continue
        dates = [c.maybe_recent(p) for p in (0.9, 0.7, 0.6, 0.4, 0.3, 0.6, 0.1, 0.05)]
        last = max(dates) if any(dates) else ""
        yield [c.refresh, c.name(u.upn), c.name(u.display_name), last, *dates, c.period]


_BUILDERS: dict[str, Callable[[_Ctx], Iterable[list[str]]]] = {
    "getOffice365ActiveUserDetail": _active_user,
    "getMailboxUsageDetail": _mailbox,
    "getOneDriveUsageAccountDetail": _onedrive,
    "getSharePointSiteUsageDetail": _sharepoint,
    "getTeamsUserActivityUserDetail": _teams_user,
    "getTeamsTeamActivityDetail": _teams_team,
    "getEmailActivityUserDetail": _email,
    "getM365AppUserDetail": _apps,
    "getOffice365GroupsActivityDetail": _groups,
    "getYammerActivityUserDetail": _yammer,
    "getMicrosoft365CopilotUsageUserDetail": _copilot,
}


def report_rows(t: Tenant, fn: str, period: str, concealed: bool) -> Iterator[list[str]]:
    """The rows of one report, drawn with the report's own seed: the same rows every time."""
    return iter(_BUILDERS[fn](_Ctx(t, fn, period, concealed)))


def render_csv(fn: str, rows: Iterable[list[str]]) -> bytes:
    """The report file: UTF-8 with BOM, header line then one line per row, LF line ends."""
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\n")
    header = HEADERS[fn]
    writer.writerow(header)
    for row in rows:
        assert len(row) == len(header), (fn, len(row), len(header))
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")


def build_csv(t: Tenant, fn: str, period: str, concealed: bool) -> bytes:
    return render_csv(fn, report_rows(t, fn, period, concealed))


def report_truths(
    t: Tenant, period: str = "D30", source: Callable[[str], Iterable[list[str]]] | None = None
) -> dict[str, int]:
    """Activity facts, computed from the rows this simulator serves by each fact's definition.

    Report rows are drawn with the report's own seed, so the truth is read from the same rows; the
    arithmetic here is plain Python over lists, independent of the pandas code m365exit collects with.
    `source(fn)` gives the unconcealed rows of report `fn` for `period` (default: draw them here).
    """
    ctx_days = PERIOD_DAYS[period]
    refresh = t.reference_date - timedelta(days=1)

    def rows(fn: str) -> list[dict[str, str]]:
        header = HEADERS[fn]
        drawn = source(fn) if source else report_rows(t, fn, period, False)
        return [dict(zip(header, row, strict=True)) for row in drawn]

    def live(fn: str) -> list[dict[str, str]]:
        return [r for r in rows(fn) if r.get("Is Deleted", "False") != "True"]

    def active(row: dict[str, str], column: str = "Last Activity Date") -> bool:
        value = row.get(column, "")
        return bool(value) and (refresh - date.fromisoformat(value[:10])).days <= ctx_days

    sites = live("getSharePointSiteUsageDetail")
    teams_users = live("getTeamsUserActivityUserDetail")
    yammer = rows("getYammerActivityUserDetail")
    copilot = rows("getMicrosoft365CopilotUsageUserDetail")
    return {
        "exchange.users_active": sum(active(r) for r in live("getEmailActivityUserDetail")),
        "sharepoint.sites_active": sum(active(r) for r in sites),
        "sharepoint.sites_group": sum(r["Root Web Template"].strip().upper() == "GROUP" for r in sites),
        "onedrive.accounts_active": sum(active(r) for r in live("getOneDriveUsageAccountDetail")),
        "teams.users_active": sum(active(r) for r in teams_users),
        "teams.meetings_organized": sum(int(r["Meetings Organized Count"]) for r in teams_users),
        "teams.calls": sum(int(r["Call Count"]) for r in teams_users),
        "teams.teams_active": sum(active(r) for r in rows("getTeamsTeamActivityDetail")),
        "engage.users_active": sum(active(r) for r in yammer),
        "engage.posts": sum(int(r["Posted Count"]) for r in yammer),
        "copilot.users": len(copilot),
        "copilot.users_active": sum(active(r) for r in copilot),
    }
