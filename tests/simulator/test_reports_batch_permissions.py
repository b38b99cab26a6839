from __future__ import annotations

import base64
import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from m365exit.simulator import Simulator, SimulatorOptions
from m365exit.simulator.permissions import REPORT_FUNCTIONS, ROUTES

from .conftest import Client

EXAMPLES = Path(__file__).parent / "graph_examples"  # copied from research/graph-examples
MAILBOX_HEADER = (
    "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Created Date,"
    "Last Activity Date,Item Count,Storage Used (Byte),Issue Warning Quota (Byte),"
    "Prohibit Send Quota (Byte),Prohibit Send/Receive Quota (Byte),Deleted Item Count,"
    "Deleted Item Size (Byte),Deleted Item Quota (Byte),Has Archive,Recipient Type,Report Period"
)


def _rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_report_redirects_to_a_second_origin_without_auth(sim: Simulator, client: Client) -> None:
    r = client.graph("reports/getMailboxUsageDetail(period='D30')", allow_redirects=False)
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location.startswith("https://127.0.0.1:") and not location.startswith(sim.graph_endpoint)
    before = len(sim.request_log)
    r = client.graph("reports/getMailboxUsageDetail(period='D30')")
    assert r.status_code == 200 and r.history and r.history[0].status_code == 302
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.content.decode("utf-8-sig").split("\n", 1)[0] == MAILBOX_HEADER
    downloads = [e for e in sim.request_log[before:] if e.origin == "download"]
    assert downloads and not any(e.authorization_sent for e in downloads)
    rows = _rows(r.content)
    live = [row for row in rows if row["Is Deleted"] == "False"]
    assert any(row["Is Deleted"] == "True" for row in rows)
    assert len(live) == sim.truths["exchange.mailboxes"]
    assert sum(int(row["Storage Used (Byte)"]) for row in live) == sim.truths["exchange.storage_bytes"]
    assert sum(row["Recipient Type"] == "Shared" for row in live) == sim.truths["exchange.mailboxes_shared"]
    assert sum(row["Has Archive"] == "True" for row in live) == sim.truths["exchange.mailboxes_archive"]


@pytest.mark.parametrize("fn", REPORT_FUNCTIONS)
def test_every_report_has_the_documented_header(client: Client, fn: str) -> None:
    r = client.graph(f"reports/{fn}(period=D7)")
    assert r.status_code == 200, r.text
    header = r.content.decode("utf-8-sig").split("\n", 1)[0]
    if fn == "getMailboxUsageDetail":
        assert header == MAILBOX_HEADER
    elif fn == "getOffice365GroupsActivityDetail":
        assert (
            header
            == (EXAMPLES / "reports-getOffice365GroupsActivityDetail.beta.csv").read_text().split("\n")[0]
        )
    else:
        assert header == (EXAMPLES / f"reports-{fn}.csv").read_text(encoding="utf-8-sig").split("\n")[0]


def test_report_periods_and_bad_period(client: Client) -> None:
    for arg in ("period='D90'", "period=D180", 'period="D7"'.replace('"', "'")):
        assert (
            client.graph(f"reports/getOneDriveUsageAccountDetail({arg})", allow_redirects=False).status_code
            == 302
        )
    assert client.graph("reports/getOneDriveUsageAccountDetail(period='D1')").status_code == 400


def test_copilot_report_is_served_directly(client: Client) -> None:
    r = client.graph(
        "copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D30')", allow_redirects=False
    )
    assert r.status_code == 200
    expected = (EXAMPLES / "copilot-reports-getMicrosoft365CopilotUsageUserDetail.v1.0.csv").read_text()
    assert r.content.decode("utf-8-sig").split("\n", 1)[0] == expected.split("\n")[0]


def test_download_url_expires(demo_tenant) -> None:  # type: ignore[no-untyped-def]
    with Simulator(demo_tenant, SimulatorOptions(download_ttl_s=-1)) as s:
        c = Client(s, s.issue_token())
        r = c.graph("reports/getMailboxUsageDetail(period='D7')")
        assert r.status_code == 403


@pytest.fixture(scope="module")
def concealed(demo_tenant) -> Iterator[Client]:  # type: ignore[no-untyped-def]
    with Simulator(demo_tenant, SimulatorOptions(conceal_report_names=True)) as s:
        yield Client(s, s.issue_token())


def test_concealed_names(concealed: Client) -> None:
    assert concealed.graph("admin/reportSettings").json()["displayConcealedNames"] is True
    rows = _rows(concealed.graph("reports/getMailboxUsageDetail(period='D30')").content)
    hexes = re.compile(r"^[0-9A-F]{32}$")
    assert all(hexes.match(r["User Principal Name"]) and hexes.match(r["Display Name"]) for r in rows)
    sites = _rows(concealed.graph("reports/getSharePointSiteUsageDetail(period='D30')").content)
    assert all(hexes.match(r["Site URL"]) for r in sites)
    groups = _rows(concealed.graph("reports/getOffice365GroupsActivityDetail(period='D30')").content)
    assert all(hexes.match(r["Group Display Name"]) for r in groups)


def test_report_settings_not_concealed(client: Client) -> None:
    assert client.graph("admin/reportSettings").json()["displayConcealedNames"] is False


