"""Planner: plans held by Microsoft 365 groups (Graph has no tenant-wide list)."""

from __future__ import annotations

from m365exit.collectors import Output, collector, fan_out
from m365exit.graph import GraphClient

planner = collector("planner", "Planner and To Do")


@planner.source(
    "plans", endpoint="/groups/{id}/planner/plans", permission="Tasks.Read.All", also=["GroupMember.Read.All"],
    facts=["planner.plans"],
    purpose="Plans to move to a task tool such as OpenProject or Nextcloud Deck.",
)
def plans(client: GraphClient, period: str) -> Output:
    groups = client.memo("unified_groups", lambda: [str(g["id"]) for g in client.iter_items("groups", {
        "$filter": "groupTypes/any(c:c eq 'Unified')", "$select": "id", "$top": 999,
    })])
    bodies = fan_out(client, [f"groups/{gid}/planner/plans?$select=id" for gid in groups])
    return Output(facts={"planner.plans": sum(len(body["value"]) for _, body in bodies)})
