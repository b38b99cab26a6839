"""Evaluation semantics: not assessed with reasons, wrong kinds, ratios, effort drivers and bounds."""

from __future__ import annotations

import datetime

from m365exit.engine import Catalogue, evaluate

TODAY = datetime.date(2026, 11, 29)


def _by_id(findings):
    return {f.rule_id: f for f in findings}


def test_missing_facts_are_not_assessed_with_reasons(catalogue: Catalogue) -> None:
    absent = {"exchange.mailboxes": "getMailboxUsageDetail: 403 (Reports.Read.All not granted)"}
    findings = _by_id(evaluate(catalogue, {}, absent=absent, today=TODAY))
    finding = findings["imap-copies-mail-only"]
    assert finding.status == "not_assessed"
    assert finding.missing == absent
    answers = findings["public-folders"]
    assert answers.status == "not_assessed"
    assert "answers file" in answers.missing["exchange.public_folders"]
    assert all(f.status in ("not_assessed",) for f in findings.values()), (
        "nothing passes on an empty snapshot"
    )


def test_any_with_one_missing_fact_is_not_assessed(catalogue: Catalogue) -> None:
    finding = _by_id(evaluate(catalogue, {"identity.apps_saml": 5}, today=TODAY))["sso-apps-re-registration"]
    assert finding.status == "not_assessed"
    assert list(finding.missing) == ["identity.apps_oidc"]


def test_value_of_the_wrong_kind_is_not_assessed(catalogue: Catalogue) -> None:
    facts = {"exchange.mailboxes": "many", "purview.regulatory_retention": 1, "teams.teams": float("nan")}
    findings = _by_id(evaluate(catalogue, facts, today=TODAY))  # type: ignore[arg-type]
    assert findings["imap-copies-mail-only"].status == "not_assessed"
    assert "not a valid number" in findings["imap-copies-mail-only"].missing["exchange.mailboxes"]
    assert findings["regulatory-retention"].status == "not_assessed"
    assert findings["teams-chat-history-not-exportable"].status == "not_assessed"


def test_clear_and_applies(catalogue: Catalogue) -> None:
    findings = _by_id(
        evaluate(catalogue, {"exchange.public_folders": 0, "teams.phone_users": 10}, today=TODAY)
    )
    assert findings["public-folders"].status == "clear"
    assert findings["pstn-numbers-and-operator"].status == "applies"


def test_effort_drivers_and_bounds(catalogue: Catalogue) -> None:
    findings = _by_id(
        evaluate(
            catalogue,
            {
                "identity.ca_policies_enabled": 12,
                "exchange.mailboxes": 1200,
                "exchange.storage_bytes": 3 * 10**12,
            },
            today=TODAY,
        )
    )
    ca = findings["conditional-access-gap"]
    assert ca.effort_days == 17 and ca.effort_base == 5
    assert ca.effort_drivers[0].fact == "identity.ca_policies_enabled"
    assert ca.effort_drivers[0].value == 12 and ca.effort_drivers[0].days == 12
    fact, per_unit, value, days = findings["exchange-online-imap-access"].effort_drivers[0]
    assert (fact, value, days) == ("exchange.storage_bytes", 3e12, 3.0) and per_unit == 1e-12
    capped = _by_id(evaluate(catalogue, {"identity.ca_policies_enabled": 400}, today=TODAY))
    assert capped["conditional-access-gap"].effort_days == 30
    assert capped["conditional-access-gap"].effort_bound == 30


def test_missing_effort_fact_is_reported(catalogue: Catalogue) -> None:
    finding = _by_id(evaluate(catalogue, {"exchange.mailboxes": 100}, today=TODAY))[
        "exchange-online-imap-access"
    ]
    assert finding.status == "applies"
    assert not finding.effort_complete
    assert "exchange.storage_bytes" in finding.missing


def test_ratio_with_zero_divisor_is_false(catalogue: Catalogue) -> None:
    facts = {"licensing.paid_seats_assigned": 0, "licensing.paid_seats_purchased": 0}
    assert _by_id(evaluate(catalogue, facts, today=TODAY))["unused-paid-seats"].status == "clear"


def test_findings_follow_catalogue_order(catalogue: Catalogue) -> None:
    findings = evaluate(catalogue, {}, today=TODAY)
    assert [f.rule_id for f in findings] == [r.id for r in catalogue.rules]
    order = [w.id for w in catalogue.workloads]
    positions = [order.index(f.workload) for f in findings]
    assert positions == sorted(positions)
