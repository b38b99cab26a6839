"""Fail fast on paths: before any Graph request or any work, each output can be written and each input read.

A collection can take an hour; finding out at the end that `--out` names a folder, or sits under a file,
wastes all of it. Each problem is one sentence naming the option and the path (a UsageError, exit 2).
The output folder is created here when missing: the collection checkpoint lives in it from the start.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from m365exit.errors import UsageError


def _blocker(path: Path) -> Path | None:
    """The nearest ancestor (or the path itself) that exists but is not a folder, if any."""
    for candidate in [path, *path.parents]:
        if candidate.exists() or candidate.is_symlink():
            return None if candidate.is_dir() else candidate
    return None


def output_dir(path: Path, option: str) -> None:
    """`path` is, or can become, a folder this process can write files into."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder.", "Name a folder, or move the file away.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = _blocker(path)
        if blocker is not None:
            raise UsageError(f"{option} {path} cannot be created: {blocker} is a file, not a folder.",
                             "Choose a path whose parents are folders.") from None
        raise UsageError(f"{option} {path} cannot be created: {exc.strerror or exc}.",
                         "Choose a folder you can write to.") from None
    try:  # the only sure test: write a file (root passes permission checks, not read-only or pseudo file systems)
        fd, probe = tempfile.mkstemp(prefix=".m365exit-probe-", dir=path)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        raise UsageError(f"{option} {path} is a folder that cannot be written to: {exc.strerror or exc}.",
                         "Choose a folder you can write to.") from None


def output_file(path: Path, option: str) -> None:
    """`path` can receive a file: it is not a folder, and its folder exists (or is created) and is writable.

    A symlink at `path` is fine: writes replace it and never follow it (snapshot.write_atomic).
    """
    if path.is_dir() and not path.is_symlink():
        raise UsageError(f"{option} {path} is a folder; it must name a file.",
                         f"For example: {option} {path / 'tenant.json.gz'}")
    output_dir(path.parent, option)


def input_file(path: Path | None, option: str) -> None:
    """`path`, when given, is an existing file this process can read."""
    if path is None:
        return
    if not path.exists():
        raise UsageError(f"{option} {path} does not exist.", "Check the path.")
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; it must name a file.", "Check the path.")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path} cannot be read: {exc.strerror or exc}.", "Check its permissions.") from None


def input_dir(path: Path, option: str) -> None:
    """`path` is an existing folder this process can list."""
    if not path.exists():
        raise UsageError(f"{option} {path} does not exist.", "Check the path.")
    if not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder.", "Check the path.")
    try:
        next(path.iterdir(), None)
    except OSError as exc:
        raise UsageError(f"{option} {path} cannot be read: {exc.strerror or exc}.", "Check its permissions.") from None
