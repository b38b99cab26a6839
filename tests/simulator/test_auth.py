from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from m365exit.simulator import Simulator
from m365exit.simulator.tokens import make_client_certificate

from .conftest import Client, msal_token


def _b64(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_msal_client_credentials_token_carries_roles(sim: Simulator) -> None:
    token = msal_token(sim)
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert payload["tid"] == sim.tenant_id
    assert payload["appid"] == sim.client_id
    assert "User.Read.All" in payload["roles"] and "Reports.Read.All" in payload["roles"]
    assert payload["exp"] > payload["iat"]
    r = Client(sim, token).graph("organization")
    assert r.status_code == 200
    assert r.json()["value"][0]["id"] == sim.tenant_id


def test_openid_configuration_points_at_the_simulator(sim: Simulator) -> None:
    r = Client(sim).get(f"{sim.authority_host}/{sim.tenant_id}/v2.0/.well-known/openid-configuration")
    doc = r.json()
    for key in ("authorization_endpoint", "token_endpoint", "device_authorization_endpoint", "jwks_uri"):
        assert doc[key].startswith(sim.authority_host), key
    assert doc["issuer"] == f"{sim.authority_host}/{sim.tenant_id}/v2.0"


def _token_post(sim: Simulator, tenant: str, **form: str) -> tuple[int, dict[str, object]]:
    data = {
        "grant_type": "client_credentials",
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "scope": f"{sim.graph_endpoint}/.default",
        **form,
    }
    r = Client(sim).post(f"{sim.authority_host}/{tenant}/oauth2/v2.0/token", data=data)
    return r.status_code, r.json()


def test_wrong_secret_is_invalid_client(sim: Simulator) -> None:
    status, body = _token_post(sim, sim.tenant_id, client_secret="nope")
    assert status == 401 and body["error"] == "invalid_client"
    assert str(body["error_description"]).startswith("AADSTS7000215")


def test_wrong_secret_through_msal(sim: Simulator) -> None:
    import msal  # noqa: TID251

    app = msal.ConfidentialClientApplication(
        sim.client_id,
        client_credential="wrong",
        authority=f"{sim.authority_host}/{sim.tenant_id}",
        instance_discovery=False,
        http_client=Client(sim),
        http_cache={},
    )
    result = app.acquire_token_for_client(scopes=[f"{sim.graph_endpoint}/.default"])
    assert result["error"] == "invalid_client" and "AADSTS7000215" in result["error_description"]


def test_unknown_tenant_and_client(sim: Simulator) -> None:
    status, body = _token_post(sim, "00000000-0000-0000-0000-000000000000")
    assert (
        status == 400
        and body["error"] == "invalid_request"
        and "AADSTS90002" in str(body["error_description"])
    )
    status, body = _token_post(sim, sim.tenant_id, client_id="11111111-1111-1111-1111-111111111111")
    assert (
        status == 400
        and body["error"] == "unauthorized_client"
        and "AADSTS700016" in str(body["error_description"])
    )
    import msal  # noqa: TID251

    with pytest.raises(ValueError):
        msal.ConfidentialClientApplication(
            sim.client_id,
            client_credential=sim.client_secret,
            authority=f"{sim.authority_host}/not-a-tenant.example",
            instance_discovery=False,
            http_client=Client(sim),
            http_cache={},
        )


def test_scope_must_be_graph_default(sim: Simulator) -> None:
    status, body = _token_post(sim, sim.tenant_id, scope="https://graph.microsoft.com/.default")
    assert status == 400 and body["error"] == "invalid_resource"
    status, body = _token_post(sim, sim.tenant_id, scope=f"{sim.graph_endpoint}/User.Read.All")
    assert status == 400 and body["error"] == "invalid_scope"


def _signed_assertion(sim: Simulator, key: Any, header: dict[str, object], **claims: object) -> str:
    now = int(time.time())
    payload = {"iss": sim.client_id, "sub": sim.client_id, "jti": "1", "iat": now, "nbf": now, "exp": now + 600,
               "aud": f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/token", **claims}
    signing_input = f"{_b64({'typ': 'JWT', **header})}.{_b64(payload)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def test_client_assertion_must_be_signed_by_a_registered_certificate(sim: Simulator, tmp_path: Path) -> None:
    """RS256 with a SHA-1 x5t (what MSAL sends given a thumbprint); MSAL's default PS256 is in tests/test_auth.py."""
    cert = make_client_certificate(tmp_path, name="raw")
    sim.entra.register_certificate(cert.certificate)
    key = serialization.load_pem_private_key(cert.path.read_bytes(), None)
    x5t = base64.urlsafe_b64encode(cert.certificate.fingerprint(hashes.SHA1())).decode()  # noqa: S303
    data = {
        "grant_type": "client_credentials",
        "client_id": sim.client_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "scope": f"{sim.graph_endpoint}/.default",
    }
    c = Client(sim)
    url = f"{sim.authority_host}/{sim.tenant_id}/oauth2/v2.0/token"

    def post(assertion: str) -> tuple[int, str]:
        r = c.post(url, data={**data, "client_assertion": assertion})
        body = r.json()
        return r.status_code, str(body.get("access_token") or body["error_description"])

    status, text = post(_signed_assertion(sim, key, {"alg": "RS256", "x5t": x5t}))
    assert status == 200 and text
    # unsigned, or signed by another key, or for another audience, or expired
    unsigned = f"{_b64({'alg': 'PS256', 'typ': 'JWT'})}.{_b64({'iss': sim.client_id, 'sub': sim.client_id})}.c2ln"
    assert post(unsigned)[1].startswith("AADSTS700027")
    other = make_client_certificate(tmp_path, name="other")
    other_key = serialization.load_pem_private_key(other.path.read_bytes(), None)
    assert post(_signed_assertion(sim, other_key, {"alg": "RS256", "x5t": x5t}))[1].startswith("AADSTS700027")
    assert "audience" in post(_signed_assertion(sim, key, {"alg": "RS256", "x5t": x5t}, aud="https://x/t"))[1]
    assert post(_signed_assertion(sim, key, {"alg": "RS256", "x5t": x5t}, exp=int(time.time()) - 900))[1].startswith(
        "AADSTS700024")
    # an assertion from someone else is a federated token: no federated credential trusts its issuer
    status, text = post(f"{_b64({'alg': 'RS256'})}.{_b64({'iss': 'someone-else', 'sub': 'x'})}.c2ln")
    assert status == 400 and text.startswith("AADSTS700211")
    status, text = post("not-a-jwt")
    assert status == 401 and text.startswith("AADSTS50027")


@pytest.mark.parametrize("auth", [None, "Bearer ", "Bearer garbage", "Bearer a.b.c", "Basic abc"])
def test_missing_or_garbage_token_is_401(sim: Simulator, auth: str | None) -> None:
    headers = {"Authorization": auth} if auth is not None else {}
    r = Client(sim).graph("users", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_expired_token_is_401(sim: Simulator) -> None:
    r = Client(sim, sim.issue_token(lifetime_s=-10)).graph("users")
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "Access token has expired or is not yet valid."


def test_only_get_is_allowed(sim: Simulator, client: Client) -> None:
    for method in ("POST", "PATCH", "DELETE", "PUT"):
        r = client.session.request(
            method,
            f"{sim.graph_endpoint}/v1.0/users",
            verify=client.ca,
            json={},
            headers={"Authorization": f"Bearer {client.token}"},
            timeout=30,
        )
        assert r.status_code == 405, method
    r = client.session.get(
        f"{sim.graph_endpoint}/v1.0/$batch",
        verify=client.ca,
        headers={"Authorization": f"Bearer {client.token}"},
        timeout=30,
    )
    assert r.status_code == 405


def test_certificates_pass_strict_x509_checks(sim: Simulator) -> None:
    import socket
    import ssl

    ctx = ssl.create_default_context(cafile=str(sim.ca_path))
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT  # the default from Python 3.13
    port = int(sim.graph_endpoint.rsplit(":", 1)[1])
    for host in ("127.0.0.1", "localhost"):
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
