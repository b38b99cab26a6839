"""Command-line interface: Typer only; each command turns options into one pipeline call."""

from __future__ import annotations

import sys

import typer

from m365exit import console
from m365exit.cli import answers, assess, collect, demo, importcmd, permissions, run  # noqa: F401  (they register)
from m365exit.cli.app import app
from m365exit.cli.diff import diff as _snapshot_diff  # noqa: F401  (registers 'm365exit diff')
from m365exit.cli.history import app as history_app
from m365exit.cli.portfolio import app as portfolio_app
from m365exit.cli.rules import app as rules_app
from m365exit.cli.simulator import app as simulator_app
from m365exit.errors import ExitCode, M365ExitError

app.add_typer(rules_app, name="rules", help="Validate, list, explain and test the rules.")
app.add_typer(simulator_app, name="simulator", help="The local Microsoft Graph simulator.")
app.add_typer(portfolio_app, name="portfolio", help="Many tenants in one run, and the cross-tenant report.")
app.add_typer(history_app, name="history", help="Runs recorded with --history: list, show, diff, trend.")


def main() -> None:
    sys.exit(execute())


def execute(argv: list[str] | None = None) -> int:
    """Run the CLI and return the documented exit code; the one place errors become exit codes."""
    try:
        code = app(args=argv, standalone_mode=False)
        # Outside standalone mode typer returns the code of an Exit, and turns Ctrl-C into Exit(130).
        if code == ExitCode.INTERRUPTED:
            console.stderr.print("interrupted")
        if isinstance(code, int):
            return code
    except M365ExitError as exc:
        console.error(exc)
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console.stderr.print("interrupted")
        return int(ExitCode.INTERRUPTED)
    except typer.TyperException as exc:  # bad option or argument: typer's own message, exit 2
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            console.stderr.print(f"error: {exc}")
        return int(ExitCode.USAGE)
    except Exception as exc:
        if console.Settings.debug:  # the traceback, without any secret or token it may carry
            import traceback

            from m365exit.auth import redact

            sys.stderr.write(redact("".join(traceback.format_exception(exc))))
            return int(ExitCode.UNEXPECTED)
        console.error(M365ExitError(
            f"Unexpected error: {type(exc).__name__}.",
            "Run again with --debug for details, and report it if it persists.",
        ))
        return int(ExitCode.UNEXPECTED)
    return int(ExitCode.OK)
