"""Bookings: appointment pages to replace."""

from __future__ import annotations

from m365exit.collectors import Output, collector
from m365exit.collectors.fanout import shared_get
from m365exit.graph import GraphClient

bookings = collector("bookings", "Bookings: appointment scheduling")


@bookings.source(
    "businesses", endpoint="/solutions/bookingBusinesses", permission="Bookings.Read.All",
    facts=["bookings.businesses"], batched=True, purpose="Booking pages to rebuild on an open scheduling tool.",
)
def businesses(client: GraphClient, period: str) -> Output:
    # No paging: Graph returns at most 500 businesses in one answer (graph-facts §1).
    found = shared_get(client, "solutions/bookingBusinesses").get("value") or []
    return Output(facts={"bookings.businesses": len(found)})
