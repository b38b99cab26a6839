"""All terminal output: messages on stderr, a progress bar on a terminal and silence on a pipe.

The only module besides the CLI that imports rich; the pipeline reports progress through `Progress`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from m365exit.errors import M365ExitError

stderr = Console(stderr=True, highlight=False, soft_wrap=True)
stdout = Console(highlight=False, soft_wrap=True)


class Progress(Protocol):
    """Steps one after another (`step`), or sources side by side: `plan` the sources per workload, then
    `started` and `finished` as each runs (called from any thread)."""

    def step(self, label: str) -> None: ...
    def plan(self, totals: Mapping[str, int]) -> None: ...
    def started(self, workload: str, label: str) -> None: ...
    def finished(self, workload: str) -> None: ...


class _Silent:
    def step(self, label: str) -> None:
        pass

    def plan(self, totals: Mapping[str, int]) -> None:
        pass

    def started(self, workload: str, label: str) -> None:
        pass

    def finished(self, workload: str) -> None:
        pass


class _Bar:
    def __init__(self, bar: RichProgress, task: TaskID) -> None:
        self._bar, self._task, self._started = bar, task, False
        self._workloads: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def step(self, label: str) -> None:
        if self._started:
            self._bar.advance(self._task)
        self._started = True
        self._bar.update(self._task, description=escape(label))

    def plan(self, totals: Mapping[str, int]) -> None:
        """One line per workload under the overall bar."""
        with self._lock:
            for workload, total in totals.items():
                self._workloads[workload] = self._bar.add_task(escape(f"  {workload}"), total=total)

    def started(self, workload: str, label: str) -> None:
        with self._lock:
            task = self._workloads.get(workload)
            if task is not None:
                self._bar.update(task, description=escape(f"  {workload}: {label}"))

    def finished(self, workload: str) -> None:
        with self._lock:
            task = self._workloads.get(workload)
            if task is not None:
                self._bar.advance(task)
                if self._bar.tasks[task].finished:
                    self._bar.update(task, description=escape(f"  {workload}: done"))
            self._bar.advance(self._task)


class Settings:
    quiet = False
    debug = False


def interactive() -> bool:
    return stderr.is_terminal and not Settings.quiet


@contextmanager
def progress(total: int, label: str) -> Iterator[Progress]:
    """A bar of `total` steps on a terminal; nothing when stderr is not a terminal or --quiet is set."""
    if not interactive():
        yield _Silent()
        return
    columns = (TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with RichProgress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task(escape(label), total=total)
        yield _Bar(bar, task)
        bar.update(task, completed=total)


def info(message: str) -> None:
    if not Settings.quiet:
        stderr.print(message)


def prompt(message: str) -> None:
    """Something the person must act on (a device code): shown on stderr even with --quiet or --json."""
    stderr.print(escape(message))


def warn(message: str) -> None:
    stderr.print(f"[yellow]warning:[/yellow] {escape(message)}")


def error(exc: M365ExitError) -> None:
    stderr.print(f"[bold red]error:[/bold red] {escape(exc.message)}")
    if exc.hint:
        stderr.print(f"[dim]hint:[/dim] {escape(exc.hint)}")


class Board(Protocol):
    def start(self, key: str, total: int) -> None: ...
    def step(self, key: str, label: str) -> None: ...
    def finish(self, key: str, label: str, ok: bool) -> None: ...


class _SilentBoard:
    def start(self, key: str, total: int) -> None:
        pass

    def step(self, key: str, label: str) -> None:
        pass

    def finish(self, key: str, label: str, ok: bool) -> None:
        pass


class _RichBoard:
    """One line per item (a tenant of a portfolio), each with its own bar; safe to call from threads. Each
    call redraws the board (no refresh thread)."""

    def __init__(self, bar: RichProgress, keys: list[str]) -> None:
        self._bar = bar
        width = max(len(k) for k in keys)
        self._tasks = {k: bar.add_task(f"{escape(k):<{width}}  queued", total=None) for k in keys}
        self._width = width

    def _say(self, key: str, label: str) -> str:
        return f"{escape(key):<{self._width}}  {escape(label)}"

    def start(self, key: str, total: int) -> None:
        self._bar.update(self._tasks[key], total=total + 1, completed=0, description=self._say(key, "signing in"))
        self._bar.refresh()

    def step(self, key: str, label: str) -> None:
        self._bar.update(self._tasks[key], advance=1, description=self._say(key, label))
        self._bar.refresh()

    def finish(self, key: str, label: str, ok: bool) -> None:
        task = self._tasks[key]
        total = self._bar.tasks[task].total or 1
        colour = "green" if ok else "red"
        self._bar.update(task, total=total, completed=total,
                         description=f"{escape(key):<{self._width}}  [{colour}]{escape(label)}[/{colour}]")
        self._bar.refresh()


@contextmanager
def board(keys: list[str]) -> Iterator[Board]:
    """A line per key on a terminal; nothing on a pipe or with --quiet."""
    if not interactive() or not keys:
        yield _SilentBoard()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # Redrawn at each event, not by a refresh thread: a portfolio forks its worker processes while this is on
    # screen, and a fork is safe only from a process that runs one thread.
    with RichProgress(*columns, console=stderr, transient=False, auto_refresh=False) as bar:
        yield _RichBoard(bar, keys)
