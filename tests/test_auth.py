"""Every sign-in mode, end to end: the CLI as a process, real MSAL, the simulator's Entra side checking what it gets.

The simulator verifies certificate assertions (signature, thumbprint, audience, lifetime), federated tokens
(issuer, subject, audience, signature), runs the device-code grant and an App Service managed identity endpoint.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from m365exit import auth
from m365exit.auth import AuthSettings, redact, register_secret
from m365exit.errors import UsageError
from m365exit.simulator import Simulator, SimulatorOptions
from m365exit.simulator.tokens import ExternalIssuer, make_client_certificate
from tests.conftest import clean_env, run_cli

SUBJECT = "repo:acme/m365-audit:ref:refs/heads/main"


# --- settings: clouds, overrides, order, repr ---------------------------------------------------------------


@pytest.mark.parametrize("cloud, graph, authority", [
    ("global", "https://graph.microsoft.com", "https://login.microsoftonline.com"),
    ("usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us"),
    ("usgov-dod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
    ("china", "https://microsoftgraph.chinacloudapi.cn", "https://login.partner.microsoftonline.cn"),
])
def test_each_cloud_has_its_hosts_and_scope(cloud: str, graph: str, authority: str) -> None:
    for settings in (AuthSettings.from_env({"M365EXIT_CLOUD": cloud, "AZURE_TENANT_ID": "t"}),
                     AuthSettings.from_env({}, cloud=cloud, tenant_id="t")):
        assert settings.cloud == cloud
        assert settings.graph_endpoint == graph
        assert settings.authority_host == authority
        assert settings.scope == f"{graph}/.default"
        assert settings.authority == f"{authority}/t"
        assert settings.is_microsoft_authority


def test_explicit_endpoints_win_over_the_cloud() -> None:
    env = {"M365EXIT_CLOUD": "usgov", "M365EXIT_GRAPH_ENDPOINT": "https://graph.example.org/",
           "AZURE_AUTHORITY_HOST": "https://login.example.org"}
    s = AuthSettings.from_env(env)
    assert (s.graph_endpoint, s.authority_host, s.scope) == (
        "https://graph.example.org", "https://login.example.org", "https://graph.example.org/.default")
    assert not s.is_microsoft_authority
    # M365EXIT_AUTHORITY_HOST beats AZURE_AUTHORITY_HOST; flags beat both
    s = AuthSettings.from_env({**env, "M365EXIT_AUTHORITY_HOST": "https://sts.example.net"})
    assert s.authority_host == "https://sts.example.net"
    s = AuthSettings.from_env(env, cloud="china", authority_host="https://login.partner.microsoftonline.cn",
                              graph_endpoint="https://microsoftgraph.chinacloudapi.cn")
    assert s.cloud == "china" and s.is_microsoft_authority and s.scope.startswith("https://microsoftgraph.")


@pytest.mark.parametrize("env, needle", [
    ({"M365EXIT_CLOUD": "mars"}, "Unknown cloud"),
    ({"M365EXIT_GRAPH_ENDPOINT": "https://graph.microsoft.us/v1.0"}, "root URL"),
    ({"M365EXIT_AUTHORITY_HOST": "login.microsoftonline.us"}, "root URL"),
])
def test_bad_cloud_settings_are_usage_errors(env: dict[str, str], needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        AuthSettings.from_env(env)


def test_instance_discovery_only_for_microsoft_authorities(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class FakeApp:  # MSAL's constructor would go to the network: capture its arguments instead
        def __init__(self, client_id: str, **kwargs: Any) -> None:
            seen.update(kwargs)

    monkeypatch.setattr(auth.msal, "ConfidentialClientApplication", FakeApp)
    base = {"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s3cret-value"}
    for env, discovery in (({}, True), ({"M365EXIT_CLOUD": "usgov"}, True),
                           ({"M365EXIT_AUTHORITY_HOST": "https://adfs.example.org"}, False)):
        auth.token_provider(AuthSettings.from_env({**base, **env}), transport=object())  # type: ignore[arg-type]
        assert seen["instance_discovery"] is discovery
        assert seen["authority"].endswith("/t") and seen["http_client"] is not None


def test_mode_order_follows_design() -> None:
    full = {"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s",
            "AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem", "AZURE_FEDERATED_TOKEN_FILE": "/t", "M365EXIT_ACCESS_TOKEN": "x"}
    assert AuthSettings.from_env(full).mode == "access-token"
    del full["M365EXIT_ACCESS_TOKEN"]
    assert AuthSettings.from_env(full, managed_identity=True).mode == "managed-identity"
    assert AuthSettings.from_env(full, device_code=True).mode == "device-code"
    assert AuthSettings.from_env(full).mode == "client-secret"
    del full["AZURE_CLIENT_SECRET"]
    assert AuthSettings.from_env(full).mode == "certificate"
    del full["AZURE_CLIENT_CERTIFICATE_PATH"]
    assert AuthSettings.from_env(full).mode == "federated"
    del full["AZURE_FEDERATED_TOKEN_FILE"]
    assert AuthSettings.from_env(full).mode == "none"


def test_repr_and_redact_hide_secrets() -> None:
    s = AuthSettings.from_env({"AZURE_CLIENT_SECRET": "Sec~ret-1234", "AZURE_CLIENT_CERTIFICATE_PASSWORD": "pw-5678",
                               "M365EXIT_ACCESS_TOKEN": "opaque-token-9012"})
    shown = repr(s) + str(s)
    for secret in ("Sec~ret-1234", "pw-5678", "opaque-token-9012"):
        assert secret not in shown
        assert secret not in redact(f"before {secret} after")
    register_secret("another-secret-value")
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    pem = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"
    text = redact(f"a another-secret-value b {jwt} c {pem} d")
    assert "another-secret-value" not in text and jwt not in text and "MIIE" not in text
    assert text.startswith("a ") and text.endswith(" d")


# --- simulator per test module: this file reconfigures its app registration -------------------------------


@pytest.fixture(scope="module")
def asim(demo_tenant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:  # type: ignore[no-untyped-def]
    with Simulator(demo_tenant, state_dir=tmp_path_factory.mktemp("authsim")) as s:
        yield s


def base_env(sim: Simulator, **extra: str) -> dict[str, str]:
    """Tenant, app and endpoints, but no credential."""
    return clean_env(AZURE_TENANT_ID=sim.tenant_id, AZURE_CLIENT_ID=sim.client_id,
                     M365EXIT_GRAPH_ENDPOINT=sim.graph_endpoint, M365EXIT_AUTHORITY_HOST=sim.authority_host,
                     REQUESTS_CA_BUNDLE=str(sim.ca_path), **extra)


def token_posts(sim: Simulator) -> int:
    return sum(1 for e in sim.request_log if e.path.endswith("/oauth2/v2.0/token"))


def assert_clean(result: subprocess.CompletedProcess[str], *secrets: str) -> None:
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    for secret in secrets:
        assert secret not in out


def doctor_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# --- certificate ------------------------------------------------------------------------------------------


def test_certificate_pem_with_password(asim: Simulator, tmp_path: Path) -> None:
    cert = make_client_certificate(tmp_path, password="Pfx-pass-4711")
    asim.entra.register_certificate(cert.public_pem)
    env = base_env(asim, AZURE_CLIENT_CERTIFICATE_PATH=str(cert.path),
                   AZURE_CLIENT_CERTIFICATE_PASSWORD=cert.password)
    report = doctor_json(run_cli("--json", "doctor", env=env))
    assert report["mode"] == "certificate" and report["complete"]
    header = asim.entra.assertion_headers[-1]
    assert header["alg"] == "PS256" and "x5t#S256" in header  # what MSAL >= 1.35 sends with a public certificate


def test_certificate_pfx_collects(asim: Simulator, tmp_path: Path) -> None:
    cert = make_client_certificate(tmp_path, name="app-pfx", password="pfx-secret-99", pfx=True)
    asim.entra.register_certificate(cert.certificate)
    env = base_env(asim, AZURE_CLIENT_CERTIFICATE_PATH=str(cert.path),
                   AZURE_CLIENT_CERTIFICATE_PASSWORD=cert.password)
    out = tmp_path / "s.json"
    result = run_cli("--debug", "collect", "--out", str(out), "-w", "licensing", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["facts"]["licensing.skus"] == asim.truths["licensing.skus"]
    assert_clean(result, cert.password, "PRIVATE KEY")


def test_unregistered_certificate_is_rejected(asim: Simulator, tmp_path: Path) -> None:
    cert = make_client_certificate(tmp_path, name="stranger")  # never uploaded to the app
    result = run_cli("doctor", env=base_env(asim, AZURE_CLIENT_CERTIFICATE_PATH=str(cert.path)))
    assert result.returncode == 3
    assert "certificate was rejected" in result.stderr and "AADSTS700027" in result.stderr
    assert_clean(result, "PRIVATE KEY")


def test_expired_certificate_fails_before_any_request(asim: Simulator, tmp_path: Path) -> None:
    cert = make_client_certificate(tmp_path, name="old", days=-3)
    asim.entra.register_certificate(cert.certificate)
    before = token_posts(asim)
    result = run_cli("doctor", env=base_env(asim, AZURE_CLIENT_CERTIFICATE_PATH=str(cert.path)))
    assert result.returncode == 3 and "expired on" in result.stderr
    assert token_posts(asim) == before
    assert_clean(result)


def test_wrong_certificate_password(asim: Simulator, tmp_path: Path) -> None:
    cert = make_client_certificate(tmp_path, name="locked", password="right-one")
    env = base_env(asim, AZURE_CLIENT_CERTIFICATE_PATH=str(cert.path), AZURE_CLIENT_CERTIFICATE_PASSWORD="wrong-one")
    result = run_cli("doctor", env=env)
    assert result.returncode == 3 and "password" in result.stderr
    assert_clean(result, "wrong-one", "right-one")


# --- workload identity federation -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def github(asim: Simulator) -> ExternalIssuer:
    issuer = ExternalIssuer()
    asim.entra.add_federated_credential(issuer, SUBJECT)
    return issuer


def test_federated_token_signs_in_and_collects(asim: Simulator, github: ExternalIssuer, tmp_path: Path) -> None:
    token_file = tmp_path / "oidc-token"
    assertion = github.mint(SUBJECT)
    token_file.write_text(assertion + "\n")
    out = tmp_path / "s.json"
    result = run_cli("--debug", "collect", "--out", str(out), "-w", "licensing",
                     env=base_env(asim, AZURE_FEDERATED_TOKEN_FILE=str(token_file)))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["facts"]["licensing.skus"] == asim.truths["licensing.skus"]
    assert_clean(result, assertion)


@pytest.mark.parametrize("case, code, needle", [
    ("subject", "AADSTS70021", "subject"),
    ("audience", "AADSTS70021", "audience"),
    ("expired", "AADSTS700024", "expired"),
    ("issuer", "AADSTS700211", "issuer"),
])
def test_federated_token_mismatch(asim: Simulator, github: ExternalIssuer, tmp_path: Path,
                                  case: str, code: str, needle: str) -> None:
    if case == "subject":
        assertion = github.mint("repo:acme/m365-audit:pull_request")
    elif case == "audience":
        assertion = github.mint(SUBJECT, audience="https://github.com/acme")
    elif case == "expired":
        assertion = github.mint(SUBJECT, lifetime_s=-600)
    else:
        assertion = ExternalIssuer("https://gitlab.example.org").mint(SUBJECT)
    token_file = tmp_path / "oidc-token"
    token_file.write_text(assertion)
    result = run_cli("--debug", "doctor", env=base_env(asim, AZURE_FEDERATED_TOKEN_FILE=str(token_file)))
    assert result.returncode == 3, result.stderr
    assert code in result.stderr and needle in result.stderr.lower()
    assert_clean(result, assertion)


def test_missing_federated_token_file(asim: Simulator, tmp_path: Path) -> None:
    result = run_cli("doctor", env=base_env(asim, AZURE_FEDERATED_TOKEN_FILE=str(tmp_path / "absent")))
    assert result.returncode == 3 and "AZURE_FEDERATED_TOKEN_FILE" in result.stderr


# --- managed identity (App Service style: IDENTITY_ENDPOINT + IDENTITY_HEADER) ------------------------------


def mi_env(sim: Simulator, **extra: str) -> dict[str, str]:
    return clean_env(M365EXIT_GRAPH_ENDPOINT=sim.graph_endpoint, REQUESTS_CA_BUNDLE=str(sim.ca_path),
                     **sim.entra.managed_identity_env(), **extra)


def test_system_assigned_managed_identity(asim: Simulator, tmp_path: Path) -> None:
    identity = asim.entra.add_managed_identity(system=True)
    report = doctor_json(run_cli("--json", "doctor", "--managed-identity", env=mi_env(asim)))
    assert report["mode"] == "managed-identity" and report["complete"]
    assert report["signed_in_as"] == f"application {identity.client_id}"
    out = tmp_path / "s.json"
    result = run_cli("collect", "--managed-identity", "--out", str(out), "-w", "licensing", env=mi_env(asim))
    assert result.returncode == 0, result.stderr
    assert_clean(result, asim.entra.identity_header)


def test_managed_identity_token_renewed_when_graph_revokes_it(demo_tenant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from m365exit.simulator.faults import Faults

    options = SimulatorOptions(faults=Faults(at={3: "expired_token"}))
    with Simulator(demo_tenant, options, state_dir=tmp_path / "sim") as sim:
        sim.entra.add_managed_identity(system=True)
        out = tmp_path / "s.json"
        result = run_cli("collect", "--managed-identity", "--out", str(out), "-w", "identity", env=mi_env(sim))
        assert result.returncode == 0, result.stderr
        data = json.loads(out.read_text())
        assert data["issues"] == []
        assert data["facts"]["identity.users_total"] == sim.truths["identity.users_total"]
        assert sum(1 for e in sim.request_log if e.path.startswith("/msi/token")) == 2  # renewed once, at the host


def test_user_assigned_managed_identity_with_fewer_roles(asim: Simulator) -> None:
    identity = asim.entra.add_managed_identity(roles=frozenset(asim.roles - {"Reports.Read.All"}))
    report = doctor_json(run_cli("--json", "doctor", "--managed-identity",
                                 env=mi_env(asim, AZURE_CLIENT_ID=identity.client_id)))
    assert report["signed_in_as"] == f"application {identity.client_id}"
    assert [m["permission"] for m in report["missing"]] == ["Reports.Read.All"]


def test_unknown_managed_identity(asim: Simulator) -> None:
    result = run_cli("doctor", "--managed-identity", env=mi_env(asim, AZURE_CLIENT_ID="0000aaaa-0000-0000-0000-0000"))
    assert result.returncode == 3
    assert "managed identity endpoint refused" in result.stderr and "No Managed Identity found" in result.stderr
    assert_clean(result, asim.entra.identity_header)


def test_no_managed_identity_endpoint(asim: Simulator) -> None:
    env = clean_env(M365EXIT_GRAPH_ENDPOINT=asim.graph_endpoint, IDENTITY_ENDPOINT="http://127.0.0.1:9/msi/token",
                    IDENTITY_HEADER="h-123456")
    result = run_cli("doctor", "--managed-identity", env=env)
    assert result.returncode == 3
    assert "No managed identity endpoint answered" in result.stderr
    assert_clean(result, "h-123456")


# --- device code, delegated, persisted cache ----------------------------------------------------------------


def device_code_run(sim: Simulator, env: dict[str, str], *args: str, approve: bool = True,
                    timeout: float = 60) -> tuple[int, str, str, bool]:
    """Run the CLI with --device-code; approve the code it shows, as the person would. (rc, stdout, stderr, asked)."""
    proc = subprocess.Popen([sys.executable, "-m", "m365exit", *args, "--device-code"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stderr is not None and proc.stdout is not None
    asked = False
    deadline = time.time() + timeout
    lines: list[str] = []
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if "enter the code" in line:
            asked = True
            code = line.split("enter the code", 1)[1].split()[0]
            assert sim.entra.approve_device_code(code, decline=not approve)
            break
    stdout, rest = proc.communicate(timeout=max(1, deadline - time.time()))
    return proc.returncode, stdout, "".join(lines) + rest, asked


def test_device_code_delegated_token_and_silent_reuse(asim: Simulator, tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "msal.json"
    env = base_env(asim, M365EXIT_TOKEN_CACHE=str(cache))
    rc, out, err, asked = device_code_run(asim, env, "--json", "doctor")
    assert rc == 0, err
    assert asked
    report = json.loads(out)
    assert report["mode"] == "device-code" and report["delegated"]
    assert report["signed_in_as"].startswith("adele.vance@")
    assert set(report["granted"]) == set(asim.entra.delegated_scopes)  # read from scp
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert json.loads(cache.read_text())["RefreshToken"]  # so the next run needs no one at the keyboard

    device_requests = sum(1 for e in asim.request_log if e.path.endswith("/devicecode"))
    posts = token_posts(asim)
    rc, out, err, asked = device_code_run(asim, env, "--json", "doctor", timeout=30)
    assert rc == 0, err
    assert not asked  # reused silently from the persisted cache
    # The cached access token's scopes are the individual ones Entra granted, not ".default", so MSAL redeems
    # the cached refresh token (one POST) rather than asking the person again.
    assert token_posts(asim) - posts <= 1
    assert sum(1 for e in asim.request_log if e.path.endswith("/devicecode")) == device_requests
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_device_code_sign_in_collects_with_the_users_delegated_scopes(asim: Simulator, tmp_path: Path) -> None:
    env = base_env(asim, M365EXIT_TOKEN_CACHE=str(tmp_path / "msal.json"))
    out = tmp_path / "snapshot.json"
    rc, _, err, asked = device_code_run(asim, env, "collect", "--out", str(out), "-w", "identity")
    assert rc == 0, err
    assert asked
    facts = json.loads(out.read_text())["facts"]
    assert facts["identity.users_total"] == asim.truths["identity.users_total"]


def test_device_code_shown_even_with_quiet_and_declined(asim: Simulator, tmp_path: Path) -> None:
    env = base_env(asim, M365EXIT_TOKEN_CACHE=str(tmp_path / "c.json"))
    rc, _, err, asked = device_code_run(asim, env, "--quiet", "doctor", approve=False)
    assert asked and rc == 3 and "declined" in err


def test_device_code_needs_public_client_flows(demo_tenant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Simulator(demo_tenant, state_dir=tmp_path / "sim") as sim:
        sim.entra.allow_public_client_flows = False
        env = base_env(sim, M365EXIT_TOKEN_CACHE=str(tmp_path / "c.json"))
        rc, _, err, asked = device_code_run(sim, env, "doctor")
        assert asked and rc == 3 and "Allow public client flows" in err


# --- the states a person meets -----------------------------------------------------------------------------


@pytest.fixture
def fresh(demo_tenant, tmp_path: Path) -> Iterator[Simulator]:  # type: ignore[no-untyped-def]
    with Simulator(demo_tenant, state_dir=tmp_path / "sim") as s:
        yield s


def test_unknown_tenant(fresh: Simulator) -> None:
    result = run_cli("doctor", env=clean_env(**{**fresh.env(), "AZURE_TENANT_ID": "nowhere.example"}))
    assert result.returncode == 3
    assert "tenant 'nowhere.example' was not found" in result.stderr and "--cloud" in result.stderr
    assert_clean(result, fresh.client_secret)


def test_disabled_app(fresh: Simulator) -> None:
    fresh.entra.disabled = True
    result = run_cli("doctor", env=clean_env(**fresh.env()))
    assert result.returncode == 3 and "disabled" in result.stderr and "AADSTS7000112" in result.stderr
    assert_clean(result, fresh.client_secret)


def test_expired_secret(fresh: Simulator) -> None:
    fresh.entra.secret_expires_at = time.time() - 86400
    result = run_cli("collect", "--out", "x.json", env=clean_env(**fresh.env()))
    assert result.returncode == 3
    assert "client secret has expired" in result.stderr and "AADSTS7000222" in result.stderr
    assert_clean(result, fresh.client_secret)


def test_consent_not_granted(fresh: Simulator, tmp_path: Path) -> None:
    fresh.entra.roles = frozenset()  # Entra then issues tokens without a roles claim
    result = run_cli("doctor", env=clean_env(**fresh.env(), COLUMNS="200"))
    assert result.returncode == 0, result.stderr
    assert "no permission at all" in result.stdout and "admin consent" in result.stdout
    out = tmp_path / "s.json"
    collected = run_cli("collect", "--out", str(out), "-w", "licensing", env=clean_env(**fresh.env()))
    assert collected.returncode == 0, collected.stderr
    issues = json.loads(out.read_text())["issues"]
    assert issues and all(i["status"] == 403 for i in issues)


# --- secrets never shown, even with --debug and an unexpected exception ----------------------------------------

_CRASH = """
import sys
import m365exit.pipeline as pipeline

