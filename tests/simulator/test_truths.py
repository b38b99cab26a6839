"""truths() equals what a correct client counts from the served objects (size s, over HTTPS)."""

from __future__ import annotations

import csv
import io
import json
import math
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from m365exit.facts import FACTS, FREE_SKUS
from m365exit.simulator import SIZES, Simulator, SimulatorOptions, generate_tenant, serve

from .conftest import Client


def test_same_seed_same_truths_other_seed_other_tenant() -> None:
    a, b = generate_tenant("s", 7), generate_tenant("s", 7)
    assert a.truths() == b.truths() and a.tenant_id == b.tenant_id
    assert [u.upn for u in a.users] == [u.upn for u in b.users]
    c = generate_tenant("s", 8)
    assert c.tenant_id != a.tenant_id and c.truths() != a.truths()


def test_truths_cover_every_graph_fact_with_json_integers() -> None:
    truths = generate_tenant("s").truths()
    graph_facts = {name for name, fact in FACTS.items() if fact.source == "graph"}
    assert graph_facts <= set(truths)
    for name in graph_facts:
        assert type(truths[name]) is int, name


def test_demo_tenant_is_a_realistic_french_public_body(demo_tenant) -> None:  # type: ignore[no-untyped-def]
    t = demo_tenant
    truths = t.truths()
    assert 1100 <= truths["identity.users_total"] <= 1300
    assert t.default_domain.endswith(".fr") and "fictive" in t.display_name
    assert any(ch in "".join(u.display_name for u in t.users) for ch in "éèçëï")
    for fact in (
        "identity.guests",
        "identity.users_synced",
        "exchange.mailboxes_shared",
        "exchange.mailboxes_archive",
        "identity.groups_dynamic",
        "identity.apps_saml",
        "identity.apps_oidc",
        "identity.apps_password",
        "identity.domains_federated",
        "teams.channels_private",
        "teams.channels_shared",
        "planner.plans",
        "bookings.businesses",
        "purview.ediscovery_cases",
        "purview.sensitivity_labels",
        "exchange.rooms",
    ):
        assert truths[fact] > 0, fact
    assert truths["identity.users_enabled"] < truths["identity.users_total"]
    assert truths["identity.users_licensed"] < truths["identity.users_total"]
    assert any(s.part_number == "FLOW_FREE" and s.prepaid_enabled >= 10000 for s in t.skus)
    assert {d.os for d in t.managed_devices} == {"Windows", "macOS", "iOS", "iPadOS", "Android"}
    assert {p.state for p in t.ca_policies} == {"enabled", "disabled", "enabledForReportingButNotEnforced"}
    modes = {s.sso_mode for s in t.service_principals}
    assert {None, "notSupported", "saml", "oidc", "password"} <= modes
    names = [s.display_name for s in t.sites]
    assert any("<script>" in n for n in names) and any(n.startswith("=") for n in names)
    assert t.deleted_users and t.deleted_sites
    assert any(
        t.teams_apps[i].publisher in ("third-party", "organization") for team in t.teams for i in team.apps
    )


@pytest.fixture(scope="module")
def small() -> Iterator[Simulator]:
    with Simulator(generate_tenant("s", 3), SimulatorOptions(empty_page_every=3)) as s:
        yield s


def _report(c: Client, fn: str, root: str = "reports") -> list[dict[str, str]]:
    r = c.graph(f"{root}/{fn}(period='D30')")
    assert r.status_code == 200
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def _batched(c: Client, urls: list[str]) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    for i in range(0, len(urls), 20):
        reqs = [{"id": str(k), "method": "GET", "url": u} for k, u in enumerate(urls[i : i + 20])]
        r = c.session.post(
            f"{c.sim.graph_endpoint}/v1.0/$batch",
            json={"requests": reqs},
            verify=c.ca,
            headers={"Authorization": f"Bearer {c.token}"},
            timeout=30,
        )
        responses = sorted(r.json()["responses"], key=lambda x: int(x["id"]))
        assert all(x["status"] == 200 for x in responses)
        bodies.extend(x["body"] for x in responses)
    return bodies


