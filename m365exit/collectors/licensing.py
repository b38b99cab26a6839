"""Licences: seats bought and assigned, per SKU (the basis of today's spend)."""

from __future__ import annotations

from typing import Any

from m365exit.collectors import Output, collector
from m365exit.collectors.fanout import shared_get
from m365exit.facts import FREE_SKUS
from m365exit.graph import GraphClient

licensing = collector("licensing", "Licences and subscriptions")


@licensing.source(
    # Learn names LicenseAssignment.Read.All as least privileged and accepts Organization.Read.All too;
    # the tenant source needs Organization.Read.All anyway, so one grant serves both: a smaller set.
    "subscribed-skus", endpoint="/subscribedSkus", permission="Organization.Read.All",
    facts=["licensing.seats_purchased", "licensing.seats_assigned", "licensing.skus",
           "licensing.paid_seats_purchased", "licensing.paid_seats_assigned"], batched=True,
    purpose="Seats purchased and assigned per SKU, for today's licence spend.",
)
def subscribed_skus(client: GraphClient, period: str) -> Output:
    # subscribedSkus supports only $select: no paging, no $filter (graph-facts §1).
    skus = shared_get(client, "subscribedSkus?$select=skuId,skuPartNumber,prepaidUnits,consumedUnits,"
                              "capabilityStatus,appliesTo").get("value") or []
    rows: list[dict[str, Any]] = sorted(
        (
            {
                "sku": str(s.get("skuPartNumber") or s.get("skuId") or ""),
                "applies_to": str(s.get("appliesTo") or ""),
                "status": str(s.get("capabilityStatus") or ""),
                "purchased": int((s.get("prepaidUnits") or {}).get("enabled") or 0),
                "assigned": int(s.get("consumedUnits") or 0),
            }
            for s in skus
        ),
        key=lambda r: (-r["assigned"], r["sku"]),
    )
    paid = [r for r in rows if r["sku"] not in FREE_SKUS]  # free and viral SKUs come with huge quotas
    return Output(
        facts={
            "licensing.seats_purchased": sum(r["purchased"] for r in rows),
            "licensing.seats_assigned": sum(r["assigned"] for r in rows),
            "licensing.skus": len(rows),
            "licensing.paid_seats_purchased": sum(r["purchased"] for r in paid),
            "licensing.paid_seats_assigned": sum(r["assigned"] for r in paid),
        },
        tables={"licensing.skus": rows},
    )