# --- $batch ------------------------------------------------------------------------------------------


def _batch(client: Client, requests_: list[dict[str, object]], token: str | None = None) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = client.session.post(
        f"{client.sim.graph_endpoint}/v1.0/$batch",
        json={"requests": requests_},
        headers={"Authorization": f"Bearer {token or client.token}"},
        verify=client.ca,
        timeout=30,
    )
    return r.status_code, r.json()


def test_batch_channels_for_twenty_teams_in_any_order(sim: Simulator, client: Client) -> None:
    teams = sim.tenant.teams[:20]
    reqs = [
        {"id": str(i), "method": "GET", "url": f"{'/' if i % 2 else ''}teams/{t.id}/channels"}
        for i, t in enumerate(teams)
    ]
    status, body = _batch(client, reqs)
    assert status == 200
    ids = [r["id"] for r in body["responses"]]
    assert sorted(ids, key=int) == [str(i) for i in range(20)]
    assert ids != [str(i) for i in range(20)]  # shuffled (fixed seed: deterministic)
    for r in body["responses"]:
        assert r["status"] == 200
        assert len(r["body"]["value"]) == len(teams[int(r["id"])].channels)


def test_batch_limits(client: Client) -> None:
    reqs = [{"id": str(i), "method": "GET", "url": "/domains"} for i in range(21)]
    assert _batch(client, reqs)[0] == 400
    assert (
        _batch(
            client,
            [
                {"id": "a", "method": "GET", "url": "/domains"},
                {"id": "A", "method": "GET", "url": "/domains"},
            ],
        )[0]
        == 400
    )
    _, body = _batch(
        client,
        [
            {"id": "1", "method": "DELETE", "url": "/domains"},
            {"id": "2", "method": "GET", "url": "/users/$count", "headers": {"ConsistencyLevel": "eventual"}},
            {"id": "3", "method": "GET", "url": "/domains", "dependsOn": ["1"]},
        ],
    )
    by_id = {r["id"]: r for r in body["responses"]}
    assert by_id["1"]["status"] == 405 and by_id["3"]["status"] == 424
    assert by_id["2"]["status"] == 200 and base64.b64decode(by_id["2"]["body"]).isdigit()


def test_batch_inner_403_for_denied_permission(sim: Simulator, client: Client) -> None:
    token = sim.issue_token(roles=frozenset(sim.roles - {"Tasks.Read.All"}))
    g = next(g for g in sim.tenant.groups if g.plans)
    status, body = _batch(
        client,
        [
            {"id": "1", "method": "GET", "url": f"/groups/{g.id}/planner/plans"},
            {"id": "2", "method": "GET", "url": "/domains"},
        ],
        token,
    )
    assert status == 200
    by_id = {r["id"]: r for r in body["responses"]}
    assert by_id["1"]["status"] == 403 and by_id["2"]["status"] == 200
    assert len(client.graph(f"groups/{g.id}/planner/plans").json()["value"]) == len(g.plans)


# --- permissions -------------------------------------------------------------------------------------

PROBES = {
    "subscribedSkus": "subscribedSkus",
    "users": "users",
    "groups": "groups",
    "servicePrincipals": "servicePrincipals",
    "domains": "domains",
    "devices": "devices",
    "conditionalAccessPolicies": "identity/conditionalAccess/policies",
    "managedDevices": "deviceManagement/managedDevices",
    "getAllSites": "sites/getAllSites",
    "teams": "teams",
    "bookingBusinesses": "solutions/bookingBusinesses",
    "rooms": "places/microsoft.graph.room",
    "ediscoveryCases": "security/cases/ediscoveryCases",
    "sensitivityLabels": "security/dataSecurityAndGovernance/sensitivityLabels",
    "reportSettings": "admin/reportSettings",
    "reports": "reports/getMailboxUsageDetail(period='D7')",
    "organization": "organization",
}


@pytest.mark.parametrize("route", sorted(PROBES))
def test_denied_permission_is_403_with_the_documented_body(
    sim: Simulator, client: Client, route: str
) -> None:
    spec = ROUTES[route]
    token = sim.issue_token(roles=frozenset(sim.roles - set(spec.permissions)))
    r = Client(sim, token).graph(PROBES[route], allow_redirects=False)
    assert r.status_code == 403
    code = r.json()["error"]["code"]
    expected = {"directory": "Authorization_RequestDenied", "reports": "S2SUnauthorized"}.get(
        spec.error_style
    )
    if expected:
        assert code == expected
    assert client.graph(PROBES[route], allow_redirects=False).status_code in (200, 302)


def test_deny_permissions_option_shapes_the_token(demo_tenant) -> None:  # type: ignore[no-untyped-def]
    from .conftest import msal_token

    with Simulator(demo_tenant, SimulatorOptions(deny_permissions=frozenset({"Reports.Read.All"}))) as s:
        token = msal_token(s)
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        assert "Reports.Read.All" not in claims["roles"]
        c = Client(s, token)
        r = c.graph("reports/getMailboxUsageDetail(period='D7')")
        assert r.status_code == 403 and r.json()["error"]["code"] == "S2SUnauthorized"
        assert c.graph("users").status_code == 200
