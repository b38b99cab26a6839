"""Groups (Microsoft 365, security, distribution), the Teams app catalogue and the teams with their channels."""

from __future__ import annotations

import random
from datetime import datetime

from m365exit.simulator import names
from m365exit.simulator.generator.catalog import TEAMS_APPS
from m365exit.simulator.generator.draw import ascii_slug, guid, ri, rr, ts_before
from m365exit.simulator.model import GB, MB, Channel, Group, Plan, Team, TeamsApp
from m365exit.simulator.tenant import Tenant


def generate_groups_and_teams(t: Tenant, rng: random.Random, n: int, ref: datetime) -> None:
    people = [u for u in t.users if u.kind == "person" and u.account_enabled]
    n_teams = max(5, n // 10)
    n_unified = round(n_teams * 1.25)
    n_security = max(4, n // 15)
    n_distribution = max(3, n // 30)
    n_mail_security = max(2, n // 100)
    words = names.PROJECT_WORDS
    rivers = names.RIVERS
    depts = names.DEPARTMENTS
    used: set[str] = set()
    groups: list[Group] = []
    rand = rng.random

    def nick(base: str) -> str:
        s = ascii_slug(base, "")[:40] or "groupe"
        k, out = 1, s
        while out in used:
            k += 1
            out = f"{s}{k}"
        used.add(out)
        return out

    for i in range(n_unified):
        if i < len(depts):
            name = f"Équipe {depts[i]}"
        else:
            name = f"Projet {words[rr(rng, len(words))]} – {rivers[rr(rng, len(rivers))]}"
            if i >= len(words) * 4:
                name += f" {i}"
        dynamic = rand() < 0.05
        owner = people[rr(rng, len(people))].upn if people else ""
        g = Group(
            id=guid(rng),
            display_name=name,
            description=f"Espace collaboratif : {name}",
            mail_nickname=nick(name),
            group_types=("Unified", "DynamicMembership") if dynamic else ("Unified",),
            mail_enabled=True,
            security_enabled=rand() < 0.15,
            synced=False,
            created=ts_before(rng, ref, 2200, 10),
            visibility="Private" if rand() < 0.6 else "Public",
            membership_rule='(user.department -eq "Laboratoire")' if dynamic else None,
            member_count=ri(rng, 2, 80),
            guest_count=ri(rng, 0, 5) if rand() < 0.3 else 0,
            owner_upn=owner,
            is_team=i < n_teams,
        )
        g.mailbox_bytes = ri(rng, 1 * MB, 3 * GB)
        g.mailbox_items = g.mailbox_bytes // 60_000
        if rand() < 0.35:
            for k in range(ri(rng, 1, 4)):
                g.plans.append(
                    Plan(
                        id=_planner_id(rng),
                        title=f"{('Suivi', 'Plan d’actions', 'Tâches', 'Chantier')[k]} {name}",
                        created=ts_before(rng, ref, 900),
                        created_by=people[rr(rng, len(people))].id if people else g.id,
                    )
                )
        groups.append(g)

    def plain(kind: str, count: int) -> None:
        for i in range(count):
            if kind == "security":
                role = ("lecture", "ecriture", "vpn", "poste", "licence")[i % 5]
                name = f"SG-{ascii_slug(depts[i % len(depts)])}-{role}-{i}"
                mail_on, sec_on = False, True
            elif kind == "distribution":
                name = f"Liste {words[i % len(words)]}" + (f" {i}" if i >= len(words) else "")
                mail_on, sec_on = True, False
            else:
                name = f"Sécurité messagerie {depts[i % len(depts)]}" + (f" {i}" if i >= len(depts) else "")
                mail_on, sec_on = True, True
            dynamic = kind == "security" and rand() < 0.1
            groups.append(
                Group(
                    id=guid(rng),
                    display_name=name,
                    description="",
                    mail_nickname=nick(name),
                    group_types=("DynamicMembership",) if dynamic else (),
                    mail_enabled=mail_on,
                    security_enabled=sec_on,
                    synced=(not dynamic) and rand() < 0.5,
                    created=ts_before(rng, ref, 3000, 10),
                    visibility=None,
                    membership_rule="(user.accountEnabled -eq true)" if dynamic else None,
                    member_count=ri(rng, 1, 300),
                    guest_count=0,
                    owner_upn="",
                )
            )

    plain("security", n_security)
    plain("distribution", n_distribution)
    plain("mail_security", n_mail_security)
    rng.shuffle(groups)
    t.groups = groups

    # Teams apps catalogue
    apps: list[TeamsApp] = []
    for name, publisher, short_desc in TEAMS_APPS:
        app_id = guid(rng)
        version = f"{ri(rng, 1, 5)}.{ri(rng, 0, 9)}.{ri(rng, 0, 20)}"
        apps.append(
            TeamsApp(
                teams_app_id=app_id,
                definition_id=_b64(f"{app_id}##{version}"),
                azure_ad_app_id=guid(rng) if publisher != "organization" or rand() < 0.5 else None,
                display_name=name,
                version=version,
                distribution="organization" if publisher == "organization" else "store",
                publisher=publisher,
                short_description=short_desc,
            )
        )
    t.teams_apps = apps
    ms_apps = [i for i, a in enumerate(apps) if a.publisher == "microsoft"]
    third = [i for i, a in enumerate(apps) if a.publisher == "third-party"]
    custom = [i for i, a in enumerate(apps) if a.publisher == "organization"]

    teams: list[Team] = []
    for g in groups:
        if not g.is_team:
            continue
        created = g.created
        channels = [
            Channel(
                id=_channel_id(rng),
                display_name="General",
                description=g.description,
                membership_type="standard",
                created=created,
            )
        ]
        for k in range(min(ri(rng, 0, 9), ri(rng, 0, 9))):
            channels.append(
                Channel(
                    id=_channel_id(rng),
                    display_name=f"{words[(k * 7 + len(channels)) % len(words)]}",
                    description="",
                    membership_type="standard",
                    created=created,
                )
            )
        if rand() < 0.3:
            for k in range(ri(rng, 1, 2)):
                channels.append(
                    Channel(
                        id=_channel_id(rng),
                        display_name=f"Confidentiel {k + 1}",
                        description="Canal privé",
                        membership_type="private",
                        created=created,
                    )
                )
        if rand() < 0.1:
            channels.append(
                Channel(
                    id=_channel_id(rng),
                    display_name="Partenaires externes",
                    description="Canal partagé avec des partenaires",
                    membership_type="shared",
                    created=created,
                )
            )
        team_apps = rng.sample(ms_apps, ri(rng, 2, 5))
        if rand() < 0.2:
            team_apps += rng.sample(third, ri(rng, 1, 2))
        if rand() < 0.06:
            team_apps.append(custom[rr(rng, len(custom))])
        teams.append(
            Team(
                id=g.id,
                display_name=g.display_name,
                description=g.description,
                visibility=g.visibility or "Private",
                channels=channels,
                apps=team_apps,
                active_users=ri(rng, 0, g.member_count),
                messages=ri(rng, 0, 400),
            )
        )
    t.teams = teams


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def _channel_id(rng: random.Random) -> str:
    return f"19:{rng.getrandbits(128):032x}@thread.tacv2"


_PLANNER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _planner_id(rng: random.Random) -> str:
    return "".join(_PLANNER_ALPHABET[rr(rng, 64)] for _ in range(28))

