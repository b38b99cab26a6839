"""Sign-in with MSAL: the credential modes of DESIGN §2, national clouds, and errors a person can act on.

A TokenProvider hands the Graph client a bearer token and refreshes it when asked. Nothing here ever
prints, logs or embeds a secret or a token in an exception message.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import msal
import requests

from m365exit.errors import AuthError, GraphUnreachableError, UsageError
from m365exit.transport import Transport


@dataclass(frozen=True)
class Cloud:
    name: str
    graph_endpoint: str
    authority_host: str


CLOUDS: dict[str, Cloud] = {
    c.name: c
    for c in (
        Cloud("global", "https://graph.microsoft.com", "https://login.microsoftonline.com"),
        Cloud("usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us"),
        Cloud("usgov-dod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
        Cloud("china", "https://microsoftgraph.chinacloudapi.cn", "https://login.partner.microsoftonline.cn"),
    )
}
_MICROSOFT_AUTHORITIES = {urlsplit(c.authority_host).hostname for c in CLOUDS.values()} | {
    "login.chinacloudapi.cn",
    "login.windows.net",
    "login.microsoft.com",
}


def _root(url: str, what: str) -> str:
    """A root URL: scheme and host, no path (DESIGN §2)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.path not in ("", "/"):
        raise UsageError(
            f"{what} must be a root URL with a scheme and no path, got {url!r}.",
            "Example: https://graph.microsoft.us",
        )
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class AuthSettings:
    """Everything needed to sign in, from flags and the environment. Secrets are kept out of repr."""

    tenant_id: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    certificate_path: str = ""
    certificate_password: str = field(default="", repr=False)
    federated_token_file: str = ""
    access_token: str = field(default="", repr=False)
    managed_identity: bool = False
    device_code: bool = False
    cloud: str = "global"
    graph_endpoint: str = ""
    authority_host: str = ""
    token_cache_path: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **flags: Any) -> AuthSettings:
        """Flags win over the environment; empty flags fall back to it."""
        env = os.environ if env is None else env

        def pick(flag: str, *names: str) -> str:
            value = flags.get(flag)
            if value:
                return str(value)
            return next((env[n] for n in names if env.get(n)), "")

        cloud = pick("cloud", "M365EXIT_CLOUD") or "global"
        if cloud not in CLOUDS:
            raise UsageError(f"Unknown cloud {cloud!r}.", f"Choose one of: {', '.join(CLOUDS)}.")
        graph = pick("graph_endpoint", "M365EXIT_GRAPH_ENDPOINT")
        authority = pick("authority_host", "M365EXIT_AUTHORITY_HOST", "AZURE_AUTHORITY_HOST")
        return cls(
            tenant_id=pick("tenant_id", "AZURE_TENANT_ID"),
            client_id=pick("client_id", "AZURE_CLIENT_ID"),
            client_secret=pick("client_secret", "AZURE_CLIENT_SECRET"),
            certificate_path=pick("certificate_path", "AZURE_CLIENT_CERTIFICATE_PATH"),
            certificate_password=pick("certificate_password", "AZURE_CLIENT_CERTIFICATE_PASSWORD"),
            federated_token_file=pick("federated_token_file", "AZURE_FEDERATED_TOKEN_FILE"),
            access_token=pick("access_token", "M365EXIT_ACCESS_TOKEN"),
            managed_identity=bool(flags.get("managed_identity")),
            device_code=bool(flags.get("device_code")),
            cloud=cloud,
            graph_endpoint=_root(graph, "The Graph endpoint") if graph else CLOUDS[cloud].graph_endpoint,
            authority_host=_root(authority, "The authority host") if authority else CLOUDS[cloud].authority_host,
            token_cache_path=pick("token_cache_path", "M365EXIT_TOKEN_CACHE"),
        )

    @property
    def mode(self) -> str:
        if self.access_token:
            return "access-token"
        if self.managed_identity:
            return "managed-identity"
        if self.device_code:
            return "device-code"
        if self.client_secret:
            return "client-secret"
        if self.certificate_path:
            return "certificate"
        if self.federated_token_file:
            return "federated"
        return "none"

    @property
    def scope(self) -> str:
        return f"{self.graph_endpoint}/.default"

    @property
    def authority(self) -> str:
        return f"{self.authority_host}/{self.tenant_id}"

    @property
    def is_microsoft_authority(self) -> bool:
        return urlsplit(self.authority_host).hostname in _MICROSOFT_AUTHORITIES


