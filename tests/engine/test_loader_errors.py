"""Each kind of mistake in a rule file is an error naming file, line and key, with exit code 5."""

from __future__ import annotations

import re

import pytest

from m365exit.engine import RuleLoadError, load_catalogue
from m365exit.errors import ExitCode, RulesError

from .conftest import rule_file


def _error(directory, builtin: bool = True) -> RulesError:
    with pytest.raises(RulesError) as info:
        load_catalogue([directory], builtin=builtin)
    assert info.value.exit_code == ExitCode.INVALID_RULES == 5
    return info.value


def test_valid_overlay_loads(write) -> None:
    catalogue = load_catalogue([write("mine.yaml", rule_file())])
    assert catalogue.rule("my-rule") is not None


def test_unknown_key(write) -> None:
    text = rule_file().replace("severity: high", "severity: high\n    severty: low")
    err = _error(write("mine.yaml", text))
    assert re.match(
        r"^\S*mine\.yaml:5: key 'rules\[0\]\.severty': unknown key \(did you mean 'severity'\?\)", err.message
    ), err.message


def test_unknown_fact_with_suggestion(write) -> None:
    err = _error(
        write(
            "mine.yaml", rule_file().replace("{fact: exchange.mailboxes, gt", "{fact: exchange.mailbox, gt")
        )
    )
    assert "mine.yaml:5: key 'rules[0].condition.fact': unknown fact 'exchange.mailbox'" in err.message
    assert "did you mean 'exchange.mailboxes'" in err.message


def test_unknown_fact_in_effort_and_examples(write) -> None:
    text = (
        rule_file()
        .replace("per: [{fact: exchange.mailboxes", "per: [{fact: exchange.nope")
        .replace("facts: {exchange.mailboxes: 1000}", "facts: {exchange.mailboxes: 1000, foo.bar: 1}")
    )
    err = _error(write("mine.yaml", text))
    problems = "\n".join(err.problems) if isinstance(err, RuleLoadError) else err.message
    assert "key 'rules[0].effort.per[0].fact': unknown fact 'exchange.nope'" in problems
    assert "key 'rules[0].examples[0].facts.foo.bar': unknown fact 'foo.bar'" in problems


def test_wrong_type(write) -> None:
    err = _error(write("mine.yaml", rule_file().replace("severity: high", "severity: 3")))
    assert "mine.yaml:4: key 'rules[0].severity'" in err.message


def test_operator_value_of_the_wrong_kind(write) -> None:
    err = _error(write("mine.yaml", rule_file().replace("gt: 0}", "eq: true}")))
    assert (
        "mine.yaml:5: key 'rules[0].condition.eq': True cannot be compared with 'exchange.mailboxes'"
        in err.message
    )


def test_operator_not_applicable_to_bool_fact(write) -> None:
    text = rule_file().replace(
        "{fact: exchange.mailboxes, gt: 0}", "{fact: purview.regulatory_retention, gt: 1}"
    )
    err = _error(write("mine.yaml", text))
    assert (
        "key 'rules[0].condition.gt': operator 'gt' does not apply to 'purview.regulatory_retention'"
        in err.message
    )


def test_two_operators_on_one_leaf(write) -> None:
    err = _error(write("mine.yaml", rule_file().replace("gt: 0}", "gt: 0, lt: 9}")))
    assert (
        "mine.yaml:5: key 'rules[0].condition': a test of 'exchange.mailboxes' needs exactly one operator"
        in err.message
    )


def test_duplicate_rule_id_in_one_layer(write) -> None:
    write("a.yaml", rule_file("dup-rule"))
    directory = write("b.yaml", rule_file("dup-rule", workload="sharepoint"))
    err = _error(directory)
    assert "b.yaml:3: key 'rules[0].id': duplicate rule id 'dup-rule' (already defined at" in err.message
    assert "a.yaml:3" in err.message


def test_duplicate_yaml_key(write) -> None:
    text = rule_file().replace("severity: high", "severity: high\n    severity: low")
    err = _error(write("mine.yaml", text))
    assert "mine.yaml:5: key 'rules[0].severity' is written twice (first at line 4)" in err.message


def test_rule_without_examples(write) -> None:
    text = rule_file().split("    examples:")[0] + "    examples: []\n"
    err = _error(write("mine.yaml", text))
    assert "mine.yaml:11: key 'rules[0].examples': list should have at least 1 item" in err.message


def test_missing_required_key(write) -> None:
    text = rule_file().replace("    severity: high\n", "")
    err = _error(write("mine.yaml", text))
    assert "mine.yaml:3: key 'rules[0].severity': is required" in err.message


def test_invalid_yaml(write) -> None:
    err = _error(write("mine.yaml", "workload: exchange\nrules:\n  - id: [unclosed\n"))
    assert re.search(r"mine\.yaml:\d+: invalid YAML", err.message)


def test_not_a_rules_file(write) -> None:
    err = _error(write("mine.yaml", "hello: world\n"))
    assert "mine.yaml:1: not a rules file" in err.message


def test_bad_rule_id(write) -> None:
    err = _error(write("mine.yaml", rule_file("Not_Kebab")))
    assert "key 'rules[0].id'" in err.message


def test_unknown_candidate_product(write) -> None:
    err = _error(write("mine.yaml", "workload: exchange\ncandidates: [nextclud]\n"))
    assert (
        "mine.yaml:2: key 'candidates[0]': unknown product 'nextclud' (did you mean 'nextcloud'?)"
        in err.message
    )


def test_new_workload_needs_name(write) -> None:
    err = _error(write("mine.yaml", rule_file(workload="my-workload")))
    assert "workload 'my-workload' has no 'name'" in err.message


def test_overrides_name_unknown_rules(write) -> None:
    directory = write(
        "overrides.yaml",
        """
        disabled: [no-such-rule]
        exceptions:
          - {rule: passwords-cannot-be-exportable, owner: CIO, reason: r, expires: 2027-01-01}
    """,
    )
    err = _error(directory)
    problems = "\n".join(err.problems) if isinstance(err, RuleLoadError) else err.message
    assert "overrides.yaml:1: key 'disabled[0]': cannot disable unknown rule 'no-such-rule'" in problems
    assert "did you mean 'passwords-cannot-be-exported'" in problems


def test_all_problems_are_listed(write) -> None:
    text = rule_file().replace("severity: high", "severity: urgent").replace("gt: 0}", "gt: 0, extra: 1}")
    err = _error(write("mine.yaml", text))
    assert isinstance(err, RuleLoadError)
    assert len(err.problems) >= 2
    assert "more problem" in err.hint


def test_missing_directory() -> None:
    with pytest.raises(RulesError, match="rules directory not found"):
        load_catalogue(["/nonexistent/rules-dir"])
