"""Fail fast on paths: before any Graph request or any work, each output can be written and each input read.

A collection can take an hour; finding out at the end that `--out` names a folder, or sits under a file,
wastes all of it. Each problem is one sentence naming the option and the path (a UsageError, exit 2).
Nothing is created here; the writer creates the folder (collect: when it takes its lock, before signing in).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from m365exit.errors import UsageError


def _is(test: Callable[[], bool]) -> bool:
    """A pathlib test that answers False where it would raise (a parent folder this user may not enter)."""
    try:
        return test()
    except OSError:
        return False


def _blocker(path: Path) -> Path | None:
    """The nearest ancestor (or the path itself) that exists but is not a folder, if any."""
    for candidate in [path, *path.parents]:
        if _is(candidate.exists) or _is(candidate.is_symlink):
            return None if _is(candidate.is_dir) else candidate
    return None


def output_dir(path: Path, option: str) -> None:
    """`path` is a folder this process can write files into, or one it can create. Nothing is left behind:
    the probes (a file in the folder, or a folder in its nearest existing parent) are removed at once."""
    if _is(path.exists) and not _is(path.is_dir):
        raise UsageError(f"{option} {path} is a file, not a folder.", "Name a folder, or move the file away.")
    blocker = _blocker(path)
    if blocker is not None:
        raise UsageError(f"{option} {path} cannot be created: {blocker} is a file, not a folder.",
                         "Choose a path whose parents are folders.")
    # The only sure test is to write: root passes every permission check, but not a read-only or pseudo
    # file system such as /sys.
    if _is(path.is_dir):
        try:
            fd, probe = tempfile.mkstemp(prefix=".m365exit-probe-", dir=path)
            os.close(fd)
            Path(probe).unlink()
        except OSError as exc:
            raise UsageError(f"{option} {path} is a folder that cannot be written to: {exc.strerror or exc}.",
                             "Choose a folder you can write to.") from None
        return
    parent = next((p for p in path.parents if _is(p.is_dir)), Path.cwd())
    try:
        Path(tempfile.mkdtemp(prefix=".m365exit-probe-", dir=parent)).rmdir()
    except OSError as exc:
        raise UsageError(f"{option} {path} cannot be created: {exc.strerror or exc}.",
                         "Choose a folder you can write to.") from None


def output_file(path: Path, option: str) -> None:
    """`path` can receive a file: it is not a folder, and its folder exists (or is created) and is writable.

    A symlink at `path` is fine: writes replace it and never follow it (snapshot.write_atomic).
    """
    if _is(path.is_dir) and not _is(path.is_symlink):
        raise UsageError(f"{option} {path} is a folder; it must name a file.",
                         f"For example: {option} {path / 'tenant.json.gz'}")
    blocker = _blocker(path.parent)
    if blocker is not None:
        raise UsageError(f"{option} {path} cannot be created: {blocker} is a file, not a folder.",
                         "Choose a path whose parents are folders.")
    output_dir(path.parent, option)


def input_file(path: Path | None, option: str) -> None:
    """`path`, when given, is an existing file this process can read."""
    if path is None:
        return
    if not _is(path.exists):
        raise UsageError(f"{option} {path} does not exist.", "Check the path.")
    if _is(path.is_dir):
        raise UsageError(f"{option} {path} is a folder; it must name a file.", "Check the path.")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path} cannot be read: {exc.strerror or exc}.", "Check its permissions.") from None


def input_dir(path: Path, option: str) -> None:
    """`path` is an existing folder this process can list."""
    if not _is(path.exists):
        raise UsageError(f"{option} {path} does not exist.", "Check the path.")
    if not _is(path.is_dir):
        raise UsageError(f"{option} {path} is a file, not a folder.", "Check the path.")
    try:
        next(path.iterdir(), None)
    except OSError as exc:
        raise UsageError(f"{option} {path} cannot be read: {exc.strerror or exc}.", "Check its permissions.") from None
