"""python -m m365exit.simulator --size demo --port 0 --state-dir DIR"""

from __future__ import annotations

import argparse
from pathlib import Path

from m365exit.simulator.serve import serve
from m365exit.simulator.server import SimulatorOptions
from m365exit.simulator.tenant import SIZES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m m365exit.simulator",
        description="Local Microsoft Graph + Entra ID simulator (HTTPS, loopback).",
    )
    parser.add_argument("--size", choices=list(SIZES), default="demo")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="Graph + Entra port (0: any free port)")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".m365exit-simulator"),
        help="where ca.pem and truths.json are written",
    )
    parser.add_argument(
        "--deny",
        action="append",
        default=[],
        metavar="PERMISSION",
        help="an application permission the token will not carry (repeatable)",
    )
    parser.add_argument("--conceal-report-names", action="store_true")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument(
        "--empty-page-every",
        type=int,
        default=3,
        help="insert an empty page with a nextLink after every N pages (0: never)",
    )
    args = parser.parse_args(argv)
    options = SimulatorOptions(
        deny_permissions=frozenset(args.deny),
        conceal_report_names=args.conceal_report_names,
        latency_ms=args.latency_ms,
        empty_page_every=args.empty_page_every,
    )
    return serve(args.size, args.port, args.state_dir, options, args.seed)


if __name__ == "__main__":
    raise SystemExit(main())
