"""Entra ID (v2.0 endpoints) as far as m365exit's sign-in modes need it.

- OIDC metadata and the token endpoint, for a confidential client app: client secret (expiry checked),
  certificate (the client assertion's signature is verified against the registered certificate: PS256 with
  `x5t#S256` as MSAL >= 1.35 sends it, or RS256 with `x5t`; aud, exp, nbf, iss and sub checked), and workload
  identity federation (an external issuer's token, e.g. GitHub OIDC, checked against a federated credential:
  issuer, subject, audience `api://AzureADTokenExchange`, signature, expiry);
- the device authorization grant for a public client (delegated tokens carry `scp`, plus an id_token,
  client_info and a refresh token so MSAL's cache works), approved by a test hook;
- the App Service managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), system- and user-assigned;
- the states a person meets: unknown tenant, disabled app, expired secret, no admin consent (no roles).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
CLOCK_SKEW_S = 300
MSI_PATH = "/msi/token"  # App Service's IDENTITY_ENDPOINT path (served on the simulator's origin)


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


def b64url_thumbprint(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> str:
    """How JWT headers carry a certificate thumbprint (x5t: SHA-1, x5t#S256: SHA-256)."""
    return b64url(cert.fingerprint(algorithm))


@dataclass
class ClientCertificate:
    """A certificate a test created for the app: the file m365exit reads, and its public part for Entra."""

    path: Path
    certificate: x509.Certificate
    password: str = ""

    @property
    def public_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


def make_client_certificate(
    directory: Path,
    *,
    name: str = "m365exit-app",
    days: int = 365,
    password: str = "",
    pfx: bool = False,
) -> ClientCertificate:
    """A self-signed RSA certificate as `New-SelfSignedCertificate` or `openssl req -x509` would make.

    Written as one PEM (encrypted private key when a password is given, then the certificate) or as a PFX.
    A negative `days` makes a certificate that has already expired.
    """
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start, end = (now - dt.timedelta(days=1), now + dt.timedelta(days=days)) if days > 0 else (
        now + dt.timedelta(days=days - 30), now + dt.timedelta(days=days))
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    if pfx:
        path = directory / f"{name}.pfx"
        path.write_bytes(pkcs12.serialize_key_and_certificates(name.encode(), key, cert, None, encryption))
    else:
        path = directory / f"{name}.pem"
        path.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
            + cert.public_bytes(serialization.Encoding.PEM)
        )
    path.chmod(0o600)
    return ClientCertificate(path, cert, password)


class ExternalIssuer:
    """An OIDC issuer outside Entra (GitHub Actions, GitLab CI...): it signs the tokens pipelines receive.

    Entra trusts it through a federated credential and checks its signatures with its public keys.
    """

    def __init__(self, issuer: str = GITHUB_ISSUER) -> None:
        self.issuer = issuer.rstrip("/")
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = b64url(hashlib.sha256(self.public_pem.encode()).digest()[:12])

    @property
    def public_pem(self) -> str:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def public_key(self) -> rsa.RSAPublicKey:
        return self._key.public_key()

    def mint(self, subject: str, audience: str = TOKEN_EXCHANGE_AUDIENCE, lifetime_s: int = 300,
             **claims: Any) -> str:
        """A token as `ACTIONS_ID_TOKEN_REQUEST_URL?audience=api://AzureADTokenExchange` would return it."""
        now = int(time.time())
        payload = {"iss": self.issuer, "sub": subject, "aud": audience, "iat": now, "nbf": now - 5,
                   "exp": now + lifetime_s, "jti": str(uuid.uuid4()), **claims}
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"


@dataclass(frozen=True)
class FederatedCredential:
    """What an admin registers under Certificates & secrets > Federated credentials."""

    issuer: str
    subject: str
    audiences: tuple[str, ...] = (TOKEN_EXCHANGE_AUDIENCE,)


@dataclass
class DeviceGrant:
    device_code: str
    user_code: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    interval: int
    user: dict[str, str] | None = None  # set when a person approves
    declined: bool = False


@dataclass
class ManagedIdentity:
    client_id: str
    object_id: str
    resource_id: str
    roles: frozenset[str]


@dataclass
class TokenResult:
    status: int
    body: dict[str, Any]


