"""Microsoft Graph request handling: routing, permissions, OData options, paging, $batch, reports.

Transport-independent: `GraphApp.handle()` takes a method, a path with its raw query, headers and body,
and returns a `Response`; the HTTP server and `$batch` both call it, so inner batch requests go through
the very same routes and permission checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from m365exit.simulator import shapes
from m365exit.simulator.odata import (  # the request side: responses, query options, $filter, $expand
    JSON_TYPE,
    Context,
    GraphError,
    Headers,
    Query,
    Response,
    compile_filter,
    error,
    parse_expand,
)
from m365exit.simulator.permissions import (
    COPILOT_REPORT_FUNCTIONS,
    REPORT_FUNCTIONS,
    REPORT_PERIODS,
    ROUTES,
    SIGNIN_ACTIVITY_MAX_TOP,
    SIGNIN_ACTIVITY_PERMISSION,
    RouteSpec,
)
from m365exit.simulator.report_files import ReportFiles
from m365exit.simulator.tenant import BATCH_MAX, Tenant

#: Routes that read one object of a fan-out: where faults.Faults.refuse / deleted apply.
PER_OBJECT_ROUTES = frozenset({"teams.channels", "teams.installedApps", "groups.plans"})


# --- the application -------------------------------------------------------------------------------


@dataclass
class ListSource:
    """A served collection: objects, their serializer, default property set, entity name for errors."""

    items: Sequence[Any]
    serialize: Callable[[Any], dict[str, Any]]
    default: Sequence[str] | None
    entity: str
    context: str
    selectable: frozenset[str] | None = None


class GraphApp:
    def __init__(
        self,
        tenant: Tenant,
        *,
        graph_endpoint: str,
        empty_page_every: int,
        conceal: bool,
        download_url: Callable[[str, str], str],
        secret: bytes,
        seed: int = 0,
        reports: ReportFiles | None = None,
    ) -> None:
        self.t = tenant
        self.reports = reports or ReportFiles(tenant)  # report files rendered once, served from memory
        self.graph_endpoint = graph_endpoint
        self.empty_page_every = empty_page_every
        self.conceal = conceal
        self.download_url = download_url
        self._secret = secret
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self._cache_lock = threading.Lock()
        self._sample: dict[str, frozenset[str]] = {}
        self._resolved: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str, ...]] = {}  # _project's cache
        # Throttling and variants (faults.py): the Simulator sets this; None answers the request normally.
        self.gate: Callable[[str, tuple[str, ...], Query, Context, RouteSpec], Response | None] | None = None
        # Faults on single objects of a fan-out (faults.Faults.object_answer): (status, code, message) or None.
        self.object_fault: Callable[[str, str], tuple[int, str, str] | None] | None = None

    # -- entry point -----------------------------------------------------------------------------

    def handle(self, method: str, path: str, raw_query: str, ctx: Context, body: bytes = b"") -> Response:
        """Route one Graph request (path without the version segment, no leading slash)."""
        crid = ctx.headers.get("client-request-id")
        try:
            route, args = self._route(path)
            spec = ROUTES.get(route.split(":", 1)[0]) if route != "$batch" else None
            if route == "$batch":
                if method != "POST":
                    return self._method_not_allowed(crid)
                if ctx.inner:
                    return error(400, "BadRequest", "Nested batch requests are not supported.", crid)
                return self._batch(body, ctx)
            if method != "GET":
                resp = self._method_not_allowed(crid)
                resp.service = spec.service if spec else "graph"
                return resp
            assert spec is not None
            self._authorize(spec, ctx)
            query = Query.parse(raw_query)
            gated = self.gate(route, args, query, ctx, spec) if self.gate else None
            if gated is None:
                gated = self._object_fault(route, args, crid)
            if gated is not None:
                gated.service = spec.service
                return gated
            resp = self._dispatch(route, args, query, ctx, spec)
            resp.service = spec.service
            return resp
        except GraphError as exc:
            return exc.response

    def _object_fault(self, route: str, args: tuple[str, ...], crid: str) -> Response | None:
        if self.object_fault is None or route not in PER_OBJECT_ROUTES or not args:
            return None
        fault = self.object_fault(route, args[0])
        return error(*fault, crid) if fault else None

    def _method_not_allowed(self, crid: str) -> Response:
        return error(
            405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", crid
        )

    # -- routing ---------------------------------------------------------------------------------

    _ROUTE_TABLE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
        (re.compile(p, re.IGNORECASE), k)
        for p, k in (
            (r"^\$batch$", "$batch"),
            (r"^subscribedSkus$", "subscribedSkus"),
            (r"^organization$", "organization"),
            (r"^users$", "users"),
            (r"^users/\$count$", "users:count"),
            (r"^users/([^/]+)$", "user"),
            (r"^groups$", "groups"),
            (r"^groups/\$count$", "groups:count"),
            (r"^groups/([^/]+)/planner/plans$", "groups.plans"),
            (r"^groups/([^/]+)$", "group"),
            (r"^servicePrincipals$", "servicePrincipals"),
            (r"^servicePrincipals/\$count$", "servicePrincipals:count"),
            (r"^devices$", "devices"),
            (r"^devices/\$count$", "devices:count"),
            (r"^domains$", "domains"),
            (r"^identity/conditionalAccess/policies$", "conditionalAccessPolicies"),
            (r"^deviceManagement/managedDevices$", "managedDevices"),
            (r"^sites/(?:microsoft\.graph\.)?getAllSites(?:\(\))?$", "getAllSites"),
            (r"^teams$", "teams"),
            (r"^teams/([^/]+)/channels$", "teams.channels"),
            (r"^teams/([^/]+)/installedApps$", "teams.installedApps"),
            (r"^solutions/bookingBusinesses$", "bookingBusinesses"),
            (r"^places/microsoft\.graph\.room$", "rooms"),
            (r"^security/cases/ediscoveryCases$", "ediscoveryCases"),
            (r"^security/dataSecurityAndGovernance/sensitivityLabels$", "sensitivityLabels"),
            (r"^security/informationProtection/sensitivityLabels$", "sensitivityLabels.beta"),
            (r"^admin/reportSettings$", "reportSettings"),
            (r"^reports/(?:microsoft\.graph\.)?(\w+)(?:\((.*)\))?$", "reports"),
            (r"^copilot/reports/(?:microsoft\.graph\.)?(\w+)(?:\((.*)\))?$", "copilotReports"),
        )
    )

    def _route(self, path: str) -> tuple[str, tuple[str, ...]]:
        for pattern, key in self._ROUTE_TABLE:
            m = pattern.match(path)
            if m:
                return key, tuple(g or "" for g in m.groups())
        segment = path.split("/", 1)[0] or path
        raise GraphError(error(400, "BadRequest", f"Resource not found for the segment '{segment}'."))

    def _authorize(self, spec: RouteSpec, ctx: Context) -> None:
        if ctx.roles.intersection(spec.permissions):
            return
        crid = ctx.headers.get("client-request-id")
        raise GraphError(forbidden(spec, sorted(ctx.roles), crid))

    # -- dispatch ----------------------------------------------------------------------------------

    def _dispatch(
        self, route: str, args: tuple[str, ...], q: Query, ctx: Context, spec: RouteSpec
    ) -> Response:
        t = self.t
        if route.endswith(":count"):
            return self._count(route.split(":", 1)[0], q, ctx)
        if route == "reports":
            return self._report(args[0], args[1], q, ctx, copilot=False)
        if route == "copilotReports":
            return self._report(args[0], args[1], q, ctx, copilot=True)
        if route == "reportSettings":
            return Response(
                200,
                {
                    "@odata.context": f"{self.graph_endpoint}/{ctx.version}/$metadata#admin/"
                    "reportSettings/$entity",
                    "displayConcealedNames": self.conceal,
                },
            )
        if route == "organization":
            return self._list(
                spec,
                ListSource([t], lambda _o: shapes.organization(t), None, "organization", "organization"),
                q,
                ctx,
            )
        if route == "subscribedSkus":
            if q.get("filter") is not None:
                raise GraphError(error(400, "Request_BadRequest", "Unsupported query option: $filter"))
            return self._list(
                spec,
                ListSource(t.skus, lambda o: shapes.sku(t, o), None, "subscribedSku", "subscribedSkus"),
                q,
                ctx,
            )
        if route == "user":
            found = t.user_by_key(unquote(args[0]))
            if found is None:
                raise GraphError(
                    error(
                        404,
                        "Request_ResourceNotFound",
                        f"Resource '{args[0]}' does not exist or "
                        "one of its queried reference-property objects are not present.",
                    )
                )
            obj = shapes.user(t, found)
            return Response(
                200,
                {
                    "@odata.context": f"{self.graph_endpoint}/{ctx.version}/$metadata#users/$entity",
                    **self._project(obj, q, shapes.USER_DEFAULT, "user"),
                },
            )
        if route == "group":
            g = t.group_by_id(args[0])
            if g is None:
                raise GraphError(
                    error(
                        404,
                        "Request_ResourceNotFound",
                        f"Resource '{args[0]}' does not exist or "
                        "one of its queried reference-property objects are not present.",
                    )
                )
            return Response(
                200,
                {
                    "@odata.context": f"{self.graph_endpoint}/{ctx.version}/$metadata#groups/$entity",
                    **self._project(shapes.group(t, g), q, None, "group"),
                },
            )
        if route in ("teams.channels", "teams.installedApps"):
            team = t.team_by_id(args[0])
            if team is None:
                raise GraphError(error(404, "NotFound", f"No team found with Group Id {args[0]}"))
            if route == "teams.channels":
                return self._list(
                    spec,
                    ListSource(
                        team.channels,
                        lambda o: shapes.channel(t, team.id, o),
                        None,
                        "channel",
                        f"teams('{team.id}')/channels",
                    ),
                    q,
                    ctx,
                )
            expand = set(parse_expand(q.get("expand") or ""))
            unknown = sorted(expand - {"teamsapp", "teamsappdefinition"})
            if unknown:
                raise GraphError(error(400, "BadRequest", f"Could not find a property named '{unknown[0]}' on "
                                                          "type 'microsoft.graph.teamsAppInstallation'."))
            apps = [t.teams_apps[i] for i in team.apps]
            return self._list(
                spec,
                ListSource(
                    apps,
                    lambda o: shapes.installed_app(t, team.id, o, expand),
                    None,
                    "teamsAppInstallation",
                    f"teams('{team.id}')/installedApps",
                ),
                q,
                ctx,
            )
        if route == "groups.plans":
            g = t.group_by_id(args[0])
            if g is None:
                raise GraphError(error(404, "", "The requested item is not found."))
            gid = g.id
            return self._list(
                spec,
                ListSource(g.plans, lambda o: shapes.plan(t, gid, o), None, "plannerPlan", "planner/plans"),
                q,
                ctx,
            )
        sources: dict[str, Callable[[], ListSource]] = {
            "users": lambda: ListSource(
                t.users, lambda o: shapes.user(t, o), shapes.USER_DEFAULT, "user", "users"
            ),
            "groups": lambda: ListSource(t.groups, lambda o: shapes.group(t, o), None, "group", "groups"),
            "servicePrincipals": lambda: ListSource(
                t.service_principals,
                lambda o: shapes.service_principal(t, o),
                None,
                "servicePrincipal",
                "servicePrincipals",
            ),
            "devices": lambda: ListSource(
                t.devices, lambda o: shapes.device(t, o), None, "device", "devices"
            ),
            "domains": lambda: ListSource(
                t.domains, lambda o: shapes.domain(t, o), None, "domain", "domains"
            ),
            "conditionalAccessPolicies": lambda: ListSource(
                t.ca_policies,
                lambda o: shapes.ca_policy(t, o),
                None,
                "conditionalAccessPolicy",
                "identity/conditionalAccess/policies",
            ),
            "managedDevices": lambda: ListSource(
                t.managed_devices,
                lambda o: shapes.managed_device(t, o),
                None,
                "managedDevice",
                "deviceManagement/managedDevices",
            ),
            "getAllSites": lambda: ListSource(t.sites, lambda o: shapes.site(t, o), None, "site", "sites"),
            "teams": lambda: ListSource(
                t.teams, lambda o: shapes.team(t, o), shapes.TEAM_DEFAULT, "team", "teams"
            ),
            "bookingBusinesses": lambda: ListSource(
                t.bookings,
                lambda o: shapes.booking(t, o),
                None,
                "bookingBusiness",
                "solutions/bookingBusinesses",
            ),
            "rooms": lambda: ListSource(
                t.rooms, lambda o: shapes.room(t, o), None, "room", "places/microsoft.graph.room"
            ),
            "ediscoveryCases": lambda: ListSource(
                t.ediscovery_cases,
                lambda o: shapes.ediscovery_case(t, o),
                None,
                "ediscoveryCase",
                "security/cases/ediscoveryCases",
            ),
            "sensitivityLabels": lambda: ListSource(
                t.sensitivity_labels,
                lambda o: shapes.sensitivity_label(t, o),
                None,
                "sensitivityLabel",
                "security/dataSecurityAndGovernance/sensitivityLabels",
            ),
            "sensitivityLabels.beta": lambda: ListSource(
                t.sensitivity_labels,
                lambda o: shapes.sensitivity_label(t, o),
                None,
                "sensitivityLabel",
                "security/informationProtection/sensitivityLabels",
            ),
        }
        return self._list(spec, sources[route](), q, ctx)

    # -- lists -------------------------------------------------------------------------------------

    def _selected(self, q: Query) -> list[str] | None:
        sel = q.get("select")
        if sel is None:
            return None
        return [s.strip() for s in sel.split(",") if s.strip()]

    def _project(
        self, obj: dict[str, Any], q: Query, default: Sequence[str] | None, entity: str
    ) -> dict[str, Any]:
        sel = self._selected(q)
        if sel is None:
            if default is None:
                return {k: v for k, v in obj.items() if k != "signInActivity"}
            return {k: obj[k] for k in default}
        # Objects of one shape share their keys: resolve $select's names against them once, not per object.
        shape = (tuple(obj), tuple(sel))
        keys = self._resolved.get(shape)
        if keys is None:
            keys = self._resolve(obj, sel, entity)
            if len(self._resolved) > 256:
                self._resolved.clear()
            self._resolved[shape] = keys
        out: dict[str, Any] = {"id": obj["id"]} if "id" in obj else {}
        for key in keys:
            out[key] = obj[key]
        return out

    @staticmethod
    def _resolve(obj: dict[str, Any], sel: list[str], entity: str) -> tuple[str, ...]:
        """The property names $select asks for, spelled as the object spells them (names are case-insensitive)."""
        lower = {k.lower(): k for k in obj}
        keys = []
        for name in sel:
            key = lower.get(name.lower())
            if key is None:
                raise GraphError(
                    error(
                        400,
                        "Request_BadRequest",
                        f"Could not find a property named '{name}' on type 'microsoft.graph.{entity}'.",
                    )
                )
            keys.append(key)
        return tuple(keys)

    def _filtered(self, route: str, src: ListSource, q: Query, ctx: Context) -> list[dict[str, Any]] | None:
        """Full objects after $filter/$search/$orderby, or None when no option narrows the list."""
        flt, search, orderby = q.get("filter"), q.get("search"), q.get("orderby")
        if flt is None and search is None and orderby is None:
            return None
        if (
            search is not None
            and not ctx.eventual
            and route in ("users", "groups", "servicePrincipals", "devices")
        ):
            raise GraphError(
                error(
                    400,
                    "Request_UnsupportedQuery",
                    "Request with $search query parameter only works "
                    "through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
                )
            )
        key = (route, src.context, flt or "", search or "", orderby or "", str(ctx.eventual))
        with self._cache_lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        objs = [src.serialize(o) for o in src.items]
        if flt:
            pred = compile_filter(flt, advanced=ctx.eventual or route not in ("users", "groups"))
            objs = [o for o in objs if pred(o)]
        if search:
            m = re.match(r'^"(\w+):(.*)"$', search.strip())
            if m:
                prop, needle = m.group(1), m.group(2).lower()
                objs = [o for o in objs if needle in str(o.get(prop) or "").lower()]
        if orderby:
            prop, _, direction = orderby.strip().partition(" ")
            objs.sort(key=lambda o: str(o.get(prop) or "").lower(), reverse=direction.lower() == "desc")
        with self._cache_lock:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = objs
        return objs

    def _list(self, spec: RouteSpec, src: ListSource, q: Query, ctx: Context) -> Response:
        route = spec.key
        sel = self._selected(q)
        if route == "users" and sel and any(s.lower() == "signinactivity" for s in sel):
            if SIGNIN_ACTIVITY_PERMISSION not in ctx.roles:
                raise GraphError(
                    error(
                        403,
                        "Authorization_RequestDenied",
                        "Insufficient privileges to complete the operation.",
                        ctx.headers.get("client-request-id"),
                    )
                )
            max_top = SIGNIN_ACTIVITY_MAX_TOP
        else:
            max_top = spec.max_top
        filtered = self._filtered(route, src, q, ctx)
        total = len(filtered) if filtered is not None else len(src.items)
        offset, page_no = 0, 0
        if spec.token == "skiptoken":
            token = q.get("skiptoken")
            if token is not None:
                offset, page_no = self._decode_token(token, route)
        elif spec.token == "skip":
            skip = q.get("skip")
            if skip is not None:
                if not skip.isdigit():
                    raise GraphError(error(400, "BadRequest", f"Invalid value '{skip}' for $skip."))
                offset = int(skip)
        if spec.default_top:
            top_raw = q.get("top")
            if top_raw is not None:
                if not top_raw.isdigit() or int(top_raw) < 1:
                    raise GraphError(
                        error(
                            400,
                            "Request_BadRequest",
                            f"Invalid page size specified: '{top_raw}'. Must be between 1 and 999 inclusive.",
                        )
                    )
                size = min(int(top_raw), max_top)
            else:
                size = min(spec.default_top, max_top)
        else:
            size = max(total, 1)
        empty = (
            self.empty_page_every > 0
            and spec.token == "skiptoken"
            and offset < total
            and offset > 0
            and (page_no + 1) % (self.empty_page_every + 1) == 0
        )
        chunk_end = offset if empty else min(total, offset + size)
        if filtered is not None:
            objs = filtered[offset:chunk_end]
            values = [self._project(o, q, src.default, src.entity) for o in objs]
        else:
            values = [
                self._project(src.serialize(o), q, src.default, src.entity)
                for o in src.items[offset:chunk_end]
            ]
        body: dict[str, Any] = {}
        context = f"{self.graph_endpoint}/{ctx.version}/$metadata#{src.context}"
        if sel:
            context += f"({','.join(sel)})"
        body["@odata.context"] = context
        if (q.get("count") or "").lower() == "true" and ctx.eventual and page_no == 0 and offset == 0:
            body["@odata.count"] = total
        if chunk_end < total and spec.default_top:
            rest = q.without("skiptoken", "skip")
            sep = "&" if rest else ""
            if spec.token == "skip":
                nxt = f"{rest}{sep}$skip={chunk_end}"
            else:
                nxt = f"{rest}{sep}$skiptoken={self._encode_token(chunk_end, page_no + 1, route)}"
            path = self._path_for(route, src)
            body["@odata.nextLink"] = f"{self.graph_endpoint}/{ctx.version}/{path}?{nxt}"
        body["value"] = values
        return Response(200, body)

    def _path_for(self, route: str, src: ListSource) -> str:
        return {"getAllSites": "sites/getAllSites"}.get(route, src.context)

    def _encode_token(self, offset: int, page: int, route: str) -> str:
        raw = f"{offset}:{page}:{route}"
        mac = hmac.new(self._secret, raw.encode(), hashlib.sha256).hexdigest()[:12]
        return "RFNwdAIAAQAAAB" + base64.urlsafe_b64encode(f"{raw}:{mac}".encode()).decode().rstrip("=")

    def _decode_token(self, token: str, route: str) -> tuple[int, int]:
        bad = GraphError(
            error(
                400,
                "Request_BadRequest",
                "The specified page token value has expired and can no longer be included in your request.",
            )
        )
        if not token.startswith("RFNwdAIAAQAAAB"):
            raise bad
        try:
            text = base64.urlsafe_b64decode(token[14:] + "=" * (-len(token[14:]) % 4)).decode()
            offset_s, page_s, tok_route, mac = text.split(":")
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad from exc
        raw = f"{offset_s}:{page_s}:{tok_route}"
        if tok_route != route or not hmac.compare_digest(
            mac, hmac.new(self._secret, raw.encode(), hashlib.sha256).hexdigest()[:12]
        ):
            raise bad
        return int(offset_s), int(page_s)

    def _count(self, route: str, q: Query, ctx: Context) -> Response:
        if not ctx.eventual:
            raise GraphError(
                error(
                    400,
                    "Request_BadRequest",
                    "$count is not currently supported.",
                    ctx.headers.get("client-request-id"),
                )
            )
        items: dict[str, Sequence[Any]] = {
            "users": self.t.users,
            "groups": self.t.groups,
            "servicePrincipals": self.t.service_principals,
            "devices": self.t.devices,
        }
        n = len(items[route])
        flt = q.get("filter")
        if flt:
            ser: dict[str, Callable[[Any], dict[str, Any]]] = {
                "users": lambda o: shapes.user(self.t, o),
                "groups": lambda o: shapes.group(self.t, o),
                "servicePrincipals": lambda o: shapes.service_principal(self.t, o),
                "devices": lambda o: shapes.device(self.t, o),
            }
            pred = compile_filter(flt, advanced=True)
            n = sum(1 for o in items[route] if pred(ser[route](o)))
        return Response(200, str(n).encode(), {"Content-Type": "text/plain"})

    # -- reports -------------------------------------------------------------------------------------

    _ARG_RE = re.compile(r"^\s*(period|date)\s*=\s*'?([^']*)'?\s*$", re.IGNORECASE)

    def _report(self, fn: str, arg: str, q: Query, ctx: Context, copilot: bool) -> Response:
        names = COPILOT_REPORT_FUNCTIONS if copilot else REPORT_FUNCTIONS
        canonical = {n.lower(): n for n in names}.get(fn.lower())
        if canonical is None:
            raise GraphError(error(400, "BadRequest", f"Resource not found for the segment '{fn}'."))
        period = None
        args = [a for a in unquote(arg).split(",") if a.strip()] if arg else []
        for a in args:
            m = self._ARG_RE.match(a)
            if not m:
                raise GraphError(error(400, "BadRequest", f"Invalid function parameter '{a}'."))
            if m.group(1).lower() == "period":
                period = m.group(2).upper()
            else:
                period = "D7"  # a single day's detail: report it like the shortest period
                if canonical == "getMailboxUsageDetail":
                    raise GraphError(
                        error(400, "BadRequest", "The parameter 'date' is not supported for this report.")
                    )
        allowed = (*REPORT_PERIODS, "ALL") if copilot else REPORT_PERIODS
        if period is None or period not in allowed:
            raise GraphError(
                error(
                    400,
                    "BadRequest",
                    f"Invalid value for period: '{period or ''}'. Expected one of {', '.join(allowed)}.",
                )
            )
        fmt = (q.get("format") or "text/csv").lower()
        if fmt not in ("text/csv", "application/json"):
            raise GraphError(error(400, "BadRequest", f"Invalid $format value '{fmt}'."))
        if copilot:
            data = self.reports.csv(canonical, period, self.conceal)
            return Response(200, data, {"Content-Type": "application/octet-stream"})
        return Response(
            302, None, {"Location": self.download_url(canonical, period), "Content-Type": "text/plain"}
        )

    # -- $batch ------------------------------------------------------------------------------------

    def _batch(self, body: bytes, ctx: Context) -> Response:
        try:
            payload = json.loads(body.decode("utf-8") or "null")
        except (ValueError, UnicodeDecodeError):
            return error(400, "BadRequest", "Invalid batch payload format.")
        requests_ = payload.get("requests") if isinstance(payload, dict) else None
        if not isinstance(requests_, list) or not requests_:
            return error(400, "BadRequest", "Invalid batch payload format.")
        if len(requests_) > BATCH_MAX:
            return error(
                400,
                "BadRequest",
                f"Number of batch requests {len(requests_)} exceeds the limit of {BATCH_MAX}.",
            )
        seen: set[str] = set()
        for r in requests_:
            if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in ("id", "method", "url")):
                return error(
                    400,
                    "BadRequest",
                    "Invalid batch payload format: each request needs an id, a method and a url.",
                )
            rid = str(r["id"]).lower()
            if rid in seen:
                return error(
                    400, "BadRequest", f"Batch request ids must be unique. Duplicated id: '{r['id']}'."
                )
            seen.add(rid)
        results: dict[str, Response] = {}
        order = self._dependency_order(requests_)
        if order is None:
            return error(
                400, "BadRequest", "Invalid dependsOn: a request depends on an unknown id or a cycle."
            )
        for r in order:
            deps = [str(d).lower() for d in r.get("dependsOn") or []]
            if any(results[d].status >= 400 for d in deps):
                results[str(r["id"]).lower()] = error(424, "FailedDependency", "A dependent request failed.")
                continue
            url = str(r["url"])
            if url.startswith("/"):
                url = url[1:]
            path, _, raw_query = url.partition("?")
            inner_headers = Headers(
                {
                    **{k: v for k, v in ctx.headers._d.items() if k in ("client-request-id",)},
                    **{str(k): str(v) for k, v in (r.get("headers") or {}).items()},
                }
            )
            inner_ctx = Context(ctx.claims, inner_headers, ctx.version, inner=True)
            inner_body = json.dumps(r["body"]).encode() if r.get("body") is not None else b""
            resp = self.handle(str(r["method"]).upper(), unquote(path), raw_query, inner_ctx, inner_body)
            results[str(r["id"]).lower()] = resp
            self.on_inner(resp)
        responses = []
        for r in requests_:
            resp = results[str(r["id"]).lower()]
            headers = {
                "Cache-Control": "no-cache",
                "x-ms-resource-unit": "1",
                "OData-Version": "4.0",
                "Content-Type": resp.headers.get("Content-Type", JSON_TYPE),
            }
            headers.update(resp.headers)
            item: dict[str, Any] = {"id": r["id"], "status": resp.status, "headers": headers}
            if isinstance(resp.body, bytes):
                item["body"] = base64.b64encode(resp.body).decode("ascii")
            elif resp.body is not None:
                item["body"] = resp.body
            responses.append(item)
        with self._lock:
            self._rng.shuffle(responses)
        services = Counter(resp.service for resp in results.values()).most_common(1)
        return Response(
            200, {"responses": responses}, service=services[0][0] if services else "graph", batch=True
        )

    def on_inner(self, resp: Response) -> None:
        """Hook for the server's accounting (replaced by the Simulator)."""

    @staticmethod
    def _dependency_order(reqs: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        by_id = {str(r["id"]).lower(): r for r in reqs}
        done: set[str] = set()
        order: list[dict[str, Any]] = []
        visiting: set[str] = set()

        def visit(rid: str) -> bool:
            if rid in done:
                return True
            if rid in visiting or rid not in by_id:
                return False
            visiting.add(rid)
            for d in by_id[rid].get("dependsOn") or []:
                if not visit(str(d).lower()):
                    return False
            visiting.discard(rid)
            done.add(rid)
            order.append(by_id[rid])
            return True

        for rid in by_id:
            if not visit(rid):
                return None
        return order


def forbidden(spec: RouteSpec, roles: list[str], crid: str = "") -> Response:
    """The 403 each service family answers when the token lacks the route's permission."""
    if spec.error_style == "directory":
        return error(
            403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", crid
        )
    if spec.error_style == "reports":
        return error(403, "S2SUnauthorized", "Invalid scope claims/roles.", crid)
    if spec.error_style == "sharepoint":
        return error(403, "accessDenied", "Access denied", crid)
    if spec.error_style == "teams":
        return error(
            403,
            "Forbidden",
            f"Missing role permissions on the request. API requires one of "
            f"'{', '.join(spec.permissions)}'. Roles on the request '{', '.join(roles)}'. Resource "
            "specific consent grants on the request ''.",
            crid,
        )
    if spec.service == "planner":
        return error(403, "", "You do not have the required permissions to access this item.", crid)
    return error(
        403,
        "Forbidden",
        "Application is not authorized to perform this operation. Application must have "
        f"one of the following scopes: {', '.join(spec.permissions)}",
        crid,
    )


def quote_path(path: str) -> str:
    return quote(path, safe="/()=',$.:-_~!*@")
