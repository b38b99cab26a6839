"""Report CSVs rendered once per (report, period, concealment) and then served from memory.

At 100,000 users a report file is 1 to 26 MB and takes seconds to draw; drawing it again for every
download made report downloads the largest cost of a collection. The rows a truth is computed from are
the rows served: `truths()` draws each report it reads once, and keeps the file rendered from them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from m365exit.simulator.reports import render_csv, report_rows, report_truths

if TYPE_CHECKING:
    from m365exit.simulator.tenant import Tenant


class ReportFiles:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._files: dict[tuple[str, str, bool], bytes] = {}
        self._locks: dict[tuple[str, str, bool], threading.Lock] = {}
        self._lock = threading.Lock()

    def csv(self, fn: str, period: str, concealed: bool) -> bytes:
        """The file of report `fn` (a canonical function name), rendered on first use."""
        key = (fn, period, concealed)
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # two downloads of one report at once: the second waits for the first's file
            data = self._files.get(key)
            if data is None:
                data = self._files[key] = render_csv(fn, report_rows(self.tenant, fn, period, concealed))
        return data

    def truths(self, period: str = "D30") -> dict[str, int]:
        """reports.report_truths, reading each report's rows once and keeping its unconcealed file."""

        def source(fn: str) -> list[list[str]]:
            rows = list(report_rows(self.tenant, fn, period, False))
            with self._lock:
                self._files.setdefault((fn, period, False), render_csv(fn, rows))
            return rows

        return report_truths(self.tenant, period, source)
