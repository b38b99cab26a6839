"""Every collector against the simulator: exact truths at several sizes, and each failure alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from m365exit import pipeline
from m365exit.auth import AuthSettings
from m365exit.collectors import load_all
from m365exit.permissions import required
from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant
from m365exit.simulator.permissions import GRANTED_BY_DEFAULT
from m365exit.simulator.reports import report_truths
from m365exit.snapshot import Snapshot

DECLARED = {f: s for c in load_all().values() for s in c.sources for f in s.facts}


def collect(sim: Simulator, **options: object) -> Snapshot:
    settings = AuthSettings.from_env(sim.env())
    return pipeline.collect(settings, pipeline.CollectOptions(ca_bundle=str(sim.ca_path), **options))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    with Simulator(generate_tenant("s", 7), SimulatorOptions(empty_page_every=2),
                   state_dir=tmp_path_factory.mktemp("s")) as s:
        yield s


@pytest.mark.parametrize("size, seed", [("s", 3), ("demo", 5), ("m", 2)])
def test_every_fact_equals_the_truth(size: str, seed: int, tmp_path: Path) -> None:
    with Simulator(generate_tenant(size, seed), SimulatorOptions(empty_page_every=4), state_dir=tmp_path) as sim:
        snapshot = collect(sim)
    assert snapshot.issues == []
    assert {f: snapshot.facts.get(f) for f in DECLARED} == {f: sim.truths[f] for f in DECLARED}
    assert all(isinstance(v, int) and not isinstance(v, bool) for v in snapshot.facts.values())
    assert snapshot.tenant.report_names_concealed is False
    assert snapshot.tenant.display_name and snapshot.tenant.default_domain


@pytest.mark.parametrize("permission", [p.name for p in required()])
def test_each_missing_permission_fails_alone(permission: str, tmp_path: Path) -> None:
    """Deny one permission: exactly the facts of the sources that need it go absent, with an issue naming
    the permission; every other fact is still collected and exact."""
    tenant = generate_tenant("s", 11)
    # The app holds exactly what 'm365exit permissions' lists, minus the one under test.
    granted = {p.name for p in required()} - {permission}
    options = SimulatorOptions(deny_permissions=frozenset(GRANTED_BY_DEFAULT - granted))
    with Simulator(tenant, options, state_dir=tmp_path) as sim:
        snapshot = collect(sim)
    lost = {f for f, source in DECLARED.items() if permission in source.permissions}
    assert lost.isdisjoint(snapshot.facts)
    kept = set(DECLARED) - lost
    assert {f: snapshot.facts.get(f) for f in kept} == {f: sim.truths[f] for f in kept}
    assert snapshot.issues, "a denied permission must leave an issue"
    assert all(permission in issue.permission and issue.status == 403 for issue in snapshot.issues)
    assert {f for issue in snapshot.issues for f in issue.facts} == lost
    assert set(snapshot.absent_reasons()) == lost


def test_usage_report_still_counts_sharepoint_without_sites_permission(tmp_path: Path) -> None:
    options = SimulatorOptions(deny_permissions=frozenset({"Sites.Read.All"}))
    with Simulator(generate_tenant("s", 4), options, state_dir=tmp_path) as sim:
        snapshot = collect(sim, workloads=["sharepoint"])
    assert "sharepoint.sites" not in snapshot.facts
    assert snapshot.facts["sharepoint.storage_bytes"] == sim.truths["sharepoint.storage_bytes"]
    assert snapshot.facts["sharepoint.files"] == sim.truths["sharepoint.files"]


def test_concealed_report_names_are_detected_and_facts_still_exact(tmp_path: Path) -> None:
    options = SimulatorOptions(conceal_report_names=True)
    with Simulator(generate_tenant("s", 6), options, state_dir=tmp_path) as sim:
        snapshot = collect(sim)
    assert snapshot.tenant.report_names_concealed is True
    assert {f: snapshot.facts.get(f) for f in DECLARED} == {f: sim.truths[f] for f in DECLARED}
    mailboxes = snapshot.tables["exchange.largest_mailboxes"]
    assert all(len(r["mailbox"]) == 32 and "@" not in r["mailbox"] for r in mailboxes)  # hashes, never joined


@pytest.mark.parametrize("period", ["D7", "D90"])
def test_period_changes_the_activity_window(small: Simulator, period: str) -> None:
    snapshot = collect(small, period=period)
    expected = report_truths(small.tenant, period)
    assert snapshot.period == period
    assert {f: snapshot.facts[f] for f in expected} == expected


def test_workloads_limit_the_collection(small: Simulator) -> None:
    snapshot = collect(small, workloads=["exchange"])
    assert {f.split(".")[0] for f in snapshot.facts} == {"exchange"}
    assert snapshot.tenant.display_name  # the tenant's name is always read
    assert "teams" not in snapshot.requests
