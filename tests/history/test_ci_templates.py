"""The CI templates of examples/ci/, played as a weekly job would play them: their own run:/script: lines,
executed with bash against the simulator (sign-in through workload identity federation, over HTTPS), with
the history carried from week to week as the artifact, the cache or PostgreSQL.

`uses:` steps are GitHub's own actions: the runner below does what they do (copy the history artifact in
and out); pip install lines are skipped because the package under test is already importable.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from m365exit.simulator import Simulator, SimulatorOptions
from m365exit.simulator.tokens import TOKEN_EXCHANGE_AUDIENCE, ExternalIssuer
from tests.conftest import clean_env

from .organisation import earlier_tenant, later_tenant

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "examples" / "ci"
GITHUB_SUBJECT = "repo:example-org/m365exit-weekly:ref:refs/heads/main"
GITLAB_SUBJECT = "project_path:example-group/m365exit-weekly:ref_type:branch:ref:main"
REQUEST_TOKEN = "runner-request-token"  # what GitHub gives the job to ask for its OIDC token


class _OidcHandler(http.server.BaseHTTPRequestHandler):
    """GitHub's ACTIONS_ID_TOKEN_REQUEST_URL: a JSON {"value": JWT} for the audience asked."""

    issuer: ExternalIssuer
    minted: list[str]

    def do_GET(self) -> None:
        audience = parse_qs(urlsplit(self.path).query).get("audience", [""])[0]
        if self.headers.get("Authorization") != f"bearer {REQUEST_TOKEN}":
            self.send_response(401)
            self.end_headers()
            return
        token = self.issuer.mint(GITHUB_SUBJECT, audience=audience)
        self.minted.append(token)
        body = json.dumps({"value": token}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@contextlib.contextmanager
def github_oidc(issuer: ExternalIssuer, minted: list[str]) -> Iterator[str]:
    handler = type("Handler", (_OidcHandler,), {"issuer": issuer, "minted": minted})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/token?api-version=2.0"
    finally:
        server.shutdown()
        server.server_close()


def shim(folder: Path) -> Path:
    """`m365exit` on PATH, as the console script of the installed wheel would be."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "m365exit"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m m365exit "$@"\n')
    script.chmod(0o755)
    return folder


def installs(line: str) -> bool:
    return bool(re.match(r"\s*(python3? -m )?pip install", line))


@contextlib.contextmanager
def week(tenant: Any, issuer: ExternalIssuer, subject: str, state: Path) -> Iterator[Simulator]:
    with Simulator(tenant, SimulatorOptions(empty_page_every=7), state_dir=state) as sim:
        sim.entra.add_federated_credential(issuer, subject)
        yield sim


def simulator_env(sim: Simulator, bin_dir: Path, **extra: str) -> dict[str, str]:
    """What the job sees beyond its own env: the simulator's endpoints and CA (no client secret)."""
    env = clean_env(M365EXIT_GRAPH_ENDPOINT=sim.graph_endpoint, M365EXIT_AUTHORITY_HOST=sim.authority_host,
                    REQUESTS_CA_BUNDLE=str(sim.ca_path), CI="true", PYTHONPATH=str(ROOT))
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env.update(extra)
    return env


# --- GitHub Actions -------------------------------------------------------------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*(vars|secrets)\.(\w+)(?:\s*\|\|\s*'([^']*)')?\s*\}\}")


def expand(value: str, context: dict[str, dict[str, str]]) -> str:
    def one(match: re.Match[str]) -> str:
        return context[match[1]].get(match[2]) or match[3] or ""

    expanded = EXPRESSION.sub(one, value)
    assert "${{" not in expanded, f"expression the test runner does not know: {value}"
    return expanded


@dataclass
class JobResult:
    failed_steps: dict[str, int] = field(default_factory=dict)
    summary: str = ""
    stderr: str = ""


def run_github_job(workflow: dict[str, Any], env: dict[str, str], context: dict[str, dict[str, str]],
                   workdir: Path, artifacts: Path) -> JobResult:
    job = workflow["jobs"]["assess"]
    if workdir.exists():
        shutil.rmtree(workdir)  # a fresh runner every week
    workdir.mkdir(parents=True)
    temp = workdir.parent / f"{workdir.name}-runner-temp"
    temp.mkdir(exist_ok=True)
    github_env, summary = temp / "github_env", temp / "step_summary"
    github_env.write_text("")
    summary.write_text("")
    env = {**env, **{k: expand(str(v), context) for k, v in job["env"].items()},
           "RUNNER_TEMP": str(temp), "GITHUB_ENV": str(github_env), "GITHUB_STEP_SUMMARY": str(summary)}
    result = JobResult()
    for step in job["steps"]:
        if result.failed_steps and step.get("if") != "always()":
            continue
        if "uses" in step:
            action, inputs = step["uses"].split("@")[0], step.get("with", {})
            if action == "dawidd6/action-download-artifact":
                source = artifacts / inputs["name"]
                if source.exists():
                    shutil.copytree(source, workdir / inputs["path"], dirs_exist_ok=True)
            elif action == "actions/upload-artifact":
                source = workdir / inputs["path"]
                if source.exists() and any(source.iterdir()):
                    shutil.rmtree(artifacts / inputs["name"], ignore_errors=True)
                    shutil.copytree(source, artifacts / inputs["name"])
            else:
                assert action == "actions/setup-python", f"unexpected action {action}"
            continue
        script = step["run"]
        assert "${{" not in script, "run: lines read the env, never ${{ }} (script injection)"
        if all(installs(line) for line in script.strip().splitlines()):
            continue
        for line in github_env.read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=workdir,
                              env=env, capture_output=True, text=True, timeout=300, check=False)
        result.stderr += done.stderr
        for line in github_env.read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        if done.returncode:
            result.failed_steps[step.get("name", script[:30])] = done.returncode
    result.summary = summary.read_text()
    return result