class TokenProvider(Protocol):
    def token(self, *, force_refresh: bool = False) -> str: ...


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT access token, unverified: only read to report roles and expiry."""
    try:
        payload = token.split(".")[1]
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(decoded)
        return claims if isinstance(claims, dict) else {}
    except (IndexError, ValueError):
        return {}


# --- turning MSAL answers into sentences ----------------------------------------------------------

_AADSTS: list[tuple[str, str, str]] = [
    ("AADSTS7000215", "The client secret was rejected by Entra ID.",
     "Check AZURE_CLIENT_SECRET holds the secret's value (not its ID), or create a new one under "
     "App registrations > Certificates & secrets."),
    ("AADSTS7000222", "The client secret has expired.",
     "Create a new secret under App registrations > Certificates & secrets and update AZURE_CLIENT_SECRET."),
    ("AADSTS700027", "The certificate or client assertion was rejected by Entra ID.",
     "Upload the certificate's public part to the app registration, or check the federated credential's "
     "issuer, subject and audience."),
    ("AADSTS90002", "The tenant was not found.",
     "Check AZURE_TENANT_ID (a GUID or a verified domain) and --cloud: tenants of national clouds are "
     "not visible from the global cloud."),
    ("AADSTS900023", "The tenant identifier is not valid.", "Set AZURE_TENANT_ID to a GUID or verified domain."),
    ("AADSTS700016", "The application was not found in this tenant.",
     "Check AZURE_CLIENT_ID, and that an administrator has consented to the app in this tenant."),
    ("AADSTS7000112", "The application is disabled.", "Re-enable the enterprise application in Entra ID."),
    ("AADSTS65001", "Admin consent has not been granted for this application.",
     "An administrator must grant consent: run 'm365exit permissions --format az' for the commands."),
    ("AADSTS70043", "The sign-in has expired.", "Sign in again with --device-code."),
]


def auth_error(result: Mapping[str, Any], settings: AuthSettings) -> AuthError:
    """One sentence and a fix, from an MSAL error result. Never includes the secret."""
    description = str(result.get("error_description") or "")
    for code, message, hint in _AADSTS:
        if code in description:
            return AuthError(f"{message} ({code}, tenant {settings.tenant_id or '?'})", hint)
    error = str(result.get("error") or "unknown_error")
    first_line = description.splitlines()[0] if description else "no details were given"
    return AuthError(
        f"Sign-in failed: {error}: {first_line}",
        "Check AZURE_TENANT_ID, AZURE_CLIENT_ID and the credential; 'm365exit doctor' tests the sign-in.",
    )


def _unreachable(settings: AuthSettings, exc: Exception) -> GraphUnreachableError:
    return GraphUnreachableError(
        f"Could not reach the sign-in endpoint {settings.authority_host} ({type(exc).__name__}).",
        "Check the network, the proxy settings, --cloud or --authority-host, and REQUESTS_CA_BUNDLE.",
    )


# --- providers ---------------------------------------------------------------------------------


class StaticTokenProvider:
    """A bearer token a pipeline already holds (M365EXIT_ACCESS_TOKEN). It cannot be refreshed."""

    def __init__(self, access_token: str) -> None:
        self._token = access_token.strip()

    def token(self, *, force_refresh: bool = False) -> str:
        expires = token_claims(self._token).get("exp")
        if force_refresh or (isinstance(expires, int | float) and expires < time.time()):
            raise AuthError(
                "The access token from M365EXIT_ACCESS_TOKEN has expired or was refused.",
                "Acquire a fresh token for the Graph scope, or use an app credential that m365exit can renew.",
            )
        return self._token


class MsalTokenProvider:
    """Wraps an MSAL application; MSAL caches the token and renews it before expiry."""

    def __init__(self, settings: AuthSettings, acquire: Callable[[bool], Mapping[str, Any]]) -> None:
        self._settings = settings
        self._acquire = acquire

    def token(self, *, force_refresh: bool = False) -> str:
        try:
            result = self._acquire(force_refresh)
        except requests.RequestException as exc:
            raise _unreachable(self._settings, exc) from None
        if "access_token" not in result:
            raise auth_error(result, self._settings)
        return str(result["access_token"])


def _certificate_credential(settings: AuthSettings) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    path = Path(settings.certificate_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuthError(f"Cannot read the certificate {path}: {exc.strerror}.",
                        "Check AZURE_CLIENT_CERTIFICATE_PATH.") from None
    password = settings.certificate_password.encode() or None
    try:
        if path.suffix.lower() in (".pfx", ".p12"):
            key, cert, _ = pkcs12.load_key_and_certificates(data, password)
        else:
            key = serialization.load_pem_private_key(data, password)
            cert = x509.load_pem_x509_certificate(data)
    except (ValueError, TypeError):
        raise AuthError(
            f"The certificate {path} could not be read: wrong password, or not a PEM with key and "
            "certificate (or a PFX).",
            "Check AZURE_CLIENT_CERTIFICATE_PASSWORD, or export the certificate with its private key.",
        ) from None
    if cert is None or key is None:
        raise AuthError(f"The certificate file {path} lacks a certificate or a private key.",
                        "Export the certificate together with its private key.")
    if cert.not_valid_after_utc < datetime.now(UTC):
        raise AuthError(
            f"The certificate {path} expired on {cert.not_valid_after_utc:%Y-%m-%d}.",
            "Create a new certificate, upload its public part to the app registration, and point "
            "AZURE_CLIENT_CERTIFICATE_PATH at it.",
        )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    # With a public certificate and no thumbprint, MSAL (>= 1.35) signs PS256 with x5t#S256.
    return {"private_key": private_pem, "public_certificate": public_pem}


def _federated_credential(settings: AuthSettings) -> dict[str, Any]:
    path = Path(settings.federated_token_file)

    def assertion() -> str:  # read at each use: pipelines rotate the file
        try:
            return path.read_text().strip()
        except OSError as exc:
            raise AuthError(f"Cannot read the federated token {path}: {exc.strerror}.",
                            "Check AZURE_FEDERATED_TOKEN_FILE.") from None

    return {"client_assertion": assertion}


def _token_cache(settings: AuthSettings) -> tuple[Any, Callable[[], None]]:
    cache = msal.SerializableTokenCache()
    path = Path(settings.token_cache_path) if settings.token_cache_path else (
        Path.home() / ".cache" / "m365exit" / "msal-token-cache.json"
    )
    if path.exists():
        cache.deserialize(path.read_text())

    def persist() -> None:
        if cache.has_state_changed:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(cache.serialize())
            tmp.replace(path)

    return cache, persist


def token_provider(
    settings: AuthSettings, transport: Transport, *, show_device_code: Callable[[str], None] | None = None
) -> TokenProvider:
    """The provider for the first credential mode configured (DESIGN §2 order)."""
    mode = settings.mode
    if mode == "access-token":
        return StaticTokenProvider(settings.access_token)
    if mode == "managed-identity":
        identity: Any = (msal.UserAssignedManagedIdentity(client_id=settings.client_id)
                         if settings.client_id else msal.SystemAssignedManagedIdentity())
        mi = msal.ManagedIdentityClient(identity, http_client=transport)
        return MsalTokenProvider(settings, lambda _force: mi.acquire_token_for_client(resource=settings.graph_endpoint))
    if not settings.tenant_id or not settings.client_id:
        raise AuthError(
            "No credentials: m365exit needs a tenant and an application to sign in.",
            "Set AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or "
            "AZURE_FEDERATED_TOKEN_FILE; or use --device-code, --managed-identity, or M365EXIT_ACCESS_TOKEN. "
            "'m365exit demo' needs none.",
        )
    common: dict[str, Any] = {
        "authority": settings.authority,
        "http_client": transport,
        "instance_discovery": settings.is_microsoft_authority,
        "http_cache": {},
    }
    try:
        if mode == "device-code":
            cache, persist = _token_cache(settings)
            public = msal.PublicClientApplication(settings.client_id, token_cache=cache, **common)
            return MsalTokenProvider(settings, _device_flow(public, settings, persist, show_device_code))
        if mode == "client-secret":
            credential: Any = settings.client_secret
        elif mode == "certificate":
            credential = _certificate_credential(settings)
        elif mode == "federated":
            credential = _federated_credential(settings)
        else:
            raise AuthError(
                f"No credential for application {settings.client_id}.",
                "Set AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE, or use "
                "--device-code.",
            )
        app = msal.ConfidentialClientApplication(settings.client_id, client_credential=credential, **common)
    except ValueError as exc:  # MSAL validates the authority eagerly (OIDC discovery)
        raise AuthError(
            f"The sign-in authority {settings.authority} was not accepted: tenant unknown or authority wrong.",
            "Check AZURE_TENANT_ID and --cloud / --authority-host.",
        ) from exc
    except requests.RequestException as exc:
        raise _unreachable(settings, exc) from None
    scopes = [settings.scope]

    def acquire(force: bool) -> Mapping[str, Any]:
        if force:  # Graph said 401: drop the cached token so MSAL asks Entra for a new one
            for cached in list(app.token_cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):  # copy first
                app.token_cache.remove_at(cached)
        return dict(app.acquire_token_for_client(scopes=scopes))

    return MsalTokenProvider(settings, acquire)


def _device_flow(
    app: Any, settings: AuthSettings, persist: Callable[[], None], show: Callable[[str], None] | None
) -> Callable[[bool], Mapping[str, Any]]:
    # Delegated scopes: the permissions the user consented to on their own app registration.
    scopes = [settings.scope]

    def acquire(force: bool) -> Mapping[str, Any]:
        accounts = app.get_accounts()
        if accounts and not force:
            result = app.acquire_token_silent(scopes, account=accounts[0])
            if result and "access_token" in result:
                persist()
                return dict(result)
        flow = app.initiate_device_flow(scopes=scopes)
        if "user_code" not in flow:
            return dict(flow)
        if show is not None:
            show(str(flow["message"]))
        result = app.acquire_token_by_device_flow(flow)
        persist()
        return dict(result)

    return acquire