def test_truths_match_served_objects_at_size_s(small: Simulator) -> None:
    c = Client(small, small.issue_token())
    before = small.counters()
    f: dict[str, int] = {}
    skus, _ = c.collect("subscribedSkus")
    f["licensing.seats_purchased"] = sum(s["prepaidUnits"]["enabled"] for s in skus)
    f["licensing.seats_assigned"] = sum(s["consumedUnits"] for s in skus)
    f["licensing.skus"] = len(skus)
    paid = [s for s in skus if s["skuPartNumber"] not in FREE_SKUS]
    f["licensing.paid_seats_purchased"] = sum(s["prepaidUnits"]["enabled"] for s in paid)
    f["licensing.paid_seats_assigned"] = sum(s["consumedUnits"] for s in paid)
    users, _ = c.collect(
        "users?$top=999&$select=id,accountEnabled,assignedLicenses,userType,onPremisesSyncEnabled"
    )
    f["identity.users_total"] = len(users)
    f["identity.users_enabled"] = sum(u["accountEnabled"] is True for u in users)
    f["identity.users_licensed"] = sum(bool(u["assignedLicenses"]) for u in users)
    f["identity.guests"] = sum(u["userType"] == "Guest" for u in users)
    f["identity.users_synced"] = sum(u["onPremisesSyncEnabled"] is True for u in users)
    groups, _ = c.collect("groups?$top=999&$select=id,groupTypes,mailEnabled,securityEnabled")
    uni = [g for g in groups if "Unified" in g["groupTypes"]]
    rest = [g for g in groups if "Unified" not in g["groupTypes"]]
    f["identity.groups_total"] = len(groups)
    f["identity.groups_m365"] = len(uni)
    f["identity.groups_security"] = sum(g["securityEnabled"] and not g["mailEnabled"] for g in rest)
    f["identity.groups_distribution"] = sum(g["mailEnabled"] and not g["securityEnabled"] for g in rest)
    f["identity.groups_mail_security"] = sum(g["mailEnabled"] and g["securityEnabled"] for g in rest)
    f["identity.groups_dynamic"] = sum("DynamicMembership" in g["groupTypes"] for g in groups)
    sps, _ = c.collect("servicePrincipals?$top=999&$select=id,preferredSingleSignOnMode")
    for mode in ("saml", "oidc", "password"):
        f[f"identity.apps_{mode}"] = sum(s["preferredSingleSignOnMode"] == mode for s in sps)
    ca, _ = c.collect("identity/conditionalAccess/policies")
    f["identity.ca_policies"] = len(ca)
    f["identity.ca_policies_enabled"] = sum(p["state"] == "enabled" for p in ca)
    domains, _ = c.collect("domains")
    f["identity.domains_verified"] = sum(d["isVerified"] for d in domains)
    f["identity.domains_federated"] = sum(d["authenticationType"] == "Federated" for d in domains)
    mbx = [r for r in _report(c, "getMailboxUsageDetail") if r["Is Deleted"] != "True"]
    f["exchange.mailboxes"] = len(mbx)
    f["exchange.mailboxes_shared"] = sum(r["Recipient Type"] == "Shared" for r in mbx)
    f["exchange.mailboxes_archive"] = sum(r["Has Archive"] == "True" for r in mbx)
    f["exchange.storage_bytes"] = sum(int(r["Storage Used (Byte)"]) for r in mbx)
    f["exchange.items"] = sum(int(r["Item Count"]) for r in mbx)
    rooms, _ = c.collect("places/microsoft.graph.room")
    f["exchange.rooms"] = len(rooms)
    sites, _ = c.collect("sites/getAllSites?$top=999&$select=id,isPersonalSite")
    f["sharepoint.sites"] = sum(not s["isPersonalSite"] for s in sites)
    sp = [r for r in _report(c, "getSharePointSiteUsageDetail") if r["Is Deleted"] != "True"]
    f["sharepoint.storage_bytes"] = sum(int(r["Storage Used (Byte)"]) for r in sp)
    f["sharepoint.files"] = sum(int(r["File Count"]) for r in sp)
    od = [r for r in _report(c, "getOneDriveUsageAccountDetail") if r["Is Deleted"] != "True"]
    f["onedrive.accounts"] = len(od)
    f["onedrive.storage_bytes"] = sum(int(r["Storage Used (Byte)"]) for r in od)
    f["onedrive.files"] = sum(int(r["File Count"]) for r in od)
    teams, _ = c.collect("teams?$top=999")
    f["teams.teams"] = len(teams)
    channel_pages = _batched(c, [f"/teams/{t['id']}/channels?$select=id,membershipType" for t in teams])
    for kind in ("standard", "private", "shared"):
        f[f"teams.channels_{kind}"] = sum(
            ch["membershipType"] == kind for b in channel_pages for ch in b["value"]
        )
    devices, _ = c.collect("deviceManagement/managedDevices?$select=id,operatingSystem,complianceState")
    f["intune.devices_total"] = len(devices)
    os_ = [d["operatingSystem"] for d in devices]
    f["intune.devices_windows"] = os_.count("Windows")
    f["intune.devices_macos"] = os_.count("macOS")
    f["intune.devices_ios"] = os_.count("iOS") + os_.count("iPadOS")
    f["intune.devices_android"] = os_.count("Android")
    apps = _report(c, "getM365AppUserDetail")
    f["office.desktop_users"] = sum(r["Windows"] == "Yes" or r["Mac"] == "Yes" for r in apps)
    f["office.web_only_users"] = sum(
        r["Web"] == "Yes" and "Yes" not in (r["Windows"], r["Mac"], r["Mobile"]) for r in apps
    )
    app_pages = _batched(c, [f"/teams/{t['id']}/installedApps?$expand=teamsApp" for t in teams])
    installed = [a["teamsApp"] for b in app_pages for a in b["value"]]
    f["teams.apps_installed"] = len(installed)
    f["teams.apps_store"] = len({a["id"] for a in installed if a["distributionMethod"] == "store"})
    f["teams.apps_custom"] = len({a["id"] for a in installed
                                  if a["distributionMethod"] in ("organization", "sideloaded")})
    f["intune.devices_compliant"] = sum(d["complianceState"] == "compliant" for d in devices)
    for column, fact in (("Windows", "windows"), ("Mac", "mac"), ("Mobile", "mobile")):
        f[f"office.{fact}_users"] = sum(r[column] == "Yes" for r in apps)
    refresh = date.fromisoformat(sp[0]["Report Refresh Date"]) if sp else None

    def active(rows: list[dict[str, str]]) -> int:
        return sum(bool(r["Last Activity Date"]) and refresh is not None
                   and (refresh - date.fromisoformat(r["Last Activity Date"])).days <= 30 for r in rows)

    f["sharepoint.sites_active"] = active(sp)
    f["sharepoint.sites_group"] = sum(r["Root Web Template"].upper() == "GROUP" for r in sp)
    f["onedrive.accounts_active"] = active(od)
    email = [r for r in _report(c, "getEmailActivityUserDetail") if r["Is Deleted"] != "True"]
    f["exchange.users_active"] = active(email)
    tu = [r for r in _report(c, "getTeamsUserActivityUserDetail") if r["Is Deleted"] != "True"]
    f["teams.users_active"] = active(tu)
    f["teams.meetings_organized"] = sum(int(r["Meetings Organized Count"]) for r in tu)
    f["teams.calls"] = sum(int(r["Call Count"]) for r in tu)
    f["teams.teams_active"] = active(_report(c, "getTeamsTeamActivityDetail"))
    yammer = _report(c, "getYammerActivityUserDetail")
    f["engage.users_active"] = active(yammer)
    f["engage.posts"] = sum(int(r["Posted Count"]) for r in yammer)
    copilot = _report(c, "getMicrosoft365CopilotUsageUserDetail", root="copilot/reports")
    f["copilot.users"] = len(copilot)
    f["copilot.users_active"] = active(copilot)
    plan_pages = _batched(c, [f"/groups/{g['id']}/planner/plans" for g in uni])
    f["planner.plans"] = sum(len(b["value"]) for b in plan_pages)
    f["bookings.businesses"] = len(c.collect("solutions/bookingBusinesses")[0])
    f["purview.ediscovery_cases"] = len(c.collect("security/cases/ediscoveryCases")[0])
    f["purview.sensitivity_labels"] = len(
        c.collect("security/dataSecurityAndGovernance/sensitivityLabels")[0]
    )
    after = small.counters()
    truths = small.truths
    assert {k: truths[k] for k in f} == f
    # this collection follows the minimal plan exactly: the simulator's accounting must agree
    used = {
        svc: after[svc]["requests"] - before.get(svc, {"requests": 0})["requests"]
        for svc in after
        if svc != "auth" and after[svc]["requests"] - before.get(svc, {"requests": 0})["requests"]
    }
    assert used == {k: v for k, v in small.minimal_requests().items() if v}
    graph_facts = {name for name, fact in FACTS.items() if fact.source == "graph"}
    assert graph_facts <= set(f)


