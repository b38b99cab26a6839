"""Teams: teams, channels by kind, installed apps, and how much chat, meetings and calls are used."""

from __future__ import annotations

from typing import Any

from m365exit import usage_reports as ur
from m365exit.collectors import Output, collector, report_source
from m365exit.collectors.fanout import FanOut
from m365exit.graph import GraphClient

teams = collector("teams", "Teams: chat, channels, meetings, apps")
KINDS = ("standard", "private", "shared")


def listed(client: GraphClient) -> list[dict[str, str]]:
    """Every team (id and name) once per run: the teams source lists them, the fan-outs reuse the list."""
    return client.memo("teams", lambda: [
        {"id": str(t["id"]), "name": str(t.get("displayName") or "")}
        for t in client.iter_items("teams", {"$select": "id,displayName", "$top": 999})
    ])


def team_ids(client: GraphClient) -> list[tuple[str, str]]:
    return [(t["id"], t["name"]) for t in listed(client)]


@teams.source(
    "teams", endpoint="/teams", permission="Team.ReadBasic.All", facts=["teams.teams"], provides=["teams"],
    purpose="Teams to recreate as rooms, spaces or groups.",
)
def teams_list(client: GraphClient, period: str) -> Output:
    found = listed(client)
    return Output(facts={"teams.teams": len(found)}, shares={"teams": found})


@teams.source(
    "channels", endpoint="/teams/{id}/channels", permission="Channel.ReadBasic.All", also=["Team.ReadBasic.All"],
    facts=["teams.channels_standard", "teams.channels_private", "teams.channels_shared"],
    needs=["teams"], batched=True,
    purpose="Teams and channels to recreate; private and shared channels have no direct equivalent everywhere.",
)
def channels(client: GraphClient, period: str) -> Output:
    found = team_ids(client)
    names = dict(found)
    totals = dict.fromkeys(KINDS, 0)
    special: list[dict[str, Any]] = []
    fan = FanOut(client, found, "teams/{}/channels?$select=id,membershipType", "teams")
    for tid, body in fan:
        kinds = [str(c.get("membershipType") or "standard") for c in body.get("value") or []]
        for kind in kinds:
            if kind in totals:
                totals[kind] += 1
        if kinds.count("private") or kinds.count("shared"):
            special.append({"team": names.get(tid, tid), "private": kinds.count("private"),
                            "shared": kinds.count("shared"), "standard": kinds.count("standard")})
    special.sort(key=lambda r: (-(r["private"] + r["shared"]), r["team"]))
    return fan.finish(Output(
        facts={f"teams.channels_{k}": n for k, n in totals.items()},
        tables={"teams.private_channels": special},
    ))


@teams.source(
    "installed-apps", endpoint="/teams/{id}/installedApps", permission="TeamsAppInstallation.ReadForTeam.All",
    also=["Team.ReadBasic.All"],
    facts=["teams.apps_installed", "teams.apps_store", "teams.apps_custom"],
    needs=["teams"], batched=True,
    purpose="Apps inside Teams that the replacement must offer, integrate or drop.",
)
def installed_apps(client: GraphClient, period: str) -> Output:
    # distributionMethod lives on teamsApp, so both relationships are expanded.
    fan = FanOut(client, team_ids(client), "teams/{}/installedApps?$expand=teamsApp,teamsAppDefinition", "teams")
    installed = 0
    apps: dict[str, dict[str, Any]] = {}
    for _, body in fan:
        for item in body.get("value") or []:
            installed += 1
            app = item.get("teamsApp") or {}
            definition = item.get("teamsAppDefinition") or {}
            method = str(app.get("distributionMethod") or "")
            kind = "store" if method == "store" else "custom" if method in ("organization", "sideloaded") else ""
            if not kind:
                continue
            key = str(app.get("id") or definition.get("teamsAppId") or "")
            name = str(app.get("displayName") or definition.get("displayName") or key)
            row = apps.setdefault(key, {"app": name, "kind": kind, "distribution": method, "teams": 0})
            row["teams"] += 1
    rows = sorted(apps.values(), key=lambda r: (r["kind"] != "custom", -r["teams"], r["app"].lower()))
    return fan.finish(Output(
        facts={"teams.apps_installed": installed,
               "teams.apps_store": sum(r["kind"] == "store" for r in rows),
               "teams.apps_custom": sum(r["kind"] == "custom" for r in rows)},
        tables={"teams.apps": rows},
    ))


@report_source(
    teams, "user-activity", function="getTeamsUserActivityUserDetail",
    facts=["teams.users_active", "teams.meetings_organized", "teams.calls"],
    purpose="How much chat, meetings and calls are used: the weight of the change for users.",
)
def user_activity(csv: bytes | str, period: str) -> Output:
    frame = ur.live_rows(ur.read_report(csv, ["Is Deleted", "Last Activity Date", "Meetings Organized Count",
                                              "Call Count"]))
    return Output(facts={
        "teams.users_active": int(ur.active(frame, period).sum()),
        "teams.meetings_organized": ur.total(frame, "Meetings Organized Count"),
        "teams.calls": ur.total(frame, "Call Count"),
    })


@report_source(
    teams, "team-activity", function="getTeamsTeamActivityDetail", facts=["teams.teams_active"],
    purpose="Teams in use, to migrate first or archive.",
)
def team_activity(csv: bytes | str, period: str) -> Output:
    frame = ur.read_report(csv, ["Last Activity Date"])
    return Output(facts={"teams.teams_active": int(ur.active(frame, period).sum())})
