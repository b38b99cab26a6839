"""The portfolio file: which tenants to assess and how to sign in to each, never with a secret in it (DESIGN §13).

Loaded with the rules' habits: strict keys, file and line in every error, relative paths taken from the
file's own folder. A credential is a *reference*: the name of an environment variable or the path of a file
that the scheduler provides, so the file can sit in a repository.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from m365exit.auth import CLOUDS, AuthSettings
from m365exit.engine.yamlsrc import Source, parse_yaml
from m365exit.errors import RulesError, UsageError

CREDENTIALS = ("client_secret_env", "certificate_path", "federated_token_file", "access_token_env")
PATHS = ("certificate_path", "federated_token_file", "brand", "rules", "answers")
OPTIONAL = ("name", "cloud", "graph_endpoint", "authority_host", "lang", "brand", "rules", "answers", "period",
            "workloads", "certificate_password_env")
TENANT_KEYS = frozenset(("id", "tenant", "client_id", *CREDENTIALS, *OPTIONAL))
DEFAULT_KEYS = TENANT_KEYS - {"id", "tenant", "name"}
# Inline secrets, refused with the key to use instead.
INLINE = {"client_secret": "client_secret_env", "access_token": "access_token_env",
          "certificate_password": "certificate_password_env", "password": "certificate_password_env"}
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class TenantSpec:
    """One tenant of the portfolio, with its defaults applied and its paths resolved."""

    id: str
    tenant: str
    client_id: str
    name: str = ""
    credential: str = ""  # which of CREDENTIALS is used
    reference: str = ""  # the variable name or the file path it names
    certificate_password_env: str = ""
    cloud: str = ""
    graph_endpoint: str = ""
    authority_host: str = ""
    lang: str = ""
    brand: Path | None = None
    rules: tuple[Path, ...] = ()
    answers: Path | None = None
    period: str = ""
    workloads: tuple[str, ...] = ()
    where: str = ""  # file:line of the entry, for messages

    def auth_settings(self, env: Mapping[str, str] | None = None) -> AuthSettings:
        """Sign-in settings from the references; only this tenant's own variables are read."""
        env = os.environ if env is None else env
        flags: dict[str, Any] = {"tenant_id": self.tenant, "client_id": self.client_id, "cloud": self.cloud,
                                 "graph_endpoint": self.graph_endpoint, "authority_host": self.authority_host}
        if self.credential == "client_secret_env":
            flags["client_secret"] = env.get(self.reference, "")
        elif self.credential == "access_token_env":
            flags["access_token"] = env.get(self.reference, "")
        elif self.credential == "certificate_path":
            flags["certificate_path"] = self.reference
            if self.certificate_password_env:
                flags["certificate_password"] = env.get(self.certificate_password_env, "")
        elif self.credential == "federated_token_file":
            flags["federated_token_file"] = self.reference
        # Only what the entry says: a pipeline's own AZURE_* variables must not leak into another tenant.
        return AuthSettings.from_env({k: v for k, v in env.items() if k in _ENDPOINT_ENV}, **flags)

    def missing_variables(self, env: Mapping[str, str] | None = None) -> list[str]:
        env = os.environ if env is None else env
        names = [self.reference] if self.credential.endswith("_env") else []
        names += [self.certificate_password_env] if self.certificate_password_env else []
        return [n for n in names if not env.get(n)]


# Endpoint overrides may come from the environment for every tenant at once (a sovereign cloud, a simulator).
_ENDPOINT_ENV = ("M365EXIT_CLOUD", "M365EXIT_GRAPH_ENDPOINT", "M365EXIT_AUTHORITY_HOST", "AZURE_AUTHORITY_HOST")


@dataclass
class Portfolio:
    path: Path
    tenants: list[TenantSpec] = field(default_factory=list)

    def shard(self, index: int, count: int) -> list[TenantSpec]:
        """Tenants of shard `index` of `count` (1-based): a stable hash of the id, so every machine agrees."""
        return [t for t in self.tenants if shard_of(t.id, count) == index]