def github_weeks(tmp_path: Path, secrets: dict[str, str], max_drop: list[str],
                 minted: list[str] | None = None) -> list[JobResult]:
    workflow = yaml.safe_load((TEMPLATES / "github-actions.yml").read_text())
    issuer = ExternalIssuer()
    bin_dir = shim(tmp_path / "bin")
    results = []
    tenants = [earlier_tenant(), later_tenant(), later_tenant()]
    with github_oidc(issuer, minted if minted is not None else []) as token_url:
        for n, (tenant, drop) in enumerate(zip(tenants, max_drop, strict=False)):
            with week(tenant, issuer, GITHUB_SUBJECT, tmp_path / f"sim{n}") as sim:
                env = simulator_env(sim, bin_dir, ACTIONS_ID_TOKEN_REQUEST_URL=token_url,
                                    ACTIONS_ID_TOKEN_REQUEST_TOKEN=REQUEST_TOKEN)
                context = {"vars": {"AZURE_TENANT_ID": sim.tenant_id, "AZURE_CLIENT_ID": sim.client_id,
                                    "M365EXIT_MAX_DROP": drop}, "secrets": secrets}
                results.append(run_github_job(workflow, env, context, tmp_path / "work", tmp_path / "artifacts"))
    return results


def mailbox_line() -> str:
    """The summary's line, from the simulator's truths of both tenants."""
    before, after = (t.truths()["exchange.mailboxes"] for t in (earlier_tenant(), later_tenant()))
    return f"- Mailboxes: {before} → {after} (−{before - after})"


def test_the_workflow_is_scheduled_and_federated() -> None:
    workflow = yaml.safe_load((TEMPLATES / "github-actions.yml").read_text())
    assert workflow[True]["schedule"][0]["cron"]  # YAML 1.1 reads the key `on` as True
    assert workflow["permissions"]["id-token"] == "write"
    text = (TEMPLATES / "github-actions.yml").read_text()
    assert "AZURE_CLIENT_SECRET" not in text and "client_secret" not in text.lower()
    assert f"audience={TOKEN_EXCHANGE_AUDIENCE}" in text


