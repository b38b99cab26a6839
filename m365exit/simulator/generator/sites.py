"""SharePoint sites: group, channel and project sites, deleted ones (report only) and personal OneDrive sites."""

from __future__ import annotations

import math
import random
from datetime import datetime

from m365exit.simulator import names
from m365exit.simulator.generator.draw import ascii_slug, date_before, guid, iso, ri, rr, ts_before
from m365exit.simulator.model import GB, MB, Site
from m365exit.simulator.tenant import Tenant


def generate_sites(t: Tenant, rng: random.Random, n: int, ref: datetime) -> None:
    host = t.sharepoint_host
    target = max(20, round(n * 0.3))
    sites: list[Site] = []
    site_col = f"https://{host}"
    rand = rng.random
    people = [u for u in t.users if u.kind == "person"]
    used: set[str] = set()

    def owner() -> tuple[str, str]:
        p = people[rr(rng, len(people))]
        return p.display_name, p.upn

    def add(name: str, template: str, median_mb: float, url: str | None = None) -> Site:
        slug = ascii_slug(name)[:50] or "site"
        k, s = 1, slug
        while s in used:
            k += 1
            s = f"{slug}{k}"
        used.add(s)
        created = date_before(rng, ref, 2500, 5)
        storage = int(rng.lognormvariate(math.log(median_mb * MB), 1.4))
        if rand() < 0.01:
            storage += ri(rng, 100, 400) * GB  # a few archive sites hold most of the data
        files = max(0, storage // ri(rng, 400_000, 3_000_000))
        on, ou = owner()
        site = Site(
            id=f"{host},{guid(rng)},{guid(rng)}",
            name=s,
            display_name=name,
            web_url=url or f"{site_col}/sites/{s}",
            personal=False,
            template=template,
            created=iso(created),
            modified=ts_before(rng, ref, 200),
            storage_bytes=storage,
            file_count=files,
            active_files=min(files, ri(rng, 0, 500)),
            page_views=ri(rng, 0, 5000),
            owner_name=on,
            owner_upn=ou,
        )
        sites.append(site)
        return site

    add("Intranet", "Communication Site", 4000, url=site_col)
    add('<script>alert("site")</script> Projet Estuaire', "Team Site", 300)
    add('=HYPERLINK("http://example.invalid","Budget") Budget 2026', "Team Site", 300)
    for g in t.groups:
        if g.unified:
            s = add(g.display_name, "Group", 700)
            g.site_bytes, g.site_files = s.storage_bytes, s.file_count
    for team in t.teams:
        for c in team.channels:
            if c.membership_type != "standard":
                add(f"{team.display_name}-{c.display_name}", "Team Channel", 150)
    k = 0
    while len(sites) < target:
        word = names.PROJECT_WORDS[k % len(names.PROJECT_WORDS)]
        river = names.RIVERS[(k // len(names.PROJECT_WORDS)) % len(names.RIVERS)]
        kind = "Communication Site" if rand() < 0.3 else "Team Site"
        add(f"{word} {river}" + (f" {k}" if k >= 400 else ""), kind, 900)
        k += 1
    # deleted sites: only in the usage report
    deleted: list[Site] = []
    for i in range(max(2, len(sites) // 40)):
        storage = ri(rng, 10 * MB, 5 * GB)
        deleted.append(
            Site(
                id=guid(rng),
                name=f"ancien-site-{i}",
                display_name=f"Ancien site {i}",
                web_url=f"{site_col}/sites/ancien-site-{i}",
                personal=False,
                template="Team Site",
                created=ts_before(rng, ref, 2500, 400),
                modified=ts_before(rng, ref, 29, 1),
                storage_bytes=storage,
                file_count=storage // 1_000_000,
                deleted=True,
            )
        )
    # personal sites (OneDrive): returned by getAllSites with isPersonalSite true
    my_host = host.replace(".sharepoint.com", "-my.sharepoint.com")
    for u in t.users:
        if u.onedrive_url:
            sites.append(
                Site(
                    id=f"{my_host},{guid(rng)},{guid(rng)}",
                    name=u.onedrive_url.rsplit("/", 1)[1],
                    display_name=u.display_name,
                    web_url=u.onedrive_url,
                    personal=True,
                    template="OneDrive",
                    created=u.created,
                    modified=ts_before(rng, ref, 60),
                    storage_bytes=u.onedrive_bytes,
                    file_count=u.onedrive_files,
                    owner_name=u.display_name,
                    owner_upn=u.upn,
                )
            )
    rng.shuffle(sites)
    t.sites = sites
    t.deleted_sites = deleted
