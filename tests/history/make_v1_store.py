"""How tests/history/fixtures/store-v1.sqlite was made: a store at schema v1 (revision 0001), as m365exit
wrote it before v2, holding the organisation's two runs. Kept to show the fixture is genuine; rerun with
    PYTHONPATH=. python tests/history/make_v1_store.py tests/history/fixtures/store-v1.sqlite
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

from m365exit import pipeline
from m365exit.auth import AuthSettings
from m365exit.history.models import run_from_assessment
from m365exit.history.store import Store, engine_url
from m365exit.simulator import Simulator, SimulatorOptions
from tests.history.organisation import EARLIER, LATER, earlier_tenant, later_tenant

V1_FACTS = sa.table("run_facts", sa.column("run_id"), sa.column("name"), sa.column("value"))  # no `number` in v1


def write_v1(url: str, runs: list) -> None:  # type: ignore[type-arg]
    engine = sa.create_engine(engine_url(url))
    Store(engine, url).migrate("0001")
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for run in runs:
            run_id = conn.execute(meta.tables["runs"].insert().values(**run.summary().model_dump(exclude={"id"}))
                                  ).inserted_primary_key[0]
            conn.execute(V1_FACTS.insert(), [{"run_id": run_id, "name": n, "value": json.dumps(v)}
                                             for n, v in run.facts.items()])
            conn.execute(meta.tables["run_workloads"].insert(), [
                {"run_id": run_id, "workload": w.id, "position": i, **w.model_dump(exclude={"id"})}
                for i, w in enumerate(run.workloads)])
            conn.execute(meta.tables["run_findings"].insert(), [
                {"run_id": run_id, **f.model_dump()} for f in run.findings])
    engine.dispose()


def organisation_runs() -> list:  # type: ignore[type-arg]
    runs = []
    with tempfile.TemporaryDirectory() as state:
        for tenant, when in ((earlier_tenant(), EARLIER), (later_tenant(), LATER)):
            with Simulator(tenant, SimulatorOptions(), state_dir=Path(state) / when.strftime("%m")) as sim:
                snapshot = pipeline.collect(AuthSettings.from_env(sim.env()),
                                            pipeline.CollectOptions(ca_bundle=str(sim.ca_path)), clock=lambda w=when: w)
            runs.append(run_from_assessment(pipeline.evaluate(snapshot, pipeline.AssessOptions())))
    return runs


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.unlink(missing_ok=True)
    write_v1(str(target), organisation_runs())
    print(target)
