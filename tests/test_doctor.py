"""`m365exit permissions` (table, json, az) and `m365exit doctor` against the simulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from m365exit.collectors import load_all
from m365exit.simulator import Simulator, SimulatorOptions
from tests.conftest import clean_env, run_cli


def declared() -> dict[str, dict[str, set[str]]]:
    """permission -> {"workloads": ..., "facts": ...}, straight from the collectors' declarations."""
    out: dict[str, dict[str, set[str]]] = {}
    for collector in load_all().values():
        for source in collector.sources:
            for name in source.permissions:
                entry = out.setdefault(name, {"workloads": set(), "facts": set()})
                entry["workloads"].add(source.workload)
                entry["facts"].update(source.facts)
    return out


def test_permissions_json_lists_every_declared_permission() -> None:
    result = run_cli("permissions", "--format", "json")
    assert result.returncode == 0, result.stderr
    listed = {p["permission"]: p for p in json.loads(result.stdout)}
    expected = declared()
    assert set(listed) == set(expected)
    for name, entry in expected.items():
        assert set(listed[name]["workloads"]) == entry["workloads"], name
        assert set(listed[name]["facts"]) == entry["facts"], name
        assert listed[name]["type"] == "Application" and listed[name]["endpoints"]
    assert not any("write" in name.lower() for name in listed)  # read-only, always


def test_permissions_for_some_workloads_only() -> None:
    result = run_cli("--json", "permissions", "-w", "licensing")
    assert result.returncode == 0, result.stderr
    names = {p["permission"] for p in json.loads(result.stdout)}
    assert names and names < set(declared())
    assert run_cli("permissions", "-w", "fax").returncode == 2


def test_permissions_table() -> None:
    result = run_cli("permissions", env=clean_env(COLUMNS="220"))
    assert result.returncode == 0, result.stderr
    for name in declared():
        assert name in result.stdout
    assert "--format az" in result.stdout
    bad = run_cli("permissions", "--format", "yaml")
    assert bad.returncode == 2 and "table, json or az" in bad.stderr


FAKE_AZ = r"""#!/usr/bin/env bash
# A stand-in for the Azure CLI: logs each call, answers what the script asks.
echo "az $*" >> "$AZ_LOG"
case "$*" in
  "ad sp show --id 00000003-0000-0000-c000-000000000000 "*) cat "$AZ_ROLES" ;;
  "ad app list "*) echo "" ;;
  "ad app create "*) echo "11111111-2222-3333-4444-555555555555" ;;
  "ad sp show --id 11111111"*) exit 3 ;;
  "ad sp create "*) echo "{}" ;;
  "ad app permission add "*) ;;
  "ad app permission admin-consent "*) ;;
  "account show "*) echo "tenant-guid" ;;
  *) echo "unexpected az call: $*" >&2; exit 2 ;;
esac
"""


@pytest.fixture
def fake_az(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text(FAKE_AZ)
    az.chmod(0o755)
    roles = tmp_path / "roles.tsv"
    roles.write_text("".join(f"{name}\trole-id-{i}\n" for i, name in enumerate(sorted(declared()))))
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "AZ_LOG": str(tmp_path / "az.log"), "AZ_ROLES": str(roles)}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_permissions_az_script_creates_the_app_with_every_role(tmp_path: Path, fake_az: dict[str, str]) -> None:
    result = run_cli("permissions", "--format", "az")
    assert result.returncode == 0, result.stderr
    script = result.stdout
    assert script.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in script
    for name in declared():
        assert f"role {name})" in script, name
    assert "appRoles" in script  # ids are resolved at run time, not hard-coded
    path = tmp_path / "create-app.sh"
    path.write_text(script)
    run = subprocess.run(["bash", str(path)], capture_output=True, text=True, timeout=60, check=False,
                         env={**os.environ, **fake_az})
    assert run.returncode == 0, run.stderr
    assert "AZURE_CLIENT_ID=11111111-2222-3333-4444-555555555555" in run.stdout
    log = Path(fake_az["AZ_LOG"]).read_text()
    add = next(line for line in log.splitlines() if line.startswith("az ad app permission add"))
    for i in range(len(declared())):
        assert f"role-id-{i}=Role" in add
    assert "admin-consent" in log and "ad sp create" in log

    # a permission Graph does not know stops the script before anything is granted
    roles = Path(fake_az["AZ_ROLES"])
    roles.write_text("\n".join(roles.read_text().splitlines()[1:]) + "\n")
    Path(fake_az["AZ_LOG"]).write_text("")
    failed = subprocess.run(["bash", str(path)], capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, **fake_az})
    assert failed.returncode != 0 and "has no application permission named" in failed.stderr
    assert "permission add" not in Path(fake_az["AZ_LOG"]).read_text()


