"""Overlays: later wins by id, new rules, disabled rules, exceptions with expiry."""

from __future__ import annotations

import datetime

from m365exit.engine import evaluate, load_catalogue

from .conftest import rule_file

TODAY = datetime.date(2026, 11, 29)


def test_overlay_replaces_a_builtin_rule_by_id(write) -> None:
    builtin = load_catalogue()
    original = builtin.rule("shared-mailboxes")
    assert original is not None
    catalogue = load_catalogue([write("mine.yaml", rule_file("shared-mailboxes", threshold=5000))])
    rule = catalogue.rule("shared-mailboxes")
    assert rule is not None and rule.where.endswith("mine.yaml:3")
    assert [r.id for r in catalogue.rules].count("shared-mailboxes") == 1
    assert len(catalogue.rules) == len(builtin.rules)
    # the overlay keeps the rule at its original position
    assert [r.id for r in catalogue.rules].index("shared-mailboxes") == [r.id for r in builtin.rules].index(
        "shared-mailboxes"
    )


def test_later_overlay_wins(write, tmp_path_factory) -> None:
    first = tmp_path_factory.mktemp("first")
    (first / "a.yaml").write_text(rule_file("site-rule", threshold=10))
    second = tmp_path_factory.mktemp("second")
    (second / "a.yaml").write_text(rule_file("site-rule", threshold=20))
    catalogue = load_catalogue([first, second])
    rule = catalogue.rule("site-rule")
    assert rule is not None and rule.condition.gt == 20


def test_overlay_adds_a_rule_to_a_workload(write) -> None:
    catalogue = load_catalogue([write("mine.yaml", rule_file("local-policy"))])
    rule = catalogue.rule("local-policy")
    assert rule is not None and rule.workload == "exchange"
    findings = {f.rule_id: f for f in evaluate(catalogue, {"exchange.mailboxes": 1000}, today=TODAY)}
    assert findings["local-policy"].status == "applies"
    assert findings["local-policy"].effort_days == 12


def test_overlay_adds_a_workload(write) -> None:
    text = rule_file("crm-rule", workload="crm").replace(
        "workload: crm\n",
        "workload: crm\nname: {en: CRM, fr: GRC}\nsummary: {en: s, fr: s}\n"
        "facts: [exchange.mailboxes]\ncandidates: [grist]\ndepends_on: [identity]\n",
    )
    catalogue = load_catalogue([write("crm.yaml", text)])
    workload = catalogue.workload("crm")
    assert workload is not None and workload.candidates == ["grist"]
    assert catalogue.workloads[-1].id == "crm"


def test_disabled_rule(write) -> None:
    catalogue = load_catalogue([write("overrides.yaml", "disabled: [public-folders]\n")])
    findings = {f.rule_id: f for f in evaluate(catalogue, {"exchange.public_folders": 40}, today=TODAY)}
    assert findings["public-folders"].status == "disabled"
    assert findings["public-folders"].effort_days == 0


def test_exception_in_force_and_expired(write) -> None:
    directory = write(
        "overrides.yaml",
        """
        exceptions:
          - rule: public-folders
            owner: Jeanne Martin (DSI)
            reason: Archived read-only; decommissioned with the tenant.
            expires: 2026-12-31
    """,
    )
    catalogue = load_catalogue([directory])
    facts = {"exchange.public_folders": 40}
    in_force = {f.rule_id: f for f in evaluate(catalogue, facts, today=TODAY)}["public-folders"]
    assert in_force.status == "excepted"
    assert in_force.exception is not None and not in_force.exception.expired
    assert in_force.exception.owner == "Jeanne Martin (DSI)"
    assert in_force.effort_days == 0
    on_last_day = {f.rule_id: f for f in evaluate(catalogue, facts, today=datetime.date(2026, 12, 31))}
    assert on_last_day["public-folders"].status == "excepted"
    expired = {f.rule_id: f for f in evaluate(catalogue, facts, today=datetime.date(2027, 1, 1))}[
        "public-folders"
    ]
    assert expired.status == "applies"
    assert expired.exception is not None and expired.exception.expired
    assert expired.effort_days == 5.8


def test_exception_does_not_hide_missing_facts(write) -> None:
    directory = write(
        "overrides.yaml", "exceptions: [{rule: public-folders, owner: o, reason: r, expires: 2030-01-01}]\n"
    )
    finding = {f.rule_id: f for f in evaluate(load_catalogue([directory]), {}, today=TODAY)}["public-folders"]
    assert finding.status == "not_assessed"
    assert finding.exception is not None


def test_exception_expiry_as_quoted_string(write) -> None:
    directory = write(
        "overrides.yaml", 'exceptions: [{rule: public-folders, owner: o, reason: r, expires: "2030-01-01"}]\n'
    )
    assert load_catalogue([directory]).exceptions[0].expires == datetime.date(2030, 1, 1)
