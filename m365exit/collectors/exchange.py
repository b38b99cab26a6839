"""Exchange Online: mailboxes, their volume, shared mailboxes, archives, rooms."""

from __future__ import annotations

from m365exit import usage_reports as ur
from m365exit.collectors import Output, collector, report_source
from m365exit.graph import GraphClient

exchange = collector("exchange", "Exchange Online: mail, calendars, rooms")
TOP_MAILBOXES = 25


@report_source(
    exchange, "mailbox-usage", function="getMailboxUsageDetail",
    facts=["exchange.mailboxes", "exchange.mailboxes_shared", "exchange.mailboxes_archive",
           "exchange.storage_bytes", "exchange.items"],
    purpose="Mailboxes and the mail volume to migrate.",
)
def mailbox_usage(csv: bytes | str, period: str) -> Output:
    frame = ur.live_rows(ur.read_report(csv, ["Is Deleted", "Storage Used (Byte)", "Item Count", "Has Archive",
                                              "Recipient Type", "User Principal Name"]))
    facts: dict[str, int | float | bool | str] = {
        "exchange.mailboxes": len(frame),
        "exchange.storage_bytes": ur.total(frame, "Storage Used (Byte)"),
        "exchange.items": ur.total(frame, "Item Count"),
    }
    absent: dict[str, str] = {}
    if "Has Archive" in frame.columns:
        facts["exchange.mailboxes_archive"] = int(ur.flags(frame["Has Archive"]).sum())
    else:
        absent["exchange.mailboxes_archive"] = "The mailbox usage report has no 'Has Archive' column."
    if "Recipient Type" in frame.columns:
        facts["exchange.mailboxes_shared"] = int((frame["Recipient Type"].str.strip().str.lower() == "shared").sum())
    else:
        absent["exchange.mailboxes_shared"] = "The mailbox usage report has no 'Recipient Type' column."
    sized = ur.with_numbers(frame, _bytes="Storage Used (Byte)", _items="Item Count")
    largest = sized.sort_values(["_bytes", "User Principal Name"], ascending=[False, True]).head(TOP_MAILBOXES)
    rows = [
        {"mailbox": str(r.get("User Principal Name", "")), "type": str(r.get("Recipient Type", "")),
         "storage_bytes": int(r["_bytes"]), "items": int(r["_items"])}
        for _, r in largest.iterrows()
    ]
    return Output(
        facts=facts, tables={"exchange.largest_mailboxes": rows}, absent=absent,
        tenant={"report_names_concealed": ur.names_concealed(frame)},
    )


@exchange.source(
    "rooms", endpoint="/places/microsoft.graph.room", permission="Place.Read.All",
    facts=["exchange.rooms"], purpose="Room mailboxes to recreate as bookable resources.",
)
def rooms(client: GraphClient, period: str) -> Output:
    total = sum(1 for _ in client.iter_items("places/microsoft.graph.room", {"$select": "id,displayName"}))
    return Output(facts={"exchange.rooms": total})


@report_source(
    exchange, "email-activity", function="getEmailActivityUserDetail", facts=["exchange.users_active"],
    purpose="People who use mail in the period: the users a new mail service must serve on day one.",
)
def email_activity(csv: bytes | str, period: str) -> Output:
    frame = ur.live_rows(ur.read_report(csv, ["Is Deleted", "Last Activity Date"]))
    return Output(facts={"exchange.users_active": int(ur.active(frame, period).sum())})
