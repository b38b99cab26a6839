"""The HTTPS servers: Graph + Entra on one loopback origin, report downloads on a second one."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from m365exit.simulator import certs
from m365exit.simulator.faults import Faults, Throttler, Throttling, identity_cost, variant_routes
from m365exit.simulator.graph import GraphApp
from m365exit.simulator.odata import JSON_TYPE, Context, Headers, Query, Response, error
from m365exit.simulator.odata import GraphError as RouteError
from m365exit.simulator.permissions import GRANTED_BY_DEFAULT, ROUTES, RouteSpec
from m365exit.simulator.report_files import ReportFiles
from m365exit.simulator.tenant import Tenant
from m365exit.simulator.tokens import EntraApp
from m365exit.simulator.truths import tenant_truths

DOWNLOAD_TTL_S = 300


@dataclass
class SimulatorOptions:
    deny_permissions: frozenset[str] = frozenset()  # app roles NOT granted (the token carries the others)
    conceal_report_names: bool = False
    latency_ms: int = 0
    empty_page_every: int = 0  # an empty page (with a nextLink) after every N pages; 0 = never
    token_lifetime_s: int = 3599
    download_ttl_s: int = DOWNLOAD_TTL_S
    seed: int = 0  # order of $batch responses
    throttling: Throttling | None = None  # per-service limits, storms (faults.py); None: never throttle
    faults: Faults | None = None  # 5xx, resets, slow or truncated bodies, expired tokens; None: none
    variants: tuple[str, ...] = ()  # faults.VARIANTS names: no-intune, no-p1, usgov, china
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoggedRequest:
    time: float
    origin: str  # graph | download | auth
    method: str
    path: str
    service: str
    status: int
    bytes: int
    inner: bool = False
    authorization_sent: bool = False
    batch: bool = False
    throttled: bool = False
    fault: str = ""  # the fault injected into this request, if any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sim: Simulator, kind: str, ctx: ssl.SSLContext, port: int) -> None:
        self.sim = sim
        self.kind = kind
        self.ssl_ctx = ctx
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        # Headers and body leave in separate writes: with Nagle's algorithm the body's last segment waits for
        # the client's delayed ACK of the headers, 40 ms per response (most of a $batch fan-out's time).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        tls = self.ssl_ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self.conn_lock:
            self.connections.add(tls)
        return tls, addr

    def shutdown_request(self, request: Any) -> None:
        with self.conn_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that hangs up or refuses our certificate is not the simulator's problem

    def close_connections(self) -> None:
        with self.conn_lock:
            conns = list(self.connections)
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)


_SERVER_ERRORS = {
    500: ("InternalServerError", "An internal server error occurred."),
    502: ("BadGateway", "The service is temporarily unavailable."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The gateway did not receive a response in time."),
}


def _server_error(status: int) -> Response:
    code, message = _SERVER_ERRORS[status]
    return error(status, code, message)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60
    # Headers and body leave in two writes: with Nagle on, the body waits for the client's delayed ACK
    # (about 40 ms on Linux), which would add to every response and hide the latency being simulated.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.do_handshake()
        except (ssl.SSLError, OSError):
            self.close_connection = True
            raise

    def handle(self) -> None:
        with contextlib.suppress(ssl.SSLError, ConnectionError, TimeoutError, OSError):
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self, method: str) -> None:
        body = self._read_body()
        sim = self.server.sim
        headers = Headers(list(self.headers.items()))
        service = sim.classify(self.server.kind, self.path, body)
        number, fault = sim.pick_fault(service)
        with contextlib.ExitStack() as flight:
            # Downloads come from another host than Graph: their peak in flight is their own line.
            flight.enter_context(sim.in_flight("download" if self.server.kind == "download" else service))
            if sim.options.latency_ms:
                time.sleep(sim.options.latency_ms / 1000)
            if fault == "expired_token" and self.server.kind == "graph":
                sim.revoke(headers.get("Authorization"))  # the token in use is now refused: 401, renew
            if fault in ("500", "502", "503", "504"):
                resp = _server_error(int(fault))
                resp.service = service
            elif self.server.kind == "download":
                resp = sim.download(method, self.path)
            else:
                resp = sim.dispatch(method, self.path, headers, body)
            payload = resp.payload()
            self.send_response(resp.status)
            out_headers = {
                "Content-Type": JSON_TYPE if not isinstance(resp.body, bytes) else "application/octet-stream",
                "request-id": str(uuid.uuid4()),
                "Cache-Control": "no-cache",
                "Strict-Transport-Security": "max-age=31536000",
            }
            if self.server.kind == "graph" and not self.path.split("?", 1)[0].count("/oauth2/"):
                out_headers["client-request-id"] = headers.get("client-request-id") or out_headers["request-id"]
                out_headers["OData-Version"] = "4.0"
            out_headers.update(resp.headers)
            if resp.body is None and "Content-Type" not in resp.headers:
                out_headers.pop("Content-Type", None)
            for k, v in out_headers.items():
                self.send_header(k, v)
            # A truncated body comes two ways, alternately: JSON cut short with a matching Content-Length
            # (the client must notice the JSON is broken), or a Content-Length the body never reaches. A CSV
            # download is always truncated the second way (a cut CSV with a matching length is undetectable).
            cut_json = fault == "truncate" and number % 2 == 1 and not isinstance(resp.body, bytes)
            if cut_json and len(payload) > 1:
                payload = payload[: len(payload) // 2]
            self.send_header("Content-Length", str(len(payload)))
            # Logged before the body leaves: a client that has its answer finds the request in the log.
            sim.record(
                LoggedRequest(
                    time.time(),
                    self.server.kind if resp.service != "auth" else "auth",
                    method,
                    self.path,
                    resp.service,
                    resp.status,
                    len(payload),
                    authorization_sent=bool(headers.get("Authorization")),
                    batch=resp.batch,
                    throttled=resp.throttled,
                    fault=fault or "",
                )
            )
            if fault not in ("reset", "truncate", "slow"):
                # answered: the client may send its next request as these bytes land (an empty body is
                # complete with the headers), so the request stops counting as in flight here
                flight.close()
            self.end_headers()
            if method != "HEAD":
                if (fault == "reset" or (fault == "truncate" and not cut_json)) and len(payload) > 1:
                    # Content-Length promises the whole body; send half, then hang up (reset: with a TCP RST)
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self._hang_up(reset=fault == "reset")
                elif fault == "slow":
                    step = sim.options.faults.slow_chunk if sim.options.faults else 512
                    delay = sim.options.faults.slow_delay_s if sim.options.faults else 0.002
                    for start in range(0, len(payload), step):
                        self.wfile.write(payload[start : start + step])
                        self.wfile.flush()
                        time.sleep(delay)
                else:
                    self.wfile.write(payload)

    def _hang_up(self, *, reset: bool) -> None:
        """Close the connection mid-body; with SO_LINGER 0 the peer gets a TCP RST (connection reset)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_OPTIONS(self) -> None:
        self._serve("OPTIONS")


