"""Shared fixtures: one simulator per module, real HTTPS, `verify=` passed on every request.

The environment may set REQUESTS_CA_BUNDLE (which would override a session-level verify=), so requests
go through `Client`, which passes verify per request and ignores proxies for loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant


class Client:
    """A minimal Graph client for the tests (and an MSAL http_client: get/post/close)."""

    def __init__(self, sim: Simulator, token: str | None = None) -> None:
        self.sim = sim
        self.ca = str(sim.ca_path)
        self.session = requests.Session()
        self.session.trust_env = False
        self.token = token

    # MSAL http_client protocol
    def get(self, url: str, **kw: Any) -> requests.Response:
        kw["verify"] = self.ca
        kw.setdefault("timeout", 30)
        if self.token and url.startswith(
            (self.sim.graph_endpoint + "/v1.0", self.sim.graph_endpoint + "/beta")
        ):
            headers = dict(kw.pop("headers", None) or {})
            headers.setdefault("Authorization", f"Bearer {self.token}")
            kw["headers"] = headers
        return self.session.get(url, **kw)

    def post(self, url: str, **kw: Any) -> requests.Response:
        kw["verify"] = self.ca
        kw.setdefault("timeout", 30)
        if self.token and url.startswith(self.sim.graph_endpoint + "/v1.0"):
            headers = dict(kw.pop("headers", None) or {})
            headers.setdefault("Authorization", f"Bearer {self.token}")
            kw["headers"] = headers
        return self.session.post(url, **kw)

    def close(self) -> None:
        self.session.close()

    # helpers
    def graph(self, path: str, **kw: Any) -> requests.Response:
        return self.get(f"{self.sim.graph_endpoint}/v1.0/{path.lstrip('/')}", **kw)

    def collect(self, path: str, **kw: Any) -> tuple[list[dict[str, Any]], int]:
        """Follow @odata.nextLink until it is absent (empty pages included); items and request count."""
        url: str | None = f"{self.sim.graph_endpoint}/v1.0/{path.lstrip('/')}"
        items: list[dict[str, Any]] = []
        pages = 0
        while url:
            r = self.get(url, **kw)
            assert r.status_code == 200, r.text
            body = r.json()
            items.extend(body["value"])
            pages += 1
            url = body.get("@odata.nextLink")
        return items, pages


def msal_token(sim: Simulator) -> str:
    import msal  # noqa: TID251 - the tests drive the real MSAL against the simulator

    app = msal.ConfidentialClientApplication(
        sim.client_id,
        client_credential=sim.client_secret,
        authority=f"{sim.authority_host}/{sim.tenant_id}",
        instance_discovery=False,
        http_client=Client(sim),
        http_cache={},
    )
    result = app.acquire_token_for_client(scopes=[f"{sim.graph_endpoint}/.default"])
    assert "access_token" in result, result
    return str(result["access_token"])


@pytest.fixture(scope="session")
def demo_tenant():  # type: ignore[no-untyped-def]
    return generate_tenant("demo", 1)


@pytest.fixture(scope="module")
def sim(demo_tenant) -> Iterator[Simulator]:  # type: ignore[no-untyped-def]
    with Simulator(demo_tenant, SimulatorOptions(empty_page_every=2)) as s:
        yield s


@pytest.fixture(scope="module")
def client(sim: Simulator) -> Iterator[Client]:
    c = Client(sim, sim.issue_token())
    yield c
    c.close()
