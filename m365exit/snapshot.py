"""The snapshot: everything collected from a tenant, in one versioned JSON document (DESIGN §5).

Saved atomically (temp file, then rename) with mode 0600 because it names people; gzip when the name
ends in `.gz`, with mtime 0 so the same snapshot gives the same bytes. Loading never shows a traceback.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import tempfile
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from m365exit import __version__
from m365exit.errors import SnapshotError
from m365exit.facts import FACTS

SCHEMA = "m365exit.snapshot/1"
MAX_BYTES = 2**30  # unpacked; a 100,000-user tenant takes a few MB
FactValue = int | float | bool | str


class TenantInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = ""
    display_name: str = ""
    cloud: str = "global"
    default_domain: str = ""
    report_names_concealed: bool | None = None


class CollectionIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workload: str
    endpoint: str
    status: int | None = None
    code: str = ""
    permission: str = ""
    message: str
    facts: list[str] = Field(default_factory=list, description="Facts this issue left absent.")


class ServiceRequests(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requests: int = 0
    batches: int = 0
    inner_requests: int = 0
    throttled: int = 0
    retries: int = 0
    bytes: int = 0
    seconds: float = 0.0


class Coverage(BaseModel):
    """What a fact computed over a fan-out covers when some objects could not be read (DESIGN §5)."""

    model_config = ConfigDict(extra="forbid")
    covered: int = Field(ge=0)
    total: int = Field(ge=0)
    unit: str


class Snapshot(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_: Literal["m365exit.snapshot/1"] = Field(default="m365exit.snapshot/1", alias="schema")
    tool_version: str = __version__
    collected_at: datetime
    period: str = "D30"
    source: str = Field(default="graph", description="graph, import or simulator")
    tenant: TenantInfo = Field(default_factory=TenantInfo)
    facts: dict[str, FactValue] = Field(default_factory=dict)
    provenance: dict[str, str] = Field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    issues: list[CollectionIssue] = Field(default_factory=list)
    requests: dict[str, ServiceRequests] = Field(default_factory=dict)
    pseudonymized: list[str] = Field(
        default_factory=list, exclude_if=lambda v: not v,
        description="What was pseudonymised (people, resources); absent when nothing was.",
    )
    coverage: dict[str, Coverage] = Field(
        default_factory=dict, description="Facts counted over the readable objects of a fan-out: lower bounds.")

    @field_validator("facts")
    @classmethod
    def _finite(cls, facts: dict[str, FactValue]) -> dict[str, FactValue]:
        for name, value in facts.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{name}' is not a finite number")
        return facts

    def absent_reasons(self) -> dict[str, str]:
        """Why each missing fact is missing, from the issues that left it absent."""
        reasons: dict[str, str] = {}
        for issue in self.issues:
            for fact in issue.facts:
                if fact not in self.facts:
                    reasons.setdefault(fact, issue.message)
        return reasons

    def unknown_facts(self) -> list[str]:
        """Facts this version does not know (a newer m365exit wrote them): kept, shown, read by no rule."""
        return [name for name in self.facts if name not in FACTS]

    def to_json(self) -> str:
        data = self.model_dump(mode="json", by_alias=True)
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def dump_bytes(snapshot: Snapshot, path: Path) -> bytes:
    raw = snapshot.to_json().encode()
    if path.name.endswith(".gz"):
        return gzip.compress(raw, mtime=0)
    return raw


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write next to the target then rename: a reader never sees half a file, an interrupt leaves none.

    The rename replaces whatever has the name, a planted symlink included: it is never written through."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(snapshot: Snapshot, path: Path) -> None:
    write_atomic(path, dump_bytes(snapshot, path))


def load(path: Path) -> Snapshot:
    hint = "Collect a new one with 'm365exit collect --out FILE', or check the path."
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SnapshotError(f"The snapshot {path} does not exist.", hint) from None
    except OSError as exc:
        raise SnapshotError(f"The snapshot {path} cannot be read: {exc.strerror}.", hint) from None
    try:
        if raw[:2] == b"\x1f\x8b":
            raw = _gunzip(raw)
        data = json.loads(raw)
    except _TooLarge:
        raise SnapshotError(f"The snapshot {path} unpacks to more than {MAX_BYTES // 2**30} GiB.", hint) from None
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error):
        raise SnapshotError(f"The snapshot {path} is a damaged gzip file.", hint) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise SnapshotError(f"The snapshot {path} is not valid JSON{where}.", hint) from None
    if not isinstance(data, dict) or "schema" not in data:
        raise SnapshotError(f"{path} is not an m365exit snapshot (no 'schema' field).", hint)
    if data["schema"] != SCHEMA:
        raise SnapshotError(
            f"{path} uses the snapshot schema {data['schema']!r}; this m365exit reads {SCHEMA!r}.",
            "Use the m365exit version that wrote it, or collect again.",
        )
    try:
        loaded = Snapshot.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        # A union failure names the member type in the path (facts.x.int); speak of the value instead.
        members = {"int", "float", "bool", "str"}
        parts = [str(p) for p in first["loc"]]
        message = first["msg"]
        if parts and parts[-1] in members:
            parts = [p for p in parts if p not in members]
            message = "expected a number, true/false or text"
        if parts == ["facts"] and first["type"] == "value_error":  # names the fact: 'facts.x' is not finite
            raise SnapshotError(f"The snapshot {path} is invalid at 'facts.{message.split(', ', 1)[-1]}.", hint
                                ) from None
        raise SnapshotError(f"The snapshot {path} is invalid at '{'.'.join(parts)}': {message}.", hint) from None
    for name, value in loaded.facts.items():  # a string where a count belongs must never be scored
        fact = FACTS.get(name)
        if fact is not None and not fact.accepts(value):
            raise SnapshotError(
                f"The snapshot {path} is invalid at 'facts.{name}': expected {fact.expected}, got {value!r:.60}.",
                "The file was changed by hand or by another tool; collect again or correct that value.",
            )
    return loaded


class _TooLarge(Exception):
    pass


def _gunzip(raw: bytes) -> bytes:
    """Decompress with a ceiling, so a gzip bomb is refused instead of filling memory."""
    inflater = zlib.decompressobj(wbits=31)
    out = inflater.decompress(raw, MAX_BYTES)
    if inflater.unconsumed_tail:
        raise _TooLarge
    if not inflater.eof:
        raise EOFError("truncated")
    return out


def json_schema() -> dict[str, Any]:
    return Snapshot.model_json_schema(by_alias=True)
