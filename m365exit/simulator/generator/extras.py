"""Small collections: conditional access policies, Bookings businesses, eDiscovery cases, sensitivity labels."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from m365exit.simulator import names
from m365exit.simulator.generator.catalog import CA_POLICIES, SENSITIVITY_LABELS
from m365exit.simulator.generator.draw import ascii_slug, date_before, guid, iso, ri, ts_before
from m365exit.simulator.model import BookingBusiness, CaPolicy, EdiscoveryCase, SensitivityLabel
from m365exit.simulator.tenant import Tenant


def generate_extras(t: Tenant, rng: random.Random, n: int, ref: datetime) -> None:
    count = min(len(CA_POLICIES), 6 + n // 1000)
    t.ca_policies = [
        CaPolicy(
            id=guid(rng),
            display_name=name,
            state=state,
            created=ts_before(rng, ref, 1500),
            controls=controls,
        )
        for name, state, controls in CA_POLICIES[:count]
    ]
    t.bookings = []
    for i in range(max(1, n // 400)):
        city = names.CITIES[i % len(names.CITIES)][0]
        slug = ascii_slug(city, "")
        t.bookings.append(
            BookingBusiness(
                id=f"RDV{slug}{i}@{t.initial_domain}",
                display_name=f"Rendez-vous usagers {city}" + (f" {i}" if i >= 10 else ""),
            )
        )
    t.ediscovery_cases = []
    for i in range(min(40, 2 + n // 800)):
        closed = rng.random() < 0.3
        created = date_before(rng, ref, 1000, 30)
        t.ediscovery_cases.append(
            EdiscoveryCase(
                id=guid(rng),
                display_name=f"Dossier contentieux {2020 + i % 7}-{i + 1:03d}",
                description="Demande d'accès aux documents administratifs" if i % 2 else "",
                status="closed" if closed else "active",
                created=iso(created),
                closed=iso(created + timedelta(days=ri(rng, 5, 25))) if closed else None,
            )
        )
    t.sensitivity_labels = [
        SensitivityLabel(
            id=guid(rng), name=name, description=desc, color=color, sensitivity=sens, tooltip=desc
        )
        for name, desc, color, sens in SENSITIVITY_LABELS
    ]
