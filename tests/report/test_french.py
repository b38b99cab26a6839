"""The French report is French: every catalogue string and data label translated, French typography, plurals.

Checked on the text a reader sees (html.parser here, Chromium's inner_text in the browser test), for the demo
tenant collected from the simulator and for a fixed snapshot holding every code the inventory can show.
The English report stays English.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from m365exit import pipeline
from m365exit.engine.sovereignty import HOSTING_LABELS
from m365exit.report import formatting
from m365exit.report.html import CODE_COLUMNS, INVENTORY_TABLES
from m365exit.report.i18n import catalog, parse_po
from m365exit.snapshot import CollectionIssue, Snapshot, TenantInfo
from tests.report.textcheck import (
    french_in_english,
    segments,
    typography_problems,
    untranslated,
    visible_text,
)

NBSP, NNBSP = "\u00a0", "\u202f"


def fixed_snapshot() -> Snapshot:
    """A small tenant written by hand: every value code the inventory tables can hold, one collection issue."""
    return Snapshot(
        collected_at=datetime(2026, 12, 3, 15, 5, tzinfo=UTC),
        period="D90",
        tenant=TenantInfo(id="00000000-0000-0000-0000-000000000001", display_name="Commune de Plounéour (fictive)",
                          cloud="global", default_domain="plouneour.example.fr"),
        facts={
            "identity.users_total": 120, "identity.users_enabled": 110, "identity.users_licensed": 100,
            "identity.guests": 1, "identity.users_synced": 0, "identity.groups_total": 9, "identity.groups_m365": 2,
            "identity.groups_dynamic": 0, "identity.apps_saml": 1, "identity.apps_oidc": 1,
            "identity.apps_password": 1, "identity.ca_policies": 3, "identity.ca_policies_enabled": 1,
            "identity.domains_verified": 2, "identity.domains_federated": 1,
            "exchange.mailboxes": 104, "exchange.mailboxes_shared": 1, "exchange.mailboxes_archive": 1,
            "exchange.storage_bytes": 1_500_000_000_000, "exchange.items": 1_004_000, "exchange.rooms": 1,
            "sharepoint.sites": 4, "sharepoint.storage_bytes": 7_700_000_000, "sharepoint.files": 1_004,
            "licensing.seats_purchased": 110, "licensing.seats_assigned": 100, "licensing.skus": 2,
        },
        provenance={"identity.users_total": "/users"},
        tables={
            "identity.sso_apps": [
                {"name": "Portail RH", "sso": "saml", "enabled": True, "app_id": "a1"},
                {"name": "Intranet", "sso": "oidc", "enabled": True, "app_id": "a2"},
                {"name": "Banque", "sso": "password", "enabled": False, "app_id": "a3"},
            ],
            "identity.ca_policies": [
                {"name": "MFA pour tous", "state": "enabled"}, {"name": "Hors de France", "state": "disabled"},
                {"name": "Appareils conformes", "state": "enabledForReportingButNotEnforced"},
            ],
            "identity.domains": [
                {"domain": "plouneour.example.fr", "verified": True, "authentication": "Federated", "default": True},
                {"domain": "plouneour.onmicrosoft.com", "verified": True, "authentication": "Managed",
                 "default": False},
            ],
            "exchange.largest_mailboxes": [
                {"mailbox": "maire@plouneour.example.fr", "type": "User", "storage_bytes": 7_700_000_000,
                 "items": 1004},
                {"mailbox": "accueil@plouneour.example.fr", "type": "Shared", "storage_bytes": 10, "items": 1},
                {"mailbox": "salle@plouneour.example.fr", "type": "Room", "storage_bytes": 0, "items": 0},
            ],
            "sharepoint.templates": [
                {"template": t, "sites": 1, "storage_bytes": 1_000_000, "files": 2}
                for t in ("Group", "Team Site", "Team Channel", "Communication Site")
            ],
            "sharepoint.largest_sites": [
                {"site": "https://plouneour.sharepoint.com/sites/urbanisme", "template": "Group",
                 "storage_bytes": 5_000_000_000, "files": 1004, "last_activity": "2026-11-03"},
            ],
            "teams.apps": [
                {"app": "Demandes", "kind": "custom", "distribution": "organization", "teams": 1},
                {"app": "Outil chargé", "kind": "custom", "distribution": "sideloaded", "teams": 1},
                {"app": "Planner", "kind": "store", "distribution": "store", "teams": 2},
            ],
            "purview.ediscovery_cases": [{"case": "Contentieux A", "status": "active"},
                                         {"case": "Contentieux B", "status": "closed"}],
            "licensing.skus": [
                {"sku": "SPE_E3", "purchased": 100, "assigned": 95},
                {"sku": "FLOW_FREE", "purchased": 10000, "assigned": 5},
            ],
        },
        issues=[CollectionIssue(workload="teams", endpoint="/teams", status=403, code="Authorization_RequestDenied",
                                permission="Team.ReadBasic.All", message="Insufficient privileges.",
                                facts=["teams.teams"])],
    )


@pytest.fixture(scope="module")
def reports(demo_snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """{snapshot name: {lang: visible text}}, rendered through the pipeline as `assess` does."""
    out: dict[str, dict[str, str]] = {}
    for name, snapshot in (("demo", demo_snapshot), ("fixed", fixed_snapshot())):
        out[name] = {}
        for lang in ("fr", "en"):
            folder = tmp_path_factory.mktemp(f"{name}-{lang}")
            _, written = pipeline.assess(snapshot, folder, pipeline.AssessOptions(formats=["html"], lang=lang))
            out[name][lang] = visible_text(written[0].read_text(encoding="utf-8"))
    return out


SNAPSHOTS = ["demo", "fixed"]


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_no_english_catalogue_string_in_the_french_report(reports: dict[str, dict[str, str]], name: str) -> None:
    text = reports[name]["fr"]
    assert untranslated(text, catalog("fr").entries()) == []
    # Data codes never reach the reader: hosting modes, raw inventory values, bare country codes.
    whole = segments(text)
    assert [code for code in HOSTING_LABELS if code in text] == []
    assert re.findall(r"\((?:US|GB|CA|DE|FR|LV|AT|GR|HU)\)", text) == []
    assert "not collected" not in text and "(not verified)" not in text and "(secondary)" not in text
    snapshot = fixed_snapshot()
    raw = {str(row[col]) for _, table, columns in [(None, t, c) for t, _, c in INVENTORY_TABLES]
           for row in snapshot.tables.get(table, []) for col in columns if col in CODE_COLUMNS}
    kept = {v for v in raw if catalog("fr").pgettext("sso", v) == v and v.isupper()}  # SAML is SAML
    assert sorted((raw - kept) & whole) == []


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_french_report_typography(reports: dict[str, dict[str, str]], name: str) -> None:
    assert typography_problems(reports[name]["fr"]) == []


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_english_report_stays_english(reports: dict[str, dict[str, str]], name: str) -> None:
    text = reports[name]["en"]
    assert french_in_english(text, catalog("fr").entries(), catalog("en").entries()) == []
    assert "Microsoft 365 exit readiness" in text and "Préparation" not in text
    assert "enabledForReportingButNotEnforced" not in segments(text)


def test_the_fixed_report_reads_as_a_french_dsi_expects(reports: dict[str, dict[str, str]]) -> None:
    text = reports["fixed"]["fr"]
    assert f"Inventaire du 3 décembre 2026 à 15{NBSP}h{NBSP}05 UTC" in text
    assert "usage sur les 90 derniers jours" in text and "cloud mondial de Microsoft" in text
    assert f"La collecte est incomplète{NBSP}: 1 incident." in text  # singular: one issue
    assert "rapport seul (non appliquée)" in text and "site de canal Teams" in text and "clos" in segments(text)
    assert "03/11/2026" in text and "2026-11-03" not in text
    assert "Power Automate (gratuit)" in text
    assert f"1{NNBSP}004" in text  # the items of the largest mailbox
    assert "RGPD" in text and "--pseudonymize" in text  # personal data: said, and how to avoid sharing it
    assert "locataire (tenant) Microsoft 365" in text
    assert "Porteur du projet" in text and "Éditeur" not in text
    # A collection issue says what happened in French, then quotes Graph's or the collector's English message.
    assert "Autorisation non accordée à l'application" in text and "Insufficient privileges." not in text
    assert "Insufficient privileges." in reports["fixed"]["en"]


def test_demo_report_plurals(reports: dict[str, dict[str, str]], demo_snapshot: Snapshot) -> None:
    text = reports["demo"]["fr"]
    assessment = pipeline.evaluate(demo_snapshot, pipeline.AssessOptions())
    blockers = [f for f in assessment.findings if f.severity == "blocker" and f.status == "applies"]
    unknown = [w for w in assessment.workloads if w.status == "not-assessed"]
    assert len(blockers) >= 2 and len(unknown) >= 2
    assert f"{len(blockers)} points bloquants appellent une décision" in text
    assert f"{len(unknown)} services n'ont pas pu être évalués" in text
    assert "(s)" not in text and "jour(s)" not in text


@pytest.mark.parametrize(("n", "fr", "en", "fr_effort", "en_effort"), [
    (0, "0 jour", "0 days", "0 jour-homme", "0 person-days"),
    (1, "1 jour", "1 day", "1 jour-homme", "1 person-day"),
    (1.5, "1,5 jour", "1.5 days", "1,5 jour-homme", "1.5 person-days"),
    (2, "2 jours", "2 days", "2 jours-homme", "2 person-days"),
])
def test_plural_forms_of_durations(n: float, fr: str, en: str, fr_effort: str, en_effort: str) -> None:
    """French is singular below 2 (« 1,5 jour »), English only at exactly 1."""
    assert (formatting.days(n, "fr"), formatting.days(n, "en")) == (fr, en)
    assert (formatting.person_days(n, "fr"), formatting.person_days(n, "en")) == (fr_effort, en_effort)


@pytest.mark.parametrize(("n", "expected"), [
    (0, "0 point bloquant appelle"), (1, "1 point bloquant appelle"), (2, "2 points bloquants appellent"),
])
def test_plural_forms_in_the_catalogue(n: int, expected: str) -> None:
    french = catalog("fr")
    singular = "%(n)s blocker needs a decision before the services concerned can move:"
    plural = "%(n)s blockers need a decision before the services concerned can move:"
    assert (french.ngettext(singular, plural, n) % {"n": n}).startswith(expected)
    services = french.ngettext("%(n)s service could not be assessed:", "%(n)s services could not be assessed:", 9)
    assert services % {"n": 9} == f"9 services n'ont pas pu être évalués{NBSP}:"


def test_locale_formatting_through_babel() -> None:
    assert formatting.number(1004, "fr") == f"1{NNBSP}004"
    assert formatting.number(1004, "en") == "1,004"
    assert formatting.size(7_700_000_000_000, "fr") == f"7,7{NBSP}To"
    assert formatting.size(7_700_000_000_000, "en") == f"7.7{NBSP}TB"
    assert formatting.money(29801, "fr") == f"29{NNBSP}801{NBSP}€"
    assert formatting.money(29801, "en") == "€29,801"
    assert formatting.percent(0.153, "fr") == f"15{NBSP}%"
    assert formatting.decimal(0.15, "fr", 2) == "0,15"
    moment = datetime(2026, 12, 3, 15, 5, tzinfo=UTC)
    assert formatting.date(moment, "fr") == "03/12/2026"
    assert formatting.date(moment, "fr", long=True) == "3 décembre 2026"
    assert formatting.time(moment, "fr") == f"15{NBSP}h{NBSP}05"
    assert formatting.date("2026-11-03", "en") == "3 Nov 2026"


def test_the_typography_checker_finds_each_fault() -> None:
    clean = (f"Charge{NBSP}: 1{NNBSP}004 jours-homme{NNBSP}; «{NBSP}Tchap{NBSP}» coûte 15{NBSP}% et 9{NBSP}M€, "
             "soit 7,7 To le 03/12/2026 à 15 h 05, avec openDesk 1.18 et SAML 2.0.")
    assert typography_problems(clean) == []
    faults = {
        "Charge: 3": "colon", "Charge : 3": "colon", "a ; b": "; ! ?", "quoi ?": "; ! ?",
        "« Tchap»": "«", "«Tchap »": "»", "1 004 agents": "digits", "15 %": "%", "15%": "%",
        "environ 7.7 jours": "decimal point", "le 2026-12-03": "ISO date", "à 15:05": "HH:MM",
        "l’agent": "apostrophe", "point(s) bloquant(s)": "(s)",
    }
    for sample, what in faults.items():
        found = typography_problems(sample)
        assert any(what in problem for problem in found), (sample, found)


def test_catalogue_reads_plural_forms_and_contexts() -> None:
    messages = parse_po(
        'msgid ""\nmsgstr "Plural-Forms: nplurals=2; plural=(n >= 2);\\n"\n\n'
        'msgctxt "state"\nmsgid "enabled"\nmsgstr "activée"\n\n'
        'msgid "enabled"\nmsgstr "activé"\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s jour"\nmsgstr[1] "%(n)s jours"\n'
    )
    assert messages == {"state\x04enabled": ["activée"], "enabled": ["activé"],
                        "%(n)s day": ["%(n)s jour", "%(n)s jours"]}


@pytest.mark.browser
def test_french_report_in_chromium(demo_snapshot: Snapshot, tmp_path: Path, browser: Any) -> None:
    """What Chromium shows (inner_text) passes the same checks; a screenshot is kept for a human look."""
    _, written = pipeline.assess(demo_snapshot, tmp_path, pipeline.AssessOptions(formats=["html"], lang="fr"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(written[0].as_uri())
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.evaluate("document.querySelectorAll('[translate=no]').forEach(e => e.remove())")
    text = page.inner_text("body")
    assert untranslated(text, catalog("fr").entries()) == []
    assert typography_problems(text) == []
    assert "Niveau de préparation global" in text
    page.screenshot(path=str(tmp_path / "report.fr.png"), full_page=False)
    page.close()


def test_rules_data_labels_are_french_in_the_french_report(reports: dict[str, dict[str, str]]) -> None:
    """Operators, stewards, protocol notes, hosting offers and option notes: their English never shows in French."""
    from m365exit.engine import load_catalogue
    from m365exit.engine.model import Text

    catalogue = load_catalogue([])
    texts: list[Text] = [op.name for op in catalogue.operators.values() if isinstance(op.name, Text)]
    for p in catalogue.products.values():
        texts += [x for x in (p.steward, *p.protocols, *p.mandatory_non_eu_services) if isinstance(x, Text)]
    for o in catalogue.options:
        texts += [x for x in (o.hosting.offer, o.note) if isinstance(x, Text)]
    assert len(texts) > 15
    text = reports["demo"]["fr"]
    shown = [t for t in texts if t.fr.split(" (")[0].replace(" :", "\u00a0:") in text]
    assert len(shown) > 10  # the French labels are there...
    assert [t.en for t in texts if t.en != t.fr and t.en in text] == []  # ...and never the English ones
