"""Checkpoint and resume of a collection (DESIGN §11).

While `collect --out FILE` runs, FILE.checkpoint (mode 0600) holds every source finished so far: its facts,
tables, issues and the listings it left for later sources, never a token or a secret. It is rewritten
atomically as sources finish, by a thread of its own so that the collection never waits for the disk (one write
may carry several sources); a kill at any instant leaves the previous whole version, and an interrupt writes the
last one before the process ends. Running the
same command again resumes: the finished sources are not requested again. A successful write of FILE
removes the checkpoint. FILE.lock (PID, host, boot) refuses a second collection into the same FILE; a lock
whose process is gone (killed, or the machine rebooted) is stale and taken over.

Request accounting after a resume is the sum of the runs: each run's counters, as of its last checkpoint
write, are added to the next. A run killed with SIGKILL loses only what it requested since then.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from m365exit import __version__
from m365exit.collectors import Issue, Output, SourceResult
from m365exit.errors import UsageError
from m365exit.snapshot import write_atomic

SCHEMA = "m365exit.checkpoint/1"
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # POSIX: a symlink planted in place of our file is never read through
Accounting = dict[str, dict[str, Any]]


def checkpoint_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + ".checkpoint")


def lock_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + ".lock")


def add_requests(a: Mapping[str, Mapping[str, Any]], b: Mapping[str, Mapping[str, Any]]) -> Accounting:
    """Per-service counters of two runs, summed (the snapshot's `requests` after a resume)."""
    total: Accounting = {}
    for part in (a, b):
        for service, stats in part.items():
            into = total.setdefault(service, {})
            for name, value in stats.items():
                into[name] = into.get(name, 0) + value
    for stats in total.values():
        if "seconds" in stats:
            stats["seconds"] = round(float(stats["seconds"]), 3)
    return dict(sorted(total.items()))


@dataclass(frozen=True)
class Fingerprint:
    """What must match for a checkpoint to be reused: the tenant, the collection options, the tool version."""

    tenant: str
    options: dict[str, Any]
    tool_version: str = __version__

    def mismatch(self, doc: Mapping[str, Any]) -> str | None:
        """Why a checkpoint written under `doc`'s fingerprint cannot be used, or None when it can."""
        if doc.get("tool_version") != self.tool_version:
            return f"it was written by m365exit {doc.get('tool_version')}, this is {self.tool_version}"
        if doc.get("tenant") != self.tenant:
            return f"it is for another tenant ({doc.get('tenant')}, not {self.tenant})"
        found = doc.get("options")
        theirs: dict[str, Any] = found if isinstance(found, dict) else {}
        for name in sorted(set(self.options) | set(theirs)):
            if theirs.get(name) != self.options.get(name):
                return f"it was made with other options ({name} {theirs.get(name)!r}, now {self.options.get(name)!r})"
        return None


@dataclass
class Resumed:
    done: dict[str, SourceResult] = field(default_factory=dict)
    started_at: datetime | None = None
    note: str = ""  # one sentence for the person: resuming, or why the checkpoint was not used


def _source(raw: Any) -> SourceResult:
    """A checkpointed source back into its dataclass; raises on anything not shaped as we wrote it."""
    output = raw["output"]
    if output is not None:
        facts, tables, tenant, absent = output["facts"], output["tables"], output["tenant"], output["absent"]
        if not (isinstance(facts, dict) and all(isinstance(v, int | float | bool | str) for v in facts.values())
                and isinstance(tables, dict) and all(isinstance(rows, list) for rows in tables.values())
                and isinstance(tenant, dict) and isinstance(absent, dict)):
            raise TypeError("output")
        output = Output(facts=facts, tables=tables, tenant=tenant, absent=absent)
    issues = [Issue(**issue) for issue in raw["issues"]]
    memo = raw.get("memo") or {}
    if not isinstance(raw["key"], str) or not isinstance(memo, dict):
        raise TypeError("key")
    return SourceResult(raw["key"], output, issues, bool(raw.get("network_failure")), memo)


class Checkpoint:
    """FILE.checkpoint: the finished sources of the collection into FILE. Safe to record from any thread."""

    def __init__(self, snapshot: Path) -> None:
        self.snapshot = snapshot
        self.path = checkpoint_path(snapshot)
        self._lock = threading.Lock()  # guards the document; never held across a disk write
        self._io = threading.Lock()  # one write at a time, each of the document as it stood when it began
        self._wake = threading.Condition(self._lock)
        self._dirty = False
        self._closed = False
        self._writer: threading.Thread | None = None
        self._doc: dict[str, Any] = {}
        self._earlier: Accounting = {}
        self._accounting: Callable[[], Accounting] = dict

    @property
    def finished(self) -> int:
        return len(self._doc.get("sources", {}))

    def resume_hint(self) -> str:
        return (f"The {self.finished} finished source(s) are kept in {self.path}: run the same command again "
                "to resume.")

    def discard(self) -> bool:
        """Remove the checkpoint (--fresh, or after a successful write); True if there was one.

        Also the temporary files a run killed mid-write left (`.FILE.*.tmp`, `.FILE.lock.*`): the caller
        holds the lock, so no other writer can own them."""
        self.close(write=False)  # nothing may write it again
        existed = self.path.exists() or self.path.is_symlink()
        self.path.unlink(missing_ok=True)
        folder, name = self.snapshot.parent, self.snapshot.name
        for leftover in [*folder.glob(f".{glob.escape(name)}.*.tmp"), *folder.glob(f".{glob.escape(name)}.lock.*")]:
            leftover.unlink(missing_ok=True)
        return existed

    def _read(self) -> tuple[dict[str, Any] | None, str]:
        """The checkpoint document, or None and why it cannot be used ("" when there is none)."""
        try:  # O_NOFOLLOW: a symlink planted in its place is not read through
            fd = os.open(self.path, os.O_RDONLY | NOFOLLOW)
        except FileNotFoundError:
            return None, ""
        except OSError as exc:
            return None, f"it cannot be read ({exc.strerror})"
        try:
            with os.fdopen(fd, "rb") as handle:
                doc = json.loads(handle.read())
        except (OSError, ValueError):
            return None, "it is damaged"
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            return None, "it is not an m365exit checkpoint"
        return doc, ""

    def resume(self, fingerprint: Fingerprint, started_at: datetime,
               accounting: Callable[[], Accounting]) -> Resumed:
        """Load what an earlier run finished (if it matches), then keep this run's progress from now on."""
        doc, why = self._read()
        resumed = Resumed(started_at=started_at)
        if doc is not None:
            why = fingerprint.mismatch(doc) or ""
        if doc is not None and not why:
            try:
                resumed.done = {key: _source(raw) for key, raw in dict(doc["sources"]).items()}
                resumed.started_at = datetime.fromisoformat(doc["started_at"])
                earlier = doc["requests"]
                if not isinstance(earlier, dict) or not all(isinstance(s, dict) for s in earlier.values()):
                    raise TypeError("requests")
                self._earlier = add_requests(earlier, {})
            except (KeyError, TypeError, ValueError, AttributeError):
                resumed, why = Resumed(started_at=started_at), "it is damaged"
        if why:
            resumed.note = f"The checkpoint {self.path} is not used: {why}; the collection starts afresh."
        self._accounting = accounting
        assert resumed.started_at is not None
        self._doc = {
            "schema": SCHEMA, "tool_version": fingerprint.tool_version, "tenant": fingerprint.tenant,
            "options": fingerprint.options, "started_at": resumed.started_at.isoformat(),
            "sources": {key: asdict(result) for key, result in resumed.done.items()},
        }
        self.save()
        return resumed

    def record(self, result: SourceResult) -> None:
        """Keep a finished source (written behind). One that failed for lack of network has not finished: it
        runs again."""
        if result.network_failure:
            return
        with self._lock:
            if self._closed:
                return
            self._doc["sources"][result.key] = asdict(result)
            self._dirty = True
            self._wake.notify()
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_behind, name="checkpoint", daemon=True)
                self._writer.start()

    def save(self) -> None:
        """Write the checkpoint as it stands now, with this run's request counters (also on an interrupt)."""
        self._write()

    def close(self, *, write: bool = True) -> None:
        """Stop writing behind; what was recorded but not yet written is written now (unless `write` is False)."""
        with self._lock:
            if self._closed:
                return
            dirty, self._dirty, self._closed = self._dirty and write, False, True
            self._wake.notify()
        if self._writer is not None:
            self._writer.join()
        if dirty:
            self._write(closing=True)

    def requests(self) -> Accounting:
        """Every run's requests so far: the earlier runs' and this one's."""
        return add_requests(self._earlier, self._accounting())

    def _write_behind(self) -> None:
        while True:
            with self._lock:
                self._wake.wait_for(lambda: self._dirty or self._closed)
                if self._closed:
                    return
            self._write()

    def _write(self, *, closing: bool = False) -> None:
        with self._io:
            with self._lock:
                if not self._doc or (self._closed and not closing):
                    return
                self._dirty = False
                self._doc["requests"] = self.requests()
                data = json.dumps(self._doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
            write_atomic(self.path, data, mode=0o600)


# --- the lock ----------------------------------------------------------------------------------------


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _started(pid: int) -> str:
    """When process `pid` started, in clock ticks since boot (Linux), so a reused PID is told apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def _alive(holder: Mapping[str, Any]) -> bool:
    """Whether the process that wrote a lock still runs. Another host's lock is assumed alive."""
    if holder.get("host") != socket.gethostname() or os.name == "nt":
        return True  # on Windows, os.kill(pid, 0) would not test but interrupt: the hint says what to delete
    if holder.get("boot") and holder.get("boot") != _boot_id():
        return False  # the machine restarted since
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    started = holder.get("started")
    return not (started and _started(pid) and _started(pid) != started)


def _holder(path: Path) -> dict[str, Any] | None:
    try:
        fd = os.open(path, os.O_RDONLY | NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            holder = json.loads(handle.read())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None  # a planted symlink, or garbage: not a lock of ours
    return holder if isinstance(holder, dict) else None


@contextlib.contextmanager
def locked(snapshot: Path) -> Iterator[Checkpoint]:
    """Hold FILE.lock while collecting into FILE, and give the checkpoint to use."""
    path = lock_path(snapshot)
    path.parent.mkdir(parents=True, exist_ok=True)  # the folder of FILE: checked beforehand (paths.output_file)
    me = {"pid": os.getpid(), "host": socket.gethostname(), "boot": _boot_id(), "started": _started(os.getpid())}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(me, handle)
        for _ in range(3):
            try:
                os.link(tmp, path)  # atomic, and never through a symlink: the lock appears whole or not at all
                break
            except FileExistsError:
                holder = _holder(path)
                if holder and _alive(holder):
                    raise UsageError(
                        f"Another collection into {snapshot} is running (process {holder.get('pid')} on "
                        f"{holder.get('host')}): two collections into the same file at once are refused.",
                        f"Wait for it to finish, or choose another --out. If it is not running, delete {path}.",
                    ) from None
                path.unlink(missing_ok=True)  # stale: its process is gone
        else:
            raise UsageError(f"Cannot take the lock {path}.", "Delete it if no collection is running.")
    finally:
        Path(tmp).unlink(missing_ok=True)
    kept = Checkpoint(snapshot)
    try:
        yield kept
    finally:
        kept.close()
        if _holder(path) == me:
            path.unlink(missing_ok=True)
