"""Errors a user can cause or meet: one sentence, a hint, a documented exit code.

The CLI prints `message` and `hint` and exits with `exit_code`; it never shows a traceback for these.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Stable exit codes, documented in the README."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    AUTH = 3
    GRAPH_UNREACHABLE = 4
    INVALID_RULES = 5
    BAD_SNAPSHOT = 6
    THRESHOLD = 7
    INCOMPLETE = 8
    PORTFOLIO_INCOMPLETE = 9
    INTERRUPTED = 130


class M365ExitError(Exception):
    """Base of every error meant for a person: a sentence, a hint, an exit code."""

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, hint: str = "", exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class UsageError(M365ExitError):
    exit_code = ExitCode.USAGE


class AuthError(M365ExitError):
    exit_code = ExitCode.AUTH


class GraphUnreachableError(M365ExitError):
    exit_code = ExitCode.GRAPH_UNREACHABLE


class RulesError(M365ExitError):
    """Invalid rules or answers; the message names the file, line and key."""

    exit_code = ExitCode.INVALID_RULES


class SnapshotError(M365ExitError):
    exit_code = ExitCode.BAD_SNAPSHOT


class ThresholdError(M365ExitError):
    exit_code = ExitCode.THRESHOLD


class IncompleteError(M365ExitError):
    exit_code = ExitCode.INCOMPLETE


class PortfolioError(M365ExitError):
    """At least one tenant of a portfolio failed; the others were written and portfolio.json says which."""

    exit_code = ExitCode.PORTFOLIO_INCOMPLETE
