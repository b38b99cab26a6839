"""The history as a pipeline uses it: `assess --history` as a process, then list, show, diff, trend and the
thresholds, against SQLite and a real PostgreSQL. Expected values come from the simulator's truths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import clean_env, run_cli

from .conftest import Organisation, assess, history


def test_list_and_show(recorded: str, reports: Path, organisation: Organisation, tmp_path: Path) -> None:
    listed = history(recorded, "list")
    assert listed["schema"] == "m365exit.history-list/1"
    runs = listed["runs"]
    assert [r["collected_at"] for r in runs] == ["2026-08-28T06:00:00Z", "2026-11-28T06:00:00Z"]
    assert {r["tenant_id"] for r in runs} == {organisation.tenant_id}
    later_report = json.loads((reports / "later" / "assessment.json").read_text())
    assert runs[1]["readiness"] == later_report["readiness"]
    assert runs[1]["blockers"] == sum(w["blockers"] for w in later_report["workloads"])
    shown = history(recorded, "show", str(runs[1]["id"]))
    assert shown["facts"] == organisation.later_truths
    assert {w["id"]: w["readiness"] for w in shown["workloads"]} == {
        w["id"]: w["readiness"] for w in later_report["workloads"]}
    table = run_cli("history", "list", "--history", recorded)
    assert table.returncode == 0 and "2026-11-28" in table.stdout


def test_diff_gives_exactly_the_simulators_deltas(recorded: str, reports: Path, organisation: Organisation,
                                                  tmp_path: Path) -> None:
    change = history(recorded, "diff")
    assert change["schema"] == "m365exit.history-diff/1"
    expected = organisation.deltas()
    assert {f["name"]: f["delta"] for f in change["facts"]} == expected
    assert expected["exchange.mailboxes"] == -40 and expected["teams.teams"] == -5  # what the organisation lost
    assert expected["licensing.seats_assigned"] < 0
    for f in change["facts"]:
        assert f["before"] == organisation.earlier_truths[f["name"]]
        assert f["after"] == organisation.later_truths[f["name"]]
    before = json.loads((reports / "earlier" / "assessment.json").read_text())
    after = json.loads((reports / "later" / "assessment.json").read_text())
    assert change["readiness_delta"] == after["readiness"] - before["readiness"]
    moved = {w["id"] for w in after["workloads"]
             if (w["readiness"], w["status"]) != next((x["readiness"], x["status"]) for x in before["workloads"]
                                                       if x["id"] == w["id"])}
    assert {w["id"] for w in change["workloads"]} == moved
    # the same two runs named explicitly give the same document
    ids = [r["id"] for r in history(recorded, "list")["runs"]]
    assert history(recorded, "diff", str(ids[0]), str(ids[1])) == change


def test_trend_gives_both_values(recorded: str, reports: Path, organisation: Organisation, tmp_path: Path) -> None:
    mailboxes = history(recorded, "trend", "--fact", "exchange.mailboxes")
    assert mailboxes["schema"] == "m365exit.history-trend/1"
    assert [p["value"] for p in mailboxes["points"]] == [
        organisation.earlier_truths["exchange.mailboxes"], organisation.later_truths["exchange.mailboxes"]]
    teams = history(recorded, "trend", "--workload", "teams")
    documents = [json.loads((reports / n / "assessment.json").read_text()) for n in ("earlier", "later")]
    assert [p["value"] for p in teams["points"]] == [
        next(w["readiness"] for w in r["workloads"] if w["id"] == "teams") for r in documents]


def test_trend_of_an_unknown_fact_says_so(recorded: str) -> None:
    result = run_cli("history", "trend", "--fact", "exchange.mailbox", "--history", recorded)
    assert result.returncode == 2 and "has the fact 'exchange.mailbox'" in result.stderr


def test_the_same_snapshot_twice_is_one_run(recorded: str, organisation: Organisation, tmp_path: Path) -> None:
    again = assess(organisation.later, tmp_path / "again", recorded)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["history"]["recorded"] is False
    assert len(history(recorded, "list")["runs"]) == 2


def readiness(folder: Path) -> int:
    return int(json.loads((folder / "assessment.json").read_text())["readiness"])


def test_fail_on_regression_exits_7_only_when_crossed(organisation: Organisation, store_url: str,
                                                      tmp_path: Path) -> None:
    # Three months later the questionnaire also finds files encrypted by sensitivity labels: readiness falls.
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"schema": "m365exit.answers/1",
                                       "facts": {"purview.label_encrypted_files": 1200}}))
    assert assess(organisation.earlier, tmp_path / "earlier", store_url).returncode == 0
    before = readiness(tmp_path / "earlier")
    from m365exit import answers as answers_mod
    from m365exit import pipeline
    from m365exit import snapshot as snap

    after = pipeline.evaluate(answers_mod.apply(snap.load(organisation.later), answers_mod.load(answers)),
                              pipeline.AssessOptions()).readiness
    assert after is not None
    drop = before - after
    assert drop >= 1, "the later assessment must score lower for this test to mean anything"
    crossed = assess(organisation.later, tmp_path / "x", store_url, "--answers", str(answers),
                     "--fail-on-regression", str(drop - 1))
    assert crossed.returncode == 7, crossed.stderr
    assert f"fell from {before} to {after}" in crossed.stderr
    assert (tmp_path / "x" / "report.en.html").is_file()  # the reports are still written
    held = assess(organisation.later, tmp_path / "y", store_url, "--answers", str(answers),
                  "--fail-on-regression", str(drop))
    assert held.returncode == 0, held.stderr


def test_fail_on_new_blocker_exits_7_only_when_one_appears(organisation: Organisation, store_url: str,
                                                           tmp_path: Path) -> None:
    assert assess(organisation.earlier, tmp_path / "earlier", store_url).returncode == 0
    plain = assess(organisation.later, tmp_path / "plain", store_url, "--fail-on", "new-blocker")
    assert plain.returncode == 0, plain.stderr
    # The later questionnaire finds files encrypted by sensitivity labels: a blocker the earlier run did not have.
    for count, code in ((1200, 7), (0, 0)):
        answers = tmp_path / f"answers-{count}.yaml"
        answers.write_text(yaml.safe_dump({"schema": "m365exit.answers/1",
                                           "facts": {"purview.label_encrypted_files": count}}))
        result = assess(organisation.later, tmp_path / f"a{count}", store_url,
                        "--answers", str(answers), "--fail-on", "new-blocker")
        assert result.returncode == code, result.stderr
        if code == 7:
            assert "new blocker" in result.stderr and "label-encrypted-files (purview)" in result.stderr


def test_fail_under_still_works(organisation: Organisation, store_url: str, tmp_path: Path) -> None:
    first = assess(organisation.later, tmp_path / "a", store_url)
    score = readiness(tmp_path / "a")
    assert assess(organisation.later, tmp_path / "b", store_url, "--fail-under", str(score + 1)).returncode == 7
    assert assess(organisation.later, tmp_path / "c", store_url, "--fail-under", str(score)).returncode == 0
    assert first.returncode == 0


def test_history_from_the_environment(organisation: Organisation, store_url: str, tmp_path: Path) -> None:
    env = clean_env(M365EXIT_HISTORY=store_url)
    result = run_cli("--json", "assess", str(organisation.earlier), "--out", str(tmp_path / "r"), env=env)
    assert result.returncode == 0, result.stderr
    listed = run_cli("--json", "history", "list", env=env)
    assert len(json.loads(listed.stdout)["runs"]) == 1


@pytest.mark.parametrize("args", [
    ["--fail-on-regression", "5"],
    ["--fail-on", "new-blocker"],
])
def test_history_thresholds_need_a_store(organisation: Organisation, tmp_path: Path, args: list[str]) -> None:
    result = run_cli("assess", str(organisation.earlier), "--out", str(tmp_path), *args)
    assert result.returncode == 2
    assert "need a history" in result.stderr and "Traceback" not in result.stderr


def test_unknown_fail_on_condition(organisation: Organisation, tmp_path: Path) -> None:
    result = run_cli("assess", str(organisation.earlier), "--out", str(tmp_path), "--history",
                     str(tmp_path / "h.sqlite"), "--fail-on", "new-blokcer")
    assert result.returncode == 2 and "new-blocker" in result.stderr


def test_demo_records_into_the_history(tmp_path: Path) -> None:
    store = str(tmp_path / "demo.sqlite")
    for n in (1, 2):
        result = run_cli("--json", "demo", "--size", "s", "--out", str(tmp_path / f"demo{n}"), "--history", store)
        assert result.returncode == 0, result.stderr
    runs = history(store, "list")["runs"]
    assert len(runs) == 2 and runs[0]["collected_at"] < runs[1]["collected_at"]
    summary = (tmp_path / "demo2" / "summary.en.md").read_text()
    assert "## Since last run" in summary and "(±0)" in summary  # the same simulated tenant, a moment later


def test_an_unusable_store_fails_before_collecting(tmp_path: Path) -> None:
    result = run_cli("demo", "--size", "s", "--out", str(tmp_path / "out"),
                     "--history", "postgresql://reader:pw@127.0.0.1:9/history")
    assert result.returncode == 2 and "cannot be used" in result.stderr
    assert not (tmp_path / "out").exists()  # nothing collected, nothing written