class Boom:
    def __init__(self, transport, tokens, *args, **kwargs):
        import os
        token = tokens.token()
        raise RuntimeError(f"unexpected: token={token} secret={os.environ['AZURE_CLIENT_SECRET']}")

pipeline.GraphClient = Boom
from m365exit.cli import execute
sys.exit(execute(sys.argv[1:]))
"""


def test_unexpected_exception_with_debug_shows_no_secret(asim: Simulator, tmp_path: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text(_CRASH)
    env = clean_env(**asim.env())
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    result = subprocess.run([sys.executable, str(script), "--debug", "collect", "--out", str(tmp_path / "x.json")],
                            capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "RuntimeError: unexpected: token=[redacted] secret=[redacted]" in (
        result.stderr)
    assert "msal" in result.stderr  # MSAL's debug log is on with --debug, and redacted too
    assert asim.client_secret not in result.stdout + result.stderr
    assert "eyJ" not in result.stdout + result.stderr  # no JWT at all

    quiet = subprocess.run([sys.executable, str(script), "collect", "--out", str(tmp_path / "x.json")],
                           capture_output=True, text=True, env=env, timeout=120, check=False)
    assert quiet.returncode == 1 and "Unexpected error: RuntimeError" in quiet.stderr
    assert "Traceback" not in quiet.stderr and asim.client_secret not in quiet.stderr


def test_debug_sign_in_logs_no_secret(asim: Simulator) -> None:
    result = run_cli("--debug", "doctor", env=clean_env(**asim.env()))
    assert result.returncode == 0, result.stderr
    assert "DEBUG msal" in result.stderr
    assert asim.client_secret not in result.stdout + result.stderr and "eyJ" not in result.stdout + result.stderr
