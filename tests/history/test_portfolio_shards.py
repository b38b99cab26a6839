"""A portfolio spread over an existing scheduler: the commands of examples/portfolio/ run as its jobs would run
them, with 3 shards against 3 simulator tenants and one real PostgreSQL history, then the cross-tenant report.

The GitHub Actions matrix and the Kubernetes Indexed Job are read from the files a user copies; each job's
shell lines run with the environment the scheduler would give it (matrix value, JOB_COMPLETION_INDEX, secrets).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant
from tests.conftest import clean_env
from tests.history.conftest import postgres_url  # noqa: F401  (fixture)
from tests.history.test_ci_templates import shim

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "portfolio"
IDS = ["agence-a", "agence-b", "agence-c"]


@pytest.fixture(scope="module")
def tenants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Simulator]]:
    sims = [Simulator(generate_tenant("s", seed), SimulatorOptions(empty_page_every=5),
                      state_dir=tmp_path_factory.mktemp(f"shard-sim{seed}")) for seed in (11, 12, 13)]
    for sim in sims:
        sim.start()
    yield sims
    for sim in sims:
        sim.stop()


def portfolio_for(sims: list[Simulator], folder: Path) -> tuple[Path, dict[str, str]]:
    """The example's portfolio, pointed at the simulators: same ids and secret names, their endpoints."""
    example = yaml.safe_load((EXAMPLES / "portfolio.yaml").read_text())
    secrets: dict[str, str] = {}
    for entry, sim in zip(example["tenants"], sims, strict=True):
        entry.update(tenant=sim.tenant_id, client_id=sim.client_id, graph_endpoint=sim.graph_endpoint,
                     authority_host=sim.authority_host)
        secrets[entry["client_secret_env"]] = sim.client_secret
    assert [t["id"] for t in example["tenants"]] == IDS
    path = folder / "portfolio.yaml"
    path.write_text(yaml.safe_dump(example, sort_keys=False))
    bundle = folder / "cas.pem"
    bundle.write_text("".join(Path(sim.ca_path).read_text() for sim in sims))
    return path, {**secrets, "REQUESTS_CA_BUNDLE": str(bundle)}


def job_env(folder: Path, **extra: str) -> dict[str, str]:
    bin_dir = shim(folder / "bin")  # `m365exit` on PATH, as the installed console script
    env = clean_env(PYTHONPATH=str(ROOT), **extra)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    return env


def sh(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          check=False)


EXPRESSION = re.compile(r"\$\{\{\s*(matrix|secrets|vars)\.([\w-]+)(?:\s*\|\|\s*'([^']*)')?\s*\}\}")


def expand(value: Any, context: dict[str, dict[str, str]]) -> str:
    text = EXPRESSION.sub(lambda m: context[m[1]].get(m[2]) or m[3] or "", str(value))
    assert "${{" not in text, f"an expression the test does not know: {value}"
    return text


def github_steps(job: dict[str, Any]) -> list[str]:
    scripts = [step["run"] for step in job["steps"] if "run" in step]
    for script in scripts:
        assert "${{" not in script, "run: lines read the env, never ${{ }} (script injection)"
    return [s for s in scripts if not re.match(r"\s*python -m pip install", s)]


def assert_report_lists_each_tenant_once(out: Path, sims: list[Simulator]) -> None:
    document = json.loads((out / "portfolio.json").read_text())
    assert [t["id"] for t in document["tenants"]] == IDS  # every tenant, once
    assert document["counts"] == {"ok": 3, "incomplete": 0, "failed": 0, "missing": 0}
    assert {t["tenant_id"] for t in document["tenants"]} == {sim.tenant_id for sim in sims}
    html = next(out.glob("portfolio.*.html")).read_text()
    for tenant_id in IDS:
        assert html.count(f'id="t-{tenant_id}"') == 1


@pytest.mark.postgres
def test_github_matrix_shards_into_one_postgresql_then_the_report(tenants: list[Simulator], tmp_path: Path,
                                                                  postgres_url: str) -> None:  # noqa: F811
    workflow = yaml.safe_load((EXAMPLES / "github-matrix.yml").read_text())
    shards = workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(workflow["env"]["SHARDS"]) + 1))
    workdir = tmp_path / "repo"
    workdir.mkdir()
    _, secrets = portfolio_for(tenants, workdir)
    context = {"secrets": {**secrets, "M365EXIT_HISTORY_URL": postgres_url}, "vars": {}}
    seen: list[str] = []
    for shard in shards:  # each matrix job on its own runner
        context["matrix"] = {"shard": str(shard)}
        env = job_env(tmp_path, REQUESTS_CA_BUNDLE=secrets["REQUESTS_CA_BUNDLE"],
                      **{k: expand(v, context) for k, v in {**workflow["env"],
                                                           **workflow["jobs"]["shard"]["env"]}.items()})
        for script in github_steps(workflow["jobs"]["shard"]):
            done = sh(script, env, workdir)
            assert done.returncode == 0, done.stderr
        shard_doc = json.loads((workdir / "out" / f"shard-{shard}" / "portfolio.json").read_text())
        seen += [t["id"] for t in shard_doc["tenants"]]
    assert sorted(seen) == IDS  # the shards split the portfolio, each tenant in exactly one
    env = job_env(tmp_path, **{k: expand(v, context) for k, v in workflow["env"].items()})
    for script in github_steps(workflow["jobs"]["report"]):
        done = sh(script, env, workdir)
        assert done.returncode == 0, done.stderr
    assert_report_lists_each_tenant_once(workdir / "portfolio-report", tenants)


@pytest.mark.postgres
def test_kubernetes_indexed_job_shards_then_the_report(tenants: list[Simulator], tmp_path: Path,
                                                      postgres_url: str) -> None:  # noqa: F811
    job, report_job = yaml.safe_load_all((EXAMPLES / "k8s-indexed-job.yaml").read_text())
    spec = job["spec"]
    container = spec["template"]["spec"]["containers"][0]
    env_list = {e["name"]: e["value"] for e in container["env"]}
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == spec["parallelism"] == int(env_list["SHARDS"])
    config = tmp_path / "config"
    config.mkdir()
    portfolio, secrets = portfolio_for(tenants, config)
    # What the pod gets: its env, the Secret (envFrom), the ConfigMap at PORTFOLIO_FILE, a work volume.
    base = {**env_list, **secrets, "M365EXIT_HISTORY": postgres_url, "PORTFOLIO_FILE": str(portfolio),
            "OUT_DIR": str(tmp_path / "work" / "out")}
    script = " ".join(container["args"])
    assert container["command"] == ["/bin/sh", "-c"]
    for index in range(spec["completions"]):  # Kubernetes sets JOB_COMPLETION_INDEX in each pod
        done = sh(script, job_env(tmp_path, **base, JOB_COMPLETION_INDEX=str(index)), tmp_path)
        assert done.returncode == 0, done.stderr
    report = report_job["spec"]["template"]["spec"]["containers"][0]
    done = sh(" ".join(report["args"]), job_env(tmp_path, **base), tmp_path)
    assert done.returncode == 0, done.stderr
    assert_report_lists_each_tenant_once(tmp_path / "work" / "out" / "portfolio", tenants)
