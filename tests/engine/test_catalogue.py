"""The built-in catalogue: every rule's examples, coverage of the workloads and the cross-cutting blockers."""

from __future__ import annotations

import pytest

from m365exit.engine import Catalogue, load_catalogue, run_examples
from m365exit.facts import FACTS

_CATALOGUE = load_catalogue()


@pytest.mark.parametrize("rule", _CATALOGUE.rules, ids=lambda r: r.id)
def test_rule_examples(rule) -> None:
    failures = [r.message for r in run_examples(rule) if not r.ok]
    assert not failures, f"{rule.where}: {failures}"


def test_every_rule_has_an_applies_example(catalogue: Catalogue) -> None:
    missing = [r.id for r in catalogue.rules if not any(e.expect == "applies" for e in r.examples)]
    assert not missing


def test_workloads_of_the_issue_are_covered(catalogue: Catalogue) -> None:
    expected = {
        "identity",
        "exchange",
        "sharepoint",
        "onedrive",
        "teams",
        "teams-meetings",
        "teams-phone",
        "office",
        "onenote",
        "planner",
        "forms",
        "power-automate",
        "power-apps",
        "powerbi",
        "stream",
        "engage",
        "bookings",
        "loop",
        "intune",
        "purview",
        "copilot",
        "licensing",
    }
    ids = {w.id for w in catalogue.workloads}
    assert expected <= ids
    for wid in expected:
        assert catalogue.rules_for(wid), f"workload {wid} has no rules"


# oss-catalog §0: suggested id → rule id in the catalogue
CROSS_CUTTING = {
    "identity.password_not_exportable": "passwords-cannot-be-exported",
    "mail.imap_no_groupware": "imap-copies-mail-only",
    "mail.o365_imap_access": "exchange-online-imap-access",
    "mail.outlook_desktop": "outlook-desktop-dependence",
    "files.permissions_not_portable": "sharepoint-permissions-not-portable",
    "teams.chat_not_exportable": "teams-chat-history-not-exportable",
    "office.vba_partial": "vba-macros-partial",
    "office.access_apps": "access-databases",
    "purview.labels_encryption": "label-encrypted-files",
    "mdm.apple_google_dependency": "mobile-apple-google-dependency",
    "licence.not_osi": "n8n-not-open-source",
    "licence.onlyoffice_terms": "onlyoffice-licence-terms",
    "change.cutover_disruption": "mail-cutover-disruption",
    "estate.mixed_os": "windows-only-applications",
}


@pytest.mark.parametrize(("seed", "rule_id"), sorted(CROSS_CUTTING.items()))
def test_cross_cutting_blockers_present(catalogue: Catalogue, seed: str, rule_id: str) -> None:
    rule = catalogue.rule(rule_id)
    assert rule is not None, f"§0 {seed} has no rule"
    assert "cross-cutting" in rule.tags


def test_rules_read_only_known_facts(catalogue: Catalogue) -> None:
    for rule in catalogue.rules:
        assert set(rule.facts_read) <= set(FACTS), rule.id


def test_texts_are_bilingual_and_distinct(catalogue: Catalogue) -> None:
    for rule in catalogue.rules:
        en, fr = rule.texts["en"], rule.texts["fr"]
        for key in ("title", "why", "action"):
            assert en[key] and fr[key] and en[key] != fr[key], f"{rule.id}.{key}"


def test_products_are_complete(catalogue: Catalogue) -> None:
    assert len(catalogue.products) >= 40
    for p in catalogue.products.values():
        assert p.licence and p.steward and p.sources, p.id
        if not p.osi:
            assert p.licence_traps, f"{p.id}: a non-OSI product must say why in licence_traps"
    assert not catalogue.products["n8n"].osi
    assert {t.kind for t in catalogue.products["onlyoffice"].licence_traps} >= {
        "trademark-terms",
        "origin-risk",
    }


def test_candidates_are_replacements(catalogue: Catalogue) -> None:
    for w in catalogue.workloads:
        for pid in w.candidates:
            assert catalogue.products[pid].role == "replacement", (w.id, pid)


def test_workload_dependencies_start_with_identity(catalogue: Catalogue) -> None:
    for w in catalogue.workloads:
        if w.id not in ("identity", "licensing"):
            assert "identity" in w.depends_on, w.id
