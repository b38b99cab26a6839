"""Scoring: bounded, monotone readiness; waves that never put a service before what it depends on."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from m365exit import pipeline
from m365exit.engine.types import Finding
from m365exit.scoring import SEVERITY_WEIGHT, WorkloadScore, readiness_of, waves
from m365exit.snapshot import Snapshot

SEVERITIES = list(SEVERITY_WEIGHT)


def finding(severity: str, status: str = "applies") -> Finding:
    return Finding(rule_id=f"r-{severity}", workload="w", severity=severity, status=status,  # type: ignore[arg-type]
                   effort_days=1.0, effort_drivers=[], missing={}, exception=None, texts={}, references=[])


@given(st.lists(st.sampled_from(SEVERITIES), max_size=12), st.sampled_from(SEVERITIES))
def test_readiness_is_bounded_and_a_new_finding_never_raises_it(severities: list[str], extra: str) -> None:
    base = [finding(s) for s in severities]
    before = readiness_of(base)
    after = readiness_of([*base, finding(extra)])
    assert 0 <= after <= before <= 100


@given(st.lists(st.sampled_from(SEVERITIES), max_size=8))
def test_findings_that_do_not_apply_do_not_count(severities: list[str]) -> None:
    quiet = [finding(s, status) for s in severities for status in ("clear", "not_assessed", "excepted", "disabled")]
    assert readiness_of(quiet) == 100


def score(wid: str, depends: list[str], readiness: int | None, status: str, effort: float = 1.0) -> WorkloadScore:
    return WorkloadScore(id=wid, name={"en": wid}, readiness=readiness, status=status, findings=[],
                         not_assessed=[], clear=0, effort_days=effort, data_bytes=0, data_items=0, transfer_days=0,
                         candidates=[], depends_on=depends, weight=1)


def assert_dependencies_first(plan: list[list[str]], scores: list[WorkloadScore]) -> None:
    position = {wid: n for n, wave in enumerate(plan) for wid in wave}
    assert sorted(position) == sorted(s.id for s in scores)
    for s in scores:
        for dep in s.depends_on:
            assert position[dep] < position[s.id], f"{s.id} is planned with or before {dep}"


def test_a_blocked_foundation_still_comes_first_and_quick_wins_lead() -> None:
    scores = [
        score("identity", [], 13, "blocked"),
        score("mail", ["identity"], 40, "needs-work", 70),
        score("files", ["identity"], 90, "ready", 20),
        score("chat", ["identity"], 29, "blocked"),
        score("automation", ["files"], None, "not-assessed"),
    ]
    plan = waves(scores)
    assert plan == [["identity"], ["files", "mail", "chat"], ["automation"]]
    assert_dependencies_first(plan, scores)


def test_demo_plan_respects_every_dependency(demo_snapshot: Snapshot) -> None:
    assessment = pipeline.evaluate(demo_snapshot, pipeline.AssessOptions())
    assert_dependencies_first(assessment.waves, assessment.workloads)
    assert 0 <= (assessment.readiness or 0) <= 100


def test_more_blockers_never_raise_the_demo_readiness(demo_snapshot: Snapshot) -> None:
    assessment = pipeline.evaluate(demo_snapshot, pipeline.AssessOptions())
    clear = [f for f in assessment.findings if f.status == "clear"]
    assert clear, "the demo has rules that pass"
    worse: list[Any] = [replace(f, status="applies") if f in clear[:3] else f for f in assessment.findings]
    from m365exit.scoring import assess as score_all

    degraded = score_all(demo_snapshot, assessment.catalogue, worse, {})
    assert (degraded.readiness or 0) <= (assessment.readiness or 0)


def test_a_price_table_of_ones_own(demo_snapshot: Snapshot, tmp_path: Any) -> None:
    table = tmp_path / "prices.yaml"
    table.write_text("skus:\n  SPE_E3: {name: Notre E3, price: 10}\n", encoding="utf-8")
    assessment = pipeline.evaluate(demo_snapshot, pipeline.AssessOptions(prices=table))
    e3 = next(r for r in assessment.spend_rows if r["sku"] == "SPE_E3")
    assert e3["name"] == "Notre E3" and e3["monthly"] == 10 * e3["assigned"]
    assert all(r["price"] is None for r in assessment.spend_rows if r["sku"] != "SPE_E3")  # unknown, not 0
    assert assessment.spend_monthly == e3["monthly"]


def test_a_broken_price_table_is_exit_5(demo_snapshot: Snapshot, tmp_path: Any) -> None:
    from m365exit import snapshot as snap
    from tests.conftest import run_cli

    table = tmp_path / "prices.yaml"
    table.write_text("prices: {SPE_E3: 10}\n", encoding="utf-8")
    snap.save(demo_snapshot, tmp_path / "s.json")
    result = run_cli("assess", str(tmp_path / "s.json"), "--prices", str(table), "--out", str(tmp_path / "out"))
    assert result.returncode == 5
    assert "prices.yaml is not valid" in result.stderr


def test_a_wave_lasts_its_largest_workload_at_the_stated_pace() -> None:
    from m365exit.scoring import wave_durations

    scores = [score("identity", [], 90, "ready"), score("licensing", [], 90, "ready"),
              score("exchange", ["identity"], 50, "needs-work"), score("onedrive", ["identity"], 80, "ready"),
              score("forms", ["identity"], 80, "ready")]
    for s in scores:
        s.candidates = [] if s.id == "licensing" else ["x"]
    facts = {"identity.users_enabled": 3_400, "exchange.mailboxes": 8_500, "onedrive.accounts": 3_000,
             "identity.users_licensed": 3_200}
    plan = [["identity", "licensing"], ["exchange", "onedrive", "forms"], ["licensing"]]
    people, weeks, starts = wave_durations(plan, scores, facts, users_per_week=1_700)
    assert people == [3_400, 8_500, 0]  # licensing moves nobody; forms moves the licensed users
    assert weeks == [2.0, 5.0, 0.0] and starts == [0.0, 2.0, 7.0]
    assert wave_durations([["forms"]], scores, {"identity.users_licensed": 30}, 1_700)[1] == [1.0]  # at least a week


def test_the_demo_plan_has_a_duration_per_wave(demo_snapshot: Snapshot) -> None:
    from m365exit.scoring import USERS_PER_WEEK

    slow = pipeline.evaluate(demo_snapshot, pipeline.AssessOptions(users_per_week=100))
    usual = pipeline.evaluate(demo_snapshot, pipeline.AssessOptions())
    assert len(usual.wave_weeks) == len(usual.waves) == len(usual.wave_start_weeks) == len(usual.wave_people)
    assert usual.users_per_week == USERS_PER_WEEK
    assert all(s >= u for s, u in zip(slow.wave_weeks, usual.wave_weeks, strict=True))
    assert sum(slow.wave_weeks) > sum(usual.wave_weeks) > 0


def test_a_pace_that_is_not_positive_is_a_usage_error(demo_snapshot: Snapshot, tmp_path: Any) -> None:
    from m365exit import snapshot as snap
    from tests.conftest import run_cli

    snap.save(demo_snapshot, tmp_path / "s.json")
    result = run_cli("assess", str(tmp_path / "s.json"), "--users-per-week", "0", "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "--users-per-week" in result.stderr
    assert not (tmp_path / "out").exists()


def test_free_and_viral_seats_do_not_make_paid_seats_look_unused(demo_snapshot: Snapshot) -> None:
    facts = demo_snapshot.facts
    # The demo holds 10,000 Power Automate Free and 1,000,000 Fabric (Free) seats, as real tenants do.
    assert facts["licensing.seats_assigned"] / facts["licensing.seats_purchased"] < 0.01
    assert facts["licensing.paid_seats_assigned"] / facts["licensing.paid_seats_purchased"] >= 0.85
    assessment = pipeline.evaluate(demo_snapshot, pipeline.AssessOptions())
    assert next(f for f in assessment.findings if f.rule_id == "unused-paid-seats").status == "clear"
    skus = {r["sku"]: r for r in demo_snapshot.tables["licensing.skus"]}
    paid = sum(r["purchased"] for sku, r in skus.items() if sku not in ("FLOW_FREE", "POWER_BI_STANDARD"))
    assert facts["licensing.paid_seats_purchased"] == paid


def test_every_sku_priced_zero_is_in_the_free_list() -> None:
    import yaml

    from m365exit.facts import FREE_SKUS
    from m365exit.resources import rules_dir

    table = yaml.safe_load((rules_dir() / "prices" / "list-prices.yaml").read_text(encoding="utf-8"))
    assert {sku for sku, e in table["skus"].items() if e.get("price") == 0} <= FREE_SKUS


def test_price_rises_are_worded_against_the_snapshots_date(demo_snapshot: Snapshot) -> None:
    from datetime import UTC, datetime

    def status(when: datetime) -> dict[str, str]:
        a = pipeline.evaluate(demo_snapshot.model_copy(update={"collected_at": when}), pipeline.AssessOptions())
        return {f.rule_id: f.status for f in a.findings if f.rule_id.startswith("price-increase-2026")}

    assert status(datetime(2026, 12, 3, tzinfo=UTC)) == {"price-increase-2026": "applies",
                                                         "price-increase-2026-ahead": "clear"}
    assert status(datetime(2026, 5, 20, tzinfo=UTC)) == {"price-increase-2026": "clear",
                                                        "price-increase-2026-ahead": "applies"}


def test_each_sku_shows_its_published_price_change(demo_snapshot: Snapshot) -> None:
    rows = {r["sku"]: r for r in pipeline.evaluate(demo_snapshot, pipeline.AssessOptions()).spend_rows}
    assert rows["SPE_E3"]["change"]["percent"] == 8.3 and rows["SPE_F1"]["change"]["percent"] == 25.0
    assert rows["ENTERPRISEPACK"]["change"]["label"] == {"en": "1 July 2026", "fr": "1er juillet 2026"}
    assert rows["EMS"]["change"] is None  # no published change found: nothing claimed
