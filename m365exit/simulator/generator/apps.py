"""Service principals: Microsoft first-party apps, SAML, OIDC and password SSO apps, connectors, identities."""

from __future__ import annotations

import random
from datetime import datetime

from m365exit.simulator.generator.catalog import MS_FIRST_PARTY, OIDC_APPS, PASSWORD_APPS, SAML_APPS
from m365exit.simulator.generator.draw import guid, ts_before
from m365exit.simulator.model import ServicePrincipal
from m365exit.simulator.tenant import Tenant


def generate_service_principals(t: Tenant, rng: random.Random, n: int, ref: datetime) -> None:
    ms_tenant = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
    sps: list[ServicePrincipal] = []

    def add(
        name: str,
        mode: str | None,
        sp_type: str = "Application",
        owner: str | None = None,
        publisher: str = "",
        tags: tuple[str, ...] = (),
    ) -> None:
        sps.append(
            ServicePrincipal(
                id=guid(rng),
                app_id=guid(rng),
                display_name=name,
                sso_mode=mode,
                sp_type=sp_type,
                account_enabled=rng.random() > 0.02,
                owner_org=owner or t.tenant_id,
                publisher=publisher or t.display_name,
                created=ts_before(rng, ref, 2500),
                tags=tags,
            )
        )

    for i in range(240):
        base = MS_FIRST_PARTY[i % len(MS_FIRST_PARTY)]
        add(
            base if i < len(MS_FIRST_PARTY) else f"{base} ({i // len(MS_FIRST_PARTY)})",
            None,
            owner=ms_tenant,
            publisher="Microsoft Services",
        )
    extra = max(1, n // 600)
    for i in range(max(3, n // 100)):
        name = SAML_APPS[i % len(SAML_APPS)] + (f" {i // len(SAML_APPS)}" if i >= len(SAML_APPS) else "")
        add(
            name,
            "saml",
            tags=(
                "WindowsAzureActiveDirectoryCustomSingleSignOnApplication",
                "WindowsAzureActiveDirectoryIntegratedApp",
            ),
        )
    for i in range(extra + 1):  # older SAML apps whose preferredSingleSignOnMode was never set
        add(f"Application SAML historique {i}", None, tags=("WindowsAzureActiveDirectoryIntegratedApp",))
    for i in range(max(3, n // 80)):
        name = OIDC_APPS[i % len(OIDC_APPS)] + (f" {i // len(OIDC_APPS)}" if i >= len(OIDC_APPS) else "")
        add(name, "oidc", tags=("WindowsAzureActiveDirectoryIntegratedApp",))
    for i in range(max(1, n // 300)):
        add(
            PASSWORD_APPS[i % len(PASSWORD_APPS)] + (f" {i}" if i >= len(PASSWORD_APPS) else ""),
            "password",
        )
    for i in range(20 + n // 200):
        add(f"Connecteur {('API', 'script', 'automate', 'export')[i % 4]} {i}", "notSupported")
    for i in range(max(1, n // 500)):
        add(f"mi-{('func', 'logic', 'vm')[i % 3]}-{i}", None, sp_type="ManagedIdentity")
    rng.shuffle(sps)
    t.service_principals = sps
