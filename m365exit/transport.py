"""The one HTTP session every outgoing call goes through, MSAL's included.

It enforces the read-only promise before a byte leaves the process, passes TLS trust on each request
(a session-level `verify=` loses to REQUESTS_CA_BUNDLE in requests), keeps loopback off proxies,
and puts a timeout on every call.
"""

from __future__ import annotations

import ipaddress
import json
import os
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters

from m365exit.errors import M365ExitError

DEFAULT_TIMEOUT = (10.0, 120.0)  # connect, read: report downloads can be large
POOL_SIZE = 64  # connections kept alive per host
_NO_PROXY = {"http": None, "https": None}


class ReadOnlyViolation(M365ExitError):
    """Raised before sending anything that could change the tenant."""


def _is_token_endpoint(path: str) -> bool:
    return path.endswith(("/oauth2/v2.0/token", "/oauth2/token", "/oauth2/v2.0/devicecode"))


def _is_batch_of_gets(path: str, body: Any) -> bool:
    if not path.endswith("/$batch"):
        return False
    try:
        payload = json.loads(body) if isinstance(body, str | bytes) else body
        requests_ = payload["requests"]
        return all(str(inner.get("method", "")).upper() == "GET" for inner in requests_)
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


def check_read_only(method: str, url: str, body: Any = None) -> None:
    """Refuse anything but reads: GET, POST to $batch holding only GETs, POST to the token endpoint."""
    method = method.upper()
    path = urlsplit(url).path
    if method == "GET":
        return
    if method == "POST" and (_is_token_endpoint(path) or _is_batch_of_gets(path, body)):
        return
    raise ReadOnlyViolation(
        f"Refused to send {method} {path}: m365exit only reads from Microsoft 365.",
        "This is a bug in m365exit; please report it.",
    )


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ca_bundle_from_env() -> str | bool:
    """TLS trust as requests users expect it: REQUESTS_CA_BUNDLE, then CURL_CA_BUNDLE, else the default store."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


class Transport:
    """A requests session with per-request TLS trust, timeouts and the read-only guard.

    Also usable as MSAL's `http_client` (it has `get`, `post` and `close`).
    """

    def __init__(self, verify: str | bool | None = None, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        self.session = requests.Session()
        # A connection kept alive for every request a collection may have in flight to one host (services x
        # bound): past requests' default of 10, each extra request would pay a TLS handshake and drop it.
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=POOL_SIZE)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        # requests reads the proxy settings from the environment on every request (a scan of os.environ
        # each time, a tenth of a collection's CPU); they are read once per host instead (HTTPS_PROXY,
        # NO_PROXY...), and loopback is never proxied.
        self.session.trust_env = False
        self._proxies: dict[str, dict[str, str | None]] = {}
        self.verify: str | bool = ca_bundle_from_env() if verify is None else verify
        self.timeout = timeout

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        check_read_only(method, url, kwargs.get("data") if kwargs.get("json") is None else kwargs["json"])
        kwargs["verify"] = self.verify
        kwargs.setdefault("timeout", self.timeout)
        kwargs["proxies"] = self._proxies_for(url)
        return self.session.request(method, url, **kwargs)

    def _proxies_for(self, url: str) -> dict[str, str | None]:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxies:
            found = dict(_NO_PROXY) if is_loopback(url) else requests.utils.get_environ_proxies(url)
            self._proxies[origin] = dict(found)
        return dict(self._proxies[origin])

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, params=params, headers=headers, **kwargs)

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any
    ) -> requests.Response:
        return self.request("POST", url, params=params, data=data, headers=headers, **kwargs)

    def close(self) -> None:
        self.session.close()
