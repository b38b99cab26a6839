"""Sign-in with MSAL: the credential modes of DESIGN §2, national clouds, and errors a person can act on.

A TokenProvider hands the Graph client a bearer token and refreshes it when asked. Nothing here ever
prints, logs or embeds a secret or a token in an exception message.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
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


# --- keeping secrets out of every output -----------------------------------------------------------

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL)
REDACTED = "[redacted]"


def register_secret(value: str | None) -> None:
    """Remember a secret, token or assertion so that `redact` removes it from anything shown or logged."""
    if value and len(value) >= 4:
        with _SECRETS_LOCK:
            _SECRETS.add(value)


def redact(text: str) -> str:
    """`text` without any registered secret, bearer token (JWT) or private key."""
    with _SECRETS_LOCK:
        known = sorted(_SECRETS, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, REDACTED)
    return _PEM_KEY.sub(REDACTED, _JWT.sub(REDACTED, text))


class RedactingFilter(logging.Filter):
    """Rewrites each log record through `redact` (MSAL masks tokens itself; this also covers our own logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info:
            import traceback

            record.msg += "\n" + redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info, record.exc_text = None, None
        return True


def debug_logging() -> None:
    """--debug: MSAL's and m365exit's debug logs on stderr, redacted. urllib3 stays quiet (it logs URLs)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    for name in ("msal", "m365exit"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)


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

    def __post_init__(self) -> None:
        for secret in (self.client_secret, self.certificate_password, self.access_token):
            register_secret(secret)

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
     "Create a new secret under App registrations > Certificates & secrets and update AZURE_CLIENT_SECRET "
     "(or switch to a certificate or a federated credential, which m365exit also accepts)."),
    ("AADSTS700027", "The certificate was rejected by Entra ID: it is not registered on the app, does not match "
     "its private key, or has expired there.",
     "Upload the certificate's public part (.cer/.pem) under App registrations > Certificates & secrets, "
     "and check AZURE_CLIENT_CERTIFICATE_PATH points at the matching private key."),
    ("AADSTS700024", "The client assertion has expired (federated tokens from CI are short-lived).",
     "Request a fresh token from your CI's OIDC provider just before running m365exit, and check the "
     "machine's clock."),
    ("AADSTS700211", "No federated credential on the app trusts the token's issuer.",
     "Add a federated credential for your CI's issuer (e.g. https://token.actions.githubusercontent.com) "
     "under App registrations > Certificates & secrets > Federated credentials."),
    ("AADSTS70021", "No federated credential on the app matches the token's subject or audience.",
     "Make the federated credential's subject match the pipeline exactly (e.g. repo:ORG/REPO:ref:refs/heads/main "
     "or repo:ORG/REPO:environment:NAME) and request the token with audience api://AzureADTokenExchange."),
    ("AADSTS50013", "The federated token's signature could not be verified.",
     "Check AZURE_FEDERATED_TOKEN_FILE holds the token your CI's OIDC provider issued, unmodified."),
    ("AADSTS90002", "The tenant was not found.",
     "Check AZURE_TENANT_ID (a GUID or a verified domain) and --cloud: tenants of national clouds are "
     "not visible from the global cloud."),
    ("AADSTS900023", "The tenant identifier is not valid.", "Set AZURE_TENANT_ID to a GUID or verified domain."),
    ("AADSTS700016", "The application was not found in this tenant.",
     "Check AZURE_CLIENT_ID and AZURE_TENANT_ID, and that an administrator has consented to the app in this tenant."),
    ("AADSTS7000112", "The application is disabled in this tenant.",
     "In Entra ID > Enterprise applications > (the app) > Properties, set 'Enabled for users to sign-in' to Yes."),
    ("AADSTS65001", "Consent has not been granted for this application.",
     "An administrator must grant consent: run 'm365exit permissions --format az' for the commands, "
     "or use 'Grant admin consent' on the app's API permissions page."),
    ("AADSTS70020", "The device code expired before the sign-in was completed.",
     "Run the command again and enter the code within 15 minutes."),
    ("AADSTS70043", "The sign-in has expired.", "Sign in again with --device-code."),
    ("AADSTS500011", "The Graph endpoint is not known to this tenant's cloud.",
     "Check --cloud and --graph-endpoint: tokens of one cloud are not valid in another."),
]


def auth_error(result: Mapping[str, Any], settings: AuthSettings) -> AuthError:
    """One sentence and a fix, from an MSAL error result. Never includes a secret."""
    description = str(result.get("error_description") or "")
    error = str(result.get("error") or "unknown_error")
    if settings.mode == "device-code":
        if "AADSTS7000218" in description:
            return AuthError(
                "The app registration does not allow public client flows, which --device-code needs.",
                "In the app registration: Authentication > Advanced settings > Allow public client flows: Yes.",
            )
        if error == "authorization_declined":
            return AuthError("The sign-in was declined.", "Run the command again and approve the sign-in.")
    if settings.mode == "managed-identity":
        return AuthError(
            f"The managed identity endpoint refused to issue a token: {redact(description or error)}.",
            "Assign a managed identity to this Azure resource and grant it the permissions of "
            "'m365exit permissions'; for a user-assigned identity set AZURE_CLIENT_ID to its client ID.",
        )
    for code, message, hint in _AADSTS:
        if re.search(rf"\b{code}\b", description):
            return AuthError(f"{message} ({code}, tenant {settings.tenant_id or '?'})", hint)
    first_line = redact(description.splitlines()[0]) if description else "no details were given"
    return AuthError(
        f"Sign-in failed: {error}: {first_line}",
        "Check AZURE_TENANT_ID, AZURE_CLIENT_ID and the credential; 'm365exit doctor' tests the sign-in.",
    )


def _unreachable(settings: AuthSettings, exc: Exception) -> GraphUnreachableError:
    return GraphUnreachableError(
        f"Could not reach the sign-in endpoint {settings.authority_host} ({type(exc).__name__}).",
        "Check the network, the proxy settings, --cloud or --authority-host, and REQUESTS_CA_BUNDLE.",
    )


def _no_managed_identity(exc: Exception) -> AuthError:
    where = os.environ.get("IDENTITY_ENDPOINT") or os.environ.get("MSI_ENDPOINT") or "the Azure instance metadata "\
        "service (169.254.169.254)"
    return AuthError(
        f"No managed identity endpoint answered at {where} ({type(exc).__name__}).",
        "--managed-identity works on Azure hosts (VM, App Service, Functions, Container Apps, Arc) with an "
        "identity assigned; elsewhere use a certificate, a federated credential or --device-code.",
    )


# --- providers ---------------------------------------------------------------------------------


class StaticTokenProvider:
    """A bearer token a pipeline already holds (M365EXIT_ACCESS_TOKEN). It cannot be refreshed."""

    def __init__(self, access_token: str) -> None:
        self._token = access_token.strip()
        register_secret(self._token)

    def token(self, *, force_refresh: bool = False) -> str:
        claims = token_claims(self._token)
        if not claims:  # Graph's access tokens are JWTs; anything else would read as "no permission granted"
            raise AuthError(
                "The value of M365EXIT_ACCESS_TOKEN is not an access token (a JWT of three dot-separated parts).",
                "Put the access token itself in M365EXIT_ACCESS_TOKEN, e.g. from "
                "'az account get-access-token --resource https://graph.microsoft.com --query accessToken -o tsv'.",
            )
        expires = claims.get("exp")
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

    def __repr__(self) -> str:
        return f"MsalTokenProvider(mode={self._settings.mode!r})"

    def token(self, *, force_refresh: bool = False) -> str:
        try:
            result = self._acquire(force_refresh)
        except requests.RequestException as exc:
            if self._settings.mode == "managed-identity":
                raise _no_managed_identity(exc) from None
            raise _unreachable(self._settings, exc) from None
        if "access_token" not in result:
            raise auth_error(result, self._settings)
        token = str(result["access_token"])
        register_secret(token)
        register_secret(str(result.get("refresh_token") or ""))
        return token


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
            f"The certificate {path} could not be read: wrong or missing password, or not a PEM holding the "
            "private key and the certificate (or a PFX).",
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
    register_secret(private_pem)
    public_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    # With a public certificate and no thumbprint, MSAL (>= 1.35) signs PS256 with x5t#S256 (and sends x5c).
    return {"private_key": private_pem, "public_certificate": public_pem}


def _federated_credential(settings: AuthSettings) -> dict[str, Any]:
    path = Path(settings.federated_token_file)

    def assertion() -> str:  # read at each use: pipelines rotate the file
        try:
            value = path.read_text().strip()
        except OSError as exc:
            raise AuthError(f"Cannot read the federated token {path}: {exc.strerror}.",
                            "Check AZURE_FEDERATED_TOKEN_FILE.") from None
        if not value:
            raise AuthError(f"The federated token file {path} is empty.",
                            "Write your CI's OIDC token (audience api://AzureADTokenExchange) to it first.")
        register_secret(value)
        return value

    assertion()  # a missing or empty file is a usage problem: say so before MSAL is involved
    return {"client_assertion": assertion}


def _token_cache(settings: AuthSettings) -> tuple[Any, Callable[[], None]]:
    cache = msal.SerializableTokenCache()
    path = Path(settings.token_cache_path) if settings.token_cache_path else (
        Path.home() / ".cache" / "m365exit" / "msal-token-cache.json"
    )
    if path.exists():
        try:
            cache.deserialize(path.read_text())
        except (OSError, ValueError):  # unreadable or corrupt: start afresh, it is only a cache
            cache = msal.SerializableTokenCache()

    def persist() -> None:
        if cache.has_state_changed:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(cache.serialize())
            tmp.chmod(0o600)  # whatever the umask
            tmp.replace(path)
            cache.has_state_changed = False

    return cache, persist


def _managed_identity(settings: AuthSettings) -> Any:
    """System-assigned, or user-assigned by client ID (AZURE_CLIENT_ID, as azure-identity reads it) or resource ID."""
    if not settings.client_id:
        return msal.SystemAssignedManagedIdentity()
    if settings.client_id.startswith("/subscriptions/"):
        return msal.UserAssignedManagedIdentity(resource_id=settings.client_id)
    return msal.UserAssignedManagedIdentity(client_id=settings.client_id)


def token_provider(
    settings: AuthSettings, transport: Transport, *, show_device_code: Callable[[str], None] | None = None
) -> TokenProvider:
    """The provider for the first credential mode configured (DESIGN §2 order)."""
    mode = settings.mode
    if mode == "access-token":
        return StaticTokenProvider(settings.access_token)
    if mode == "managed-identity":
        def managed(force: bool) -> Mapping[str, Any]:
            # MSAL serves its cached token even when asked to refresh; a fresh client after Graph said 401
            # makes the host's endpoint issue a new one.
            if force or "client" not in clients:
                clients["client"] = msal.ManagedIdentityClient(_managed_identity(settings), http_client=transport,
                                                               http_cache={})
            return dict(clients["client"].acquire_token_for_client(resource=settings.graph_endpoint))

        clients: dict[str, Any] = {}
        return MsalTokenProvider(settings, managed)
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
    except ValueError:  # MSAL validates the authority eagerly (OIDC discovery): a 4xx there is a ValueError
        raise AuthError(
            f"The tenant {settings.tenant_id!r} was not found at {settings.authority_host}.",
            "Check AZURE_TENANT_ID (a GUID or a verified domain) and --cloud / --authority-host: tenants of "
            "national clouds are not visible from the global cloud.",
        ) from None
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
        if accounts:  # the persisted cache: a valid access token, or a refresh token, without asking the person
            result = app.acquire_token_silent(scopes, account=accounts[0], force_refresh=force)
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
