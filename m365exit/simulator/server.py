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
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from m365exit.simulator import certs
from m365exit.simulator.graph import JSON_TYPE, Context, GraphApp, Headers, Response, error
from m365exit.simulator.permissions import GRANTED_BY_DEFAULT
from m365exit.simulator.reports import build_csv
from m365exit.simulator.tenant import Tenant
from m365exit.simulator.tokens import EntraApp

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
    # Room for later: throttling (per service, Retry-After) and faults (5xx, resets, truncation).
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60

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
        if sim.options.latency_ms:
            time.sleep(sim.options.latency_ms / 1000)
        headers = Headers(list(self.headers.items()))
        if self.server.kind == "download":
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
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(payload)
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
            )
        )

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
        self.truths: dict[str, int | float | bool | str] = tenant.truths()
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
        )
        self.graph.on_inner = self._record_inner  # type: ignore[method-assign]
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
        now = int(time.time())
        payload = {
            "aud": self.graph_endpoint,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + (self.options.token_lifetime_s if lifetime_s is None else lifetime_s),
            "appid": self.client_id,
            "roles": sorted(self.roles if roles is None else roles),
            "tid": self.tenant_id,
            "sub": self.client_id,
            "idtyp": "app",
            "ver": "1.0",
        }
        return self.entra.sign(payload)

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
            )
        )

    def counters(self) -> dict[str, dict[str, int]]:
        """Per service: requests, batches, inner_requests, throttled, bytes; and "total".

        Comparable with `minimal_requests()`: a `$batch` counts as one request (and one batch) of the
        service most of its inner requests belong to; its inner requests count as `inner_requests` of
        their own service; a report download counts as a "reports" request. "total" sums every service
        except "auth" (token and discovery calls, listed on their own).
        """
        out: dict[str, dict[str, int]] = {}

        def bucket(name: str) -> dict[str, int]:
            return out.setdefault(
                name, {"requests": 0, "batches": 0, "inner_requests": 0, "throttled": 0, "bytes": 0}
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
                if e.status == 429:
                    b["throttled"] += 1
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
        data = build_csv(self.tenant, fn, period, concealed == "1")
        return Response(
            200,
            data,
            {
                "Content-Type": "application/octet-stream",
                "Content-Disposition": f'attachment; filename="{fn}.csv"',
            },
            service="reports",
        )


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
