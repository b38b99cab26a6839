"""The seeded tenant generator: a fictional French public body of a given size, the same for the same seed.

Everything is drawn from one `random.Random` seeded by size and seed (never the global RNG), in a fixed
order: domains, people, SKUs, groups and teams, sites, devices, service principals, the small collections.
Changing that order, or any draw, changes every tenant (tests/simulator/test_fingerprint.py pins them).
"""

from __future__ import annotations

import gc
import random
from datetime import UTC, datetime

from m365exit.simulator.generator.apps import generate_service_principals
from m365exit.simulator.generator.catalog import ORGS
from m365exit.simulator.generator.devices import generate_devices
from m365exit.simulator.generator.draw import guid, ri
from m365exit.simulator.generator.extras import generate_extras
from m365exit.simulator.generator.groups import generate_groups_and_teams
from m365exit.simulator.generator.people import generate_skus, generate_users
from m365exit.simulator.generator.sites import generate_sites
from m365exit.simulator.model import Domain
from m365exit.simulator.tenant import REFERENCE_DATE, SIZES, Tenant


def _scale(size: str) -> int:
    if size not in SIZES:
        raise ValueError(f"unknown tenant size {size!r}; choose one of {', '.join(SIZES)}")
    return SIZES[size]


def generate_tenant(size: str = "demo", seed: int = 1) -> Tenant:
    """Build the organisation of `size` (see SIZES) from `seed`; deterministic."""
    n = _scale(size)
    rng = random.Random(f"m365exit-simulator:{size}:{seed}")
    display_name, default_domain, short = ORGS[size]
    ref = datetime(REFERENCE_DATE.year, REFERENCE_DATE.month, REFERENCE_DATE.day, 6, 0, 0, tzinfo=UTC)
    tenant = Tenant(
        size=size,
        seed=seed,
        tenant_id=guid(rng),
        display_name=display_name,
        default_domain=default_domain,
        initial_domain=f"{short}.onmicrosoft.com",
        sharepoint_host=f"{short}.sharepoint.com",
        reference_date=REFERENCE_DATE,
    )
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small acyclic objects: the cyclic collector only costs time here
    try:
        _gen_domains(tenant, rng)
        generate_users(tenant, rng, n, ref, short)
        generate_skus(tenant, rng)
        generate_groups_and_teams(tenant, rng, n, ref)
        generate_sites(tenant, rng, n, ref)
        generate_devices(tenant, rng, ref)
        generate_service_principals(tenant, rng, n, ref)
        generate_extras(tenant, rng, n, ref)
    finally:
        if gc_was_enabled:
            gc.enable()
    return tenant


def _gen_domains(t: Tenant, rng: random.Random) -> None:
    base = t.default_domain
    t.domains = [
        Domain(t.initial_domain, "Managed", True, False, True, ("Email", "OfficeCommunicationsOnline")),
        Domain(base, "Federated", True, True, False, ("Email", "OfficeCommunicationsOnline", "Intune")),
        Domain(f"partenaires.{base}", "Managed", True, False, False, ("Email",)),
        Domain(f"ancien-nom-{ri(rng, 1, 9)}.example.fr", "Managed", False, False, False, ()),
    ]
