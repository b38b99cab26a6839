"""Series over time: a fact or a workload's readiness per run, and the report's Progress data. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from m365exit.history.models import STORAGE_FACTS, FactValue, Run

TREND_SCHEMA = "m365exit.history-trend/1"
PROGRESS_RUNS = 24  # the report draws at most this many runs: about six months of weekly runs


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    run: int | None
    collected_at: datetime
    value: FactValue | None = Field(description="null: absent (not collected) or not assessed in that run")


class Trend(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_: str = Field(default=TREND_SCHEMA, alias="schema")
    tenant_id: str
    tenant_name: str
    fact: str | None = None
    workload: str | None = None
    points: list[Point]


def trend(runs: Sequence[Run], *, fact: str | None = None, workload: str | None = None) -> Trend:
    """One point per run, oldest first; exactly one of `fact` and `workload`."""
    if (fact is None) == (workload is None):
        raise ValueError("trend takes a fact or a workload")
    points = []
    for run in runs:
        if fact is not None:
            value: FactValue | None = run.facts.get(fact)
        else:
            w = run.workload(workload or "")
            value = w.readiness if w else None
        points.append(Point(run=run.id, collected_at=run.collected_at, value=value))
    last = runs[-1] if runs else None
    return Trend(tenant_id=last.tenant_id if last else "", tenant_name=last.tenant_name if last else "",
                 fact=fact, workload=workload, points=points)


class Progress(BaseModel):
    """What the report's Progress section draws: earlier runs of the tenant and the current assessment."""

    model_config = ConfigDict(extra="forbid")
    runs: list[Run] = Field(description="oldest first; the last one is the current assessment")

    @property
    def previous(self) -> Run:
        return self.runs[-2]

    @property
    def current(self) -> Run:
        return self.runs[-1]

    def dates(self) -> list[datetime]:
        return [r.collected_at for r in self.runs]

    def workload_series(self) -> dict[str, list[int | None]]:
        ids = list(dict.fromkeys(w.id for r in self.runs for w in r.workloads))
        return {wid: [w.readiness if (w := r.workload(wid)) else None for r in self.runs] for wid in ids}

    def mailboxes(self) -> list[float | None]:
        return [r.number("exchange.mailboxes") for r in self.runs]

    def storage(self) -> list[float | None]:
        """Mail and files still in Microsoft 365: the storage facts collected in each run."""
        out: list[float | None] = []
        for r in self.runs:
            values = [v for v in (r.number(f) for f in STORAGE_FACTS) if v is not None]
            out.append(sum(values) if values else None)
        return out

    def paid_seats(self) -> list[float | None]:
        return [float(r.paid_seats) for r in self.runs]

    def spend(self) -> list[float | None]:
        return [r.spend_monthly for r in self.runs]


def progress(earlier: Sequence[Run], current: Run) -> Progress | None:
    """None when there is nothing to compare with: the report then has no Progress section."""
    if not earlier:
        return None
    return Progress(runs=[*earlier[-(PROGRESS_RUNS - 1):], current])
