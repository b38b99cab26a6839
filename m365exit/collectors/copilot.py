"""Copilot: licensed and active users of Microsoft 365 Copilot."""

from __future__ import annotations

from m365exit import usage_reports as ur
from m365exit.collectors import Output, collector, report_source

copilot = collector("copilot", "Microsoft 365 Copilot")


@report_source(
    copilot, "usage", function="getMicrosoft365CopilotUsageUserDetail", root="copilot/reports",
    facts=["copilot.users", "copilot.users_active"],
    purpose="Users relying on Copilot, whose workflows need an alternative or a decision.",
)
def usage(csv: bytes | str, period: str) -> Output:
    frame = ur.read_report(csv, ["Last Activity Date"])
    return Output(facts={"copilot.users": len(frame), "copilot.users_active": int(ur.active(frame, period).sum())})