def test_minimal_requests_follow_the_page_sizes(small: Simulator) -> None:
    t = small.tenant
    plan = small.minimal_requests()
    assert plan["total"] == sum(v for k, v in plan.items() if k != "total")
    data = math.ceil(len(t.users) / 999)
    assert plan["reports"] == 2 * 8 + 1  # eight redirected reports, Copilot's answered directly
    assert plan["teams"] == math.ceil(len(t.teams) / 999) + 2 * math.ceil(len(t.teams) / 20)
    no_empty = t.minimal_requests()
    assert no_empty["identity"] >= 3 + data
    c = Client(small, small.issue_token())
    _, pages = c.collect("sites/getAllSites?$top=999&$select=id")
    d = math.ceil(len(t.sites) / 999)
    assert pages == d + (d - 1) // 3 == plan["sharepoint"]


def test_serve_writes_state_and_prints_exports(tmp_path: Path) -> None:
    stop = threading.Event()
    out = io.StringIO()
    th = threading.Thread(
        target=serve, args=("s", 0, tmp_path, SimulatorOptions(), 2), kwargs={"out": out, "stop_event": stop}
    )
    th.start()
    try:
        for _ in range(200):
            if "export REQUESTS_CA_BUNDLE" in out.getvalue():
                break
            time.sleep(0.05)
        exports = dict(
            line[len("export ") :].split("=", 1)
            for line in out.getvalue().splitlines()
            if line.startswith("export ")
        )
        assert set(exports) == {
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "M365EXIT_GRAPH_ENDPOINT",
            "M365EXIT_AUTHORITY_HOST",
            "REQUESTS_CA_BUNDLE",
        }
        doc = json.loads((tmp_path / "truths.json").read_text())
        assert doc["facts"] == generate_tenant("s", 2).truths()
        assert doc["minimal_requests"]["total"] > 0
        assert (tmp_path / "ca.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert Path(exports["REQUESTS_CA_BUNDLE"]) == tmp_path / "ca.pem"
    finally:
        stop.set()
        th.join(timeout=10)
    assert not th.is_alive()


def test_generation_speed_report() -> None:
    """Measures generation at every size, up to 100,000 users (-s shows figures); never asserts on time."""
    for size in SIZES:
        t0 = time.perf_counter()
        t = generate_tenant(size)
        print(f"generate_tenant({size!r}): {len(t.users)} users in {time.perf_counter() - t0:.2f}s")
        assert len(t.users) == SIZES[size]
