"""Snapshots: deterministic bytes, atomic writes, and one clear sentence for every way a file can be bad."""

from __future__ import annotations

import gzip
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from m365exit import snapshot as snap
from m365exit.errors import SnapshotError
from tests.conftest import run_cli


def sample() -> snap.Snapshot:
    return snap.Snapshot(
        collected_at=datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        tenant=snap.TenantInfo(id="t", display_name="Agence <b>fictive</b>"),
        facts={"identity.users_total": 12, "exchange.storage_bytes": 10**12},
        issues=[snap.CollectionIssue(workload="intune", endpoint="/deviceManagement/managedDevices", status=403,
                                     permission="DeviceManagementManagedDevices.Read.All", message="denied",
                                     facts=["intune.devices_total"])],
    )


@pytest.mark.parametrize("name", ["s.json", "s.json.gz"])
def test_round_trip_and_same_bytes(tmp_path: Path, name: str) -> None:
    first, second = tmp_path / "a" / name, tmp_path / "b" / name
    snap.save(sample(), first)
    snap.save(snap.load(first), second)
    assert first.read_bytes() == second.read_bytes()
    assert snap.load(second) == sample()
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert list(first.parent.iterdir()) == [first]  # no temp file left behind


def test_absent_reasons_come_from_issues() -> None:
    assert sample().absent_reasons() == {"intune.devices_total": "denied"}


def bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "not valid JSON": b"{ this is not json",
        "damaged gzip": gzip.compress(b'{"schema": "m365exit.snapshot/1"}')[:20],
        "not an m365exit snapshot": b'{"hello": 1}',
        "uses the snapshot schema": json.dumps({"schema": "m365exit.snapshot/0"}).encode(),
        "is invalid at 'facts.x'": json.dumps({"schema": "m365exit.snapshot/1",
                                               "collected_at": "2026-01-01T00:00:00Z",
                                               "facts": {"x": [1, 2]}}).encode(),
    }
    paths = {}
    for needle, data in files.items():
        path = tmp_path / f"{len(paths)}.json.gz"
        path.write_bytes(data)
        paths[needle] = path
    return paths


def test_bad_snapshots_are_one_sentence(tmp_path: Path) -> None:
    for needle, path in bad_files(tmp_path).items():
        with pytest.raises(SnapshotError) as caught:
            snap.load(path)
        assert needle in caught.value.message
    with pytest.raises(SnapshotError, match="does not exist"):
        snap.load(tmp_path / "missing.json")


def test_corrupted_snapshot_exits_6_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    snap.save(sample(), path)
    path.write_bytes(path.read_bytes()[:-40])  # truncated, as by a full disk
    result = run_cli("assess", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 6
    assert "not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 1
    assert not (tmp_path / "out").exists()
