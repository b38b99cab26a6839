"""OneDrive: personal storage to move to the new file service."""

from __future__ import annotations

from m365exit import usage_reports as ur
from m365exit.collectors import Output, collector, report_source

onedrive = collector("onedrive", "OneDrive: personal files")


@report_source(
    onedrive, "account-usage", function="getOneDriveUsageAccountDetail",
    facts=["onedrive.accounts", "onedrive.storage_bytes", "onedrive.files", "onedrive.accounts_active"],
    purpose="Personal file volumes to migrate.",
)
def account_usage(csv: bytes | str, period: str) -> Output:
    frame = ur.live_rows(ur.read_report(csv, ["Is Deleted", "Storage Used (Byte)", "File Count",
                                              "Last Activity Date"]))
    return Output(facts={
        "onedrive.accounts": len(frame),
        "onedrive.storage_bytes": ur.total(frame, "Storage Used (Byte)"),
        "onedrive.files": ur.total(frame, "File Count"),
        "onedrive.accounts_active": int(ur.active(frame, period).sum()),
    })