# --- doctor -------------------------------------------------------------------------------------------------


def test_doctor_all_granted(sim: Simulator) -> None:
    result = run_cli("doctor", env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    assert f"All {len(declared())} permissions m365exit needs are granted" in result.stdout
    assert sim.tenant_id in result.stdout and "client secret" in result.stdout

    report = json.loads(run_cli("--json", "doctor", "--strict", env=clean_env(**sim.env())).stdout)
    assert report["signed_in"] and report["complete"] and report["missing"] == []
    assert report["tenant"] == sim.tenant_id and not report["delegated"]
    assert report["needed"] == len(declared()) and report["token_expires"]


@pytest.fixture(scope="module")
def denied(demo_tenant, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    options = SimulatorOptions(deny_permissions=frozenset({"Reports.Read.All", "Sites.Read.All"}))
    with Simulator(demo_tenant, options, state_dir=tmp_path_factory.mktemp("denied")) as s:
        yield s


def test_doctor_lists_missing_permissions_and_what_they_disable(denied: Simulator) -> None:
    result = run_cli("doctor", env=clean_env(**denied.env(), COLUMNS="250"))
    assert result.returncode == 0, result.stderr
    expected = declared()
    for name in ("Reports.Read.All", "Sites.Read.All"):
        assert name in result.stdout
        for workload in expected[name]["workloads"]:
            assert workload in result.stdout
    assert "2 of" in result.stdout and "--format az" in result.stdout

    report = json.loads(run_cli("--json", "doctor", env=clean_env(**denied.env())).stdout)
    assert not report["complete"]
    missing = {m["permission"]: m for m in report["missing"]}
    assert set(missing) == {"Reports.Read.All", "Sites.Read.All"}
    for name, entry in missing.items():
        assert set(entry["workloads"]) == expected[name]["workloads"]
        assert set(entry["facts"]) == expected[name]["facts"]


def test_doctor_strict_exits_8(denied: Simulator) -> None:
    result = run_cli("doctor", "--strict", env=clean_env(**denied.env()))
    assert result.returncode == 8
    assert "Reports.Read.All" in result.stderr
    only = run_cli("doctor", "--strict", "-w", "licensing", env=clean_env(**denied.env()))
    assert only.returncode == 0, only.stdout + only.stderr  # licensing needs neither denied permission


def test_doctor_flags_write_permissions_as_unneeded(sim: Simulator) -> None:
    token = sim.issue_token(roles=frozenset(sim.roles | {"Sites.FullControl.All", "Mail.Send"}))
    env = clean_env(M365EXIT_ACCESS_TOKEN=token, M365EXIT_GRAPH_ENDPOINT=sim.graph_endpoint, COLUMNS="250")
    result = run_cli("doctor", env=env)
    assert result.returncode == 0, result.stderr
    assert "Granted but not needed" in result.stdout and "Mail.Send" in result.stdout
    assert "can change the tenant" in result.stdout
    assert token not in result.stdout + result.stderr


def test_doctor_sign_in_failure_with_json(sim: Simulator) -> None:
    result = run_cli("--json", "doctor", env=clean_env(**{**sim.env(), "AZURE_CLIENT_SECRET": "wrong-Zq9x"}))
    assert result.returncode == 3
    report = json.loads(result.stdout)
    assert report["signed_in"] is False and "client secret was rejected" in report["error"]
    assert "wrong-Zq9x" not in result.stdout + result.stderr
