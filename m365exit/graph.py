"""GraphClient: the only way m365exit talks to Microsoft Graph.

It pages until `@odata.nextLink` is absent (an empty page is not the end), honours Retry-After (decimals,
and inside $batch), backs off with jitter where Graph gives no hint, renews the token on a 401, retries a
body cut short or reset mid-way, packs fan-out requests 20 to a $batch, keeps a bounded number of requests
in flight per service, and accounts for every request per service (DESIGN §8). A 429 without Retry-After
is never retried sooner than `THROTTLE_FLOOR_S` (some endpoints allow one request per second and count the
rejected ones too); above that floor the backoff is exponential with jitter.

Tuning for tests and slow links, from the environment when not passed: M365EXIT_MAX_WAIT (seconds of
throttling waits a call may spend, default 300), M365EXIT_BACKOFF_BASE (first backoff in seconds, default 1),
M365EXIT_MAX_IN_FLIGHT (requests in flight per service, default 4).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import requests

from m365exit.auth import TokenProvider
from m365exit.downloads import DownloadBudget
from m365exit.snapshot import ServiceRequests
from m365exit.transport import Transport, check_read_only

BATCH_LIMIT = 20
THROTTLE_FLOOR_S = 1.0
DOWNLOAD = "download"  # the in-flight slot of report downloads: another host than Graph, with its own bound
T = TypeVar("T")
RETRY_STATUSES = {429, 500, 502, 503, 504}

#: Largest documented page size of list endpoints that accept `$top` (graph-facts §3); added when a caller
#: sends `$select` without `$top`, so no list is read at the default 100 a page.
MAX_TOP = {
    "users": 999, "groups": 999, "serviceprincipals": 999, "devices": 999, "teams": 999,
    "sites/getallsites": 999, "devicemanagement/manageddevices": 1000,
}


class GraphError(Exception):
    """A Graph call that failed for good: the collector turns it into a snapshot issue."""

    def __init__(self, endpoint: str, status: int | None, code: str, message: str, kind: str = "http") -> None:
        super().__init__(f"{endpoint}: {status} {code}: {message}")
        self.endpoint = endpoint
        self.status = status
        self.code = code
        self.message = message
        self.kind = kind  # "http", "network" or "throttled"


def service_of(path: str) -> str:
    """The throttling family a Graph path belongs to (graph-facts §5), named as the simulator names it."""
    p = urlsplit(path).path.lower()
    for marker in ("/v1.0/", "/beta/"):
        if marker in p:
            p = p.split(marker, 1)[1]
    p = p.lstrip("/")
    families = [
        ("reports/", "reports"), ("copilot/reports", "reports"), ("admin/reportsettings", "reports"),
        ("identity/conditionalaccess", "conditionalAccess"),
        ("sites", "sharepoint"), ("drives", "sharepoint"),
        ("teams", "teams"), ("devicemanagement", "intune"),
        ("planner", "planner"), ("groups/", "planner"),  # groups/{id}/planner/plans is the only per-group call
        ("solutions/bookingbusinesses", "bookings"), ("places", "places"),
        ("security/cases", "ediscovery"), ("security/", "purview"), ("admin/", "admin"),
        ("$batch", "batch"),  # GraphClient attributes a $batch to the service of its inner requests
    ]
    for prefix, family in families:
        if p.startswith(prefix) and not (prefix == "groups/" and "/planner" not in p):
            return family
    return "identity"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait, from a Retry-After of whole or decimal seconds; None when absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(0.0, seconds)


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


def _error_of(response: requests.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error", {})
        if isinstance(error, dict):
            return str(error.get("code") or ""), str(error.get("message") or "")
    except ValueError:
        pass
    return "", (response.text or "")[:200]


class GraphClient:
    def __init__(
        self,
        transport: Transport,
        tokens: TokenProvider,
        graph_endpoint: str,
        *,
        version: str = "v1.0",
        max_retries: int = 6,
        max_network_retries: int = 3,
        max_wait: float | None = None,
        backoff_base: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        concurrency: int = 4,
        max_in_flight: int | None = None,
        download_budget: int = 32 << 20,  # report bodies read but not yet parsed (downloads.py)
    ) -> None:
        self.transport = transport
        self.tokens = tokens
        self.base = f"{graph_endpoint.rstrip('/')}/{version}"
        self.max_retries = max_retries
        # A refused or dropped connection rarely heals within a minute, unlike throttling: retry less.
        self.max_network_retries = max_network_retries
        self.max_wait = _env_float("M365EXIT_MAX_WAIT", 300.0) if max_wait is None else max_wait
        self.backoff_base = _env_float("M365EXIT_BACKOFF_BASE", 1.0) if backoff_base is None else backoff_base
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 (jitter for backoff, not cryptography)
        self.concurrency = concurrency  # $batch requests sent at once by batch_get
        # At most this many requests of one service on the wire at once, whatever the threads (Outlook and
        # Bookings document 4 concurrent requests; others throttle harder when hammered in parallel).
        in_flight = int(_env_float("M365EXIT_MAX_IN_FLIGHT", 4)) if max_in_flight is None else max_in_flight
        self.max_in_flight = max(1, in_flight)
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        # When Graph throttles a service, every thread holds off that service until it said to come back,
        # instead of each one drawing its own 429 (the throttle window would only grow).
        self._resume_at: dict[str, float] = {}
        self.stats: dict[str, ServiceRequests] = {}  # the snapshot's own record, filled as we go
        self.answered = 0  # responses received at all: zero means Graph was never reached
        self._lock = threading.Lock()
        self._token_lock = threading.Lock()  # MSAL's token cache is not safe across threads
        self._memo: dict[str, Any] = {}
        self._memo_locks: dict[str, threading.Lock] = {}
        self.downloads = DownloadBudget(download_budget)

    def remember(self, key: str, value: Any) -> None:
        """Keep what one listing saw for a later source, so it need not list again."""
        with self._lock:
            self._memo[key] = value

    def memo(self, key: str, load: Callable[[], T]) -> T:
        """A listing several sources need, fetched once per run (one thread loads, the others wait)."""
        with self._lock:
            guard = self._memo_locks.setdefault(key, threading.Lock())
        with guard:
            if key not in self._memo:
                value = load()
                with self._lock:
                    self._memo[key] = value
            return cast(T, self._memo[key])

    # --- plumbing -----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith(("https://", "http://")) else f"{self.base}/{path.lstrip('/')}"

    def _count(self, service: str, **deltas: float) -> None:
        """Add to a service's counters; fan-out runs on several threads."""
        with self._lock:
            stats = self.stats.setdefault(service, ServiceRequests())
            for name, delta in deltas.items():
                setattr(stats, name, getattr(stats, name) + delta)

    def _backoff(self, attempt: int, *, throttled: bool = False) -> float:
        """Exponential with jitter; a 429 that gave no Retry-After waits at least THROTTLE_FLOOR_S."""
        if throttled:
            return float(max(THROTTLE_FLOOR_S, self.backoff_base * 2**attempt) * (1 + 0.5 * self._rng.random()))
        return float(self.backoff_base * (2**attempt) * (0.5 + self._rng.random()))

    def _wait(self, seconds: float, waited: float, endpoint: str) -> float:
        if waited + seconds > self.max_wait:
            raise GraphError(
                endpoint, 429, "ThrottledBeyondWaitCap",
                f"Graph kept throttling; gave up after waiting {waited:.0f} s (cap {self.max_wait:.0f} s).",
                kind="throttled",
            )
        self._sleep(seconds)
        return waited + seconds

    def _hold(self, service: str, seconds: float) -> None:
        with self._lock:
            self._resume_at[service] = max(self._resume_at.get(service, 0.0), time.monotonic() + seconds)

    def _held_for(self, service: str) -> float:
        with self._lock:
            return max(0.0, self._resume_at.get(service, 0.0) - time.monotonic())

    def _token(self, *, force_refresh: bool = False) -> str:
        with self._token_lock:
            return self.tokens.token(force_refresh=force_refresh)

    def _renew(self, expired: str) -> None:
        """Renew the token once however many threads saw it refused: a thread whose token another one
        already renewed just uses the new one."""
        with self._token_lock:
            if self.tokens.token() == expired:
                self.tokens.token(force_refresh=True)

    @contextlib.contextmanager
    def _slot(self, service: str) -> Iterator[None]:
        """Hold one of the service's in-flight slots while a request is on the wire (never while waiting)."""
        with self._lock:
            slot = self._slots.setdefault(service, threading.BoundedSemaphore(self.max_in_flight))
        with slot:
            yield

    def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None, body: Any = None, allow_redirects: bool = True,
        service: str | None = None, expect_json: bool = False, large: bool = False, download: bool = False,
    ) -> requests.Response:
        """One logical call with retries, token renewal and accounting. Raises GraphError when it fails for good.

        `service` overrides the family the path belongs to (a $batch belongs to its inner requests' service).
        With `expect_json`, a 2xx body that is not whole JSON (cut short) is retried like a dropped connection.
        With `large` (a report), the body waits for room in the download budget, then is gathered in one
        growing buffer instead of requests' join of its chunks, which holds the body twice at its peak; the
        caller gives the room back (`downloads.release`). A `download` is a pre-authenticated link on another
        host: sent without the token, in its own in-flight slot, and not retried (a fresh link is).
        """
        url = self.url(path)
        check_read_only(method, url, body)  # before the token is even fetched: nothing leaves the process
        endpoint = urlsplit(url).path
        service = service or service_of(url)
        waited = 0.0
        renewals = 0  # tokens renewed for this call (a second expiry may come during a long one)
        attempt = 0  # retries Graph gave no Retry-After for (5xx, throttling without a hint)
        broken = 0  # connection failures and bodies cut short
        while True:
            held = 0.0 if download else self._held_for(service)
            if held:
                waited = self._wait(held, waited, endpoint)
            token = "" if download else self._token()
            hdrs = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
            started = time.monotonic()
            try:
                with self._slot(DOWNLOAD if download else service):
                    # stream=False: requests reads the whole body here, so a reset or a body shorter than its
                    # Content-Length raises (ConnectionError / ChunkedEncodingError) inside this try.
                    response = self.transport.request(
                        method, url, params=params, headers=hdrs, json=body, allow_redirects=allow_redirects,
                        stream=large,
                    )
                    if large:
                        self.downloads.read(response)
                if expect_json and response.ok:
                    response.json()  # raises requests.JSONDecodeError on a truncated body
            except requests.RequestException as exc:
                truncated = isinstance(exc, requests.JSONDecodeError)
                if truncated:
                    self.answered += 1
                self._count(service, requests=1, seconds=time.monotonic() - started)
                if broken >= (0 if download else self.max_network_retries):
                    what = "the response body was cut short" if truncated else "the connection failed"
                    raise GraphError(endpoint, None, type(exc).__name__, what, "network") from None
                self._count(service, retries=1)
                waited = self._wait(self._backoff(broken), waited, endpoint)
                broken += 1
                continue
            status = response.status_code
            self.answered += 1
            # A report answers 302 and requests follows it: each hop is a request on the wire.
            self._count(service, requests=1 + len(response.history), bytes=len(response.content),
                        seconds=time.monotonic() - started)
            if status == 401 and renewals < 2:
                renewals += 1  # an expired token mid-run: renew it, then believe Graph
                self._renew(token)
                self._count(service, retries=1)
                continue
            delay = parse_retry_after(response.headers.get("Retry-After"))
            # Graph saying when to come back is honoured until the wait cap, however many times it says so;
            # a failure without that hint is retried a bounded number of times.
            if status in RETRY_STATUSES and (delay is not None or attempt < self.max_retries):
                throttled = status == 429 or (status == 503 and delay is not None)
                self._count(service, throttled=int(throttled), retries=1)
                if delay is None:
                    delay = self._backoff(attempt, throttled=status == 429)
                    attempt += 1
                if throttled:
                    self._hold(service, delay)  # the top of the loop waits, with every other thread
                else:
                    waited = self._wait(delay, waited, endpoint)
                continue
            if status >= 400:
                code, message = _error_of(response)
                raise GraphError(endpoint, status, code, message, "throttled" if status == 429 else "http")
            return response

    # --- reading ------------------------------------------------------------------------------

    def get_json(self, path: str, params: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        data = self.request("GET", path, params=_with_top(path, params), headers=headers, expect_json=True).json()
        return data if isinstance(data, dict) else {}

    def iter_pages(self, path: str, params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Every page until nextLink is absent. Headers are resent on each page (Graph does not carry them)."""
        page = self.get_json(path, params, headers)
        while True:
            yield list(page.get("value") or [])
            next_link = page.get("@odata.nextLink")
            if not next_link:
                return
            page = self.get_json(str(next_link), None, headers)  # nextLink already holds the query

    def iter_items(self, path: str, params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        for page in self.iter_pages(path, params, headers):
            yield from page

    @contextlib.contextmanager
    def report_csv(self, function: str, period: str, root: str = "reports") -> Iterator[bytes]:
        """A usage report's CSV, held in the download budget until the block ends (parse it inside).

        Graph answers 302 to a pre-authenticated download on another host (Copilot's report answers 200
        with the CSV). The download is not a Graph request: it leaves the reports slot to the next
        function call, goes without the token, and counts as a reports request as the simulator counts it.
        """
        path = f"{root}/{function}(period='{period}')"
        for tries in itertools.count():
            answer = self.request("GET", path, allow_redirects=False, large=True)
            location = answer.headers.get("Location") if answer.is_redirect else None
            if not location:
                break
            self.downloads.release(answer)
            try:
                answer = self.request("GET", location, service=service_of(path), large=True, download=True)
                break
            except GraphError as exc:
                # A reset or a short download: the link is short-lived, so a fresh redirect is the way back.
                if exc.kind != "network" or tries >= self.max_network_retries:
                    raise
                self._count(service_of(path), retries=1)
        try:
            yield answer.content
        finally:
            self.downloads.release(answer)

    def batch_get(self, paths: Sequence[str], *, headers: Mapping[str, str] | None = None
                  ) -> Iterator[tuple[str, int, dict[str, Any]]]:
        """GET many relative paths through $batch, 20 to a request, a few requests in flight at once.

        Yields (path, status, body) in input order. Throttled inner requests are retried in a later
        batch after the longest Retry-After; other inner failures are yielded for the caller to record.
        (A collection shares its batches across sources through m365exit.collectors.batching instead.)
        """
        chunks = [list(paths[start:start + BATCH_LIMIT]) for start in range(0, len(paths), BATCH_LIMIT)]
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="graph-batch") as pool:
            # map() keeps input order and holds at most the results not yet consumed.
            for chunk, results in zip(chunks, pool.map(lambda c: self.batch_round(c, headers), chunks), strict=True):
                for path, (status, body) in zip(chunk, results, strict=True):
                    yield path, status, body

    def batch_round(self, paths: Sequence[str], headers: Mapping[str, str] | None = None
                    ) -> list[tuple[int, dict[str, Any]]]:
        """Up to 20 GETs in one $batch, retried until each has a final answer; (status, body) in input order.

        The envelope counts as a request of the service most of its inner requests belong to (as Graph's
        simulator counts it); a throttled inner request pauses its own service only.
        """
        pending = dict(enumerate(paths))
        results: dict[int, tuple[int, dict[str, Any]]] = {}
        extra = {"headers": dict(headers)} if headers else {}
        inner_service = {index: service_of(path) for index, path in pending.items()}
        waited = 0.0
        attempt = 0  # rounds with failures Graph gave no Retry-After for
        while pending:
            held = max(self._held_for(inner_service[i]) for i in pending)
            if held:  # counts toward this batch's wait cap, however many rounds it takes
                waited = self._wait(held, waited, "/$batch")
            service = Counter(inner_service[i] for i in pending).most_common(1)[0][0]
            body = {"requests": [{"id": str(i), "method": "GET", "url": "/" + p.lstrip("/"), **extra}
                                 for i, p in pending.items()]}
            self._count(service, batches=1, inner_requests=len(pending))
            answer = self.request("POST", "$batch", body=body, service=service, expect_json=True).json()
            unhinted = 0.0
            for response in answer.get("responses", []):
                index = int(response.get("id", -1)) if str(response.get("id", "")).isdigit() else -1
                if index not in pending:
                    continue
                status = int(response.get("status", 500))
                inner_headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
                delay = parse_retry_after(inner_headers.get("retry-after"))
                if status in RETRY_STATUSES and (delay is not None or attempt < self.max_retries):
                    self._count(inner_service[index], throttled=int(status == 429), retries=1)
                    if delay is not None:
                        self._hold(inner_service[index], delay)  # retried in the next round, after the pause
                    else:
                        unhinted = max(unhinted, self._backoff(attempt, throttled=status == 429))
                    continue
                inner_body = response.get("body")
                results[index] = (status, inner_body if isinstance(inner_body, dict) else {})
                del pending[index]
            answered = {int(r["id"]) for r in answer.get("responses", []) if str(r.get("id", "")).isdigit()}
            if pending and (unhinted or set(pending) - answered):
                attempt += 1  # a round lost to errors without a hint, or ids Graph never answered
                if attempt > self.max_retries:
                    break
                waited = self._wait(unhinted or self._backoff(attempt), waited, "/$batch")
        for index in pending:  # Graph never answered these ids: report them failed rather than loop
            results[index] = (504, {"error": {"code": "NoBatchResponse",
                                              "message": "$batch returned no response for this request."}})
        return [results[index] for index in range(len(paths))]

    def accounting(self) -> dict[str, dict[str, Any]]:
        """Per-service counters, rounded so snapshots stay readable."""
        return {name: {**s.model_dump(), "seconds": round(s.seconds, 3)} for name, s in sorted(self.stats.items())}


def _with_top(path: str, params: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """Add `$top` at the documented maximum to a known list read that selects without paging size."""
    if not params or any(k.lower() in ("$top", "top") for k in params):
        return params
    top = MAX_TOP.get(path.strip("/").split("?", 1)[0].lower())
    return {**params, "$top": top} if top else params


def inner_error(body: Mapping[str, Any]) -> tuple[str, str]:
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        return str(error.get("code") or ""), str(error.get("message") or "")
    return "", json.dumps(body)[:200]
