"""A published exit reproduced: Schleswig-Holstein's 2025 mail move, at its scale, through the real paths.

A simulator tenant of about 40,000 mailboxes is collected over HTTPS through MSAL, then `m365exit assess` runs
as a process with an answers file describing the state before the move, as published. Sources (checked
2026-12-04):

- [SK] Staatskanzlei Schleswig-Holstein, 2 Oct 2025 (gnulinux.ch/schleswig-holstein-liefert-ab): "a six-month
  conversion process with more than 40,000 mailboxes", completed on 2 October 2025.
- [CT] heise/c't interview with Dirk Schrödter, Nov 2025 (heise.de/-10960941): about 44,000 mailboxes moved by
  2 October; a faulty load balancer; unions and staff councils complained of not being involved.
- [DPA-08] dpa, 12 Aug 2025: 11,000 mailboxes moved; 800 paired with the wrong target account (human error).
- [DPA-09] dpa, 19 Sep 2025: about 35,000 moved (the minister's letter); police union and courts complain.
- [GDP] GdP, 14 Aug 2025: local contacts could not help and filed tickets with the provider.
- [HW] holsteinweb, Oct 2025: a task force fixed many problems; systems still slow.
- [SAV] optiso-consult / pupuweb (secondary): €9M one-off for migration and further development in 2026.

Pace: 44,000 mailboxes in 26 weeks ≈ 1,700 a week on average (scoring.USERS_PER_WEEK); 24,000 between
12 August and 19 September ≈ 4,400 a week at the peak, when the complaints peaked.

Effort range the case supports for the mail workload, in person-days (no exit published its own figure):
- at least 650: the move took 26 weeks and needed local contacts in every office, reinforced IT service and a
  task force [SK][GDP][HW]; even a core team of 5 people full time over 26 weeks is 26 × 5 × 5 = 650;
  the old cut-over formula gave 90 at 40,000 mailboxes, an order of magnitude below that.
- at most 11,000: the whole 2026 one-off budget for migration and development was €9M [SAV], ≈ 11,000
  person-days at €800 a day, for every remaining workload; mail alone sits below it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli

SIX_MONTHS_WEEKS = 182.6 / 7  # 2 April → 2 October 2025
EFFORT_RANGE = (650, 11_000)  # person-days for the mail workload, see the module docstring
PEAK_PER_WEEK = 4_400

# The state before the move, as published; where nothing was published the value is an assumption, noted.
ANSWERS: dict[str, Any] = {
    "exchange.target_platform_ready": False,  # [CT] faulty load balancer; [DPA-09] days of slowness
    "exchange.account_mapping_checked": False,  # [DPA-08] 800 mailboxes paired with the wrong account
    "programme.breach_plan": False,  # not published; [GDP] demanded a notification after the fact
    "exchange.business_system_integrations": 3,  # assumption: courts' case files, records management, beA
    "programme.staff_representatives_consulted": False,  # [CT]; dpa 24 Sep 2025: no co-determination procedure
    "programme.critical_services": 2,  # police and courts' on-call duty [DPA-09]
    "programme.critical_fallback_planned": False,  # dpa 24 Sep 2025: courts switched their fax machines back on
    "programme.concurrent_changes": 1,  # [SK] Microsoft Office uninstalled as mail moved
    "programme.support_task_force": False,  # [HW] set up during the crisis, not before
    "programme.vendor_support_contracted": True,  # Dataport runs Open-Xchange [DPA-08]
    "programme.upstream_budget": True,  # [SAV] €9M for migration and further development
    "teams.pstn_lines_outside_teams": 30_000,  # assumption: one line per employee; telephony comes later [SK]
    "licensing.seats_staying": 6_000,  # assumption: the tax administration stays on Microsoft [CT]
    "licensing.hybrid_costed": False,
}
LESSONS_THAT_APPLY = {
    "target-platform-not-proven", "account-mapping-unchecked", "no-breach-plan-for-the-migration",
    "mail-in-business-systems", "staff-representatives-not-consulted", "critical-services-without-fallback",
    "concurrent-change-projects", "no-support-task-force", "telephony-outside-teams", "hybrid-end-state-not-costed",
}
LESSONS_CLEAR = {"no-vendor-support-contract", "no-upstream-development-budget"}


@pytest.fixture(scope="module")
def sh_snapshot(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch) -> Path:
    """A tenant at Schleswig-Holstein's scale, collected over HTTPS, saved as a snapshot file."""
    from m365exit import pipeline
    from m365exit import snapshot as snap
    from m365exit.auth import AuthSettings
    from m365exit.simulator import SIZES, Simulator, generate_tenant
    from m365exit.simulator.generator import catalog as simulated

    # A custom size: ~46,000 users give ~40,600 mailboxes (shared and functional ones included, as in the case).
    monkeypatch_module.setitem(SIZES, "sh", 46_000)
    monkeypatch_module.setitem(simulated.ORGS, "sh",
                               ("Landesverwaltung (fictive)", "landesverwaltung.example.de", "landesverw"))
    tenant = generate_tenant("sh", 1)
    state = tmp_path_factory.mktemp("sh-sim")
    with Simulator(tenant, state_dir=state) as sim:
        snapshot = pipeline.collect(AuthSettings.from_env(sim.env()),
                                    pipeline.CollectOptions(ca_bundle=str(sim.ca_path)))
    path = state / "snapshot.json"
    snap.save(snapshot, path)
    return path


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def assess(snapshot: Path, out: Path, *extra: str) -> dict[str, Any]:
    answers = out.parent / f"{out.name}-answers.yaml"
    answers.write_text("schema: m365exit.answers/1\nfacts:\n"
                       + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in ANSWERS.items()), encoding="utf-8")
    result = run_cli("assess", str(snapshot), "--answers", str(answers), "--out", str(out), "--format", "json,md",
                     *extra)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    return data


