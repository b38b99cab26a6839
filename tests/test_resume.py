"""Checkpoint and resume (DESIGN §11): the CLI as a process, interrupted part-way against a simulator with
latency, then run again. Counts come from the simulator's own request log, never from the client."""

from __future__ import annotations

import gzip
import json
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from m365exit import __version__
from m365exit.checkpoint import Checkpoint, Fingerprint, checkpoint_path, lock_path
from m365exit.collectors import Output, SourceResult, load_all
from m365exit.simulator import LoggedRequest, Simulator, SimulatorOptions
from tests.conftest import clean_env, run_cli

LATENCY_MS = 25
FAST_RETRIES = {"M365EXIT_BACKOFF_BASE": "0.01"}  # a dropped network fails in a second, not in minutes


@pytest.fixture(scope="module")
def slow(demo_tenant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:  # type: ignore[no-untyped-def]
    """The demo tenant with latency on every response, so a collection can be caught part-way."""
    options = SimulatorOptions(latency_ms=LATENCY_MS, empty_page_every=3)
    with Simulator(demo_tenant, options, state_dir=tmp_path_factory.mktemp("slow")) as sim:
        yield sim


def read(path: Path) -> dict[str, Any]:
    raw = path.read_bytes()
    return dict(json.loads(gzip.decompress(raw) if path.name.endswith(".gz") else raw))


def start(sim: Simulator, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "m365exit", *args], env=clean_env(**sim.env(), **FAST_RETRIES),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished_sources(checkpoint: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(checkpoint.read_bytes())["sources"])
    except (OSError, ValueError, KeyError):
        return {}


def wait_for(process: subprocess.Popen[str], checkpoint: Path, sources: int) -> None:
    """Until the checkpoint holds `sources` finished sources (the collection is then part-way)."""
    while len(finished_sources(checkpoint)) < sources:
        assert process.poll() is None, f"the collection ended before it could be interrupted: {process.stderr}"
        time.sleep(0.02)


def graph_requests(log: list[LoggedRequest]) -> list[LoggedRequest]:
    return [e for e in log if e.service != "auth" and not e.inner]


def sources_requested(entry: LoggedRequest) -> set[str]:
    """The sources whose endpoint a logged top-level Graph request belongs to."""
    path = re.sub(r"^/(v1\.0|beta)", "", entry.path.split("?", 1)[0]).split("(", 1)[0]
    keys = set()
    for collector in load_all().values():
        for source in collector.sources:
            pattern = "^" + re.escape(source.endpoint).replace(re.escape("{id}"), "[^/]+") + "$"
            if re.match(pattern, path):
                keys.add(f"{source.workload}.{source.name}")
    return keys


def assert_no_finished_source_repeated(log: list[LoggedRequest], finished: set[str]) -> None:
    """Every request of the second run belongs to at least one source the first run had not finished.

    A listing shared through memo (the Microsoft 365 groups Planner needs, the teams channels need) counts
    as its source's: relisting it would show here."""
    repeated = [e.path for e in graph_requests(log) if e.origin == "graph" and not e.batch
                and (keys := sources_requested(e)) and keys <= finished]
    assert repeated == []


def same_collection(a: dict[str, Any], b: Any) -> None:
    """A resumed snapshot equals an uninterrupted one in all it says about the tenant."""
    reference = json.loads(b.to_json())
    for part in ("facts", "provenance", "tables", "issues", "tenant", "period"):
        assert a[part] == reference[part], part


def nothing_beside(out: Path) -> None:
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT", "SIGTERM"])
def test_an_interrupted_collection_resumes_where_it_stopped(slow: Simulator, demo_snapshot: Any, tmp_path: Path,
                                                            how: str) -> None:
    out = tmp_path / "tenant.json.gz"
    checkpoint = checkpoint_path(out)
    slow.request_log.clear()
    first = start(slow, "collect", "--out", str(out))
    wait_for(first, checkpoint, 6)
    first.send_signal(getattr(signal, how))
    _, stderr = first.communicate(timeout=60)
    if how == "SIGKILL":
        assert first.returncode == -signal.SIGKILL
        assert lock_path(out).exists()  # left behind: the next run must see it is stale
    else:
        assert first.returncode == 130, stderr
        assert "run the same command again to resume" in stderr and "Traceback" not in stderr
        assert not lock_path(out).exists()
    assert not out.exists()  # no partial snapshot
    assert stat.S_IMODE(checkpoint.stat().st_mode) == 0o600
    kept = checkpoint.read_text(encoding="utf-8")
    assert slow.client_secret not in kept and "eyJ" not in kept and "Bearer" not in kept  # no secret, no JWT
    finished = set(finished_sources(checkpoint))
    total = sum(len(c.sources) for c in load_all().values())
    assert 6 <= len(finished) < total
    first_run = len(graph_requests(slow.request_log))

    slow.request_log.clear()
    second = run_cli("collect", "--out", str(out), env=clean_env(**slow.env()))
    assert second.returncode == 0, second.stderr
    assert f"{len(finished)} of {total} sources already collected" in second.stderr
    assert_no_finished_source_repeated(slow.request_log, finished)
    data = read(out)
    assert all(data["facts"].get(f) == slow.truths[f] for c in load_all().values() for s in c.sources
               for f in s.facts)
    same_collection(data, demo_snapshot)
    nothing_beside(out)  # no checkpoint, no lock
    # Requests are the sum of the runs: all of the second's, and the first's up to its last checkpoint.
    second_run = len(graph_requests(slow.request_log))
    counted = sum(s["requests"] for s in data["requests"].values())
    assert second_run < counted <= first_run + second_run


@pytest.mark.parametrize("how", ["network drops", "machine sleeps and wakes without it"])
def test_a_lost_network_is_exit_4_and_the_same_command_resumes(demo_tenant, tmp_path: Path, how: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out" / "tenant.json"
    checkpoint = checkpoint_path(out)
    options = SimulatorOptions(latency_ms=LATENCY_MS, empty_page_every=3)
    with Simulator(demo_tenant, options, state_dir=tmp_path / "s1") as sim:
        first = start(sim, "collect", "--out", str(out))
        wait_for(first, checkpoint, 5)
        sleeps = how.startswith("machine")
        if sleeps:
            first.send_signal(signal.SIGSTOP)  # the lid closes: the process is frozen mid-request
        sim.stop()  # Graph is gone: the VPN dropped, the laptop left the Wi-Fi
        if sleeps:
            first.send_signal(signal.SIGCONT)  # and wakes somewhere without it
        _, stderr = first.communicate(timeout=120)
    assert first.returncode == 4, stderr
    assert "Graph stopped answering" in stderr and "run the same command again to resume" in stderr
    assert stderr.count("error:") == 1 and "Traceback" not in stderr
    assert not out.exists()
    kept = finished_sources(checkpoint)
    assert len(kept) >= 5
    # The source the network cut is not kept as finished: it runs again.
    assert all(s["output"] is not None and not s["network_failure"] for s in kept.values())

    with Simulator(demo_tenant, options, state_dir=tmp_path / "s2") as back:  # the network is back
        second = run_cli("collect", "--out", str(out), env=clean_env(**back.env()))
        assert second.returncode == 0, second.stderr
        assert f"{len(kept)} of " in second.stderr
        assert_no_finished_source_repeated(back.request_log, set(kept))
        facts = read(out)["facts"]
        assert all(facts.get(f) == back.truths[f] for c in load_all().values() for s in c.sources for f in s.facts)
        assert read(out)["issues"] == []
    nothing_beside(out)


def test_a_second_collection_into_the_same_file_is_refused(slow: Simulator, tmp_path: Path) -> None:
    out = tmp_path / "tenant.json"
    first = start(slow, "collect", "--out", str(out))
    try:
        wait_for(first, checkpoint_path(out), 1)
        first.send_signal(signal.SIGSTOP)  # held mid-collection, however fast the machine
        second = run_cli("collect", "--out", str(out), env=clean_env(**slow.env()))
        first.send_signal(signal.SIGCONT)
        assert second.returncode == 2
        errors = [line for line in second.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "Another collection into" in errors[0] and f"process {first.pid}" in errors[0]
        assert "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert first.returncode == 130


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("holder", [
    {"pid": "dead", "host": "here"},  # its process is gone
    {"pid": 1, "host": "here", "boot": "an-earlier-boot"},  # the machine restarted since
    "garbage",
])
def test_a_stale_lock_does_not_block(sim: Simulator, tmp_path: Path, holder: Any) -> None:
    out = tmp_path / "tenant.json"
    if isinstance(holder, dict):
        holder = {**holder, "host": socket.gethostname()}
        holder["pid"] = dead_pid() if holder["pid"] == "dead" else holder["pid"]
        lock_path(out).write_text(json.dumps(holder))
    else:
        lock_path(out).write_text(holder)
    result = run_cli("collect", "--out", str(out), "-w", "licensing", env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    nothing_beside(out)


def test_what_a_killed_write_left_is_swept(sim: Simulator, tmp_path: Path) -> None:
    out = tmp_path / "tenant.json"
    for name in (".tenant.json.x1y2.tmp", ".tenant.json.checkpoint.a1b2.tmp", ".tenant.json.lock.c3d4"):
        (tmp_path / name).write_text("half")
    (tmp_path / ".other.json.e5f6.tmp").write_text("not ours")
    result = run_cli("collect", "--out", str(out), "-w", "licensing", env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.json.e5f6.tmp", "tenant.json"]


def planted(out: Path, fingerprint: Fingerprint, skus: int) -> None:
    """A checkpoint holding a finished licensing source with a value no simulator gives."""
    from datetime import UTC, datetime

    checkpoint = Checkpoint(out)
    checkpoint.resume(fingerprint, datetime(2026, 1, 2, tzinfo=UTC), dict)
    checkpoint.record(SourceResult("licensing.subscribed-skus", Output(facts={"licensing.skus": skus}), []))
    checkpoint.close()  # written behind: on disk once closed


def fingerprint(sim: Simulator, **changes: Any) -> Fingerprint:
    options = {"cloud": "global", "period": "D30", "source": "graph", "workloads": ["tenant", "licensing"]}
    options.update(changes.pop("options", {}))
    return Fingerprint(changes.pop("tenant", sim.tenant_id), options, changes.pop("tool_version", __version__))


def test_a_matching_checkpoint_is_used_and_its_sources_not_requested(sim: Simulator, tmp_path: Path) -> None:
    out = tmp_path / "tenant.json"
    planted(out, fingerprint(sim), 4242)
    sim.request_log.clear()
    result = run_cli("collect", "--out", str(out), "-w", "licensing", env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    assert "1 of 3 sources already collected" in result.stderr
    data = read(out)
    assert data["facts"]["licensing.skus"] == 4242  # taken from the checkpoint, as it said
    assert data["collected_at"].startswith("2026-01-02")  # the collection began with the first run
    assert not any("subscribedSkus" in e.path for e in sim.request_log)
    nothing_beside(out)


@pytest.mark.parametrize("change, why", [
    ({"tenant": "another-tenant-id"}, "it is for another tenant (another-tenant-id"),
    ({"options": {"period": "D7"}}, "it was made with other options (period 'D7', now 'D30')"),
    ({"options": {"workloads": ["tenant"]}}, "it was made with other options (workloads"),
    ({"tool_version": "0.0.1"}, f"it was written by m365exit 0.0.1, this is {__version__}"),
])
def test_a_checkpoint_of_another_collection_is_ignored_with_one_sentence(
        sim: Simulator, tmp_path: Path, change: dict[str, Any], why: str) -> None:
    out = tmp_path / "tenant.json"
    planted(out, fingerprint(sim, **change), 4242)
    result = run_cli("collect", "--out", str(out), "-w", "licensing", env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    assert f"The checkpoint {checkpoint_path(out)} is not used: {why}" in result.stderr
    assert read(out)["facts"]["licensing.skus"] == sim.truths["licensing.skus"]
    nothing_beside(out)


@pytest.mark.parametrize("content", [b"{not json", b'{"schema": "m365exit.checkpoint/1"}', b"\x00\xff" * 40])
def test_a_damaged_checkpoint_is_ignored(sim: Simulator, tmp_path: Path, content: bytes) -> None:
    out = tmp_path / "tenant.json"
    checkpoint_path(out).write_bytes(content)
    result = run_cli("collect", "--out", str(out), "-w", "licensing", env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    assert "is not used" in result.stderr and "Traceback" not in result.stderr
    assert read(out)["facts"]["licensing.skus"] == sim.truths["licensing.skus"]
    nothing_beside(out)


def test_fresh_discards_the_checkpoint(sim: Simulator, tmp_path: Path) -> None:
    out = tmp_path / "tenant.json"
    planted(out, fingerprint(sim), 4242)
    result = run_cli("collect", "--out", str(out), "-w", "licensing", "--fresh", env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    assert f"Discarded the checkpoint {checkpoint_path(out)} (--fresh)." in result.stderr
    assert "already collected" not in result.stderr
    assert read(out)["facts"]["licensing.skus"] == sim.truths["licensing.skus"]
    nothing_beside(out)


def test_run_resumes_the_same_way(slow: Simulator, tmp_path: Path) -> None:
    out = tmp_path / "report"
    first = start(slow, "run", "--out", str(out), "--format", "json")
    wait_for(first, checkpoint_path(out / "snapshot.json.gz"), 4)
    first.send_signal(signal.SIGTERM)
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 130, stderr
    assert sorted(p.name for p in out.iterdir()) == ["snapshot.json.gz.checkpoint"]  # no report, no snapshot
    second = run_cli("run", "--out", str(out), "--format", "json", env=clean_env(**slow.env()))
    assert second.returncode == 0, second.stderr
    assert "sources already collected" in second.stderr
    assert sorted(p.name for p in out.iterdir()) == ["assessment.json", "snapshot.json.gz"]


def test_demo_resumes_the_same_way(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    first = subprocess.Popen([sys.executable, "-m", "m365exit", "demo", "--out", str(out), "--size", "m"],
                             env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(first, checkpoint_path(out / "snapshot.json.gz"), 3)
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr
    second = run_cli("demo", "--out", str(out), "--size", "m")
    assert second.returncode == 0, second.stderr
    assert "sources already collected" in second.stderr
    assert not checkpoint_path(out / "snapshot.json.gz").exists()


def test_a_planted_symlink_is_replaced_never_written_through(sim: Simulator, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "tenant.json"
    for link in (out, checkpoint_path(out), lock_path(out)):
        link.symlink_to(victim)
    result = run_cli("collect", "--out", str(out), "-w", "licensing", env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert not out.is_symlink() and read(out)["schema"] == "m365exit.snapshot/1"
    nothing_beside(out)

    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "assessment.json").symlink_to(victim)
    assessed = run_cli("assess", str(out), "--out", str(reports), "--format", "json")
    assert assessed.returncode == 0, assessed.stderr
    assert victim.read_text() == "precious\n"
    assert not (reports / "assessment.json").is_symlink()
    assert (reports / "assessment.json").stat().st_size > 100


def test_the_checkpoint_is_written_behind_and_keeps_every_source(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """A disk that stalls never stalls the collection; what was recorded is all on disk once closed."""
    from datetime import UTC, datetime

    import m365exit.checkpoint as module

    real, gate, writes = module.write_atomic, threading.Event(), []

    def stalling(path: Path, data: bytes, mode: int = 0o600) -> None:
        gate.wait()
        writes.append(sorted(json.loads(data)["sources"]))
        real(path, data, mode)

    monkeypatch.setattr(module, "write_atomic", stalling)
    out = tmp_path / "tenant.json"
    kept = Checkpoint(out)
    gate.set()
    kept.resume(Fingerprint("tenant", {}), datetime(2026, 1, 2, tzinfo=UTC), dict)
    gate.clear()  # the disk stalls from now on
    keys = [f"licensing.source-{n}" for n in range(10)]
    recorder = threading.Thread(target=lambda: [kept.record(SourceResult(k, Output(), [])) for k in keys])
    recorder.start()
    recorder.join(30)
    assert not recorder.is_alive()  # every source recorded while the writer waits on the disk
    gate.set()
    kept.close()
    assert sorted(json.loads(checkpoint_path(out).read_text())["sources"]) == sorted(keys)
    assert len(writes) <= 4  # the resume's, then writes that each carry several sources
    kept.record(SourceResult("licensing.late", Output(), []))  # after close: not written
    kept.discard()
    assert not checkpoint_path(out).exists()
