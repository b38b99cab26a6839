"""`$expand` as Graph reads it: a comma-separated list of navigation properties, each with optional options."""

from __future__ import annotations

import pytest

from m365exit.simulator import Simulator
from m365exit.simulator.odata import GraphError, parse_expand
from tests.simulator.conftest import Client


def test_parse_expand_splits_at_top_level_commas_only() -> None:
    assert parse_expand("teamsApp,teamsAppDefinition") == {"teamsapp": "", "teamsappdefinition": ""}
    assert parse_expand(" teamsApp($select=id,distributionMethod) , teamsAppDefinition($expand=bot($select=id))") \
        == {"teamsapp": "$select=id,distributionMethod", "teamsappdefinition": "$expand=bot($select=id)"}
    assert parse_expand("") == {}
    for bad in ("teamsApp(", "teamsApp)", "teamsApp(x)y", "(x)"):
        with pytest.raises(GraphError):
            parse_expand(bad)


@pytest.mark.parametrize("expand", [
    "teamsApp,teamsAppDefinition",
    "teamsApp($select=id,distributionMethod),teamsAppDefinition",
    "TEAMSAPP , teamsAppDefinition($select=id,displayName)",
])
def test_installed_apps_accept_several_navigation_properties(sim: Simulator, client: Client, expand: str) -> None:
    team = sim.tenant.teams[0]
    r = client.graph(f"teams/{team.id}/installedApps", params={"$expand": expand})
    assert r.status_code == 200, r.text
    items = r.json()["value"]
    assert len(items) == len(team.apps)
    assert all("teamsApp" in i and "teamsAppDefinition" in i for i in items)
    assert {i["teamsApp"]["distributionMethod"] for i in items} <= {"store", "organization", "sideloaded"}


@pytest.mark.parametrize("expand", ["teamsApp(", "bogus"])
def test_a_bad_expand_is_a_400(sim: Simulator, client: Client, expand: str) -> None:
    r = client.graph(f"teams/{sim.tenant.teams[0].id}/installedApps", params={"$expand": expand})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "BadRequest"