class EntraApp:
    """One tenant, one app registration (confidential and public client), its grants; managed identities."""

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
        self.roles = roles  # application permissions with admin consent; empty = consent never granted
        self.lifetime_s = lifetime_s
        self._key = signing_key
        self.authority_host = ""
        self.graph_endpoint = ""
        # The app registration, as tests reconfigure it
        self.disabled = False
        self.secret_expires_at: float | None = None  # None: never
        self.certificates: list[x509.Certificate] = []
        self.federated_credentials: list[FederatedCredential] = []
        self.trusted_issuers: dict[str, ExternalIssuer] = {}  # what Entra would fetch from the issuer's JWKS
        self.allow_public_client_flows = True
        self.delegated_scopes: frozenset[str] = frozenset(roles)  # consented for users (device code)
        self.device_code_interval_s = 1
        self.device_code_lifetime_s = 900
        self.assertion_headers: list[dict[str, Any]] = []  # JOSE headers of the client assertions received
        self._device_grants: dict[str, DeviceGrant] = {}
        self._refresh_tokens: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {}
        self.issued: list[str] = []  # every token handed out, so tests can prove none leaks into a file
        self._lock = threading.Lock()
        # Managed identities of the "Azure host" (App Service style endpoint)
        self.identity_header = secrets.token_hex(16)
        self.system_identity: ManagedIdentity | None = None
        self.user_identities: list[ManagedIdentity] = []

    # -- configuration (test hooks) ------------------------------------------------------------------

    def register_certificate(self, certificate: x509.Certificate | str) -> None:
        """Upload a certificate's public part to the app registration."""
        cert = x509.load_pem_x509_certificate(certificate.encode()) if isinstance(certificate, str) else certificate
        self.certificates.append(cert)

    def add_federated_credential(self, issuer: ExternalIssuer, subject: str,
                                 audiences: tuple[str, ...] = (TOKEN_EXCHANGE_AUDIENCE,)) -> None:
        self.trusted_issuers[issuer.issuer] = issuer
        self.federated_credentials.append(FederatedCredential(issuer.issuer, subject, audiences))

    def add_managed_identity(self, *, system: bool = False, roles: frozenset[str] | None = None) -> ManagedIdentity:
        """A managed identity on the simulated Azure host, with application permissions granted to it."""
        cid = str(uuid.uuid4())
        identity = ManagedIdentity(
            client_id=cid,
            object_id=str(uuid.uuid4()),
            resource_id=f"/subscriptions/{uuid.uuid4()}/resourceGroups/m365exit/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/{'system' if system else cid[:8]}",
            roles=self.roles if roles is None else roles,
        )
        if system:
            self.system_identity = identity
        else:
            self.user_identities.append(identity)
        return identity

    def managed_identity_env(self) -> dict[str, str]:
        """What App Service sets in the environment of a process on a host with a managed identity."""
        return {"IDENTITY_ENDPOINT": f"{self.authority_host}{MSI_PATH}", "IDENTITY_HEADER": self.identity_header}

    def approve_device_code(self, user_code: str, *, user: str = "adele.vance", decline: bool = False) -> bool:
        """What the person does at the verification page; False when no pending grant has that code."""
        with self._lock:
            for grant in self._device_grants.values():
                if grant.user_code == user_code.strip().upper():
                    if decline:
                        grant.declined = True
                    else:
                        domain = sorted(a for a in self.tenant_aliases if "." in a)
                        upn = f"{user}@{domain[0] if domain else 'contoso.com'}"
                        grant.user = {"oid": str(uuid.uuid5(uuid.NAMESPACE_URL, upn)), "upn": upn,
                                      "name": user.replace(".", " ").title()}
                    return True
        return False

    def pending_user_codes(self) -> list[str]:
        with self._lock:
            return [g.user_code for g in self._device_grants.values() if g.user is None and not g.declined]

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
        form = self._form(form_body)
        if form is None:
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
        if grant not in ("client_credentials", DEVICE_CODE_GRANT, "refresh_token"):
            return self._error(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant}'.",
            )
        refused = self._check_client(client_id)
        if refused is not None:
            return refused
        if grant == DEVICE_CODE_GRANT:
            return self._device_code_grant(form)
        if grant == "refresh_token":
            return self._refresh_grant(form)
        assertion = form.get("client_assertion")
        if assertion is not None:
            if form.get("client_assertion_type") != JWT_BEARER:
                return self._error(400, "invalid_request", 70024, "The client_assertion_type is invalid.")
            refused = self._check_assertion(tenant, assertion)
            if refused is not None:
                return refused
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
        elif self.secret_expires_at is not None and self.secret_expires_at < time.time():
            return self._error(
                401,
                "invalid_client",
                7000222,
                f"The provided client secret keys for app '{self.client_id}' are expired. Visit the Azure "
                "portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using "
                "certificate credentials for added security: https://aka.ms/certCreds.",
            )
        scopes = [
            s for s in form.get("scope", "").split() if s not in ("openid", "profile", "offline_access")
        ]
        refused = self._check_scopes(scopes, client_credentials=True)
        if refused is not None:
            return refused
        payload = self.app_claims(self.roles, self.lifetime_s, appidacr="2" if assertion is not None else "1")
        return TokenResult(
            200,
            {
                "token_type": "Bearer",
                "expires_in": self.lifetime_s,
                "ext_expires_in": self.lifetime_s,
                "access_token": self.sign(payload),
            },
        )

    def app_claims(self, roles: frozenset[str] | set[str], lifetime_s: int, appidacr: str = "1") -> dict[str, Any]:
        """The claims of an application token, as Entra issues them to a client-credentials grant."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "aud": self.graph_endpoint,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime_s,
            "appid": self.client_id,
            "azp": self.client_id,
            "appidacr": appidacr,
            "idtyp": "app",
            "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, self.client_id)),
            "sub": self.client_id,
            "tid": self.tenant_id,
            "ver": "1.0",
            "uti": b64url(uuid.uuid4().bytes),
        }
        if roles:  # Entra leaves the claim out when no application permission has admin consent
            payload["roles"] = sorted(roles)
        return payload

    @staticmethod
    def _form(body: bytes) -> dict[str, str] | None:
        try:
            return {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        except UnicodeDecodeError:
            return None

    def _check_client(self, client_id: str) -> TokenResult | None:
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
        if self.disabled:
            return self._error(
                400,
                "unauthorized_client",
                7000112,
                f"Application '{self.client_id}'(m365exit) is disabled.",
            )
        return None

    def _check_scopes(self, scopes: list[str], *, client_credentials: bool) -> TokenResult | None:
        if not scopes:
            return self._error(
                400,
                "invalid_request",
                90014,
                "The required field 'scope' is missing from the credential. Ensure that you have "
                "all the necessary parameters for the login request.",
            )
        for scope in scopes:
            if client_credentials and not scope.endswith("/.default"):
                return self._error(
                    400,
                    "invalid_scope",
                    1002012,
                    f"The provided value for scope {scope} is not valid. Client credential flows "
                    "must have a scope value with /.default suffixed to the resource identifier "
                    "(application ID URI).",
                )
            resource = scope.rsplit("/", 1)[0] if "://" in scope else self.graph_endpoint
            if resource.rstrip("/") != self.graph_endpoint:
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
        return None

    # -- client assertions: certificates and federated credentials ------------------------------------

    def token_endpoints(self, tenant: str) -> set[str]:
        """Audiences Entra accepts in a client assertion: its token endpoints, by tenant id or domain."""
        names = self.tenant_aliases | {tenant.lower()}
        return {f"{self.authority_host}/{n}/oauth2/{v}token".lower() for n in names for v in ("v2.0/", "")}

    def _check_assertion(self, tenant: str, assertion: str) -> TokenResult | None:
        decoded = decode_jwt_unverified(assertion)
        if decoded is None:
            return self._error(401, "invalid_client", 50027, "JWT token is invalid or malformed.")
        header, claims = decoded
        self.assertion_headers.append({k: v for k, v in header.items() if k != "x5c"})
        if claims.get("iss") == self.client_id or "x5t" in header or "x5t#S256" in header:
            return self._check_certificate_assertion(tenant, assertion, header, claims)
        return self._check_federated_assertion(assertion, header, claims)

    def _find_certificate(self, header: dict[str, Any]) -> x509.Certificate | None:
        # MSAL keeps base64's "=" padding in x5t / x5t#S256; Entra accepts both spellings.
        sha256 = str(header.get("x5t#S256") or "").rstrip("=")
        sha1 = str(header.get("x5t") or "").rstrip("=")
        for cert in self.certificates:
            if sha256 and sha256 == b64url_thumbprint(cert, hashes.SHA256()):
                return cert
            if sha1 and sha1 == b64url_thumbprint(cert, hashes.SHA1()):  # noqa: S303 - what x5t is
                return cert
        return None

    def _check_certificate_assertion(
        self, tenant: str, assertion: str, header: dict[str, Any], claims: dict[str, Any]
    ) -> TokenResult | None:
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            return self._error(
                401,
                "invalid_client",
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter.",
            )
        cert = self._find_certificate(header)
        thumbprint = header.get("x5t#S256") or header.get("x5t") or ""
        if cert is None:
            return self._error(
                401,
                "invalid_client",
                700027,
                "Client assertion failed signature validation. [Reason - The key was not found., Thumbprint "
                f"of key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or "
                f"directly use MS Graph to see configured keys for app Id '{self.client_id}'.]",
            )
        alg = header.get("alg")
        signing_input, _, signature = assertion.rpartition(".")
        public_key = cert.public_key()
        try:
            if not isinstance(public_key, rsa.RSAPublicKey) or alg not in ("PS256", "RS256"):
                raise InvalidSignature
            pad: padding.AsymmetricPadding = (
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
                if alg == "PS256" else padding.PKCS1v15()
            )
            public_key.verify(b64url_decode(signature), signing_input.encode(), pad, hashes.SHA256())
        except (InvalidSignature, ValueError):
            return self._error(
                401,
                "invalid_client",
                700027,
                "Client assertion contains an invalid signature. [Reason - The key used is not the key "
                f"of the certificate registered under thumbprint '{thumbprint}'.]",
            )
        if cert.not_valid_after_utc < dt.datetime.now(dt.UTC):
            return self._error(
                401,
                "invalid_client",
                700027,
                f"Client assertion failed signature validation. [Reason - The key used is expired., "
                f"Thumbprint of key used by client: '{thumbprint}']",
            )
        if str(claims.get("aud", "")).lower() not in self.token_endpoints(tenant):
            return self._error(
                401,
                "invalid_client",
                700027,
                f"Client assertion failed validation. [Reason - The audience '{claims.get('aud')}' is not "
                "this tenant's token endpoint.]",
            )
        return self._check_lifetime(claims)

    def _check_lifetime(self, claims: dict[str, Any]) -> TokenResult | None:
        now = time.time()
        exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat", 0))
        if not isinstance(exp, int | float) or exp < now - CLOCK_SKEW_S or (
            isinstance(nbf, int | float) and nbf > now + CLOCK_SKEW_S
        ):
            stamp = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(now))
            return self._error(
                401,
                "invalid_client",
                700024,
                f"Client assertion is not within its valid time range. Current time: {stamp}, expiry "
                f"time of assertion {exp}.",
            )
        return None

    def _check_federated_assertion(
        self, assertion: str, header: dict[str, Any], claims: dict[str, Any]
    ) -> TokenResult | None:
        iss, sub, aud = claims.get("iss"), claims.get("sub"), claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        candidates = [c for c in self.federated_credentials if c.issuer == iss]
        issuer = self.trusted_issuers.get(str(iss))
        if not candidates or issuer is None:
            return self._error(
                400,
                "invalid_request",
                700211,
                f"No matching federated identity record found for presented assertion issuer '{iss}'. "
                "Please note that the matching is done using a case-sensitive comparison. Check your "
                "federated identity credential Subject, Audience and Issuer against the presented assertion.",
            )
        signing_input, _, signature = assertion.rpartition(".")
        try:
            if header.get("alg") != "RS256":
                raise InvalidSignature
            issuer.public_key().verify(b64url_decode(signature), signing_input.encode(), padding.PKCS1v15(),
                                       hashes.SHA256())
        except (InvalidSignature, ValueError):
            return self._error(401, "invalid_client", 50013,
                               "Assertion failed signature validation. [Reason - The key was not found.]")
        expired = self._check_lifetime(claims)
        if expired is not None:
            return expired
        if not any(c.subject == sub and set(c.audiences) & set(audiences) for c in candidates):
            return self._error(
                400,
                "invalid_request",
                70021,
                "No matching federated identity record found for presented assertion. Assertion Issuer: "
                f"'{iss}'. Assertion Subject: '{sub}'. Assertion Audience: '{','.join(map(str, audiences))}'. "
                "https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
            )
        return None

    # -- device code (public client, delegated) -------------------------------------------------------

    def device_authorization(self, tenant: str, form_body: bytes) -> TokenResult:
        if not self.known_tenant(tenant):
            return self.unknown_tenant_error(tenant)
        form = self._form(form_body) or {}
        refused = self._check_client(form.get("client_id", ""))
        if refused is not None:
            return refused
        scopes = tuple(s for s in form.get("scope", "").split() if s not in ("openid", "profile", "offline_access"))
        refused = self._check_scopes(list(scopes), client_credentials=False)
        if refused is not None:
            return refused
        alphabet = "BCDFGHJKLMNPQRSTVWXZ23456789"
        grant = DeviceGrant(
            device_code=secrets.token_urlsafe(48),
            user_code="".join(secrets.choice(alphabet) for _ in range(9)),
            client_id=self.client_id,
            scopes=scopes,
            expires_at=time.time() + self.device_code_lifetime_s,
            interval=self.device_code_interval_s,
        )
        with self._lock:
            self._device_grants[grant.device_code] = grant
        uri = f"{self.authority_host}/devicelogin"
        return TokenResult(
            200,
            {
                "user_code": grant.user_code,
                "device_code": grant.device_code,
                "verification_uri": uri,
                "expires_in": self.device_code_lifetime_s,
                "interval": grant.interval,
                "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
                f"{grant.user_code} to authenticate.",
            },
        )

    def _device_code_grant(self, form: dict[str, str]) -> TokenResult:
        if not self.allow_public_client_flows:  # what Entra answers when "Allow public client flows" is off
            return self._error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
        with self._lock:
            grant = self._device_grants.get(form.get("device_code", ""))
            if grant is None:
                return self._error(400, "invalid_grant", 70000,
                                   "The provided value for the 'device_code' parameter is not valid.")
            if grant.expires_at < time.time():
                del self._device_grants[grant.device_code]
                return self._error(400, "expired_token", 70020,
                                   "The provided value for the input parameter 'device_code' is not valid. "
                                   "This device code has expired.")
            if grant.declined:
                del self._device_grants[grant.device_code]
                return self._error(400, "authorization_declined", 70000, "The user declined the sign-in.")
            if grant.user is None:
                return self._error(400, "authorization_pending", 70016,
                                   "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
            del self._device_grants[grant.device_code]
        return self._user_tokens(grant.user, grant.scopes)

    def _refresh_grant(self, form: dict[str, str]) -> TokenResult:
        with self._lock:
            held = self._refresh_tokens.pop(form.get("refresh_token", ""), None)
        if held is None:
            return self._error(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
        user, scopes = held
        asked = tuple(s for s in form.get("scope", "").split() if s not in ("openid", "profile", "offline_access"))
        return self._user_tokens(user, asked or scopes)

    def _user_tokens(self, user: dict[str, str], scopes: tuple[str, ...]) -> TokenResult:
        names: set[str] = set()
        for scope in scopes:
            name = scope.rsplit("/", 1)[-1]
            names |= set(self.delegated_scopes) if name == ".default" else {name} & self.delegated_scopes
        if not names:
            return self._error(
                400,
                "invalid_grant",
                65001,
                f"The user or administrator has not consented to use the application with ID '{self.client_id}' "
                "named 'm365exit'. Send an interactive authorization request for this user and resource.",
            )
        now = int(time.time())
        access = {
            "aud": self.graph_endpoint,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now, "nbf": now, "exp": now + self.lifetime_s,
            "appid": self.client_id, "idtyp": "user", "scp": " ".join(sorted(names)),
            "oid": user["oid"], "upn": user["upn"], "name": user["name"], "sub": user["oid"],
            "tid": self.tenant_id, "ver": "1.0", "uti": b64url(uuid.uuid4().bytes),
        }
        id_token = {
            "iss": f"{self.authority_host}/{self.tenant_id}/v2.0", "aud": self.client_id,
            "iat": now, "nbf": now, "exp": now + self.lifetime_s, "sub": user["oid"], "oid": user["oid"],
            "tid": self.tenant_id, "preferred_username": user["upn"], "name": user["name"], "ver": "2.0",
        }
        refresh = secrets.token_urlsafe(48)
        with self._lock:
            self._refresh_tokens[refresh] = (user, scopes)
            self.issued.append(refresh)
        return TokenResult(
            200,
            {
                "token_type": "Bearer",
                "scope": " ".join([f"{self.graph_endpoint}/{n}" for n in sorted(names)]
                                  + ["openid", "profile", "offline_access"]),
                "expires_in": self.lifetime_s,
                "ext_expires_in": self.lifetime_s,
                "access_token": self.sign(access),
                "refresh_token": refresh,
                "id_token": self.sign(id_token),
                "client_info": b64url(json.dumps({"uid": user["oid"], "utid": self.tenant_id}).encode()),
            },
        )

    # -- managed identity (App Service style endpoint) -------------------------------------------------

    def identity_endpoint(self, method: str, path: str, query: str, headers: Any) -> TokenResult | None:
        """The host's managed identity endpoint; None when `path` is not it."""
        if path.rstrip("/") != MSI_PATH:
            return None
        if method != "GET":
            return TokenResult(405, {"statusCode": 405, "message": "Only GET is supported."})
        given = str(headers.get("X-IDENTITY-HEADER") or "")
        if not given or not hmac.compare_digest(given.encode(), self.identity_header.encode()):
            return TokenResult(401, {"statusCode": 401, "message": "Unauthorized: the X-IDENTITY-HEADER is missing "
                                     "or not valid."})
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if params.get("api-version") != "2019-08-01":
            return TokenResult(400, {"statusCode": 400, "message": "The api-version is missing or not supported."})
        resource = params.get("resource", "").rstrip("/")
        if resource.endswith("/.default"):
            resource = resource[: -len("/.default")]
        if resource != self.graph_endpoint:
            return TokenResult(500, {"statusCode": 500, "message": f"AADSTS500011: The resource principal named "
                                     f"{resource or '(none)'} was not found in the tenant."})
        wanted = [(k, params[k]) for k in ("client_id", "mi_res_id", "object_id") if params.get(k)]
        identity: ManagedIdentity | None
        if wanted:
            key, value = wanted[0]
            attr = {"client_id": "client_id", "mi_res_id": "resource_id", "object_id": "object_id"}[key]
            pool = [*self.user_identities, *([self.system_identity] if self.system_identity else [])]
            identity = next((i for i in pool if getattr(i, attr).lower() == value.lower()), None)
        else:
            identity = self.system_identity
        if identity is None:
            return TokenResult(400, {"statusCode": 400, "message": "No Managed Identity found for specified "
                                     "ClientId/ResourceId/PrincipalId."})
        now = int(time.time())
        payload: dict[str, Any] = {
            "aud": self.graph_endpoint, "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now, "nbf": now, "exp": now + self.lifetime_s, "appid": identity.client_id,
            "appidacr": "2", "idtyp": "app", "oid": identity.object_id, "sub": identity.object_id,
            "tid": self.tenant_id, "ver": "1.0", "xms_mirid": identity.resource_id,
            "uti": b64url(uuid.uuid4().bytes),  # unique, as Entra's are: a re-issued token is a new token
        }
        if identity.roles:
            payload["roles"] = sorted(identity.roles)
        return TokenResult(
            200,
            {
                "access_token": self.sign(payload),
                "expires_on": str(now + self.lifetime_s),
                "resource": params.get("resource", ""),
                "token_type": "Bearer",
                "client_id": identity.client_id,
            },
        )

    def sign(self, payload: dict[str, Any]) -> str:
        header = b64url(json.dumps({"typ": "JWT", "alg": "HS256", "kid": "m365exit-simulator"}).encode())
        body = b64url(json.dumps(payload, separators=(",", ":")).encode())
        sig = hmac.new(self._key, f"{header}.{body}".encode(), hashlib.sha256).digest()
        token = f"{header}.{body}.{b64url(sig)}"
        self.issued.append(token)
        return token

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
