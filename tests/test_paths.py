"""Fail fast: a path that cannot be written (or read) is one sentence naming it, exit 2, before any request.

The tests run as root, which passes every permission check; what root cannot write is a path under a regular
file and a pseudo file system (/sys). The permission case proper runs when the tests do not run as root.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from m365exit.simulator import Simulator
from tests.conftest import clean_env, run_cli

Case = Callable[[Path], tuple[list[str], str]]


def _file(tmp: Path) -> Path:
    path = tmp / "a-file.txt"
    path.write_text("not a folder\n")
    return path


def _snapshot_folder(tmp: Path) -> Path:
    (tmp / "reports" / "snapshot.json.gz").mkdir(parents=True)
    return tmp / "reports"


CASES: dict[str, Case] = {
    "collect --out names a folder": lambda t: (["collect", "--out", str(t)], f"--out {t} is a folder"),
    "collect --out under a file": lambda t: (
        ["collect", "--out", str(_file(t) / "sub" / "x.json")], f"cannot be created: {t / 'a-file.txt'} is a file"),
    "collect --out in /sys (root cannot write it)": lambda t: (
        ["collect", "--out", "/sys/kernel/tenant.json"], "--out /sys/kernel is a folder that cannot be written to"),
    "collect --out below /sys (cannot be created)": lambda t: (
        ["collect", "--out", "/sys/kernel/m365exit/tenant.json"], "--out /sys/kernel/m365exit cannot be created"),
    "run --out names a file": lambda t: (["run", "--out", str(_file(t))], f"--out {t / 'a-file.txt'} is a file"),
    "run --out holds a folder where the snapshot goes": lambda t: (
        ["run", "--out", str(_snapshot_folder(t))], f"--out {t / 'reports' / 'snapshot.json.gz'} is a folder"),
    "run --answers does not exist": lambda t: (
        ["run", "--out", str(t / "r"), "--answers", str(t / "none.yaml")], f"--answers {t / 'none.yaml'} does not"),
    "run --rules names a file": lambda t: (
        ["run", "--out", str(t / "r"), "--rules", str(_file(t))], f"--rules {t / 'a-file.txt'} is a file"),
    "run --lang is unknown": lambda t: (["run", "--out", str(t / "r"), "--lang", "de"], "Unknown language 'de'"),
    "run --format is unknown": lambda t: (["run", "--out", str(t / "r"), "--format", "docx"], "format 'docx'"),
    "demo --out names a file": lambda t: (["demo", "--out", str(_file(t))], f"--out {t / 'a-file.txt'} is a file"),
    "import --out names a folder": lambda t: (["import", str(t), "--out", str(t)], f"--out {t} is a folder"),
    "answers template --out under a file": lambda t: (
        ["answers", "template", "--out", str(_file(t) / "a.yaml")], "cannot be created"),
    "simulator serve --state-dir names a file": lambda t: (
        ["simulator", "serve", "--state-dir", str(_file(t))], f"--state-dir {t / 'a-file.txt'} is a file"),
}


def assert_one_sentence(result: object, needle: str) -> None:
    stderr = getattr(result, "stderr", "")
    assert getattr(result, "returncode", None) == 2, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and needle in errors[0], stderr
    assert "Traceback" not in stderr and "Unexpected error" not in stderr


@pytest.mark.parametrize("case", list(CASES))
def test_an_output_that_cannot_be_written_fails_before_any_request(sim: Simulator, tmp_path: Path,
                                                                   case: str) -> None:
    args, needle = CASES[case](tmp_path)
    before = len(sim.request_log)
    result = run_cli(*args, env=clean_env(**sim.env()), cwd=tmp_path)
    assert_one_sentence(result, needle)
    assert len(sim.request_log) == before  # not even a token was asked for


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder whatever its mode")
def test_a_folder_without_write_permission(sim: Simulator, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    before = len(sim.request_log)
    result = run_cli("collect", "--out", str(locked / "tenant.json"), env=clean_env(**sim.env()))
    assert_one_sentence(result, f"--out {locked} is a folder that cannot be written to")
    assert len(sim.request_log) == before


@pytest.fixture()
def snapshot_file(demo_snapshot, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    from m365exit import snapshot as snap

    path = tmp_path / "snap" / "tenant.json"
    snap.save(demo_snapshot, path)
    return path


def test_assess_out_naming_a_file_is_exit_2(snapshot_file: Path, tmp_path: Path) -> None:
    target = _file(tmp_path)
    result = run_cli("assess", str(snapshot_file), "--out", str(target))
    assert_one_sentence(result, f"--out {target} is a file, not a folder")
    assert target.read_text() == "not a folder\n"


def test_assess_out_under_a_file_is_exit_2(snapshot_file: Path, tmp_path: Path) -> None:
    target = _file(tmp_path) / "reports"
    result = run_cli("assess", str(snapshot_file), "--out", str(target))
    assert_one_sentence(result, f"--out {target} cannot be created: {tmp_path / 'a-file.txt'} is a file")


def test_an_output_folder_that_can_be_created_is(snapshot_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "deep" / "reports"
    result = run_cli("assess", str(snapshot_file), "--out", str(target), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["assessment.json"]  # the probe left nothing


def test_run_reads_its_answers_before_collecting(sim: Simulator, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("facts:\n  no.such.fact: 3\n", encoding="utf-8")
    before = len(sim.request_log)
    result = run_cli("run", "--out", str(tmp_path / "r"), "--answers", str(answers), env=clean_env(**sim.env()))
    assert result.returncode == 5, result.stderr
    assert "answers.yaml" in result.stderr and "Traceback" not in result.stderr
    assert len(sim.request_log) == before
    assert not (tmp_path / "r").exists()  # nothing created either