def test_the_mail_timeline_at_the_documented_pace_fits_the_published_six_months(
        sh_snapshot: Path, tmp_path: Path) -> None:
    a = assess(sh_snapshot, tmp_path / "out")
    mailboxes = json.loads(sh_snapshot.read_text(encoding="utf-8"))["facts"]["exchange.mailboxes"]
    assert 38_000 <= mailboxes <= 46_000, "the tenant is at the case's scale"
    mail_wave = next(n for n, wave in enumerate(a["waves"]) if "exchange" in wave)
    weeks = a["wave_weeks"][mail_wave]
    assert a["users_per_week"] == 1_700
    assert a["wave_people"][mail_wave] >= mailboxes  # the wave moves at least every mailbox
    assert SIX_MONTHS_WEEKS * 0.75 <= weeks <= SIX_MONTHS_WEEKS, f"{weeks} weeks for {mailboxes} mailboxes"
    assert a["wave_start_weeks"][mail_wave] == pytest.approx(sum(a["wave_weeks"][:mail_wave]), abs=0.05)
    summary = (tmp_path / "out" / "summary.en.md").read_text(encoding="utf-8")
    assert f"| {mail_wave + 1} |" in summary and f"| {weeks:.1f} |" in summary


def test_at_the_peak_pace_the_same_move_takes_the_weeks_the_peak_lasted(sh_snapshot: Path, tmp_path: Path) -> None:
    a = assess(sh_snapshot, tmp_path / "peak", "--users-per-week", str(PEAK_PER_WEEK))
    mail_wave = next(n for n, wave in enumerate(a["waves"]) if "exchange" in wave)
    assert 8 <= a["wave_weeks"][mail_wave] <= 11  # 40,000 / 4,400 ≈ 9 weeks: what the case did in its peak months


def test_the_findings_include_the_lessons_of_the_case(sh_snapshot: Path, tmp_path: Path) -> None:
    a = assess(sh_snapshot, tmp_path / "lessons")
    applying = {f["rule"] for w in a["workloads"] for f in w["findings"] if f["status"] == "applies"}
    not_assessed = {r for w in a["workloads"] for r in w["not_assessed"]}
    assert applying >= LESSONS_THAT_APPLY, LESSONS_THAT_APPLY - applying
    assert not (LESSONS_CLEAR | LESSONS_THAT_APPLY) & not_assessed  # every lesson was evaluated
    assert not LESSONS_CLEAR & applying  # support contracted, upstream budget set: no finding
    assert "unused-paid-seats" not in applying  # free and viral SKUs left out of the paid-seat count


def test_the_mail_effort_lies_in_the_range_the_case_supports(sh_snapshot: Path, tmp_path: Path) -> None:
    a = assess(sh_snapshot, tmp_path / "effort")
    mail = next(w for w in a["workloads"] if w["id"] == "exchange")
    low, high = EFFORT_RANGE
    assert low <= mail["effort_days"] <= high, mail["effort_days"]
    cutover = next(f for f in mail["findings"] if f["rule"] == "mail-cutover-disruption")
    assert cutover["effort_days"] >= low  # cut-over support alone reaches the floor (the old formula gave ~90)