def shard_of(tenant_id: str, count: int) -> int:
    digest = hashlib.sha256(tenant_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise UsageError(f"--shard {text!r} is not K/N with 1 ≤ K ≤ N.", "Example: --shard 2/3 runs the second "
                         "of three shards; a CI matrix or a Kubernetes Indexed Job gives K.")
    return int(match[1]), int(match[2])


def load(path: Path) -> Portfolio:
    source = parse_yaml(path)
    data = source.data
    if not isinstance(data, dict) or "tenants" not in data:
        raise RulesError(f"{source.name}:1: a portfolio file is a mapping with a 'tenants:' list.",
                         "See examples/portfolio/portfolio.yaml in the m365exit sources.")
    for key in data:
        if key not in ("defaults", "tenants"):
            raise RulesError(f"{source.where((key,))}: unknown key '{key}'.", "Allowed keys: defaults, tenants.")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise RulesError(f"{source.where(('defaults',))}: 'defaults' must be a mapping of tenant keys.")
    _check_keys(source, defaults, ("defaults",), DEFAULT_KEYS)
    entries = data["tenants"]
    if not isinstance(entries, list) or not entries:
        raise RulesError(f"{source.where(('tenants',))}: 'tenants' must be a non-empty list.")
    portfolio = Portfolio(path)
    seen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        loc = ("tenants", index)
        if not isinstance(entry, dict):
            raise RulesError(f"{source.where(loc)}: each tenant is a mapping with id, tenant and client_id.")
        _check_keys(source, entry, loc, TENANT_KEYS)
        spec = _tenant(source, {**defaults, **entry}, loc, path.parent)
        lower = spec.id.lower()  # folders on macOS and Windows ignore case
        if lower in seen:
            raise RulesError(f"{source.where((*loc, 'id'))}: the id '{spec.id}' is used twice (first at "
                             f"{seen[lower]}).", "Each id names the tenant's folder: make them unique.")
        seen[lower] = source.where((*loc, "id"))
        portfolio.tenants.append(spec)
    return portfolio


def check_environment(tenants: list[TenantSpec], env: Mapping[str, str] | None = None) -> None:
    """Before any sign-in: every variable the chosen tenants name is set (its value is never shown)."""
    for spec in tenants:
        missing = spec.missing_variables(env)
        if missing:
            raise RulesError(f"{spec.where}: tenant '{spec.id}' names the environment variable {missing[0]}, "
                             f"which is not set.", "Set it in the job's environment (a CI secret), or fix the name.")


def _check_keys(source: Source, entry: dict[str, Any], loc: tuple[str | int, ...], allowed: frozenset[str]) -> None:
    for key in entry:
        where = source.where((*loc, key))
        if key in INLINE:
            raise RulesError(f"{where}: key '{key}': secrets never go in the portfolio file.",
                             f"Use '{INLINE[key]}' with the name of an environment variable that holds it.")
        if key not in allowed:
            raise RulesError(f"{where}: unknown key '{key}'.", f"Allowed keys: {', '.join(sorted(allowed))}.")


def _tenant(source: Source, entry: dict[str, Any], loc: tuple[str | int, ...], base: Path) -> TenantSpec:
    def where(key: str) -> str:
        return source.where((*loc, key)) if (*loc, key) in source.lines else source.where(("defaults", key))

    def text(key: str, required: bool = False) -> str:
        value = entry.get(key)
        if value is None or value == "":
            if required:
                raise RulesError(f"{source.where(loc)}: key '{key}' is required.",
                                 "Each tenant needs id, tenant (ID or domain) and client_id.")
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise RulesError(f"{where(key)}: key '{key}' must be text.")
        return str(value)

    tenant_id = text("id", required=True)
    if not ID.fullmatch(tenant_id):
        raise RulesError(f"{where('id')}: key 'id': '{tenant_id}' cannot name a folder.",
                         "Use letters, digits, '.', '_' and '-' (up to 64), starting with a letter or digit.")
    given = [k for k in CREDENTIALS if entry.get(k)]
    if len(given) != 1:
        raise RulesError(f"{source.where(loc)}: tenant '{tenant_id}' needs exactly one credential reference, "
                         f"{'found ' + ' and '.join(given) if given else 'found none'}.",
                         f"Give one of: {', '.join(CREDENTIALS)}.")
    credential = given[0]
    reference = text(credential)
    if credential in PATHS:
        reference = str(_path(base, reference))
    cloud = text("cloud")
    if cloud and cloud not in CLOUDS:
        raise RulesError(f"{where('cloud')}: key 'cloud': unknown cloud '{cloud}'.",
                         f"Choose one of: {', '.join(CLOUDS)}.")
    rules = entry.get("rules") or []
    rules = [rules] if isinstance(rules, str) else rules
    workloads = entry.get("workloads") or []
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise RulesError(f"{where('rules')}: key 'rules' must be a folder or a list of folders.")
    if not isinstance(workloads, list) or not all(isinstance(w, str) for w in workloads):
        raise RulesError(f"{where('workloads')}: key 'workloads' must be a list of workload ids.")
    return TenantSpec(
        id=tenant_id, tenant=text("tenant", required=True), client_id=text("client_id", required=True),
        name=text("name"), credential=credential, reference=reference,
        certificate_password_env=text("certificate_password_env"), cloud=cloud,
        graph_endpoint=text("graph_endpoint"), authority_host=text("authority_host"), lang=text("lang"),
        brand=_path(base, text("brand")) if text("brand") else None,
        rules=tuple(_path(base, r) for r in rules),
        answers=_path(base, text("answers")) if text("answers") else None,
        period=text("period"), workloads=tuple(workloads), where=source.where(loc),
    )


def _path(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path
