"""`m365exit rules ...` through typer's runner; errors surface as M365ExitError subclasses."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner  # noqa: TID251 (testing the CLI)

from m365exit.cli.rules import app
from m365exit.errors import RulesError, UsageError

from .conftest import rule_file

runner = CliRunner()


def test_validate() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "rules" in result.output and "examples" in result.output


def test_validate_reports_bad_overlay(write) -> None:
    directory = write("mine.yaml", rule_file().replace("severity: high", "severity: urgent"))
    result = runner.invoke(app, ["validate", "--rules", str(directory)])
    assert isinstance(result.exception, RulesError)
    assert "mine.yaml:4" in result.exception.message


def test_list_by_workload_json() -> None:
    result = runner.invoke(app, ["list", "--workload", "teams-phone", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["workload"] for r in rows} == {"teams-phone"}
    assert any(r["severity"] == "blocker" for r in rows)


def test_list_unknown_workload() -> None:
    result = runner.invoke(app, ["list", "--workload", "lotus-notes"])
    assert isinstance(result.exception, UsageError)


def test_explain_on_a_snapshot(tmp_path) -> None:
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(
        json.dumps(
            {
                "schema": "m365exit.snapshot/1",
                "collected_at": "2026-11-29T10:00:00Z",
                "facts": {"identity.apps_saml": 12},
                "issues": [
                    {
                        "workload": "identity",
                        "endpoint": "/servicePrincipals",
                        "status": 403,
                        "message": "403 on servicePrincipals",
                        "facts": ["identity.apps_oidc"],
                    }
                ],
            }
        )
    )
    result = runner.invoke(app, ["explain", "sso-apps-re-registration", "--snapshot", str(snapshot)])
    assert result.exit_code == 0, result.output
    assert "not_assessed" in result.output
    assert "missing identity.apps_oidc: 403 on servicePrincipals" in result.output
    assert "https://" in result.output


def test_explain_applies_shows_effort(tmp_path) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text("identity.ca_policies_enabled: 12\n")
    result = runner.invoke(app, ["explain", "conditional-access-gap", "--facts", str(facts), "--lang", "fr"])
    assert result.exit_code == 0, result.output
    assert "applies" in result.output and "17" in result.output
    assert "L'accès conditionnel" in result.output


def test_explain_unknown_rule_suggests() -> None:
    result = runner.invoke(app, ["explain", "public-folder"])
    assert isinstance(result.exception, UsageError)
    assert "public-folders" in result.exception.hint


def test_test_command(write) -> None:
    assert runner.invoke(app, ["test"]).exit_code == 0
    bad = write("mine.yaml", rule_file().replace("effort: 12", "effort: 99"))
    result = runner.invoke(app, ["test", str(bad)])
    assert isinstance(result.exception, RulesError)
    assert "FAIL" in result.output and "my-rule" in result.output


@pytest.mark.parametrize("command", ["validate", "list", "explain", "test"])
def test_help(command: str) -> None:
    assert runner.invoke(app, [command, "--help"]).exit_code == 0
