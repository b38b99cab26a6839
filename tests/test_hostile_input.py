"""Files a user hands us may be hostile: each gets one `error:` sentence, its documented exit code, no traceback,
and nothing written. Through the CLI, as a person would meet them."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli

BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
) + "\n"


def snapshot_file(tmp_path: Path, facts: dict[str, object], name: str = "s.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"schema": "m365exit.snapshot/1", "collected_at": "2026-11-01T00:00:00Z",
                                "facts": facts}))
    return path


def assert_refused(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.count("error:") == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.mark.parametrize("flag", ["--answers", "--rules"])
def test_alias_bomb_is_refused_with_file_and_line(tmp_path: Path, flag: str) -> None:
    good = snapshot_file(tmp_path, {"exchange.mailboxes": 10})
    if flag == "--answers":
        target = tmp_path / "answers.yaml"
        target.write_text(BOMB)
        where = "answers.yaml:1"
    else:
        target = tmp_path / "overlay"
        target.mkdir()
        (target / "bomb.yaml").write_text(BOMB)
        where = "bomb.yaml:1"
    out = tmp_path / "report"
    # The bound only keeps a regression from hanging the suite; the refusal itself is immediate.
    result = run_cli("assess", str(good), flag, str(target), "--out", str(out), timeout=60)
    assert_refused(result, 5, where, "aliases")
    assert not out.exists()


def test_deep_nesting_and_huge_files_are_refused(tmp_path: Path) -> None:
    good = snapshot_file(tmp_path, {"exchange.mailboxes": 10})
    deep = tmp_path / "deep.yaml"
    deep.write_text("facts: " + "[" * 500 + "]" * 500 + "\n")
    assert_refused(run_cli("assess", str(good), "--answers", str(deep), "--out", str(tmp_path / "r")), 5,
                   "deep.yaml:1", "nesting")
    huge = tmp_path / "huge.yaml"
    huge.write_text("# padding\n" * 600_000)
    assert_refused(run_cli("assess", str(good), "--answers", str(huge), "--out", str(tmp_path / "r")), 5,
                   "huge.yaml", "larger than")


@pytest.mark.parametrize("value, needle", [
    ("many", "facts.exchange.mailboxes"),
    (-3, "facts.exchange.mailboxes"),
    (True, "facts.exchange.mailboxes"),
    (1.5, "facts.exchange.mailboxes"),
])
def test_snapshot_with_an_ill_typed_count_is_unreadable(tmp_path: Path, value: object, needle: str) -> None:
    bad = snapshot_file(tmp_path, {"exchange.mailboxes": value})
    out = tmp_path / "report"
    assert_refused(run_cli("assess", str(bad), "--out", str(out)), 6, needle, "whole number")
    assert not out.exists()


def test_snapshot_with_nan_is_unreadable(tmp_path: Path) -> None:
    bad = tmp_path / "s.json"
    bad.write_text('{"schema": "m365exit.snapshot/1", "collected_at": "2026-11-01T00:00:00Z", '
                   '"facts": {"identity.users_total": NaN}}')
    assert_refused(run_cli("assess", str(bad), "--out", str(tmp_path / "r")), 6, "facts.identity.users_total")


def test_unknown_fact_from_a_newer_version_is_kept_and_flagged(tmp_path: Path) -> None:
    path = snapshot_file(tmp_path, {"exchange.mailboxes": 10, "exchange.holograms": 3})
    result = run_cli("assess", str(path), "--format", "json", "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    assert "exchange.holograms" in result.stderr and "unknown" in result.stderr


def test_gzip_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "s.json.gz"
    # 1 GiB and a bit of zeros packs into about a megabyte: refused once the ceiling is passed.
    with gzip.open(bomb, "wb", compresslevel=9) as handle:
        chunk = b"\0" * (1 << 24)
        for _ in range(65):
            handle.write(chunk)
    assert_refused(run_cli("assess", str(bomb), "--out", str(tmp_path / "r")), 6, "unpacks to more than")


MAILBOX_HEADER = ("Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Created Date,"
                  "Last Activity Date,Item Count,Storage Used (Byte),Issue Warning Quota (Byte),"
                  "Prohibit Send Quota (Byte),Prohibit Send/Receive Quota (Byte),Deleted Item Count,"
                  "Deleted Item Size (Byte),Deleted Item Quota (Byte),Has Archive,Recipient Type,Report Period")
MAILBOX_ROW = "2026-11-28,a@x.fr,A,False,,2020-01-01,2026-11-27,1200,1500000,1,2,3,0,0,0,True,User,30"


def hostile_csvs(folder: Path) -> dict[str, str]:
    """File name → a word the warning about it must contain."""
    folder.mkdir()
    (folder / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "latin1.csv").write_bytes((MAILBOX_HEADER + "\n" + MAILBOX_ROW.replace("A,", "Hélène,")).encode("cp1252"))
    (folder / "cut.csv").write_text(MAILBOX_HEADER + "\n" + MAILBOX_ROW + "\n" + MAILBOX_ROW[:40])
    (folder / "quote.csv").write_text('Report Refresh Date,Team Id,Team Name\n2026-11-28,"abc,unterminated\n')
    (folder / "empty.csv").write_text("")
    (folder / "notes.csv").write_text("a,b\n1,2\n")
    return {"image.csv": "binary", "latin1.csv": "UTF-8", "cut.csv": "cut short", "quote.csv": "damaged",
            "empty.csv": "", "notes.csv": ""}


def test_import_skips_hostile_files_and_keeps_the_good_one(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    expected = hostile_csvs(folder)
    (folder / "mailboxes.csv").write_text(MAILBOX_HEADER + "\n" + MAILBOX_ROW + "\n")
    out = tmp_path / "s.json"
    result = run_cli("import", str(folder), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for name, word in expected.items():
        line = next((w for w in result.stderr.splitlines() if w.startswith(f"warning: {name}")), "")
        assert line and word in line and "skipped" in line, (name, result.stderr)
    assert json.loads(out.read_text())["facts"]["exchange.mailboxes"] == 1


def test_import_with_no_usable_file_is_exit_6_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    hostile_csvs(folder)
    out = tmp_path / "s.json"
    assert_refused(run_cli("import", str(folder), "--out", str(out)), 6, "No usable usage report", "image.csv")
    assert not out.exists()
