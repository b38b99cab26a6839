"""A fingerprint of a generated tenant: objects, their Graph JSON, truths, minimal plan, report CSVs.

    PYTHONPATH=$PWD python tests/simulator/fingerprint.py s m   # prints the pins of test_fingerprint.py

Objects are hashed through their dataclass repr (class name, fields in order, values), so moving a class to
another module does not change the fingerprint, while any change to a generated value does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys

from m365exit.simulator import generate_tenant, shapes
from m365exit.simulator.permissions import COPILOT_REPORT_FUNCTIONS, REPORT_FUNCTIONS
from m365exit.simulator.reports import build_csv


def fingerprint(size: str, seed: int = 1) -> dict[str, str]:
    """sha256 of the tenant's objects, their Graph JSON, the truths and minimal plans, every report CSV."""
    tenant = generate_tenant(size, seed)
    objects = hashlib.sha256()
    for f in dataclasses.fields(tenant):
        if not f.repr:
            continue
        value = getattr(tenant, f.name)
        objects.update(f"{f.name}=".encode())
        if isinstance(value, list):
            for item in value:
                objects.update(repr(item).encode())
                objects.update(b"\n")
        else:
            objects.update(repr(value).encode())
        objects.update(b"\n")
    doc = {
        "truths": tenant.truths(),
        "minimal": tenant.minimal_requests(),
        "minimal_empty3": tenant.minimal_requests(empty_page_every=3),
    }
    reports = hashlib.sha256()
    for fn in (*REPORT_FUNCTIONS, *COPILOT_REPORT_FUNCTIONS):
        for period in ("D7", "D30"):
            for concealed in (False, True):
                reports.update(f"{fn}|{period}|{concealed}|".encode())
                reports.update(build_csv(tenant, fn, period, concealed))
    graph = hashlib.sha256()
    t = tenant
    served = [
        *(shapes.user(t, o) for o in t.users), *(shapes.group(t, o) for o in t.groups),
        *(shapes.service_principal(t, o) for o in t.service_principals), *(shapes.device(t, o) for o in t.devices),
        *(shapes.domain(t, o) for o in t.domains), *(shapes.ca_policy(t, o) for o in t.ca_policies),
        *(shapes.managed_device(t, o) for o in t.managed_devices), *(shapes.site(t, o) for o in t.sites),
        *(shapes.team(t, o) for o in t.teams), *(shapes.booking(t, o) for o in t.bookings),
        *(shapes.room(t, o) for o in t.rooms), *(shapes.ediscovery_case(t, o) for o in t.ediscovery_cases),
        *(shapes.sensitivity_label(t, o) for o in t.sensitivity_labels), *(shapes.sku(t, o) for o in t.skus),
        shapes.organization(t),
        *(shapes.channel(t, team.id, c) for team in t.teams for c in team.channels),
        *(shapes.plan(t, g.id, p) for g in t.groups for p in g.plans),
    ]
    for obj in served:
        graph.update(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode())
    return {
        "objects": objects.hexdigest(),
        "graph": graph.hexdigest(),
        "truths": hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest(),
        "reports": reports.hexdigest(),
    }


if __name__ == "__main__":
    for name in sys.argv[1:] or ["demo", "s", "m", "l", "xl"]:
        print(f"    {name!r}: {fingerprint(name)!r},", flush=True)
