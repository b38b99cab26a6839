"""No secret anywhere: every sign-in mode, with --debug, successes and failures, then every byte the runs left.

The runs write into one folder that is also their HOME, so whatever m365exit writes by default lands there
too. Afterwards the output, logs, snapshots, reports, checkpoints and caches are searched for the client
secret, the certificate's private key and password, the federated assertion, the managed identity's header
and every token the simulator issued. Only the token cache may hold tokens, and it must be mode 0600.
"""

from __future__ import annotations

import gzip
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from m365exit.simulator import Simulator
from m365exit.simulator.tokens import ExternalIssuer, make_client_certificate
from tests.conftest import clean_env, run_cli

SUBJECT = "repo:acme/m365-audit:ref:refs/heads/main"
WORKLOADS = ("-w", "licensing", "-w", "identity")


@pytest.fixture(scope="module")
def ssim(demo_tenant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:  # type: ignore[no-untyped-def]
    with Simulator(demo_tenant, state_dir=tmp_path_factory.mktemp("secretsim")) as s:
        yield s


def _env(sim: Simulator, home: Path, **extra: str) -> dict[str, str]:
    return clean_env(HOME=str(home), AZURE_TENANT_ID=sim.tenant_id, AZURE_CLIENT_ID=sim.client_id,
                     M365EXIT_GRAPH_ENDPOINT=sim.graph_endpoint, M365EXIT_AUTHORITY_HOST=sim.authority_host,
                     REQUESTS_CA_BUNDLE=str(sim.ca_path), **extra)


def _device_code(sim: Simulator, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run with --device-code and approve the code it shows, as the person would."""
    proc = subprocess.Popen([sys.executable, "-m", "m365exit", *args, "--device-code"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if "enter the code" in line:
            assert sim.entra.approve_device_code(line.split("enter the code", 1)[1].split()[0])
            break
    out, rest = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "".join(lines) + rest)


def test_no_secret_or_token_in_any_output_or_file(ssim: Simulator, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    work = home / "work"
    secrets: list[str] = [ssim.client_secret, "Wr0ng~secret~value~4711"]
    runs: list[tuple[str, subprocess.CompletedProcess[str], int]] = []

    def run(label: str, expect: int, *args: str, **env: str) -> None:
        result = run_cli("--debug", *args, env=_env(ssim, home, **env), cwd=home)
        runs.append((label, result, expect))

    # Client secret: a full run, then a wrong secret.
    run("secret", 0, "run", "--out", str(work / "secret"), *WORKLOADS, AZURE_CLIENT_SECRET=ssim.client_secret)
    run("wrong secret", 3, "doctor", AZURE_CLIENT_SECRET=secrets[1])

    # Certificate with a password: a collection, then the wrong password.
    cert = make_client_certificate(home / "certs", password="Cert-pass-0815")
    ssim.entra.register_certificate(cert.public_pem)
    key_pem = serialization.load_pem_private_key(cert.path.read_bytes(), cert.password.encode()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    encrypted_pem = cert.path.read_text().split("-----END ENCRYPTED PRIVATE KEY-----")[0]
    secrets += [cert.password, *_pem_lines(key_pem), *_pem_lines(encrypted_pem)]
    run("certificate", 0, "collect", "--out", str(work / "cert.json.gz"), *WORKLOADS,
        AZURE_CLIENT_CERTIFICATE_PATH=str(cert.path), AZURE_CLIENT_CERTIFICATE_PASSWORD=cert.password)
    run("certificate, wrong password", 3, "doctor",
        AZURE_CLIENT_CERTIFICATE_PATH=str(cert.path), AZURE_CLIENT_CERTIFICATE_PASSWORD="not-the-password")

    # Workload identity federation: good and mismatched assertions.
    issuer = ExternalIssuer()
    ssim.entra.add_federated_credential(issuer, SUBJECT)
    token_file = home / "oidc-token"
    good, bad = issuer.mint(SUBJECT), issuer.mint("repo:acme/m365-audit:pull_request")
    secrets += [good, bad]
    token_file.write_text(good)
    run("federated", 0, "collect", "--out", str(work / "fed.json"), *WORKLOADS,
        AZURE_FEDERATED_TOKEN_FILE=str(token_file))
    bad_file = home / "oidc-bad"
    bad_file.write_text(bad)
    run("federated, wrong subject", 3, "doctor", AZURE_FEDERATED_TOKEN_FILE=str(bad_file))

    # A bearer token a pipeline already holds.
    held = ssim.entra.sign(ssim.entra.app_claims(ssim.entra.roles, 3600))
    run("access token", 0, "collect", "--out", str(work / "token.json"), *WORKLOADS, M365EXIT_ACCESS_TOKEN=held)
    run("access token, garbage", 3, "doctor", M365EXIT_ACCESS_TOKEN="not.a.jwt-but-secret-9931")
    secrets.append("not.a.jwt-but-secret-9931")

    # Managed identity (App Service): its header is a secret of the host.
    ssim.entra.add_managed_identity(system=True)
    mi = ssim.entra.managed_identity_env()
    secrets += [v for k, v in mi.items() if "HEADER" in k]
    mi_env = clean_env(HOME=str(home), M365EXIT_GRAPH_ENDPOINT=ssim.graph_endpoint,
                       REQUESTS_CA_BUNDLE=str(ssim.ca_path), **mi)
    result = run_cli("--debug", "collect", "--managed-identity", "--out", str(work / "mi.json"), *WORKLOADS,
                     env=mi_env, cwd=home)
    runs.append(("managed identity", result, 0))

    # Device code, with its persisted cache: the one file allowed to hold tokens.
    cache = home / "cache" / "msal.json"
    device_env = _env(ssim, home, M365EXIT_TOKEN_CACHE=str(cache))
    runs.append(("device code", _device_code(ssim, device_env, "--debug", "collect", "--out",
                                             str(work / "dc.json"), *WORKLOADS), 0))

    for label, result, expect in runs:
        assert result.returncode == expect, (label, result.stderr[-2000:])
    tokens = list(ssim.entra.issued)
    assert len(tokens) >= 6  # each successful sign-in was issued at least one token
    needles = [s for s in secrets if s] + tokens + [t.rsplit(".", 1)[-1] for t in tokens if t.count(".") == 2]

    for label, result, _ in runs:
        for needle in needles:
            assert needle not in result.stdout + result.stderr, f"{label}: a secret or token in the output"
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".json.gz") for p in files) and any(p.suffix == ".html" for p in files)
    assert cache.is_file() and stat.S_IMODE(cache.stat().st_mode) == 0o600
    allowed = {cache, cert.path, token_file, bad_file}  # the inputs we wrote ourselves, and the token cache
    for path in files:
        if path in allowed:
            continue
        text = _text_of(path)
        for needle in needles:
            assert needle not in text, f"{path.relative_to(home)} holds a secret or token"


def _pem_lines(pem: str) -> list[str]:
    """Each base64 line of a PEM body: a leak of any part of the key is a leak."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----") and len(line) >= 40]


def _text_of(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace")
