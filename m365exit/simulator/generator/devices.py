"""Devices: Intune-managed ones per licensed person and their Entra registrations, plus stale registrations."""

from __future__ import annotations

import random
from datetime import datetime

from m365exit.simulator.generator.catalog import DEVICE_MODELS, OS_VERSIONS
from m365exit.simulator.generator.draw import date_before, guid, iso, ri, rr, ts_before
from m365exit.simulator.model import Device, ManagedDevice
from m365exit.simulator.tenant import Tenant


def generate_devices(t: Tenant, rng: random.Random, ref: datetime) -> None:
    managed: list[ManagedDevice] = []
    entra: list[Device] = []
    rand = rng.random
    for u in t.users:
        if u.kind != "person" or not u.licenses:
            continue
        kinds = ["Windows" if rand() < 0.9 else "macOS"]
        if rand() < 0.4:
            kinds.append("iOS" if rand() < 0.55 else "Android")
        if rand() < 0.06:
            kinds.append("iPadOS")
        for os_name in kinds:
            model, maker = DEVICE_MODELS[os_name][rr(rng, len(DEVICE_MODELS[os_name]))]
            aad = guid(rng)
            prefix = {"Windows": "PC", "macOS": "MAC", "iOS": "IPH", "iPadOS": "IPAD", "Android": "AND"}[
                os_name
            ]
            name = f"{prefix}-{ri(rng, 10000, 99999)}"
            total = rng.choice((128, 256, 512)) * 1_000_000_000
            last_sync = date_before(rng, ref, 40 if rand() < 0.1 else 7)
            managed.append(
                ManagedDevice(
                    id=guid(rng),
                    device_name=name,
                    os=os_name,
                    os_version=OS_VERSIONS[os_name][rr(rng, len(OS_VERSIONS[os_name]))],
                    compliance="compliant" if rand() < 0.9 else "noncompliant",
                    owner_type="company" if os_name in ("Windows", "macOS") or rand() < 0.5 else "personal",
                    user_id=u.id,
                    upn=u.upn,
                    user_display_name=u.display_name,
                    model=model,
                    manufacturer=maker,
                    serial=f"{rng.getrandbits(40):010X}",
                    enrolled=ts_before(rng, ref, 1200, 30),
                    last_sync=iso(last_sync),
                    total_storage=total,
                    free_storage=int(total * rng.uniform(0.1, 0.7)),
                    azure_ad_device_id=aad,
                    management_agent="mdm",
                )
            )
            entra.append(
                Device(
                    id=guid(rng),
                    device_id=aad,
                    display_name=name,
                    os=os_name,
                    os_version=managed[-1].os_version,
                    trust_type="AzureAd" if os_name in ("Windows", "macOS") else "Workplace",
                    account_enabled=True,
                    last_sign_in=iso(last_sync),
                )
            )
    for i in range(max(2, len(entra) // 20)):  # stale registered devices Intune does not manage
        entra.append(
            Device(
                id=guid(rng),
                device_id=guid(rng),
                display_name=f"PC-ANCIEN-{i}",
                os="Windows",
                os_version="10.0.19044.1288",
                trust_type="ServerAd",
                account_enabled=rand() < 0.5,
                last_sign_in=ts_before(rng, ref, 700, 120),
            )
        )
    t.managed_devices = managed
    t.devices = entra
