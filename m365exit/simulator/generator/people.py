"""People and mailboxes: members, shared and room mailboxes, service accounts, guests; then the SKUs they consume."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from m365exit.simulator import names
from m365exit.simulator.generator.catalog import (
    EXTERNAL_DOMAINS,
    SERVICE_PLANS,
    SKU_ARCHIVE,
    SKU_AUDIO,
    SKU_COPILOT,
    SKU_E1,
    SKU_E3,
    SKU_EMS,
    SKU_F3,
    SKU_FLOW_FREE,
    SKU_PBI_FREE,
    SKU_PBI_PRO,
    SKU_VISIO,
)
from m365exit.simulator.generator.draw import ascii_slug, date_before, guid, iso, ri, rr, ts_before
from m365exit.simulator.model import GB, MB, Room, Sku, User
from m365exit.simulator.tenant import Tenant


def _resource_mailbox(rng: random.Random, ref: datetime, upn: str, name: str, kind: str,
                      city: str | None = None) -> User:
    """A shared or room mailbox: an account nobody signs in to, without a licence."""
    return User(
        id=guid(rng), upn=upn, display_name=name, given_name=None, surname=None, mail=upn, kind=kind,
        account_enabled=False, user_type="Member", licenses=(), synced=False, department=None, job_title=None,
        city=city, created=ts_before(rng, ref, 2500, 30), last_sign_in=None,
    )


def generate_users(t: Tenant, rng: random.Random, n: int, ref: datetime, short: str) -> None:
    firsts = names.FIRST_NAMES
    lasts = names.LAST_NAMES
    first_slugs = [ascii_slug(f, "") for f in firsts]
    last_slugs = [ascii_slug(last, "") for last in lasts]
    n_guests = round(n * 0.06)
    n_rooms = max(3, n // 60)
    n_shared = max(3, n // 40)
    n_service = max(2, n // 250)
    n_people = n - n_guests - n_rooms - n_shared - n_service
    n_deleted = max(2, n // 50)
    domain = t.default_domain
    used: set[str] = set()
    od_host = f"https://{short}-my.sharepoint.com/personal/"
    users: list[User] = []
    depts = names.DEPARTMENTS
    titles = names.JOB_TITLES
    cities = names.CITIES
    rand = rng.random
    sku_e3, sku_e1, sku_f3 = SKU_E3[1], SKU_E1[1], SKU_F3[1]

    def person(deleted: bool) -> User:
        fi = rr(rng, len(firsts))
        li = rr(rng, len(lasts))
        local = f"{first_slugs[fi]}.{last_slugs[li]}"
        if local in used:
            k = 2
            while f"{local}{k}" in used:
                k += 1
            local = f"{local}{k}"
        used.add(local)
        upn = f"{local}@{domain}"
        created = date_before(rng, ref, 3650, 40)
        disabled = (not deleted) and rand() < 0.05
        r = rand()
        if (not deleted) and rand() < 0.04:
            licenses: tuple[str, ...] = ()
        elif disabled and rand() < 0.4:
            licenses = ()
        else:
            main = sku_e3 if r < 0.6 else (sku_e1 if r < 0.85 else sku_f3)
            extra: list[str] = [main]
            if main == sku_e3 and rand() < 0.7:
                extra.append(SKU_EMS[1])
            if rand() < 0.05:
                extra.append(SKU_PBI_PRO[1])
            if rand() < 0.12:
                extra.append(SKU_PBI_FREE[1])
            if rand() < 0.08:
                extra.append(SKU_FLOW_FREE[1])
            if main == sku_e3 and rand() < 0.03:
                extra.append(SKU_COPILOT[1])
            if main == sku_e1 and rand() < 0.1:
                extra.append(SKU_ARCHIVE[1])
            if rand() < 0.04:
                extra.append(SKU_AUDIO[1])
            if rand() < 0.02:
                extra.append(SKU_VISIO[1])
            licenses = tuple(extra)
        city, _cp = cities[rr(rng, len(cities))]
        u = User(
            id=guid(rng),
            upn=upn,
            display_name=f"{firsts[fi]} {lasts[li]}",
            given_name=firsts[fi],
            surname=lasts[li],
            mail=upn,
            kind="person",
            account_enabled=not disabled,
            user_type="Member",
            licenses=licenses,
            synced=rand() < 0.75,
            department=depts[rr(rng, len(depts))],
            job_title=titles[rr(rng, len(titles))],
            city=city,
            created=iso(created),
            last_sign_in=None if disabled and rand() < 0.5 else ts_before(rng, ref, 60),
            phone=f"+33 2 {ri(rng, 10, 99)} {ri(rng, 10, 99)} {ri(rng, 10, 99)} {ri(rng, 10, 99)}",
        )
        if licenses and licenses[0] in (sku_e3, sku_e1, sku_f3):
            main = licenses[0]
            u.mailbox_type = "User"
            quota = 100 if main == sku_e3 else (50 if main == sku_e1 else 2)
            u.mailbox_quota_gb = quota
            size_b = min(int(rng.lognormvariate(math.log(2.2 * GB), 0.9)), int(quota * GB * 0.97))
            u.mailbox_bytes = size_b
            u.mailbox_items = max(1, size_b // ri(rng, 45_000, 140_000))
            u.mailbox_deleted_items = ri(rng, 0, 3000)
            u.mailbox_deleted_bytes = u.mailbox_deleted_items * ri(rng, 20_000, 90_000)
            u.has_archive = (main == sku_e3 and rand() < 0.2) or SKU_ARCHIVE[1] in licenses
            u.mailbox_last_activity = (ref - timedelta(days=ri(rng, 0, 20))).date().isoformat()
            if rand() < 0.92:
                u.onedrive_url = od_host + upn.replace(".", "_").replace("@", "_")
                ob = int(rng.lognormvariate(math.log(1.2 * GB), 1.3))
                u.onedrive_bytes = min(ob, 900 * GB)
                u.onedrive_files = max(0, ob // ri(rng, 600_000, 2_500_000))
                u.onedrive_active_files = min(u.onedrive_files, ri(rng, 0, 120))
            if not deleted:
                if main == sku_e3:
                    win = rand() < 0.86
                    mac = (not win) and rand() < 0.7
                    u.apps = (win, mac, rand() < 0.45, rand() < 0.6)
                else:
                    u.apps = (False, False, rand() < 0.5, rand() < 0.8)
                if not any(u.apps) and rand() < 0.5:
                    u.apps = None
            u.copilot = SKU_COPILOT[1] in licenses
            u.teams_messages = ri(rng, 0, 600)
            u.meetings = ri(rng, 0, 60)
        if deleted:
            u.deleted_date = (ref - timedelta(days=ri(rng, 1, 29))).date().isoformat()
            u.account_enabled = False
        return u

    for _ in range(n_people):
        users.append(person(False))
    deleted = [person(True) for _ in range(n_deleted)]

    for i in range(n_shared):
        word = names.PROJECT_WORDS[i % len(names.PROJECT_WORDS)]
        local = f"bal.{ascii_slug(word)}{'' if i < len(names.PROJECT_WORDS) else i}"
        upn = f"{local}@{domain}"
        name = f"BAL {word}" + ("" if i < len(names.PROJECT_WORDS) else f" {i}")
        u = _resource_mailbox(rng, ref, upn, name, "shared")
        u.mailbox_type = "Shared"
        u.mailbox_quota_gb = 50
        u.mailbox_bytes = int(rng.lognormvariate(math.log(4 * GB), 1.0)) % (48 * GB)
        u.mailbox_items = max(1, u.mailbox_bytes // ri(rng, 50_000, 120_000))
        u.has_archive = rand() < 0.1
        u.mailbox_last_activity = (ref - timedelta(days=ri(rng, 0, 25))).date().isoformat()
        users.append(u)

    for i in range(n_rooms):
        city, cp = cities[i % len(cities)]
        river = names.RIVERS[i % len(names.RIVERS)]
        local = f"salle.{ascii_slug(city)}.{ascii_slug(river)}{i // len(names.RIVERS) or ''}"
        upn = f"{local}@{domain}"
        name = f"Salle {river} ({city})" + (f" {i // len(names.RIVERS)}" if i >= len(names.RIVERS) else "")
        u = _resource_mailbox(rng, ref, upn, name, "room", city)
        u.mailbox_type = "Room"
        u.mailbox_quota_gb = 50
        u.mailbox_bytes = ri(rng, 2 * MB, 90 * MB)
        u.mailbox_items = max(1, u.mailbox_bytes // 9000)
        u.mailbox_last_activity = (ref - timedelta(days=ri(rng, 0, 10))).date().isoformat()
        users.append(u)
        t.rooms.append(
            Room(
                id=guid(rng).upper(),
                email=upn,
                display_name=name,
                capacity=rng.choice((4, 6, 8, 12, 20, 40)),
                building=f"Bâtiment {rng.choice('ABCD')}",
                floor=ri(rng, 0, 4),
                city=city,
                postal_code=cp,
                nickname=river,
            )
        )

    for i in range(n_service):
        upn = f"svc-{('sync', 'scan', 'copieur', 'backup', 'ged', 'sig')[i % 6]}{i}@{t.initial_domain}"
        users.append(
            User(
                id=guid(rng),
                upn=upn,
                display_name=f"Compte de service {i}",
                given_name=None,
                surname=None,
                mail=None,
                kind="service",
                account_enabled=True,
                user_type="Member",
                licenses=(),
                synced=False,
                department="Systèmes d'information",
                job_title=None,
                city=None,
                created=ts_before(rng, ref, 3000, 100),
                last_sign_in=ts_before(rng, ref, 5),
            )
        )

    for _ in range(n_guests):
        fi = rr(rng, len(firsts))
        li = rr(rng, len(lasts))
        ext = EXTERNAL_DOMAINS[rr(rng, len(EXTERNAL_DOMAINS))]
        mail = f"{first_slugs[fi]}.{last_slugs[li]}{ri(rng, 1, 999)}@{ext}"
        upn = f"{mail.replace('@', '_')}#EXT#@{t.initial_domain}"
        users.append(
            User(
                id=guid(rng),
                upn=upn,
                display_name=f"{firsts[fi]} {lasts[li]} (externe)",
                given_name=firsts[fi],
                surname=lasts[li],
                mail=mail,
                kind="guest",
                account_enabled=rand() > 0.03,
                user_type="Guest",
                licenses=(),
                synced=False,
                department=None,
                job_title=None,
                city=None,
                created=ts_before(rng, ref, 1500),
                last_sign_in=None if rand() < 0.4 else ts_before(rng, ref, 300),
            )
        )

    rng.shuffle(users)  # directory order is not by kind
    t.users = users
    t.deleted_users = deleted


def generate_skus(t: Tenant, rng: random.Random) -> None:
    consumed: dict[str, int] = {}
    for u in t.users:
        for s in u.licenses:
            consumed[s] = consumed.get(s, 0) + 1
    specs = [
        SKU_E3,
        SKU_E1,
        SKU_F3,
        SKU_EMS,
        SKU_PBI_PRO,
        SKU_ARCHIVE,
        SKU_COPILOT,
        SKU_AUDIO,
        SKU_VISIO,
        SKU_PBI_FREE,
        SKU_FLOW_FREE,
    ]
    skus: list[Sku] = []
    for part, sku_id in specs:
        c = consumed.get(sku_id, 0)
        if part == "FLOW_FREE":
            prepaid = 10000
        elif part == "POWER_BI_STANDARD":
            prepaid = 1000000
        else:
            prepaid = c + max(1, round(c * rng.uniform(0.02, 0.12)))  # a few unused seats, as always
        skus.append(
            Sku(
                sku_id=sku_id,
                part_number=part,
                prepaid_enabled=prepaid,
                consumed=c,
                prepaid_warning=0,
                service_plans=SERVICE_PLANS.get(part, ()),
                subscription_id=guid(rng),
            )
        )
    # a lapsed trial: suspended, nothing enabled
    skus.append(
        Sku(
            sku_id="6fd2c87f-b296-42f0-b197-1e91e994b900",
            part_number="ENTERPRISEPACK",
            prepaid_enabled=0,
            consumed=0,
            prepaid_suspended=25,
            capability_status="Suspended",
            service_plans=(("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"),),
            subscription_id=guid(rng),
        )
    )
    t.skus = skus
