"""`m365exit collect` as a process against a throttling, failing or unusual simulated tenant (HTTPS).

Facts must EQUAL the generator's truths whatever the weather: retries work and nothing is silently short.
Time is scaled (Retry-After of milliseconds) and the client's backoff shortened through the environment.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from m365exit.collectors import load_all
from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant
from m365exit.simulator.faults import LIMITS, Faults, Throttling
from tests.conftest import clean_env, run_cli

FAST = {"M365EXIT_BACKOFF_BASE": "0.01"}


@pytest.fixture(scope="module")
def tenant():  # type: ignore[no-untyped-def]
    return generate_tenant("s", 3)


def declared() -> set[str]:
    return {f for c in load_all().values() for s in c.sources for f in s.facts}


def collect(sim: Simulator, out: Path, *args: str, **env: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("collect", "--out", str(out), *args, env=clean_env(**sim.env(), **FAST, **env))
    data = json.loads(gzip.decompress(out.read_bytes())) if out.exists() else {}
    return result.returncode, data, result.stderr


def assert_truths(data: dict[str, Any], sim: Simulator, facts: set[str] | None = None) -> None:
    names = facts if facts is not None else declared()
    assert {n: data["facts"].get(n) for n in names} == {n: sim.truths[n] for n in names}


def test_a_throttling_storm_slows_the_run_but_not_the_facts(tenant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    storm = Throttling(time_scale=0.001, storm=0.3, decimal_retry_after=True, seed=5)
    with Simulator(tenant, SimulatorOptions(throttling=storm, empty_page_every=3), state_dir=tmp_path / "s") as sim:
        code, data, stderr = collect(sim, tmp_path / "t.json.gz")
        assert code == 0, stderr
        assert data["issues"] == []
        assert_truths(data, sim)
        served = sim.counters()
    assert served["total"]["throttled"] > 0
    assert any(e.inner and e.status == 429 for e in sim.request_log)  # throttled inside $batch too
    assert any(e.service == "sharepoint" and e.status == 503 for e in sim.request_log) or served["sharepoint"][
        "throttled"] == 0
    requests = data["requests"]
    assert sum(s["throttled"] for s in requests.values()) == served["total"]["throttled"]
    assert sum(s["retries"] for s in requests.values()) >= served["total"]["throttled"]


@pytest.mark.parametrize("kind", ["500", "502", "503", "504", "reset", "slow", "truncate", "expired_token"])
def test_every_fault_kind_is_survived(tenant, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    # a token expires at two points of the run (at random, one could expire again on the very retry)
    faults = (Faults(at={5: kind, 15: kind, 40: kind}) if kind == "expired_token"
              else Faults(rate=0.08, kinds=(kind,), seed=11, slow_delay_s=0.001))
    with Simulator(tenant, SimulatorOptions(faults=faults), state_dir=tmp_path / "s") as sim:
        code, data, stderr = collect(sim, tmp_path / "t.json.gz")
        assert code == 0, stderr
        assert data["issues"] == []
        assert_truths(data, sim)
    hit = [e for e in sim.request_log if e.fault == kind]
    assert hit, "the seed must inject at least one fault"
    if kind == "expired_token":  # a download carries no token: nothing to revoke there
        hit = [e for e in hit if e.origin == "graph"]
    if kind in ("reset", "truncate"):  # a 302 has no body to cut
        hit = [e for e in hit if e.status != 302]
    if kind != "slow":  # a slow body is only slow
        assert sum(s["retries"] for s in data["requests"].values()) >= len(hit)
    if kind == "expired_token":  # each revoked token was renewed (a download carries no token to revoke)
        tokens = sum(1 for e in sim.request_log if e.path.endswith("/oauth2/v2.0/token"))
        # each revoked token renewed once, however many threads saw it refused
        assert 1 + min(len(hit), 1) <= tokens <= 1 + len(hit)


def test_the_wait_cap_turns_an_endless_storm_into_an_issue(tenant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    endless = Throttling(time_scale=0.01, endless=frozenset({"sharepoint"}))
    with Simulator(tenant, SimulatorOptions(throttling=endless), state_dir=tmp_path / "s") as sim:
        code, data, stderr = collect(sim, tmp_path / "t.json.gz", M365EXIT_MAX_WAIT="2")
        assert code == 0, stderr
    issues = [i for i in data["issues"] if i["endpoint"] == "/sites/getAllSites"]
    assert issues and issues[0]["status"] == 429 and "gave up" in issues[0]["message"]
    assert "sharepoint.sites" not in data["facts"]
    assert_truths(data, sim, {"identity.users_total", "teams.teams", "exchange.mailboxes"})


def test_nothing_collected_under_an_endless_storm_is_exit_4(tenant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    everywhere = Throttling(time_scale=0.001, endless=frozenset(LIMITS))
    with Simulator(tenant, SimulatorOptions(throttling=everywhere), state_dir=tmp_path / "s") as sim:
        code, _, stderr = collect(sim, tmp_path / "t.json.gz", M365EXIT_MAX_WAIT="0.05")
    assert code == 4, stderr
    assert "kept throttling" in stderr and "Traceback" not in stderr


def test_variants_name_the_missing_licence_and_keep_the_rest(tenant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    options = SimulatorOptions(variants=("no-intune", "no-p1"))
    with Simulator(tenant, options, state_dir=tmp_path / "s") as sim:
        code, data, stderr = collect(sim, tmp_path / "t.json.gz")
        assert code == 0, stderr
    issues = {i["endpoint"]: i for i in data["issues"]}
    assert set(issues) == {"/deviceManagement/managedDevices", "/identity/conditionalAccess/policies"}
    assert issues["/deviceManagement/managedDevices"]["status"] == 400
    assert "Microsoft Intune" in issues["/deviceManagement/managedDevices"]["message"]
    assert "Microsoft Entra ID P1" in issues["/identity/conditionalAccess/policies"]["message"]
    lost = {f for i in data["issues"] for f in i["facts"]}
    assert lost and not lost & set(data["facts"])  # absent, never 0
    assert_truths(data, sim, declared() - lost)


@pytest.mark.parametrize("cloud", ["usgov", "china"])
def test_a_national_cloud_lacks_the_global_only_apis(tenant, tmp_path: Path, cloud: str) -> None:  # type: ignore[no-untyped-def]
    with Simulator(tenant, SimulatorOptions(variants=(cloud,)), state_dir=tmp_path / "s") as sim:
        code, data, stderr = collect(sim, tmp_path / "t.json.gz")
        assert code == 0, stderr
    endpoints = {i["endpoint"] for i in data["issues"]}
    assert "/reports/getMailboxUsageDetail" in endpoints
    assert "/security/dataSecurityAndGovernance/sensitivityLabels" in endpoints
    absent_in_china = {"/groups/{id}/planner/plans", "/solutions/bookingBusinesses", "/teams/{id}/installedApps"}
    if cloud == "china":  # 21Vianet lacks Planner, Bookings and team app listings too (graph-facts §1, Learn)
        assert absent_in_china <= endpoints
    assert not any(e.startswith(("/users", "/groups", "/teams")) for e in endpoints - absent_in_china)
    lost = {f for i in data["issues"] for f in i["facts"]}
    assert_truths(data, sim, declared() - lost)


def test_a_limit_that_counts_rejected_requests_locks_out_an_early_retry() -> None:
    from m365exit.simulator.faults import Throttler

    throttler = Throttler(Throttling(time_scale=0.05), users=10)  # conditional access: 1 request per 50 ms
    assert throttler.check("conditionalAccess", "conditionalAccess", 1, 1) is None
    assert throttler.check("conditionalAccess", "conditionalAccess", 1, 2) is not None
    import time

    time.sleep(0.03)  # the first request's window has not expired, and the rejected one started a new one
    assert throttler.check("conditionalAccess", "conditionalAccess", 1, 3) is not None
    time.sleep(0.06)
    assert throttler.check("conditionalAccess", "conditionalAccess", 1, 4) is None
