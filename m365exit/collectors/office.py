"""Office apps: who works on the desktop (Windows, Mac), who only on the web or mobile."""

from __future__ import annotations

from m365exit import usage_reports as ur
from m365exit.collectors import Output, collector, report_source

office = collector("office", "Office apps: Word, Excel, PowerPoint, Outlook")


@report_source(
    office, "app-usage", function="getM365AppUserDetail",
    facts=["office.desktop_users", "office.web_only_users", "office.windows_users", "office.mac_users",
           "office.mobile_users"],
    purpose="Desktop versus web use, which decides between LibreOffice and an online editor.",
)
def app_usage(csv: bytes | str, period: str) -> Output:
    frame = ur.read_report(csv, ["Windows", "Mac", "Mobile", "Web"])

    windows, mac, mobile, web = (ur.column_flags(frame, c) for c in ("Windows", "Mac", "Mobile", "Web"))
    return Output(facts={
        "office.desktop_users": int((windows | mac).sum()),
        "office.web_only_users": int((web & ~windows & ~mac & ~mobile).sum()),
        "office.windows_users": int(windows.sum()),
        "office.mac_users": int(mac.sum()),
        "office.mobile_users": int(mobile.sum()),
    })
