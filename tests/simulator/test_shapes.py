"""The simulator's objects carry the property names and JSON types of the documented examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from m365exit.simulator import Simulator

from .conftest import Client

EXAMPLES = Path(__file__).parent / "graph_examples"  # copied from research/graph-examples

# example file -> path served by the simulator ({team}/{group} filled in below)
CASES = {
    "subscribedSkus-list.json": "subscribedSkus",
    "users-list.json": "users",
    "users-list-signInActivity.json": "users?$select=displayName,userPrincipalName,signInActivity",
    "users-list-assignedLicenses-filter.json": "users?$select=id,mail,assignedLicenses",
    "groups-list.json": "groups",
    "servicePrincipals-list.json": "servicePrincipals",
    "identity-conditionalAccess-policies-list.json": "identity/conditionalAccess/policies",
    "domains-list.json": "domains",
    "devices-list.json": "devices",
    "deviceManagement-managedDevices-list.json": "deviceManagement/managedDevices",
    "sites-getAllSites.json": "sites/getAllSites",
    "teams-list.json": "teams",
    "teams-channels-list.beta.json": "teams/{team}/channels",
    "teams-channels-list-shared.beta.json": "teams/{team}/channels",
    "teams-installedApps-list-expand-teamsAppDefinition.json": (
        "teams/{team}/installedApps?$expand=teamsAppDefinition"
    ),
    "groups-planner-plans-list.json": "groups/{group}/planner/plans",
    "solutions-bookingBusinesses-list.json": "solutions/bookingBusinesses",
    "places-room-list.json": "places/microsoft.graph.room",
    "security-cases-ediscoveryCases-list.json": "security/cases/ediscoveryCases",
}

SKIP_KEYS = {"@odata.type"}
# documented sample strings that Graph actually returns as numbers (places: capacity is Int32)
KNOWN_DOC_TYPE_ERRORS = {("places-room-list.json", "capacity")}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _compare(example: Any, actual: Any, where: str, file: str, problems: list[str]) -> None:
    if example is None or actual is None:
        return  # null is a legal value for any property
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            problems.append(f"{where}: expected object, got {_kind(actual)}")
            return
        if not example:
            return
        for key, value in example.items():
            if key in SKIP_KEYS:
                continue
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
                continue
            if (file, key) in KNOWN_DOC_TYPE_ERRORS:
                continue
            _compare(value, actual[key], f"{where}.{key}", file, problems)
        return
    if isinstance(example, list):
        if not isinstance(actual, list):
            problems.append(f"{where}: expected array, got {_kind(actual)}")
            return
        if example and actual:
            _compare(example[0], actual[0], f"{where}[0]", file, problems)
        return
    if _kind(example) != _kind(actual):
        problems.append(f"{where}: expected {_kind(example)}, got {_kind(actual)}")


@pytest.mark.parametrize("file", sorted(CASES))
def test_shape_matches_documented_example(sim: Simulator, client: Client, file: str) -> None:
    team = next(
        t
        for t in sim.tenant.teams
        if any(c.membership_type == "shared" for c in t.channels)
        and any(sim.tenant.teams_apps[i].publisher == "third-party" for i in t.apps)
    )
    group = next(g for g in sim.tenant.groups if g.plans)
    path = CASES[file].format(team=team.id, group=group.id)
    example = json.loads((EXAMPLES / file).read_text(encoding="utf-8"))
    actual = client.graph(path).json()
    assert actual.get("value"), actual
    problems: list[str] = []
    for key in example:
        if key.startswith("@odata.") and key not in ("@odata.nextLink", "@odata.count"):
            assert key in actual, key
    for ex_item in example["value"]:
        for act_item in actual["value"][:20]:
            _compare(ex_item, act_item, "value[]", file, problems)
    assert not problems, sorted(set(problems))[:20]


def test_report_settings_shape(client: Client) -> None:
    example = json.loads((EXAMPLES / "admin-reportSettings.json").read_text())["value"]
    actual = client.graph("admin/reportSettings").json()
    assert isinstance(actual["displayConcealedNames"], type(example["displayConcealedNames"]))


def test_error_shapes(client: Client) -> None:
    example = json.loads((EXAMPLES / "error-400-count-without-consistencylevel.json").read_text())
    actual = client.graph("users/$count").json()
    assert actual["error"]["code"] == example["error"]["code"]
    assert actual["error"]["message"] == example["error"]["message"]
    assert set(actual["error"]["innerError"]) == set(example["error"]["innerError"])


def test_batch_response_shape(sim: Simulator, client: Client) -> None:
    example = json.loads((EXAMPLES / "batch-response.json").read_text())["responses"][0]
    r = client.session.post(
        f"{sim.graph_endpoint}/v1.0/$batch",
        json={"requests": [{"id": "1", "method": "GET", "url": "/domains"}]},
        headers={"Authorization": f"Bearer {client.token}"},
        verify=client.ca,
        timeout=30,
    )
    actual = r.json()["responses"][0]
    assert set(example) == set(actual)
    assert isinstance(actual["status"], int) and "Content-Type" in actual["headers"]
