from __future__ import annotations

import pytest

from m365exit.simulator import Simulator

from .conftest import Client


def test_paging_to_exhaustion_with_empty_pages(sim: Simulator, client: Client) -> None:
    assert sim.options.empty_page_every == 2
    items, pages = client.collect("users?$top=100&$select=id")
    assert len(items) == len(sim.tenant.users) == sim.truths["identity.users_total"]
    assert len({i["id"] for i in items}) == len(items)
    data_pages = -(-len(items) // 100)
    assert pages == data_pages + (data_pages - 1) // 2


def test_empty_page_has_a_next_link(sim: Simulator, client: Client) -> None:
    url = f"{sim.graph_endpoint}/v1.0/groups?$top=50"
    bodies = []
    while url:
        body = client.get(url).json()
        bodies.append(body)
        url = body.get("@odata.nextLink")
    empties = [b for b in bodies if not b["value"]]
    assert empties and all("@odata.nextLink" in b for b in empties)
    assert sum(len(b["value"]) for b in bodies) == sim.truths["identity.groups_total"]


def test_next_link_is_absolute_and_keeps_the_query(sim: Simulator, client: Client) -> None:
    body = client.graph("users?$select=id,userPrincipalName&$top=10").json()
    link = body["@odata.nextLink"]
    assert link.startswith(f"{sim.graph_endpoint}/v1.0/users?")
    assert "$select=id,userPrincipalName" in link and "$top=10" in link and "$skiptoken=" in link
    assert set(body["value"][0]) == {"id", "userPrincipalName"}


def test_skip_paging_for_places(sim: Simulator, client: Client) -> None:
    body = client.graph("places/microsoft.graph.room?$top=5").json()
    assert "$skip=5" in body["@odata.nextLink"]
    items, _ = client.collect("places/microsoft.graph.room?$top=5")
    assert len(items) == sim.truths["exchange.rooms"]


def test_default_page_size_and_top_clamping(client: Client) -> None:
    assert len(client.graph("users").json()["value"]) == 100
    assert len(client.graph("users?$top=5000&$select=id").json()["value"]) == 999
    body = client.graph("users?$top=999&$select=id,signInActivity").json()
    assert len(body["value"]) == 500
    assert "lastSignInDateTime" in body["value"][0]["signInActivity"]


def test_select_is_honoured_and_unknown_property_is_400(client: Client) -> None:
    users = client.graph(
        "users?$select=id,accountEnabled,assignedLicenses,onPremisesSyncEnabled,userType"
    ).json()
    assert set(users["value"][0]) == {
        "id",
        "accountEnabled",
        "assignedLicenses",
        "onPremisesSyncEnabled",
        "userType",
    }
    default = client.graph("users").json()["value"][0]
    assert (
        "accountEnabled" not in default and "signInActivity" not in default and "userPrincipalName" in default
    )
    r = client.graph("users?$select=id,noSuchProperty")
    assert r.status_code == 400 and r.json()["error"]["code"] == "Request_BadRequest"
    g = client.graph("groups?$select=id,groupTypes,mailEnabled,securityEnabled").json()["value"][0]
    assert set(g) == {"id", "groupTypes", "mailEnabled", "securityEnabled"}


def test_count_rules(sim: Simulator, client: Client) -> None:
    body = client.graph("users?$count=true&$top=1").json()
    assert "@odata.count" not in body
    body = client.graph("users?$count=true&$top=1", headers={"consistencylevel": "eventual"}).json()
    assert body["@odata.count"] == len(sim.tenant.users)
    r = client.graph("users/$count")
    assert r.status_code == 400
    assert r.json()["error"] == {
        **r.json()["error"],
        "code": "Request_BadRequest",
        "message": "$count is not currently supported.",
    }
    r = client.graph("users/$count", headers={"CONSISTENCYLEVEL": "eventual"})
    assert r.status_code == 200 and int(r.text) == len(sim.tenant.users)


def test_filters_collectors_use(sim: Simulator, client: Client) -> None:
    unified, _ = client.collect("groups?$filter=groupTypes/any(c:c eq 'Unified')&$select=id&$top=999")
    assert len(unified) == sim.truths["identity.groups_m365"]
    guests, _ = client.collect("users?$filter=userType eq 'Guest'&$select=id&$top=999")
    assert len(guests) == sim.truths["identity.guests"]
    teams, _ = client.collect(
        "groups?$filter=resourceProvisioningOptions/Any(x:x eq 'Team')&$select=id&$top=999"
    )
    assert len(teams) == sim.truths["teams.teams"]
    r = client.graph("users?$filter=userType ne 'Guest'")
    assert r.status_code == 400 and r.json()["error"]["code"] == "Request_UnsupportedQuery"


@pytest.mark.parametrize("path", ["sites/getAllSites", "sites/getAllSites()"])
def test_get_all_sites_with_and_without_parentheses(sim: Simulator, client: Client, path: str) -> None:
    items, _ = client.collect(f"{path}?$top=999&$select=id,webUrl,isPersonalSite")
    assert len(items) == len(sim.tenant.sites)
    assert sum(1 for s in items if not s["isPersonalSite"]) == sim.truths["sharepoint.sites"]
    assert any(s["isPersonalSite"] for s in items)


def test_channels_and_installed_apps(sim: Simulator, client: Client) -> None:
    team = next(t for t in sim.tenant.teams if any(c.membership_type == "private" for c in t.channels))
    channels = client.graph(f"teams/{team.id}/channels").json()["value"]
    assert {c["membershipType"] for c in channels} >= {"standard", "private"}
    assert len(channels) == len(team.channels)
    private = client.graph(f"teams/{team.id}/channels?$filter=membershipType eq 'private'").json()["value"]
    assert private and all(c["membershipType"] == "private" for c in private)
    apps = client.graph(f"teams/{team.id}/installedApps?$expand=teamsAppDefinition").json()["value"]
    assert apps and all("displayName" in a["teamsAppDefinition"] for a in apps)
    assert client.graph("teams/not-a-team/channels").status_code == 404


def test_unknown_path_is_400(client: Client) -> None:
    r = client.graph("nothingHere")
    assert r.status_code == 400
