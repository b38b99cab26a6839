"""A progress bar on a terminal, silence on a pipe (DESIGN §10)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import clean_env, run_cli


def run_in_terminal(*args: str, cwd: Path, **extra: str) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal, as a person at a shell would."""
    leader, follower = pty.openpty()
    env = clean_env(COLUMNS="120", TERM="xterm-256color", **extra)
    process = subprocess.Popen([sys.executable, "-m", "m365exit", *args], stdin=follower, stdout=follower,
                               stderr=follower, env=env, cwd=cwd, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_progress_on_a_terminal(tmp_path: Path) -> None:
    code, screen = run_in_terminal("demo", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert code == 0, screen
    assert "Collecting (simulator)" in screen or "identity: users" in screen
    assert "━" in screen  # rich's bar
    assert "Report:" in screen


def test_silence_on_a_pipe(tmp_path: Path) -> None:
    result = run_cli("demo", "--out", str(tmp_path / "out"))
    assert result.returncode == 0
    assert "━" not in result.stderr and "identity: users" not in result.stderr
    assert result.stdout.strip().startswith("Report:")


def test_quiet_keeps_only_the_report_path(tmp_path: Path) -> None:
    result = run_cli("--quiet", "demo", "--out", str(tmp_path / "out"))
    assert result.returncode == 0
    assert result.stderr == ""
