"""A consultant's portfolio, end to end: three simulator processes, each with its own CA, one wrong secret.

The CLI runs as a process against them over HTTPS through real MSAL; the CAs are trusted through one
REQUESTS_CA_BUNDLE, as a consultant's machine would trust its clients' proxies.
"""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from m365exit.portfolio import spec, summary
from tests.conftest import clean_env, run_cli
from tests.test_console import run_in_terminal


@dataclass
class Served:
    env: dict[str, str]
    state: Path
    process: subprocess.Popen[str]

    @property
    def truths(self) -> dict[str, object]:
        data: dict[str, object] = json.loads((self.state / "truths.json").read_text())["facts"]
        return data

    def requests(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = json.loads((self.state / "requests.json").read_text())
        return rows


def serve(state: Path, seed: int, latency_ms: int = 20, extra: tuple[str, ...] = ()) -> Served:
    process = subprocess.Popen(
        [sys.executable, "-m", "m365exit", "simulator", "serve", "--size", "s", "--seed", str(seed),
         "--state-dir", str(state), "--latency-ms", str(latency_ms), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
    assert process.stdout is not None
    env: dict[str, str] = {}
    for line in process.stdout:
        if line.startswith("export "):
            name, value = line[7:].rstrip("\n").split("=", 1)
            env[name] = shlex.split(value)[0]
        elif line.startswith("#"):
            break
    assert "AZURE_CLIENT_SECRET" in env, process.stderr.read() if process.stderr else ""
    return Served(env, state, process)


def stop(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    served.process.wait(timeout=30)


@pytest.fixture
def three(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Served]]:
    root = tmp_path_factory.mktemp("portfolio-sims")
    sims = [serve(root / f"sim{seed}", seed) for seed in (1, 2, 3)]
    yield sims
    for s in sims:
        if s.process.poll() is None:
            stop(s)


def write_portfolio(folder: Path, sims: list[Served], bad: int | None = None) -> tuple[Path, dict[str, str]]:
    """The file a consultant keeps in git (no secret), and the variables the job provides."""
    lines = ["defaults:", "  lang: fr", "tenants:"]
    env: dict[str, str] = {}
    for n, s in enumerate(sims, start=1):
        lines += [f"  - id: client-{n}", f"    name: Client {n}", f"    tenant: {s.env['AZURE_TENANT_ID']}",
                  f"    client_id: {s.env['AZURE_CLIENT_ID']}", f"    client_secret_env: CLIENT_{n}_SECRET",
                  f"    graph_endpoint: {s.env['M365EXIT_GRAPH_ENDPOINT']}",
                  f"    authority_host: {s.env['M365EXIT_AUTHORITY_HOST']}"]
        env[f"CLIENT_{n}_SECRET"] = "sim~not-the-secret" if n == bad else s.env["AZURE_CLIENT_SECRET"]
    path = folder / "portfolio.yaml"
    path.write_text("\n".join(lines) + "\n")
    bundle = folder / "cas.pem"
    bundle.write_text("".join(Path(s.env["REQUESTS_CA_BUNDLE"]).read_text() for s in sims))
    env["REQUESTS_CA_BUNDLE"] = str(bundle)
    return path, env


def test_portfolio_of_three_with_one_wrong_secret(three: list[Served], tmp_path: Path) -> None:
    path, env = write_portfolio(tmp_path, three, bad=2)
    out = tmp_path / "out"
    result = run_cli("--json", "portfolio", "run", str(path), "--out", str(out), "--concurrency", "3", "--lang", "fr",
                     env=clean_env(**env))
    assert result.returncode == 9, result.stderr
    assert "client-2" in result.stderr and "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, summary.json_schema())
    assert json.loads((out / "portfolio.json").read_text()) == document
    rows = {t["id"]: t for t in document["tenants"]}
    assert sorted(rows) == ["client-1", "client-2", "client-3"]
    assert rows["client-2"]["status"] == "failed" and "secret" in rows["client-2"]["error"]
    assert document["counts"] == {"ok": 2, "incomplete": 0, "failed": 1, "missing": 0}
    for n in (1, 3):
        facts = json.loads(_gunzip(out / f"client-{n}" / "snapshot.json.gz"))["facts"]
        truths = three[n - 1].truths
        assert {k: facts.get(k) for k in truths} == truths  # each good tenant, exactly
        assert (out / f"client-{n}" / "report.fr.html").is_file()
        assert rows[f"client-{n}"]["report"] == f"client-{n}/report.fr.html"
    assert not (out / "client-2" / "snapshot.json.gz").exists()
    html = (out / "portfolio.fr.html").read_text()
    for n in (1, 2, 3):
        assert f"Client {n}" in html
    assert "Portefeuille" in html and "en échec" in html

    # The collections overlapped: each simulator saw requests while the others were being served.
    for s in three:
        stop(s)
    spans = []
    for s in (three[0], three[2]):
        times = [float(str(r["time"])) for r in s.requests() if r["origin"] == "graph"]
        spans.append((min(times), max(times)))
    assert spans[0][0] < spans[1][1] and spans[1][0] < spans[0][1], spans

    # No secret or token of any tenant in any file written.
    secrets = [s.env["AZURE_CLIENT_SECRET"] for s in three] + ["sim~not-the-secret"]
    for file in out.rglob("*"):
        if file.is_file():
            text = _gunzip(file) if file.suffix == ".gz" else file.read_text(errors="replace")
            assert not any(secret in text for secret in secrets), file
            assert "eyJ" not in text, file  # no JWT


def _gunzip(path: Path) -> str:
    import gzip

    return gzip.decompress(path.read_bytes()).decode()


def test_one_line_per_tenant_on_a_terminal_and_silence_on_a_pipe(three: list[Served], tmp_path: Path) -> None:
    path, env = write_portfolio(tmp_path, three)
    code, screen = run_in_terminal("portfolio", "run", str(path), "--out", str(tmp_path / "tty"), cwd=tmp_path,
                                   **env)
    assert code == 0, screen
    assert all(f"client-{n}" in screen for n in (1, 2, 3)) and "━" in screen
    piped = run_cli("portfolio", "run", str(path), "--out", str(tmp_path / "pipe"), env=clean_env(**env))
    assert piped.returncode == 0, piped.stderr
    assert "━" not in piped.stderr and "signing in" not in piped.stderr
    assert piped.stdout.startswith("Portfolio report:")


# --- the file: strict, and never a secret -------------------------------------------------------------------


@pytest.mark.parametrize("body, code, needles", [
    ("tenants:\n  - id: a\n    tenant: t\n    client_id: c\n    client_secret: hunter2\n", 5,
     ["portfolio.yaml:5", "client_secret", "client_secret_env"]),
    ("tenants:\n  - id: a\n    tenant: t\n    client_id: c\n    access_token: eyJhbGciOi\n", 5,
     ["portfolio.yaml:5", "access_token_env"]),
    ("tenants:\n  - id: a\n    tenant: t\n    client_id: c\n    certificate_path: c.pem\n    certificate_password: x\n",
     5, ["portfolio.yaml:6", "certificate_password_env"]),
    ("tenants:\n  - id: a\n    tenant: t\n    client_id: c\n    client_secret_env: X\n    colour: red\n", 5,
     ["portfolio.yaml:6", "unknown key 'colour'"]),
    ("tenants:\n  - id: a\n    tenant: t\n    client_id: c\n    client_secret_env: X\n"
     "  - id: A\n    tenant: u\n    client_id: d\n    client_secret_env: Y\n", 5, ["portfolio.yaml:6", "used twice"]),
    ("tenants:\n  - id: a\n    tenant: t\n    client_id: c\n", 5, ["portfolio.yaml:2", "exactly one credential"]),
    ("tenants:\n  - id: a\n    tenant: t\n    client_id: c\n    client_secret_env: X\n    access_token_env: Y\n", 5,
     ["exactly one credential", "client_secret_env and access_token_env"]),
    ("tenants:\n  - id: ../../etc\n    tenant: t\n    client_id: c\n    client_secret_env: X\n", 5,
     ["portfolio.yaml:2", "cannot name a folder"]),
    ("tenants:\n  - id: a\n    tenant: t\n    client_id: c\n    client_secret_env: NOT_SET_ANYWHERE\n", 5,
     ["portfolio.yaml:2", "NOT_SET_ANYWHERE", "not set"]),
    ("tenants: [\n", 5, ["portfolio.yaml", "invalid YAML"]),
    ("x: &a [1]\ntenants: *a\n", 5, ["portfolio.yaml:1", "aliases"]),
])
def test_malformed_or_secret_bearing_files_are_refused(tmp_path: Path, body: str, code: int,
                                                       needles: list[str]) -> None:
    path = tmp_path / "portfolio.yaml"
    path.write_text(body)
    out = tmp_path / "out"
    result = run_cli("portfolio", "run", str(path), "--out", str(out), cwd=tmp_path,
                     env=clean_env(X="x", Y="y"))
    assert result.returncode == code, result.stderr
    assert result.stderr.count("error:") == 1 and "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert "hunter2" not in result.stderr
    assert not out.exists()  # refused before anything was written


def test_shards_cover_every_tenant_exactly_once(tmp_path: Path) -> None:
    lines = ["tenants:"]
    for n in range(60):
        lines += [f"  - id: school-{n:03}", f"    tenant: t{n}", "    client_id: c", "    access_token_env: TOKEN"]
    path = tmp_path / "p.yaml"
    path.write_text("\n".join(lines) + "\n")
    loaded = spec.load(path)
    for count in (1, 2, 3, 7):
        shards = [loaded.shard(k, count) for k in range(1, count + 1)]
        ids = [t.id for shard in shards for t in shard]
        assert sorted(ids) == sorted(t.id for t in loaded.tenants)  # each once
        if count > 1:
            assert all(shards), count  # 60 ids spread over every shard
    assert spec.parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "x", "1/0"):
        with pytest.raises(Exception, match="K/N"):
            spec.parse_shard(bad)


def test_published_schema_is_current() -> None:
    published = Path(__file__).resolve().parents[1] / "docs" / "portfolio.schema.json"
    assert json.loads(published.read_text()) == summary.json_schema(), (
        "docs/portfolio.schema.json is stale: run 'python -m m365exit.portfolio.summary > docs/portfolio.schema.json'")



def test_an_interrupted_portfolio_stops_its_workers_and_resumes(tmp_path_factory: pytest.TempPathFactory,
                                                              tmp_path: Path) -> None:
    """Ctrl-C while worker processes collect: exit 130, no worker left running, and the same command finishes."""
    root = tmp_path_factory.mktemp("slow-sims")
    sims = [serve(root / f"sim{seed}", seed, latency_ms=150) for seed in (1, 2, 3)]
    try:
        path, env = write_portfolio(tmp_path, sims)
        out = tmp_path / "interrupted"
        command = [sys.executable, "-m", "m365exit", "portfolio", "run", str(path), "--out", str(out),
                   "--concurrency", "3", "--processes", "2"]
        process = subprocess.Popen(command, env=clean_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        deadline = time.monotonic() + 60
        while not list(out.glob("*/snapshot.json.gz.checkpoint")) and time.monotonic() < deadline:
            time.sleep(0.05)  # a source has finished somewhere: the workers are busy
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        assert "Traceback" not in stderr
        assert not _running(str(out)), "a worker process outlived the interrupt"
        assert list(out.glob("*/snapshot.json.gz.checkpoint"))  # what was collected is kept

        again = run_cli("portfolio", "run", str(path), "--out", str(out), "--concurrency", "3", env=clean_env(**env))
        assert again.returncode == 0, again.stderr
        for n, s in enumerate(sims, start=1):
            facts = json.loads(_gunzip(out / f"client-{n}" / "snapshot.json.gz"))["facts"]
            assert {k: facts.get(k) for k in s.truths} == s.truths
        assert not list(out.glob("*/snapshot.json.gz.checkpoint"))
    finally:
        for s in sims:
            stop(s)


def _running(marker: str) -> list[int]:
    """Processes whose command line holds `marker` (forked workers share their parent's)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found
