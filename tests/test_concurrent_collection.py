"""Collection as a concurrent plan (DESIGN §11), through the CLI against the simulator over HTTPS.

Partial fan-out keeps its facts over the readable objects with their coverage (DESIGN §5); the outputs do
not depend on the order requests complete in; requests stay within the minimal plan; each service keeps
its bound on requests in flight; `--workloads` pulls in only the listings it needs.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from m365exit.collectors import load_all
from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant
from m365exit.simulator.faults import Faults, Throttling
from m365exit.simulator.tenant import Tenant
from tests.conftest import clean_env, run_cli

FAST = {"M365EXIT_BACKOFF_BASE": "0.01"}
CHANNELS = ("standard", "private", "shared")


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    return generate_tenant("s", 3)


def declared() -> set[str]:
    return {f for c in load_all().values() for s in c.sources for f in s.facts}


def collect(sim: Simulator, out: Path, *args: str, **env: str) -> dict[str, Any]:
    result = run_cli("collect", "--out", str(out), *args, env=clean_env(**sim.env(), **FAST, **env))
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    return dict(json.loads(gzip.decompress(raw) if out.suffix == ".gz" else raw))


def channel_counts(teams: list[Any]) -> dict[str, int]:
    return {f"teams.channels_{kind}": sum(c.membership_type == kind for t in teams for c in t.channels)
            for kind in CHANNELS}


def test_one_refusing_team_and_one_deleted_team_keep_the_counts_over_the_others(tenant: Tenant,
                                                                                tmp_path: Path) -> None:
    refusing, deleted = tenant.teams[1], tenant.teams[2]
    faults = Faults(refuse=frozenset({refusing.id}), deleted=frozenset({deleted.id}))
    with Simulator(tenant, SimulatorOptions(faults=faults), state_dir=tmp_path / "s") as sim:
        data = collect(sim, tmp_path / "t.json")
        truths = sim.truths
    teams = tenant.teams
    readable = [t for t in teams if t.id not in (refusing.id, deleted.id)]
    facts, coverage = data["facts"], data["coverage"]
    # channels: both teams missing; installed apps: only the deleted one (the refusal is on /channels)
    assert {k: facts[k] for k in channel_counts(readable)} == channel_counts(readable)
    for kind in CHANNELS:
        assert coverage[f"teams.channels_{kind}"] == {"covered": len(teams) - 2, "total": len(teams), "unit": "teams"}
    assert facts["teams.apps_installed"] == sum(len(t.apps) for t in teams if t.id != deleted.id)
    assert coverage["teams.apps_installed"] == {"covered": len(teams) - 1, "total": len(teams), "unit": "teams"}
    unified = [g for g in tenant.groups if g.unified]
    assert facts["planner.plans"] == sum(len(g.plans) for g in unified if g.id != deleted.id)
    assert coverage["planner.plans"] == {"covered": len(unified) - 1, "total": len(unified), "unit": "groups"}
    assert facts["teams.teams"] == len(teams)  # the listing still shows the deleted team
    untouched = declared() - set(coverage)
    assert {f: facts.get(f) for f in untouched} == {f: truths[f] for f in untouched}

    issues = {i["endpoint"]: i for i in data["issues"]}
    assert set(issues) == {"/teams/{id}/channels", "/teams/{id}/installedApps", "/groups/{id}/planner/plans"}
    channels = issues["/teams/{id}/channels"]
    assert refusing.display_name in channels["message"] and refusing.id in channels["message"]
    assert deleted.display_name in channels["message"] and "404" in channels["message"] and "403" in channels["message"]
    assert f"2 of {len(teams)} teams could not be read" in channels["message"]
    assert refusing.display_name not in issues["/teams/{id}/installedApps"]["message"]
    for issue in data["issues"]:  # the same call worked for the other teams: no permission is blamed
        assert issue["permission"] == "" and "ermission" not in issue["message"] and issue["facts"] == []

    for lang, words in (("en", f"at least {facts['teams.channels_standard']}"), ("fr", "au moins")):
        result = run_cli("assess", str(tmp_path / "t.json"), "--out", str(tmp_path / lang), "--lang", lang,
                         "--format", "html,md", env=clean_env())
        assert result.returncode == 0, result.stderr
        html = (tmp_path / lang / f"report.{lang}.html").read_text(encoding="utf-8")
        assert words in html.replace("\u202f", " ").replace("\u00a0", " ")
        missing = "2 of 50 teams could not be read" if lang == "en" else "équipes illisibles : 2 sur 50"
        assert missing in html.replace("\u00a0", " ").replace("&#39;", "'")
        # The step summary of a pipeline says it too, one line per partial figure.
        md = (tmp_path / lang / f"summary.{lang}.md").read_text(encoding="utf-8").replace("\u00a0", " ")
        line = next(x for x in md.splitlines() if "`teams.channels_standard`" in x)
        assert words in line.replace("\u202f", " ") and missing in line
        assert sum("`planner.plans`" in x and ("groups" in x or "groupes" in x) for x in md.splitlines()) == 1


def test_simulator_serve_offers_the_partial_fan_out(tmp_path: Path) -> None:
    """`simulator serve --refuse-teams 2 --deleted-teams 1`, as a user would try it, then `collect` against it."""
    from tests.test_portfolio import serve, stop

    served = serve(tmp_path / "sim", 3, latency_ms=0, extra=("--refuse-teams", "2", "--deleted-teams", "1"))
    try:
        out = tmp_path / "t.json"
        result = run_cli("collect", "--out", str(out), "--workloads", "teams", env=clean_env(**served.env, **FAST))
        assert result.returncode == 0, result.stderr
        data = json.loads(out.read_text())
        teams = data["facts"]["teams.teams"]
        assert data["coverage"]["teams.channels_standard"] == {"covered": teams - 3, "total": teams, "unit": "teams"}
        assert data["coverage"]["teams.apps_installed"]["covered"] == teams - 1  # only the deleted one is gone
        channels = next(i for i in data["issues"] if i["endpoint"] == "/teams/{id}/channels")
        assert f"3 of {teams} teams could not be read" in channels["message"] and "404" in channels["message"]
        truths = served.truths  # the whole tenant's figures: the collected ones are lower
        assert data["facts"]["teams.channels_standard"] < int(str(truths["teams.channels_standard"]))
    finally:
        stop(served)


def test_when_no_team_answers_the_facts_are_absent(tenant: Tenant, tmp_path: Path) -> None:
    faults = Faults(refuse=frozenset(t.id for t in tenant.teams))
    with Simulator(tenant, SimulatorOptions(faults=faults), state_dir=tmp_path / "s") as sim:
        data = collect(sim, tmp_path / "t.json", "--workloads", "teams")
    assert not {f"teams.channels_{k}" for k in CHANNELS} & set(data["facts"])
    assert data["coverage"] == {}
    issue = next(i for i in data["issues"] if i["endpoint"] == "/teams/{id}/channels")
    assert issue["status"] == 403 and set(issue["facts"]) == {f"teams.channels_{k}" for k in CHANNELS}
    assert data["facts"]["teams.apps_installed"] == sum(len(t.apps) for t in tenant.teams)


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """Everything but the timings (and the time of collection)."""
    requests = {name: {k: v for k, v in stats.items() if k != "seconds"} for name, stats in data["requests"].items()}
    return {**{k: v for k, v in data.items() if k not in ("requests", "collected_at")}, "requests": requests}


def test_outputs_do_not_depend_on_the_order_requests_complete_in(tenant: Tenant, tmp_path: Path) -> None:
    """Three collections, each with other responses slowed at random: the same snapshot but for timings."""
    refusing = tenant.teams[4]
    snapshots = []
    for seed in range(3):
        faults = Faults(rate=0.5, kinds=("slow",), slow_delay_s=0.004, slow_chunk=256, seed=seed,
                        refuse=frozenset({refusing.id}))
        with Simulator(tenant, SimulatorOptions(faults=faults, latency_ms=3, empty_page_every=2),
                       state_dir=tmp_path / f"s{seed}") as sim:
            snapshots.append(comparable(collect(sim, tmp_path / f"t{seed}.json")))
            assert any(e.fault == "slow" for e in sim.request_log)
    assert snapshots[0]["coverage"] and snapshots[0]["issues"]
    assert snapshots[1] == snapshots[0] and snapshots[2] == snapshots[0]


@pytest.mark.parametrize("size", ["s", "m"])
def test_requests_stay_within_the_minimal_plan(size: str, tmp_path: Path) -> None:
    with Simulator(generate_tenant(size, 2), SimulatorOptions(empty_page_every=3), state_dir=tmp_path / "s") as sim:
        data = collect(sim, tmp_path / "t.json")
        served = sim.counters()["total"]["requests"]
        plan = sim.minimal_requests()["total"]
    issued = sum(s["requests"] for s in data["requests"].values())
    assert issued == served  # the snapshot's own record agrees with what the simulator answered
    assert issued <= 1.02 * plan, (issued, plan)
    assert {f: data["facts"].get(f) for f in declared()} == {f: sim.truths[f] for f in declared()}


@pytest.mark.parametrize("bound", [4, 2])
def test_each_service_keeps_its_bound_on_requests_in_flight(bound: int, tmp_path: Path) -> None:
    with Simulator(generate_tenant("m", 1), SimulatorOptions(latency_ms=15), state_dir=tmp_path / "s") as sim:
        data = collect(sim, tmp_path / "t.json", M365EXIT_MAX_IN_FLIGHT=str(bound))
        peaks = {k: v for k, v in sim.max_in_flight.items() if k != "auth"}
    assert max(peaks.values()) == bound, peaks  # reached, never passed
    assert sum(1 for v in peaks.values() if v > 0) >= 5  # services worked side by side
    assert data["issues"] == []


def test_a_paused_service_does_not_pause_the_others(tenant: Tenant, tmp_path: Path) -> None:
    """SharePoint throttles every request (Retry-After 2 s): the other services are served meanwhile."""
    endless = Throttling(time_scale=0.01, endless=frozenset({"sharepoint"}))
    with Simulator(tenant, SimulatorOptions(throttling=endless), state_dir=tmp_path / "s") as sim:
        data = collect(sim, tmp_path / "t.json", M365EXIT_MAX_WAIT="3")
        log = [e for e in sim.request_log if e.origin != "auth"]
    paused = [e.time for e in log if e.service == "sharepoint"]
    during = {e.service for e in log if paused[0] < e.time < paused[-1]}
    assert {"identity", "teams", "reports"} <= during
    assert "sharepoint.sites" not in data["facts"]
    kept = declared() - {"sharepoint.sites"}
    assert {f: data["facts"].get(f) for f in kept} == {f: sim.truths[f] for f in kept}


def test_workloads_pull_in_only_the_listings_they_need(tenant: Tenant, tmp_path: Path) -> None:
    with Simulator(tenant, SimulatorOptions(), state_dir=tmp_path / "s") as sim:
        planner = collect(sim, tmp_path / "p.json", "--workloads", "planner")
        paths = [e.path for e in sim.request_log if e.origin == "graph" and not e.inner]
        assert planner["facts"]["planner.plans"] == sim.truths["planner.plans"]
        assert not any("/v1.0/teams" in p for p in paths)
        groups = [p for p in paths if "/v1.0/groups" in p]
        assert groups and all("Unified" in p.replace("%27", "'") for p in groups)  # only Microsoft 365 groups
        sim.request_log.clear()
        teams = collect(sim, tmp_path / "t.json", "--workloads", "teams")
        paths = [e.path for e in sim.request_log if e.origin == "graph" and not e.inner]
    assert teams["facts"]["teams.channels_standard"] == sim.truths["teams.channels_standard"]
    assert not any("/v1.0/groups" in p or "/v1.0/users" in p for p in paths)
    assert sum("/v1.0/teams?" in p for p in paths) == 1  # listed once for the three sources that need it


def test_finished_sources_are_merged_as_if_run_and_their_listings_reused(tenant: Tenant, tmp_path: Path) -> None:
    """The interface checkpoint/resume builds on: results JSON-ready, `done` not run again, memo reused."""
    from dataclasses import asdict

    from m365exit.auth import AuthSettings, token_provider
    from m365exit.collectors import Issue, Output, SourceResult, run_sources
    from m365exit.graph import GraphClient
    from m365exit.transport import Transport

    def client(sim: Simulator) -> GraphClient:
        transport = Transport(verify=str(sim.ca_path))
        return GraphClient(transport, token_provider(AuthSettings.from_env(sim.env()), transport), sim.graph_endpoint)

    faults = Faults(refuse=frozenset({tenant.teams[0].id}))
    with Simulator(tenant, SimulatorOptions(faults=faults), state_dir=tmp_path / "s") as sim:
        finished: list[SourceResult] = []
        whole = run_sources(client(sim), "D30", on_done=finished.append)
        assert len(finished) == sum(len(c.sources) for c in load_all().values())
        kept = {r.key: json.loads(json.dumps(asdict(r))) for r in finished
                if r.key in ("teams.teams", "identity.groups", "exchange.mailbox-usage")}
        first = tenant.teams[0]
        assert kept["teams.teams"]["memo"]["teams"][0] == {"id": first.id, "name": first.display_name}
        done = {key: SourceResult(key, Output(**r["output"]), [Issue(**i) for i in r["issues"]], r["network_failure"],
                                  r["memo"]) for key, r in kept.items()}
        sim.request_log.clear()
        again: list[SourceResult] = []
        resumed = run_sources(client(sim), "D30", done=done, on_done=again.append)
        paths = [e.path for e in sim.request_log if e.origin == "graph" and not e.inner]
    assert not any(p.startswith(("/v1.0/teams?", "/v1.0/groups?")) for p in paths)  # listings reused
    assert not any("getMailboxUsageDetail" in p for p in paths)
    assert {r.key for r in again}.isdisjoint(done)
    assert (resumed.facts, resumed.tables, resumed.coverage, resumed.provenance, resumed.tenant) == \
        (whole.facts, whole.tables, whole.coverage, whole.provenance, whole.tenant)
    assert resumed.issues == whole.issues and resumed.coverage