def test_github_weekly_job_with_the_history_as_artifact(tmp_path: Path) -> None:
    minted: list[str] = []
    first, second, third = github_weeks(tmp_path, secrets={}, max_drop=["", "0", ""], minted=minted)
    assert first.failed_steps == {}, first.stderr
    assert "Overall readiness" in first.summary and "Since last run" not in first.summary
    # Three months later the score fell by a point: over a line of 0 points, the job fails, with the reason;
    # the summary, the report and the history are still published.
    assert list(second.failed_steps.values()) == [7], second.stderr
    assert "overall readiness fell from" in second.stderr
    assert "## Since last run" in second.summary and mailbox_line() in second.summary
    assert (tmp_path / "artifacts" / "m365exit-report" / "report.en.html").is_file()
    # The next week, with the default line (5 points), the same state passes; the history kept all runs.
    assert third.failed_steps == {}, third.stderr
    assert "Since last run" in third.summary
    listed = subprocess.run([sys.executable, "-m", "m365exit", "--json", "history", "list", "--history",
                             str(tmp_path / "artifacts" / "m365exit-history" / "m365exit.sqlite")],
                            capture_output=True, text=True, env=clean_env(PYTHONPATH=str(ROOT)), check=True)
    assert len(json.loads(listed.stdout)["runs"]) == 3
    # Neither the history nor the published files hold the OIDC tokens the job signed in with.
    assert len(minted) == 3
    published = [p.read_bytes() for p in (tmp_path / "artifacts").rglob("*") if p.is_file()]
    assert published and not any(token.encode() in blob or REQUEST_TOKEN.encode() in blob
                                 for token in minted for blob in published)


@pytest.mark.postgres
def test_github_weekly_job_with_the_history_in_postgresql(tmp_path: Path, postgres_url: str) -> None:
    first, second = github_weeks(tmp_path, secrets={"M365EXIT_HISTORY_URL": postgres_url}, max_drop=["", ""])
    assert first.failed_steps == {} and second.failed_steps == {}, second.stderr
    assert mailbox_line() in second.summary
    assert not (tmp_path / "artifacts" / "m365exit-history").exists()  # nothing to carry: the server keeps it
    from m365exit.history import open_store

    with open_store(postgres_url) as store:
        assert len(store.runs()) == 2


# --- GitLab CI -----------------------------------------------------------------------------------------------

def run_gitlab_job(job: dict[str, Any], env: dict[str, str], workdir: Path, cache: Path) -> tuple[int, str]:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    for path in job["cache"]["paths"]:  # the runner restores the cache
        if (cache / path).exists():
            shutil.copytree(cache / path, workdir / path)
    env = {**env, **{k: str(v) for k, v in job["variables"].items() if k not in env}, "CI_PROJECT_DIR": str(workdir)}

    def shell(lines: list[str]) -> subprocess.CompletedProcess[str]:
        script = "\n".join(line for line in lines if not installs(line))
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=workdir,
                              env=env, capture_output=True, text=True, timeout=300, check=False)

    main = shell(job["before_script"] + job["script"])
    after = shell(job["after_script"])
    for path in job["cache"]["paths"]:  # cache: when: always
        if (workdir / path).exists():
            shutil.rmtree(cache / path, ignore_errors=True)
            shutil.copytree(workdir / path, cache / path)
    assert not (workdir / ".oidc").exists()  # the token file does not outlive the job
    return main.returncode, main.stderr + after.stdout


def test_gitlab_weekly_job(tmp_path: Path) -> None:
    job = yaml.safe_load((TEMPLATES / "gitlab-ci.yml").read_text())["m365exit"]
    assert job["id_tokens"]["AZURE_FEDERATED_TOKEN"]["aud"] == TOKEN_EXCHANGE_AUDIENCE
    issuer = ExternalIssuer("https://gitlab.com")
    bin_dir = shim(tmp_path / "bin")
    outcomes = []
    for n, (tenant, drop) in enumerate([(earlier_tenant(), None), (later_tenant(), "0")]):
        with week(tenant, issuer, GITLAB_SUBJECT, tmp_path / f"sim{n}") as sim:
            env = simulator_env(sim, bin_dir, AZURE_TENANT_ID=sim.tenant_id, AZURE_CLIENT_ID=sim.client_id,
                                AZURE_FEDERATED_TOKEN=issuer.mint(GITLAB_SUBJECT), CI_PIPELINE_SOURCE="schedule")
            if drop is not None:  # a CI/CD variable overrides the job's
                env["M365EXIT_MAX_DROP"] = drop
            outcomes.append(run_gitlab_job(job, env, tmp_path / "work", tmp_path / "cache"))
            report = tmp_path / "work" / "report"
            assert (report / "report.en.html").is_file() and (report / "summary.en.md").is_file()
    (code1, log1), (code2, log2) = outcomes
    assert code1 == 0, log1
    assert code2 == 7 and "overall readiness fell from" in log2
    assert "## Since last run" in log2  # after_script prints the summary into the job log
