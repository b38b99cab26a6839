"""Viva Engage (Yammer): the enterprise social network."""

from __future__ import annotations

from m365exit import usage_reports as ur
from m365exit.collectors import Output, collector, report_source

engage = collector("engage", "Viva Engage (Yammer)")


@report_source(
    engage, "user-activity", function="getYammerActivityUserDetail", facts=["engage.users_active", "engage.posts"],
    purpose="Whether the enterprise social network is used enough to need a replacement.",
)
def user_activity(csv: bytes | str, period: str) -> Output:
    frame = ur.read_report(csv, ["Last Activity Date", "Posted Count"])
    return Output(facts={"engage.users_active": int(ur.active(frame, period).sum()),
                         "engage.posts": ur.total(frame, "Posted Count")})