class Simulator:
    """Microsoft Graph + Entra ID for one generated tenant, over HTTPS on 127.0.0.1.

    Use as a context manager (or start()/stop()). `env()` gives what a client needs.
    """

    def __init__(
        self,
        tenant: Tenant,
        options: SimulatorOptions | None = None,
        state_dir: Path | None = None,
        *,
        port: int = 0,
        download_port: int = 0,
    ) -> None:
        self.tenant = tenant
        self.options = options or SimulatorOptions()
        self._state_dir = state_dir
        self._tmp: str | None = None
        self._port = port
        self._download_port = download_port
        self.tenant_id = tenant.tenant_id
        self.client_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"m365exit-simulator-app:{tenant.tenant_id}"))
        self.client_secret = "sim~" + secrets.token_urlsafe(24)
        self.reports = ReportFiles(tenant)  # each report file drawn once, the truths read from the same rows
        self.truths: dict[str, int | float | bool | str] = tenant_truths(tenant, self.reports.truths())
        self.request_log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._secret = secrets.token_bytes(32)
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self.graph_endpoint = ""
        self.authority_host = ""
        self.download_origin = ""
        self.ca_path = Path()
        self.roles = frozenset(GRANTED_BY_DEFAULT - set(self.options.deny_permissions))
        self.entra = EntraApp(
            tenant_id=tenant.tenant_id,
            tenant_aliases=(tenant.default_domain, tenant.initial_domain),
            tenant_name=tenant.display_name,
            client_id=self.client_id,
            client_secret=self.client_secret,
            roles=self.roles,
            lifetime_s=self.options.token_lifetime_s,
            signing_key=self._secret,
        )
        self.graph: GraphApp | None = None
        # throttling, faults, variants (faults.py) and the counters they feed
        self.throttler = Throttler(self.options.throttling, len(tenant.users)) if self.options.throttling else None
        self._unavailable = variant_routes(tuple(self.options.variants))
        self._revoked: set[str] = set()
        self._number = 0  # Graph and download requests so far (token calls excluded)
        self._gated = 0  # Graph requests routed so far, inner $batch requests included
        self._in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self._state_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> Simulator:
        if self._servers:
            return self
        if self._state_dir is None:
            self._tmp = tempfile.mkdtemp(prefix="m365exit-sim-")
            state = Path(self._tmp)
        else:
            state = Path(self._state_dir)
        paths = certs.generate(state)
        self.ca_path = paths.ca_pem
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(str(paths.cert_pem), str(paths.key_pem))
        graph_srv = _Server(self, "graph", ctx, self._port)
        dl_srv = _Server(self, "download", ctx, self._download_port)
        self._servers = [graph_srv, dl_srv]
        self.graph_endpoint = f"https://127.0.0.1:{graph_srv.server_address[1]}"
        self.authority_host = self.graph_endpoint
        self.download_origin = f"https://127.0.0.1:{dl_srv.server_address[1]}"
        self.entra.authority_host = self.authority_host
        self.entra.graph_endpoint = self.graph_endpoint
        self.graph = GraphApp(
            self.tenant,
            graph_endpoint=self.graph_endpoint,
            empty_page_every=self.options.empty_page_every,
            conceal=self.options.conceal_report_names,
            download_url=self._download_url,
            secret=self._secret,
            seed=self.options.seed,
            reports=self.reports,
        )
        self.graph.on_inner = self._record_inner  # type: ignore[method-assign]
        self.graph.gate = self._gate
        self.graph.object_fault = self.options.faults.object_answer if self.options.faults else None
        for srv in self._servers:
            th = threading.Thread(
                target=srv.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"m365exit-sim-{srv.kind}",
                daemon=True,
            )
            th.start()
            self._threads.append(th)
        return self

    def stop(self) -> None:
        for srv in self._servers:
            srv.shutdown()
            srv.close_connections()
            srv.server_close()
        for th in self._threads:
            th.join(timeout=5)
        self._servers, self._threads = [], []
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what clients need -----------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        return {
            "AZURE_TENANT_ID": self.tenant_id,
            "AZURE_CLIENT_ID": self.client_id,
            "AZURE_CLIENT_SECRET": self.client_secret,
            "M365EXIT_GRAPH_ENDPOINT": self.graph_endpoint,
            "M365EXIT_AUTHORITY_HOST": self.authority_host,
            "REQUESTS_CA_BUNDLE": str(self.ca_path),
        }

    def minimal_requests(self) -> dict[str, int]:
        return self.tenant.minimal_requests(empty_page_every=self.options.empty_page_every)

    def issue_token(self, roles: frozenset[str] | None = None, lifetime_s: int | None = None) -> str:
        """A token as the token endpoint would issue it (tests: other roles, short or past expiry)."""
        lifetime = self.options.token_lifetime_s if lifetime_s is None else lifetime_s
        return self.entra.sign(self.entra.app_claims(self.roles if roles is None else roles, lifetime))

    # -- throttling, faults, variants ----------------------------------------------------------------

    def classify(self, kind: str, raw_path: str, body: bytes) -> str:
        """The service a request belongs to, before answering it (for faults and in-flight counts)."""
        if kind == "download":
            return "reports"
        parts = [p for p in unquote(urlsplit(raw_path).path).split("/") if p]
        if len(parts) >= 2 and parts[1] in ("v2.0", "oauth2", "discovery"):
            return "auth"
        if self.graph is None or not parts or parts[0] not in ("v1.0", "beta"):
            return "graph"
        rest = "/".join(parts[1:])
        if rest.lower() == "$batch":
            try:
                inner = [str(r["url"]).lstrip("/").split("?", 1)[0] for r in json.loads(body)["requests"]]
            except (ValueError, KeyError, TypeError):
                return "graph"
            found = Counter(self._service_of(unquote(u)) for u in inner).most_common(1)
            return found[0][0] if found else "graph"
        return self._service_of(rest)

    def _service_of(self, rest: str) -> str:
        assert self.graph is not None
        try:
            route, _ = self.graph._route(rest)
        except RouteError:  # an unknown path has no service
            return "graph"
        spec = ROUTES.get(route.split(":", 1)[0])
        return spec.service if spec else "graph"

    def pick_fault(self, service: str) -> tuple[int, str | None]:
        """Number this request (token calls aside) and say which fault, if any, it meets."""
        if service == "auth":
            return 0, None
        with self._state_lock:
            self._number += 1
            number = self._number
        faults = self.options.faults
        return number, (faults.pick(number, service) if faults else None)

    @contextlib.contextmanager
    def in_flight(self, service: str) -> Iterator[None]:
        """Count requests being answered per service; `max_in_flight` keeps the peak."""
        with self._state_lock:
            self._in_flight[service] += 1
            self.max_in_flight[service] = max(self.max_in_flight[service], self._in_flight[service])
        try:
            yield
        finally:
            with self._state_lock:
                self._in_flight[service] -= 1

    def revoke(self, authorization: str) -> None:
        """Refuse this bearer token from now on, as if it had expired (the client must get a new one)."""
        token = authorization.partition(" ")[2].strip()
        if token:
            with self._state_lock:
                self._revoked.add(hashlib.sha256(token.encode()).hexdigest())

    def _gate(self, route: str, args: tuple[str, ...], q: Query, ctx: Context, spec: RouteSpec) -> Response | None:
        """Before answering a Graph request (inner $batch requests included): a variant's missing API, or
        a throttling answer in the service's documented style."""
        missing = self._unavailable.get(route.split(":", 1)[0])
        if missing is not None:
            return error(missing.status, missing.code, missing.message, ctx.headers.get("client-request-id"))
        if self.throttler is None:
            return None
        config = self.throttler.config
        limit = config.limits.get(spec.service)
        if limit is None:
            return None
        key = spec.service + (":" + args[0].lower() if limit.per_function and args else "")
        if spec.service == "identity":
            cost = float(identity_cost(route, q.params))
        elif spec.service == "sharepoint":
            cost = 2.0 if spec.max_top else 1.0  # a multi-item list costs 2 RU
        else:
            cost = 1.0
        with self._state_lock:
            self._gated += 1
            draw = self._gated  # storms draw per answered request, inner ones included
        wait = self.throttler.check(spec.service, key, cost, draw)
        if wait is None:
            return None
        return throttled_response(spec.service, limit.status, wait if limit.retry_after else None, config)

    # -- accounting ----------------------------------------------------------------------------------------

    def record(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self.request_log.append(entry)

    def _record_inner(self, resp: Response) -> None:
        self.record(
            LoggedRequest(
                time.time(),
                "graph",
                "GET",
                "$batch/inner",
                resp.service,
                resp.status,
                len(resp.payload()),
                inner=True,
                throttled=resp.throttled,
            )
        )

    def counters(self) -> dict[str, dict[str, int]]:
        """Per service: requests, batches, inner_requests, throttled, faults, bytes, max_in_flight; and "total".

        Comparable with `minimal_requests()`: a `$batch` counts as one request (and one batch) of the
        service most of its inner requests belong to; its inner requests count as `inner_requests` of
        their own service; a report download counts as a "reports" request. "total" sums every service
        except "auth" (token and discovery calls, listed on their own). `throttled` counts 429s and
        SharePoint's throttling 503s, inner ones included; `faults` the faults injected (faults.Faults);
        `max_in_flight` the most requests of the service being answered at once ("total": the sum of peaks).
        """
        out: dict[str, dict[str, int]] = {}

        def bucket(name: str) -> dict[str, int]:
            return out.setdefault(
                name, {"requests": 0, "batches": 0, "inner_requests": 0, "throttled": 0, "faults": 0, "bytes": 0,
                       "max_in_flight": 0}
            )

        bucket("total")
        with self._log_lock:
            log = list(self.request_log)
        for e in log:
            targets = [bucket(e.service)] + ([bucket("total")] if e.service != "auth" else [])
            for b in targets:
                if e.inner:
                    b["inner_requests"] += 1
                else:
                    b["requests"] += 1
                    b["bytes"] += e.bytes
                    b["batches"] += int(e.batch)
                if e.status == 429 or e.throttled:
                    b["throttled"] += 1
                b["faults"] += int(bool(e.fault))
        with self._state_lock:
            peaks = dict(self.max_in_flight)
        for name, peak in peaks.items():
            bucket(name)["max_in_flight"] = peak
            if name != "auth":
                bucket("total")["max_in_flight"] += peak
        return out

    # -- request handling ----------------------------------------------------------------------------------

    def dispatch(self, method: str, raw_path: str, headers: Headers, body: bytes) -> Response:
        split = urlsplit(raw_path)
        path = unquote(split.path)
        parts = [p for p in path.split("/") if p]
        identity = self.entra.identity_endpoint(method, path, split.query, headers)  # managed identity
        if identity is not None:
            return Response(identity.status, identity.body, service="auth")
        # Entra
        if len(parts) >= 2 and parts[1] in ("v2.0", "oauth2", "discovery"):
            resp = self._entra(method, parts, headers, body)
            resp.service = "auth"
            return resp
        if not parts or parts[0] not in ("v1.0", "beta"):
            return error(400, "BadRequest", "Invalid version: " + (parts[0] if parts else "''"))
        auth = headers.get("Authorization")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer":
            token = ""
        claims, message = self.entra.verify(token.strip())
        if claims is not None and self._revoked and hashlib.sha256(token.strip().encode()).hexdigest() in self._revoked:
            claims, message = None, "Lifetime validation failed, the token is expired."
        if claims is None:
            resp = error(401, "InvalidAuthenticationToken", message, headers.get("client-request-id"))
            resp.headers["WWW-Authenticate"] = (
                'Bearer realm="", authorization_uri="https://login.microsoftonline.com'
                '/common/oauth2/authorize", client_id="00000003-0000-0000-c000-'
                '000000000000"'
            )
            return resp
        assert self.graph is not None
        ctx = Context(claims, headers, parts[0])
        rest = "/".join(parts[1:])
        return self.graph.handle(method, rest, split.query, ctx, body)

    def _entra(self, method: str, parts: list[str], headers: Headers, body: bytes) -> Response:
        tenant = parts[0]
        tail = "/".join(parts[1:])
        if tail == "v2.0/.well-known/openid-configuration" and method == "GET":
            if not self.entra.known_tenant(tenant):
                r = self.entra.unknown_tenant_error(tenant)
                return Response(r.status, r.body)
            return Response(200, self.entra.openid_configuration())
        if tail == "discovery/v2.0/keys" and method == "GET":
            return Response(200, {"keys": []})
        if tail == "oauth2/v2.0/token":
            if method != "POST":
                return Response(
                    405,
                    {
                        "error": "invalid_request",
                        "error_description": "AADSTS900561: The endpoint only accepts POST requests.",
                    },
                )
            r = self.entra.token(tenant, body, headers.get("Authorization") or None)
            return Response(r.status, r.body, {"Content-Type": "application/json; charset=utf-8"})
        if tail == "oauth2/v2.0/devicecode" and method == "POST":
            r = self.entra.device_authorization(tenant, body)
            return Response(r.status, r.body, {"Content-Type": "application/json; charset=utf-8"})
        return Response(
            404, {"error": "not_found", "error_description": f"Unknown endpoint /{tenant}/{tail}"}
        )

    # -- report downloads (second origin) -----------------------------------------------------------------

    def _download_url(self, fn: str, period: str) -> str:
        expires = int(time.time()) + self.options.download_ttl_s
        raw = f"{fn}|{period}|{int(self.options.conceal_report_names)}|{expires}"
        mac = hmac.new(self._secret, raw.encode(), hashlib.sha256).hexdigest()[:32]
        token = base64.urlsafe_b64encode(f"{raw}|{mac}".encode()).decode().rstrip("=")
        return f"{self.download_origin}/data/download/{token}"

    def download(self, method: str, raw_path: str) -> Response:
        path = urlsplit(raw_path).path
        if method != "GET":
            return Response(405, b"Method not allowed", {"Content-Type": "text/plain"}, service="reports")
        prefix = "/data/download/"
        if not path.startswith(prefix):
            return Response(404, b"Not found", {"Content-Type": "text/plain"}, service="reports")
        token = path[len(prefix) :]
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            fn, period, concealed, expires, mac = text.split("|")
        except (ValueError, UnicodeDecodeError):
            return Response(404, b"Not found", {"Content-Type": "text/plain"}, service="reports")
        raw = f"{fn}|{period}|{concealed}|{expires}"
        good = hmac.new(self._secret, raw.encode(), hashlib.sha256).hexdigest()[:32]
        if not hmac.compare_digest(good, mac):
            return Response(404, b"Not found", {"Content-Type": "text/plain"}, service="reports")
        if int(expires) < time.time():
            return Response(
                403,
                b"The download link has expired. Request the report again.",
                {"Content-Type": "text/plain"},
                service="reports",
            )
        data = self.reports.csv(fn, period, concealed == "1")
        return Response(
            200,
            data,
            {
                "Content-Type": "application/octet-stream",
                "Content-Disposition": f'attachment; filename="{fn}.csv"',
            },
            service="reports",
        )


def throttled_response(service: str, status: int, wait: float | None, config: Throttling) -> Response:
    """A throttling answer: the documented 429 body (graph-examples/error-429-throttled.json), SharePoint's
    503 (sp-dev-docs), and a Retry-After in whole or decimal seconds unless the service sends none."""
    if status == 503:
        resp = error(503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later.")
    else:
        resp = Response(429, {"error": {
            "code": "TooManyRequests",
            "innerError": {"code": "429", "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
                           "message": "Please retry after", "request-id": str(uuid.uuid4()), "status": "429"},
            "message": "Please retry again later.",
        }})
    if wait is not None:
        resp.headers["Retry-After"] = config.format_retry_after(wait)
    if service == "identity":
        resp.headers["x-ms-throttle-information"] = "ResourceUnitLimitExceeded"
    resp.throttled = True
    return resp


def write_state(sim: Simulator, state_dir: Path) -> None:
    """ca.pem is already there; add truths.json (facts + minimal_requests)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    if sim.ca_path.parent.resolve() != state_dir.resolve():
        shutil.copyfile(sim.ca_path, state_dir / "ca.pem")
    doc = {
        "tenant": {
            "id": sim.tenant_id,
            "display_name": sim.tenant.display_name,
            "default_domain": sim.tenant.default_domain,
            "size": sim.tenant.size,
            "seed": sim.tenant.seed,
        },
        "facts": sim.truths,
        "minimal_requests": sim.minimal_requests(),
    }
    tmp = state_dir / "truths.json.tmp"
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(state_dir / "truths.json")
