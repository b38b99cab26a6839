"""The request side of the Graph simulator: responses, headers, OData query options, and the subsets of
$filter and $expand that Graph accepts and the collectors send. Pure parsing: no tenant, no routing."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

JSON_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able object, bytes, or None
    headers: dict[str, str] = field(default_factory=dict)
    service: str = "graph"
    batch: bool = False  # a $batch envelope (service = the most common service of its inner requests)
    throttled: bool = False  # a throttling answer (429, or SharePoint's 503)

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Headers:
    """Case-insensitive header lookup (clients send any letter case)."""

    def __init__(self, items: Sequence[tuple[str, str]] | dict[str, str] | None = None) -> None:
        pairs = items.items() if isinstance(items, dict) else (items or [])
        self._d = {k.lower(): v for k, v in pairs}

    def get(self, name: str, default: str = "") -> str:
        return self._d.get(name.lower(), default)


def error(status: int, code: str, message: str, client_request_id: str = "") -> Response:
    rid = str(uuid.uuid4())
    return Response(
        status,
        {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
                    "request-id": rid,
                    "client-request-id": client_request_id or rid,
                },
            }
        },
    )


@dataclass
class Query:
    """OData system query options; names case-insensitive, `$` optional (as Graph v1.0 accepts)."""

    raw: str
    params: dict[str, str]

    @classmethod
    def parse(cls, raw: str) -> Query:
        params: dict[str, str] = {}
        for key, value in parse_qsl(raw, keep_blank_values=True):
            params[key.lower().lstrip("$")] = value
        return cls(raw, params)

    def get(self, name: str) -> str | None:
        return self.params.get(name)

    def without(self, *names: str) -> str:
        keep = []
        for part in self.raw.split("&") if self.raw else []:
            key = unquote(part.split("=", 1)[0]).lower().lstrip("$")
            if key not in names:
                keep.append(part)
        return "&".join(keep)


@dataclass
class Context:
    claims: dict[str, Any]
    headers: Headers
    version: str  # v1.0 | beta
    inner: bool = False

    @property
    def roles(self) -> set[str]:
        """Application tokens carry `roles`; delegated ones (device code) carry their scopes in `scp`."""
        roles = self.claims.get("roles")
        if isinstance(roles, list):
            return set(roles)
        scopes = self.claims.get("scp")
        return set(scopes.split()) if isinstance(scopes, str) else set()

    @property
    def eventual(self) -> bool:
        return self.headers.get("ConsistencyLevel").strip().lower() == "eventual"


class GraphError(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


# --- $filter: the subset collectors use ----------------------------------------------------------

_ANY_RE = re.compile(r"^(\w+)/any\((\w+):\s*\2(?:/(\w+))?\s+eq\s+(.+)\)$", re.IGNORECASE)
_CMP_RE = re.compile(r"^(\w+)\s+(eq|ne)\s+(.+)$", re.IGNORECASE)
_STARTS_RE = re.compile(r"^startswith\((\w+),\s*'((?:[^']|'')*)'\)$", re.IGNORECASE)


def _literal(text: str) -> Any:
    text = text.strip()
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    try:
        return int(text)
    except ValueError:
        return text  # unquoted GUIDs (assignedLicenses/any(x:x/skuId eq 1234-...))


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return bool(a == b)


Predicate = Callable[[dict[str, Any]], bool]


def compile_filter(text: str, advanced: bool) -> Predicate:
    clauses = re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE)
    preds: list[Predicate] = []
    for clause in clauses:
        clause = clause.strip()
        while clause.startswith("(") and clause.endswith(")") and clause.count("(") == 1:
            clause = clause[1:-1].strip()
        m = _ANY_RE.match(clause)
        if m:
            prop, _var, sub, lit = m.group(1), m.group(2), m.group(3), _literal(m.group(4))

            def any_pred(
                obj: dict[str, Any], prop: str = prop, sub: str | None = sub, lit: Any = lit
            ) -> bool:
                items = obj.get(prop) or []
                return any(_eq(i.get(sub) if sub and isinstance(i, dict) else i, lit) for i in items)

            preds.append(any_pred)
            continue
        m = _CMP_RE.match(clause)
        if m:
            prop, op, lit = m.group(1), m.group(2).lower(), _literal(m.group(3))
            if op == "ne" and not advanced:
                raise GraphError(
                    error(
                        400,
                        "Request_UnsupportedQuery",
                        "Unsupported or invalid query filter clause specified for property "
                        f"'{prop}' of resource 'User'.",
                    )
                )

            def cmp_pred(obj: dict[str, Any], prop: str = prop, op: str = op, lit: Any = lit) -> bool:
                same = _eq(obj.get(prop), lit)
                return same if op == "eq" else not same

            preds.append(cmp_pred)
            continue
        m = _STARTS_RE.match(clause)
        if m:
            prop, prefix = m.group(1), m.group(2).replace("''", "'").lower()

            def starts_pred(obj: dict[str, Any], prop: str = prop, prefix: str = prefix) -> bool:
                value = obj.get(prop)
                return isinstance(value, str) and value.lower().startswith(prefix)

            preds.append(starts_pred)
            continue
        raise GraphError(error(400, "Request_UnsupportedQuery", f"Unsupported Query: '{clause}'."))
    return lambda obj: all(p(obj) for p in preds)


# --- $expand: navigation properties, each with optional (...) options ----------------------------------


def parse_expand(text: str) -> dict[str, str]:
    """`teamsApp,teamsAppDefinition($select=id)` → {"teamsapp": "", "teamsappdefinition": "$select=id"}.

    OData: a comma-separated list whose items may carry options in parentheses, themselves holding commas
    and nested parentheses; names are case-insensitive as Graph treats them.
    """
    bad = GraphError(error(400, "BadRequest", f"Invalid $expand expression: '{text}'."))
    items: dict[str, str] = {}
    depth, start = 0, 0
    for index, char in enumerate(text + ","):
        depth += (char == "(") - (char == ")")
        if depth < 0:
            raise bad
        if char != "," or depth:
            continue
        item, start = text[start:index].strip(), index + 1
        name, paren, options = item.partition("(")
        if not name.strip() or (paren and not options.endswith(")")):
            if item:
                raise bad
            continue
        items[name.strip().lower()] = options[:-1].strip() if paren else ""
    if depth:
        raise bad
    return items
