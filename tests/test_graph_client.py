"""GraphClient against the simulator over HTTPS, in-process: retries, waits, bounds, the read-only guard.

Waits go through a recording `sleep`, so the Retry-After values the client honoured are asserted exactly and
the tests do not wait at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from m365exit.auth import AuthSettings, token_provider
from m365exit.graph import GraphClient, GraphError
from m365exit.simulator import Simulator, SimulatorOptions, generate_tenant
from m365exit.simulator.faults import Faults, Throttling
from m365exit.transport import ReadOnlyViolation, Transport


@pytest.fixture(scope="module")
def tenant():  # type: ignore[no-untyped-def]
    return generate_tenant("s", 2)


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client_for(sim: Simulator, **kw: object) -> tuple[GraphClient, Recorder]:
    transport = Transport(verify=str(sim.ca_path))
    tokens = token_provider(AuthSettings.from_env(sim.env()), transport)
    sleep = Recorder()
    kw.setdefault("backoff_base", 0.01)
    return GraphClient(transport, tokens, sim.graph_endpoint, sleep=sleep, **kw), sleep  # type: ignore[arg-type]


@pytest.fixture
def make(tenant, tmp_path: Path) -> Iterator:  # type: ignore[no-untyped-def, type-arg]
    sims: list[Simulator] = []

    def start(**options: object) -> Simulator:
        sim = Simulator(tenant, SimulatorOptions(**options), state_dir=tmp_path / f"sim{len(sims)}")  # type: ignore[arg-type]
        sims.append(sim.start())
        return sim

    yield start
    for sim in sims:
        sim.stop()


def graph_requests(sim: Simulator) -> list[str]:
    return [f"{e.method} {e.path}" for e in sim.request_log if e.origin != "auth"]


def test_read_only_guard_refuses_before_anything_is_sent(make) -> None:  # type: ignore[no-untyped-def]
    sim = make()
    client, _ = client_for(sim)
    for method, path, body in [
        ("PATCH", "users/someone", {"accountEnabled": False}),
        ("DELETE", "groups/x", None),
        ("POST", "users", {"displayName": "x"}),
        ("POST", "$batch", {"requests": [{"id": "1", "method": "DELETE", "url": "/users/x"}]}),
    ]:
        with pytest.raises(ReadOnlyViolation):
            client.request(method, path, body=body)
    # MSAL read the OIDC metadata when the app was built; nothing else arrived, not even a token request
    assert [e.path for e in sim.request_log if not e.path.endswith("/openid-configuration")] == []
    assert client.get_json("organization")["value"]  # reads still work
    assert all(e.method in ("GET", "POST") for e in sim.request_log)


def test_integer_and_decimal_retry_after_are_honoured_then_capped(make) -> None:  # type: ignore[no-untyped-def]
    whole = make(throttling=Throttling(endless=frozenset({"places"}), time_scale=0.1))  # sample 1 s -> "1"
    client, sleep = client_for(whole, max_wait=3.5)
    with pytest.raises(GraphError) as caught:
        client.get_json("places/microsoft.graph.room")
    assert caught.value.kind == "throttled" and "gave up" in caught.value.message
    assert sleep.waits == pytest.approx([1.0, 1.0, 1.0], abs=0.05)
    assert client.accounting()["places"]["throttled"] == 4

    decimal = make(throttling=Throttling(endless=frozenset({"places"}), time_scale=0.2128, decimal_retry_after=True))
    client, sleep = client_for(decimal, max_wait=1.0)
    with pytest.raises(GraphError):
        client.get_json("places/microsoft.graph.room")
    assert sleep.waits == pytest.approx([0.213, 0.213, 0.213, 0.213], abs=0.05)


def test_conditional_access_429_without_retry_after_backs_off_exponentially(make) -> None:  # type: ignore[no-untyped-def]
    sim = make(throttling=Throttling(endless=frozenset({"conditionalAccess"})))
    client, sleep = client_for(sim, backoff_base=1.0, max_wait=100)
    with pytest.raises(GraphError):
        client.get_json("identity/conditionalAccess/policies")
    throttled = [e for e in sim.request_log if e.service == "conditionalAccess"]
    assert throttled and all(e.status == 429 for e in throttled)
    assert len(sleep.waits) == 6  # max_retries
    for attempt, wait in enumerate(sleep.waits):  # 2**attempt, jittered by 0.5-1.5
        assert 0.5 * 2**attempt <= wait <= 1.5 * 2**attempt


def test_sharepoint_503_with_retry_after_is_throttling(make) -> None:  # type: ignore[no-untyped-def]
    sim = make(throttling=Throttling(storm=0.5, services=frozenset({"sharepoint"}), time_scale=0.001, seed=4))
    client, sleep = client_for(sim)
    sites = sum(1 for _ in client.iter_items("sites/getAllSites", {"$select": "id", "$top": 20}))
    assert sites == len(sim.tenant.sites)
    assert any(e.status == 503 and e.throttled for e in sim.request_log)
    assert client.accounting()["sharepoint"]["throttled"] > 0
    # 120 s x 0.001 rounded up to 1 s; a thread joining a pause already under way waits only what is left of it
    assert sleep.waits and all(0 < w <= 1.0 + 1e-6 for w in sleep.waits)


def test_batch_retries_only_the_throttled_inner_requests_after_their_retry_after(make) -> None:  # type: ignore[no-untyped-def]
    sim = make(throttling=Throttling(storm=0.4, services=frozenset({"teams"}), time_scale=0.01,
                                     decimal_retry_after=True, seed=7))
    client, sleep = client_for(sim)
    teams = [t["id"] for t in client.iter_items("teams", {"$select": "id"})]
    paths = [f"teams/{t}/channels?$select=id,membershipType" for t in teams]
    results = list(client.batch_get(paths))
    assert [p for p, _, _ in results] == paths and all(status == 200 for _, status, _ in results)
    inner = [e for e in sim.request_log if e.inner and e.service == "teams"]
    throttled = sum(e.status == 429 for e in inner)
    assert throttled > 0
    assert len(inner) == len(paths) + throttled  # nothing that succeeded was asked twice
    # Waits come from the inner Retry-After (teams' 2 s sample x 0.01): at most that, what is left of the pause
    # when a thread reaches it, never the 1 s floor of a 429 that gave no hint.
    assert sleep.waits and all(0 < w <= 0.03 for w in sleep.waits)
    stats = client.accounting()["teams"]
    assert stats["throttled"] == sum(e.throttled for e in sim.request_log if e.service == "teams")
    assert stats["batches"] > -(-len(paths) // 20)  # retry batches came on top of the first ones


def test_requests_in_flight_per_service_stay_bounded(make) -> None:  # type: ignore[no-untyped-def]
    sim = make(latency_ms=40)
    client, _ = client_for(sim, concurrency=8, max_in_flight=2)
    teams = [t["id"] for t in client.iter_items("teams", {"$select": "id"})]
    paths = [f"teams/{t}/installedApps" for t in teams] * 4  # enough batches for 8 threads
    assert len(list(client.batch_get(paths))) == len(paths)
    assert sim.max_in_flight["teams"] == 2  # the bound, and reached


def test_expired_token_mid_run_is_renewed_once(make) -> None:  # type: ignore[no-untyped-def]
    sim = make(faults=Faults(at={3: "expired_token"}))
    client, _ = client_for(sim)
    users = sum(1 for _ in client.iter_items("users", {"$select": "id", "$top": 100}))
    assert users == len(sim.tenant.users)
    statuses = [e.status for e in sim.request_log if e.origin == "graph"]
    assert statuses.count(401) == 1
    assert sum(1 for e in sim.request_log if e.path.endswith("/oauth2/v2.0/token")) == 2


@pytest.mark.parametrize("kind", ["reset", "truncate"])
def test_report_download_survives_a_broken_body(make, kind: str) -> None:  # type: ignore[no-untyped-def]
    plain = make()
    client, _ = client_for(plain)
    with client.report_csv("getMailboxUsageDetail", "D30") as expected:
        pass
    sim = make(faults=Faults(at={2: kind}))  # request 1: the function (302); request 2: the download
    client, _ = client_for(sim)
    with client.report_csv("getMailboxUsageDetail", "D30") as csv:
        assert csv == expected
    assert client.downloads.held == 0  # the room the broken body took is given back
    assert next(e.fault for e in sim.request_log if e.origin == "download") == kind
    assert client.accounting()["reports"]["retries"] == 1


def test_report_downloads_wait_for_room_in_the_budget(make) -> None:  # type: ignore[no-untyped-def]
    """Bodies read but not parsed never exceed the budget; one larger than the budget still comes."""
    sim = make(latency_ms=5)
    client, _ = client_for(sim, download_budget=1)
    functions = ["getMailboxUsageDetail", "getOneDriveUsageAccountDetail", "getEmailActivityUserDetail",
                 "getTeamsUserActivityUserDetail"]
    sizes: dict[str, int] = {}

    def read(function: str) -> None:
        with client.report_csv(function, "D30") as csv:
            sizes[function] = len(csv)
            time.sleep(0.05)  # parsing: the next body waits meanwhile

    threads = [threading.Thread(target=read, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sizes) == sorted(functions) and min(sizes.values()) > 0
    assert client.downloads.peak == max(sizes.values())  # one body at a time, the largest let through whole
    assert client.downloads.held == 0
    downloads = [e for e in sim.request_log if e.origin == "download"]
    assert len(downloads) == 4 and not any(e.authorization_sent for e in downloads)
    assert sim.max_in_flight["reports"] <= 4 and client.accounting()["reports"]["requests"] == 8


@pytest.mark.parametrize("number", [1, 2])  # odd: JSON cut with a matching length; even: a short body
def test_truncated_json_is_retried(make, number: int) -> None:  # type: ignore[no-untyped-def]
    sim = make(faults=Faults(at={number: "truncate"}))
    client, _ = client_for(sim)
    users = sum(1 for _ in client.iter_items("users", {"$select": "id", "$top": 100}))
    assert users == len(sim.tenant.users)
    assert client.accounting()["identity"]["retries"] == 1


def test_top_is_added_at_the_maximum(make) -> None:  # type: ignore[no-untyped-def]
    sim = make()
    client, _ = client_for(sim)
    list(client.iter_items("users", {"$select": "id"}))
    first = next(e.path for e in sim.request_log if "/users" in e.path)
    assert "top=999" in first.replace("%24", "$")


def test_a_429_without_retry_after_waits_at_least_a_second_then_doubles(make) -> None:  # type: ignore[no-untyped-def]
    """Conditional access allows one request per second and sends no Retry-After: however short the
    configured backoff, the client never comes back sooner than a second; above that, exponential + jitter."""
    sim = make(throttling=Throttling(endless=frozenset({"conditionalAccess"})))
    client, sleep = client_for(sim, backoff_base=0.01, max_wait=100)
    with pytest.raises(GraphError):
        client.get_json("identity/conditionalAccess/policies")
    assert len(sleep.waits) == 6 and all(wait >= 1.0 for wait in sleep.waits)
    assert all(1.0 <= wait <= 1.5 for wait in sleep.waits)  # 0.01 x 2**5 is still under the floor

    client, sleep = client_for(sim, backoff_base=0.5, max_wait=1000)
    with pytest.raises(GraphError):
        client.get_json("identity/conditionalAccess/policies")
    for attempt, wait in enumerate(sleep.waits):
        floor = max(1.0, 0.5 * 2**attempt)
        assert floor <= wait <= 1.5 * floor


def test_batch_inside_without_retry_after_keeps_the_floor(make) -> None:  # type: ignore[no-untyped-def]
    sim = make(throttling=Throttling(endless=frozenset({"conditionalAccess"})))
    client, sleep = client_for(sim, backoff_base=0.01, max_wait=100, max_retries=2)
    [(status, _)] = client.batch_round(["identity/conditionalAccess/policies?$select=id"])
    assert status == 429  # given up after the retries, reported to the caller
    assert sleep.waits and all(wait >= 1.0 for wait in sleep.waits)


def test_one_request_per_second_counting_rejections_is_read_after_the_floor(make) -> None:  # type: ignore[no-untyped-def]
    """The documented 1 request/s of conditional access, counting the rejected requests too: a client that
    came back sooner than a second would stay locked out; with the floor it gets through on its first retry."""
    sim = make(throttling=Throttling(services=frozenset({"conditionalAccess"})))
    transport = Transport(verify=str(sim.ca_path))
    client = GraphClient(transport, token_provider(AuthSettings.from_env(sim.env()), transport), sim.graph_endpoint,
                         backoff_base=0.01)
    for _ in range(2):
        assert client.get_json("identity/conditionalAccess/policies")["value"]
    stats = client.accounting()["conditionalAccess"]
    assert (stats["requests"], stats["throttled"], stats["retries"]) == (3, 1, 1)


def test_proxies_come_from_the_environment_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "login.example")
    transport = Transport(verify=True)
    assert transport._proxies_for("https://graph.microsoft.com/v1.0/users")["https"] == "http://proxy.example:3128"
    assert not transport._proxies_for("https://login.example/t/oauth2/v2.0/token").get("https")
    assert transport._proxies_for("https://127.0.0.1:8443/v1.0/users")["https"] is None  # loopback: never proxied
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example:3128")
    assert transport._proxies_for("https://graph.microsoft.com/v1.0/groups")["https"] == "http://proxy.example:3128"
