"""Entra ID (v2.0 endpoints) as far as a daemon app needs it: OIDC metadata and client-credential tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_jwt_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return header, payload


@dataclass
class TokenResult:
    status: int
    body: dict[str, Any]


class EntraApp:
    """One tenant, one confidential client app registration, its granted application permissions."""

    def __init__(
        self,
        *,
        tenant_id: str,
        tenant_aliases: tuple[str, ...],
        tenant_name: str,
        client_id: str,
        client_secret: str,
        roles: frozenset[str],
        lifetime_s: int,
        signing_key: bytes,
    ) -> None:
        self.tenant_id = tenant_id
        self.tenant_aliases = {a.lower() for a in (tenant_id, *tenant_aliases)}
        self.tenant_name = tenant_name
        self.client_id = client_id
        self.client_secret = client_secret
        self.roles = roles
        self.lifetime_s = lifetime_s
        self._key = signing_key
        self.authority_host = ""
        self.graph_endpoint = ""

    # -- discovery ---------------------------------------------------------------------------------

    def known_tenant(self, tenant: str) -> bool:
        return tenant.lower() in self.tenant_aliases

    def openid_configuration(self) -> dict[str, Any]:
        base = f"{self.authority_host}/{self.tenant_id}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{self.authority_host}/{self.tenant_id}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.graph_endpoint}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "roles"],
            "kerberos_endpoint": f"{base}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": self.graph_endpoint.split("://", 1)[-1],
            "rbac_url": "https://pas.windows.net",
        }

    def unknown_tenant_error(self, tenant: str) -> TokenResult:
        return self._error(
            400,
            "invalid_request",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
            "signing into the correct cloud. Check with your subscription administrator, this may "
            "happen if there are no active subscriptions for the tenant.",
        )

    # -- token endpoint ------------------------------------------------------------------------------

    def token(self, tenant: str, form_body: bytes, authorization: str | None) -> TokenResult:
        if not self.known_tenant(tenant):
            return self.unknown_tenant_error(tenant)
        try:
            form = {k: v[0] for k, v in parse_qs(form_body.decode("utf-8"), keep_blank_values=True).items()}
        except UnicodeDecodeError:
            return self._error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        client_id = form.get("client_id", "")
        secret = form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                cid, _, sec = base64.b64decode(authorization[6:]).decode("utf-8").partition(":")
                client_id, secret = client_id or cid, sec
            except (ValueError, UnicodeDecodeError):
                pass
        grant = form.get("grant_type", "")
        if not grant:
            return self._error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        if grant != "client_credentials":
            return self._error(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant}'."
                if grant
                else "The grant type is missing.",
            )
        if not client_id:
            return self._error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            )
        if client_id.lower() != self.client_id.lower():
            return self._error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{self.tenant_name}'. This can happen if the application has not been installed "
                "by the administrator of the tenant or consented to by any user in the tenant. You "
                "may have sent your authentication request to the wrong tenant.",
            )
        assertion = form.get("client_assertion")
        if assertion is not None:
            if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
                return self._error(400, "invalid_request", 70024, "The client_assertion_type is invalid.")
            decoded = decode_jwt_unverified(assertion)
            if decoded is None:
                return self._error(401, "invalid_client", 50027, "JWT token is invalid or malformed.")
            claims = decoded[1]
            if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
                return self._error(
                    401,
                    "invalid_client",
                    700021,
                    "Client assertion application identifier doesn't match 'client_id' parameter.",
                )
        elif secret is None:
            return self._error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' "
                "or 'client_secret'.",
            )
        elif not hmac.compare_digest(secret.encode(), self.client_secret.encode()):
            return self._error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the "
                "client secret value, not the client secret ID, for a secret added to app "
                f"'{self.client_id}'.",
            )
        scopes = [
            s for s in form.get("scope", "").split() if s not in ("openid", "profile", "offline_access")
        ]
        if not scopes:
            return self._error(
                400,
                "invalid_request",
                90014,
                "The required field 'scope' is missing from the credential. Ensure that you have "
                "all the necessary parameters for the login request.",
            )
        wanted = f"{self.graph_endpoint}/.default"
        for scope in scopes:
            if not scope.endswith("/.default"):
                return self._error(
                    400,
                    "invalid_scope",
                    1002012,
                    f"The provided value for scope {scope} is not valid. Client credential flows "
                    "must have a scope value with /.default suffixed to the resource identifier "
                    "(application ID URI).",
                )
            if scope.rstrip("/") != wanted and scope != wanted:
                resource = scope[: -len("/.default")]
                return self._error(
                    400,
                    "invalid_resource",
                    500011,
                    f"The resource principal named {resource} was not found in the tenant named "
                    f"{self.tenant_name}. This can happen if the application has not been "
                    "installed by the administrator of the tenant or consented to by any user in "
                    "the tenant. You might have sent your authentication request to the wrong "
                    "tenant.",
                )
        now = int(time.time())
        payload = {
            "aud": self.graph_endpoint,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_s,
            "appid": self.client_id,
            "azp": self.client_id,
            "appidacr": "2" if assertion is not None else "1",
            "idtyp": "app",
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, self.client_id)),
            "roles": sorted(self.roles),
            "sub": self.client_id,
            "tid": self.tenant_id,
            "ver": "1.0",
            "uti": b64url(uuid.uuid4().bytes),
        }
        return TokenResult(
            200,
            {
                "token_type": "Bearer",
                "expires_in": self.lifetime_s,
                "ext_expires_in": self.lifetime_s,
                "access_token": self.sign(payload),
            },
        )

    def sign(self, payload: dict[str, Any]) -> str:
        header = b64url(json.dumps({"typ": "JWT", "alg": "HS256", "kid": "m365exit-simulator"}).encode())
        body = b64url(json.dumps(payload, separators=(",", ":")).encode())
        sig = hmac.new(self._key, f"{header}.{body}".encode(), hashlib.sha256).digest()
        return f"{header}.{body}.{b64url(sig)}"

    def verify(self, token: str) -> tuple[dict[str, Any] | None, str]:
        """Claims of a token this simulator issued, or None and the InvalidAuthenticationToken message."""
        if not token:
            return None, "Access token is empty."
        parts = token.split(".")
        if len(parts) != 3:
            return None, (
                "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS "
                "or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload."
                "EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey."
                "EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'."
            )
        expected = hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            given = b64url_decode(parts[2])
        except ValueError:
            given = b""
        decoded = decode_jwt_unverified(token)
        if decoded is None or not hmac.compare_digest(expected, given):
            return None, "Access token validation failure. Invalid signature."
        claims = decoded[1]
        if claims.get("aud") != self.graph_endpoint:
            return None, "Access token validation failure. Invalid audience."
        now = time.time()
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= now or claims.get("nbf", 0) > now + 300:
            return None, "Access token has expired or is not yet valid."
        if claims.get("tid") != self.tenant_id:
            return None, "Access token validation failure. Invalid tenant."
        return claims, ""

    def _error(self, status: int, error: str, code: int, description: str) -> TokenResult:
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
        return TokenResult(
            status,
            {
                "error": error,
                "error_description": f"AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {corr} "
                f"Timestamp: {stamp}",
                "error_codes": [code],
                "timestamp": stamp,
                "trace_id": trace,
                "correlation_id": corr,
                "error_uri": f"{self.authority_host}/error?code={code}",
            },
        )
