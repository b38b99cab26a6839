"""Purview: legal holds and labels that constrain what can move and how."""

from __future__ import annotations

from m365exit.collectors import Output, collector
from m365exit.collectors.fanout import shared_get
from m365exit.graph import GraphClient

purview = collector("purview", "Purview: eDiscovery, labels, retention")


@purview.source(
    "ediscovery-cases", endpoint="/security/cases/ediscoveryCases", permission="eDiscovery.Read.All",
    facts=["purview.ediscovery_cases"], batched=True, purpose="Open legal cases whose holds must survive the exit.",
)
def ediscovery_cases(client: GraphClient, period: str) -> Output:
    rows = sorted(({"case": str(c.get("displayName") or ""), "status": str(c.get("status") or "")}
                   for c in shared_get(client, "security/cases/ediscoveryCases?$select=id,displayName,status")
                   .get("value") or []),
                  key=lambda r: (r["status"], r["case"].lower()))
    return Output(facts={"purview.ediscovery_cases": len(rows)}, tables={"purview.ediscovery_cases": rows})


@purview.source(
    "sensitivity-labels", endpoint="/security/dataSecurityAndGovernance/sensitivityLabels",
    permission="SensitivityLabel.Read", facts=["purview.sensitivity_labels"], batched=True,
    purpose="Labels, some of which encrypt files that no other software can open once Microsoft is gone.",
)
def sensitivity_labels(client: GraphClient, period: str) -> Output:
    total = len(shared_get(client, "security/dataSecurityAndGovernance/sensitivityLabels").get("value") or [])
    return Output(facts={"purview.sensitivity_labels": total})
