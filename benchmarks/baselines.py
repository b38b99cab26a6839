"""m365exit against two baselines on the same simulated tenant, at 200 ms and 50 ms per request.

    PYTHONPATH=. python benchmarks/baselines.py [--size demo] [--latencies 200 50] [--seed 1]

- m365exit: its full collection (27 sources), concurrent plan, shared $batch envelopes.
- msgraph-sdk (+ azure-identity), the way its docs show: awaited calls, PageIterator over each list, one
  request per team (channels, installed apps) and per Microsoft 365 group (plans). A smaller inventory.
- requests, sequential: the same smaller inventory, each list paged, loops per team and group, no $batch.

Prints wall time, requests, the ratios (speed-up against each baseline, wall against the critical path the
simulator computes, requests against the minimal plan) and whether each client's counts equal the truths.
The SDK and its identity library come from the `bench` extra (pip install -e .[bench]). Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from m365exit import pipeline
from m365exit.auth import AuthSettings
from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant
from m365exit.simulator.critical_path import critical_path

SMALL = ("identity.users_total", "identity.groups_total", "identity.apps_saml", "sharepoint.sites", "teams.teams",
         "teams.channels_standard", "teams.apps_installed", "planner.plans")
USERS_SELECT = ["id", "accountEnabled", "userType"]


def small_inventory(counts: dict[str, int]) -> dict[str, int]:
    return {k: counts.get(k, -1) for k in SMALL}


# --- plain sequential requests -----------------------------------------------------------------------


def with_requests(sim: Simulator) -> dict[str, int]:
    session = requests.Session()
    session.trust_env = False  # the simulator's CA, whatever REQUESTS_CA_BUNDLE says
    session.verify = str(sim.ca_path)
    token = session.post(f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": sim.client_id, "client_secret": sim.client_secret,
        "scope": f"{sim.graph_endpoint}/.default"}, timeout=60).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    base = f"{sim.graph_endpoint}/v1.0/"

    def items(path: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        url: str | None = base + path
        while url:
            body = session.get(url, timeout=60).json()
            out.extend(body.get("value") or [])
            url = body.get("@odata.nextLink")
        return out

    counts = {"identity.users_total": len(items("users?$select=id,accountEnabled,userType&$top=999"))}
    groups = items("groups?$select=id,groupTypes&$top=999")
    counts["identity.groups_total"] = len(groups)
    sps = items("servicePrincipals?$select=id,preferredSingleSignOnMode&$top=999")
    counts["identity.apps_saml"] = sum(sp.get("preferredSingleSignOnMode") == "saml" for sp in sps)
    counts["sharepoint.sites"] = sum(not s.get("isPersonalSite")
                                     for s in items("sites/getAllSites?$select=id,isPersonalSite&$top=999"))
    teams = items("teams?$select=id,displayName&$top=999")
    counts["teams.teams"] = len(teams)
    counts["teams.channels_standard"] = sum(c.get("membershipType") == "standard" for t in teams
                                            for c in items(f"teams/{t['id']}/channels?$select=id,membershipType"))
    counts["teams.apps_installed"] = sum(len(items(f"teams/{t['id']}/installedApps")) for t in teams)
    counts["planner.plans"] = sum(len(items(f"groups/{g['id']}/planner/plans?$select=id")) for g in groups
                                  if "Unified" in (g.get("groupTypes") or []))
    session.close()
    return counts


# --- msgraph-sdk, as its docs show ---------------------------------------------------------------------


async def _with_sdk(sim: Simulator) -> dict[str, int]:
    import httpx
    from azure.identity.aio import ClientSecretCredential
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
    from msgraph.generated.service_principals.service_principals_request_builder import (
        ServicePrincipalsRequestBuilder,
    )
    from msgraph.generated.teams.teams_request_builder import TeamsRequestBuilder
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder
    from msgraph_core import GraphClientFactory
    from msgraph_core.tasks.page_iterator import PageIterator

    credential = ClientSecretCredential(sim.tenant_id, sim.client_id, sim.client_secret,
                                        authority=sim.authority_host, disable_instance_discovery=True,
                                        connection_verify=str(sim.ca_path))
    auth = AzureIdentityAuthenticationProvider(credential, scopes=[f"{sim.graph_endpoint}/.default"],
                                               allowed_hosts=["127.0.0.1"])
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(verify=str(sim.ca_path)))
    adapter = GraphRequestAdapter(auth, http)
    adapter.base_url = f"{sim.graph_endpoint}/v1.0"
    client = GraphServiceClient(request_adapter=adapter)

    async def count(first: Any, keep: Callable[[Any], bool] = lambda _: True) -> list[Any]:
        seen: list[Any] = []

        def callback(item: Any) -> bool:
            if keep(item):
                seen.append(item)
            return True

        if first is not None:
            await PageIterator(first, adapter).iterate(callback)
        return seen

    def top(builder: Any, select: list[str]) -> RequestConfiguration[Any]:
        return RequestConfiguration(query_parameters=builder(select=select, top=999))

    counts: dict[str, int] = {}
    users = await client.users.get(request_configuration=top(
        UsersRequestBuilder.UsersRequestBuilderGetQueryParameters, USERS_SELECT))
    counts["identity.users_total"] = len(await count(users))
    groups = await count(await client.groups.get(request_configuration=top(
        GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters, ["id", "groupTypes"])))
    counts["identity.groups_total"] = len(groups)
    sps = await client.service_principals.get(request_configuration=top(
        ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters,
        ["id", "preferredSingleSignOnMode"]))
    counts["identity.apps_saml"] = len(await count(sps, lambda sp: sp.preferred_single_sign_on_mode == "saml"))
    sites = await client.sites.get_all_sites.get()
    counts["sharepoint.sites"] = len(await count(sites, lambda s: not s.is_personal_site))
    teams = await count(await client.teams.get(request_configuration=top(
        TeamsRequestBuilder.TeamsRequestBuilderGetQueryParameters, ["id", "displayName"])))
    counts["teams.teams"] = len(teams)
    standard = installed = 0
    for team in teams:  # one awaited request per team and per relationship, as the samples do
        channels = await client.teams.by_team_id(team.id).channels.get()
        standard += sum(1 for c in await count(channels)
                        if c.membership_type is None or c.membership_type.value == "standard")
        apps = await client.teams.by_team_id(team.id).installed_apps.get()
        installed += len(await count(apps))
    counts["teams.channels_standard"] = standard
    counts["teams.apps_installed"] = installed
    plans = 0
    for group in groups:
        if "Unified" in (group.group_types or []):
            plans += len(await count(await client.groups.by_group_id(group.id).planner.plans.get()))
    counts["planner.plans"] = plans
    await credential.close()
    return counts


def with_sdk(sim: Simulator) -> dict[str, int]:
    return asyncio.run(_with_sdk(sim))


# --- m365exit --------------------------------------------------------------------------------------------


def with_m365exit(sim: Simulator) -> dict[str, int]:
    snapshot = pipeline.collect(AuthSettings.from_env(sim.env()), pipeline.CollectOptions(ca_bundle=str(sim.ca_path)))
    return {k: int(v) for k, v in snapshot.facts.items() if isinstance(v, int)}


def measure(name: str, client: Callable[[Simulator], dict[str, int]], sim: Simulator) -> dict[str, Any]:
    sim.request_log.clear()
    started = time.perf_counter()
    try:
        counts = client(sim)
        failure = ""
    except Exception as exc:  # a baseline that breaks is reported, not hidden
        counts, failure = {}, f"{type(exc).__name__}: {exc}"[:200]
    wall = time.perf_counter() - started
    served = sim.counters()
    return {"name": name, "wall": wall, "requests": served["total"]["requests"],
            "auth": served.get("auth", {}).get("requests", 0), "counts": counts, "failure": failure}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="demo")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latencies", type=int, nargs="+", default=[200, 50])
    parser.add_argument("--skip", nargs="*", default=[], choices=["sdk", "requests"])
    args = parser.parse_args()
    # Imports (pandas, the SDK's package) are not the clients' work: load them before timing.
    import msgraph  # noqa: F401
    import pandas  # noqa: F401  (m365exit imports it on a thread during a collection; here, before timing)

    tenant = generate_tenant(args.size, args.seed)
    truths = tenant.truths()
    plan = tenant.minimal_requests()["total"]
    print(f"tenant {args.size} (seed {args.seed}): {len(tenant.users)} users, {len(tenant.teams)} teams, "
          f"{sum(g.unified for g in tenant.groups)} Microsoft 365 groups; minimal plan {plan} requests")
    for latency in args.latencies:
        clients = [("m365exit", with_m365exit), ("msgraph-sdk", with_sdk), ("requests", with_requests)]
        clients = [c for c in clients if c[0].split("-")[-1] not in args.skip and c[0] not in args.skip]
        with tempfile.TemporaryDirectory() as state, Simulator(
            tenant, SimulatorOptions(latency_ms=latency), state_dir=Path(state)
        ) as sim:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
            runs = [measure(name, client, sim) for name, client in clients]
        ours = runs[0]
        path = critical_path(tenant, latency, auth_hops=max(1, ours["auth"]))
        print(f"\n--- {latency} ms per request ---")
        print(f"{'client':<14}{'wall s':>9}{'requests':>10}{'speed-up':>10}  counts (smaller inventory)")
        for run in runs:
            exact = all(run["counts"].get(k) == truths[k] for k in SMALL)
            verdict = run["failure"] or ("= truths" if exact else f"differ: {small_inventory(run['counts'])}")
            print(f"{run['name']:<14}{run['wall']:>9.2f}{run['requests']:>10}{run['wall'] / ours['wall']:>9.1f}x  "
                  f"{verdict}")
        print(f"m365exit: wall / critical path = {ours['wall']:.2f} / {path.chain_s:.2f} s = "
              f"{ours['wall'] / path.chain_s:.2f} (chain of {path.chain_hops} requests, sign-in included); "
              f"with the bound of 4 in flight per service: {ours['wall'] / path.bounded_s:.2f} "
              f"({path.bounded_hops} requests, longest: {path.longest})")
        print(f"m365exit: requests / minimal plan = {ours['requests']} / {plan} = {ours['requests'] / plan:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
