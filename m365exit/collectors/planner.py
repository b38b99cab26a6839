"""Planner: plans held by Microsoft 365 groups (Graph has no tenant-wide list)."""

from __future__ import annotations

from m365exit.collectors import Output, collector
from m365exit.collectors.fanout import FanOut
from m365exit.graph import GraphClient

planner = collector("planner", "Planner and To Do")


@planner.source(
    "plans", endpoint="/groups/{id}/planner/plans", permission="Tasks.Read.All", also=["GroupMember.Read.All"],
    facts=["planner.plans"], needs=["unified_groups"], batched=True,
    purpose="Plans to move to a task tool such as OpenProject or Nextcloud Deck.",
)
def plans(client: GraphClient, period: str) -> Output:
    # Listed by identity's groups source when it is in the plan; read here when only Planner is collected.
    groups = client.memo("unified_groups", lambda: [
        {"id": str(g["id"]), "name": str(g.get("displayName") or "")} for g in client.iter_items("groups", {
            "$filter": "groupTypes/any(c:c eq 'Unified')", "$select": "id,displayName", "$top": 999})])
    fan = FanOut(client, [(g["id"], g["name"]) for g in groups], "groups/{}/planner/plans?$select=id", "groups")
    plans = sum(len(body.get("value") or []) for _, body in fan)
    return fan.finish(Output(facts={"planner.plans": plans}))
