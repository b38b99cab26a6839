"""`m365exit collect` and `demo` as processes, against the simulator over HTTPS, through real MSAL and requests."""

from __future__ import annotations

import gzip
import json
import stat
from pathlib import Path

import pytest

from m365exit.collectors import load_all
from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant
from tests.conftest import clean_env, run_cli


def declared_facts() -> set[str]:
    return {f for c in load_all().values() for s in c.sources for f in s.facts}


def read(path: Path) -> dict:  # type: ignore[type-arg]
    raw = path.read_bytes()
    return json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)


def test_collect_gives_the_generators_truths(sim: Simulator, tmp_path: Path) -> None:
    out = tmp_path / "tenant.json"
    result = run_cli("collect", "--out", str(out), env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    data = read(out)
    assert data["schema"] == "m365exit.snapshot/1"
    assert data["issues"] == []
    expected = {name: sim.truths[name] for name in declared_facts()}
    assert {name: data["facts"].get(name) for name in expected} == expected
    assert data["tenant"]["id"] == sim.tenant_id
    assert data["tenant"]["display_name"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # it names people
    assert data["requests"]["identity"]["requests"] > 0
    assert data["provenance"]["exchange.mailboxes"] == "/reports/getMailboxUsageDetail"


def test_collect_stays_within_the_minimal_plan(sim: Simulator, tmp_path: Path) -> None:
    """No wasted requests: users and groups listed at the maximum page size (the simulator's empty pages aside)."""
    out = tmp_path / "tenant.json"
    result = run_cli("collect", "--out", str(out), "--workloads", "identity", env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    requests = read(out)["requests"]
    users = sim.truths["identity.users_total"]
    assert requests["identity"]["requests"] <= 2 * (-(-users // 999)) + 8


def test_denied_permission_is_an_issue_not_an_abort(demo_tenant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    options = SimulatorOptions(deny_permissions=frozenset({"Reports.Read.All"}))
    with Simulator(demo_tenant, options, state_dir=tmp_path / "sim") as denied:
        out = tmp_path / "tenant.json.gz"
        result = run_cli("collect", "--out", str(out), env=clean_env(**denied.env()))
        assert result.returncode == 0, result.stderr
        data = read(out)
        assert "exchange.mailboxes" not in data["facts"]  # absent, never 0
        assert data["facts"]["exchange.rooms"] == denied.truths["exchange.rooms"]  # the other source still counts
        issue = next(i for i in data["issues"] if i["endpoint"] == "/reports/getMailboxUsageDetail")
        assert issue["status"] == 403 and issue["permission"] == "Reports.Read.All"
        assert "exchange.storage_bytes" in issue["facts"]
        assert "Reports.Read.All" in result.stderr

        strict = run_cli("collect", "--out", str(tmp_path / "strict.json"), "--strict", env=clean_env(**denied.env()))
        assert strict.returncode == 8
        assert (tmp_path / "strict.json").exists()  # the data collected is kept


def test_wrong_secret_is_one_sentence_and_exit_3(sim: Simulator, tmp_path: Path) -> None:
    env = clean_env(**{**sim.env(), "AZURE_CLIENT_SECRET": "not-the-secret-Zq9"})
    result = run_cli("collect", "--out", str(tmp_path / "x.json"), env=env)
    assert result.returncode == 3
    assert "client secret was rejected" in result.stderr
    assert "Traceback" not in result.stderr
    assert "not-the-secret-Zq9" not in result.stderr + result.stdout
    assert not (tmp_path / "x.json").exists()


def test_no_credentials_is_exit_3_with_a_hint(tmp_path: Path) -> None:
    result = run_cli("collect", "--out", str(tmp_path / "x.json"))
    assert result.returncode == 3
    assert "AZURE_TENANT_ID" in result.stderr and "demo" in result.stderr


def test_a_pipelines_own_token_is_used_as_is(sim: Simulator, tmp_path: Path) -> None:
    env = clean_env(M365EXIT_ACCESS_TOKEN=sim.issue_token(), M365EXIT_GRAPH_ENDPOINT=sim.graph_endpoint,
                    REQUESTS_CA_BUNDLE=str(sim.ca_path))
    result = run_cli("collect", "--out", str(tmp_path / "x.json"), "-w", "licensing", env=env)
    assert result.returncode == 0, result.stderr
    assert read(tmp_path / "x.json")["facts"]["licensing.skus"] == sim.truths["licensing.skus"]


def test_expired_pipeline_token_is_exit_3(sim: Simulator, tmp_path: Path) -> None:
    token = sim.issue_token(lifetime_s=-60)
    env = clean_env(M365EXIT_ACCESS_TOKEN=token, M365EXIT_GRAPH_ENDPOINT=sim.graph_endpoint,
                    REQUESTS_CA_BUNDLE=str(sim.ca_path))
    result = run_cli("collect", "--out", str(tmp_path / "x.json"), env=env)
    assert result.returncode == 3
    assert "expired" in result.stderr and token not in result.stderr + result.stdout


def test_unreachable_graph_is_exit_4(sim: Simulator, tmp_path: Path) -> None:
    env = clean_env(M365EXIT_ACCESS_TOKEN=sim.issue_token(), M365EXIT_GRAPH_ENDPOINT="https://127.0.0.1:9")
    result = run_cli("collect", "--out", str(tmp_path / "x.json"), env=env)
    assert result.returncode == 4, result.stderr
    assert "could not be reached" in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_unreachable_sign_in_is_exit_4(sim: Simulator, tmp_path: Path) -> None:
    env = clean_env(**{**sim.env(), "M365EXIT_AUTHORITY_HOST": "https://127.0.0.1:9"})
    result = run_cli("collect", "--out", str(tmp_path / "x.json"), env=env)
    assert result.returncode == 4, result.stderr
    assert "sign-in endpoint" in result.stderr


def test_secret_never_appears_with_debug(sim: Simulator, tmp_path: Path) -> None:
    result = run_cli("--debug", "collect", "--out", str(tmp_path / "x.json"), "-w", "licensing",
                     env=clean_env(**sim.env()))
    assert result.returncode == 0, result.stderr
    assert sim.client_secret not in result.stderr + result.stdout


@pytest.mark.parametrize("args, needle", [
    (["collect", "--out", "x.json", "--period", "D45"], "Unknown period"),
    (["collect", "--out", "x.json", "-w", "fax"], "Unknown workload"),
    (["assess", "s.json", "--lang", "de"], "does not exist"),
    (["collect", "--nope"], "No such option"),
])
def test_usage_errors(args: list[str], needle: str, tmp_path: Path, sim: Simulator) -> None:
    result = run_cli(*args, env=clean_env(**sim.env()), cwd=tmp_path)
    assert result.returncode in (2, 6)
    assert needle in result.stderr


def test_demo_writes_a_report_and_prints_its_path(tmp_path: Path) -> None:
    result = run_cli("demo", "--out", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    report = tmp_path / "demo" / "report.en.html"
    assert f"Report: {report}" in result.stdout.replace("\n", "")
    assert report.is_file() and (tmp_path / "demo" / "assessment.json").is_file()
    truths = generate_tenant("demo", 1).truths()
    facts = read(tmp_path / "demo" / "snapshot.json.gz")["facts"]
    assert all(facts[name] == truths[name] for name in declared_facts())


def test_demo_in_french(tmp_path: Path) -> None:
    result = run_cli("demo", "--out", str(tmp_path), "--lang", "fr")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "report.fr.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    assert "Préparation à la sortie de Microsoft 365" in html
