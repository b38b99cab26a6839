"""History of assessments: the run store, diffs and trends (DESIGN §12).

    from m365exit.history import open_store, run_from_assessment
    with open_store("history.sqlite") as store:           # or "postgresql://user@host/db"
        recorded = store.record(run_from_assessment(assessment))
        store.runs("tenant-id"), store.latest("tenant-id"), store.load(recorded.run_id)

`models`, `diff` and `trend` are pure; only `store` (imported on first use) needs SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from m365exit.history.models import Run, RunSummary, run_from_assessment

if TYPE_CHECKING:
    from m365exit.history.store import HistoryError, Recorded, Store, open_store

__all__ = ["HistoryError", "Recorded", "Run", "RunSummary", "Store", "open_store", "run_from_assessment"]


def __getattr__(name: str) -> Any:
    if name in ("HistoryError", "Recorded", "Store", "open_store"):
        from m365exit.history import store

        return getattr(store, name)
    raise AttributeError(name)
