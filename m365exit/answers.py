"""Answers: facts supplied by people for what Graph cannot see (Power Apps, InfoPath, transport rules...).

An answers file is YAML with the same fact names rules read. Collected data wins over an answer for the
same fact; an answer fills what collection could not see. Errors name the file, line and key (exit 5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from m365exit.engine.yamlsrc import parse_yaml
from m365exit.errors import RulesError
from m365exit.facts import FACTS, Fact
from m365exit.snapshot import Snapshot

SCHEMA = "m365exit.answers/1"
_KEYS = {"schema", "organisation", "answered_by", "answered_at", "facts", "notes"}

# Questions of the French questionnaire; a fact without one falls back to its English definition.
QUESTIONS_FR: dict[str, str] = {
    "powerplatform.flows": "Nombre de flux Power Automate utilisés en production.",
    "powerplatform.apps": "Nombre d'applications Power Apps (canevas et pilotées par modèle) en production.",
    "powerplatform.dataverse_environments": "Environnements Dataverse contenant des données métier.",
    "powerbi.reports": "Nombre de rapports Power BI utilisés.",
    "office.access_databases": "Bases Access utilisées pour l'activité.",
    "office.infopath_forms": "Formulaires InfoPath encore en service.",
    "office.vba_workbooks": "Classeurs Excel ou modèles Word qui dépendent de macros VBA.",
    "office.lob_addins": "Applications métier ou compléments liés à Office (compléments Word/Excel/Outlook, COM).",
    "forms.forms": "Formulaires Microsoft Forms en usage.",
    "exchange.transport_rules": "Règles de transport (flux de messagerie) Exchange.",
    "exchange.public_folders": "Dossiers publics encore utilisés.",
    "teams.phone_users": "Utilisateurs de Teams Phone (appels RTC) avec un numéro.",
    "stream.videos": "Vidéos Stream (sur SharePoint) à conserver.",
    "loop.workspaces": "Espaces de travail Loop utilisés.",
    "purview.regulatory_retention": "Une obligation légale ou réglementaire de conservation s'applique au courrier "
                                    "ou aux fichiers.",
    "identity.mfa_hardware_tokens": "L'authentification multifacteur repose sur des jetons matériels ou des "
                                    "notifications Authenticator à réenrôler.",
    "bookings.staff": "Agents qui reçoivent des rendez-vous par Bookings.",
    "copilot.agents": "Agents Copilot Studio ou agents déclaratifs en service.",
    "engage.communities": "Communautés Viva Engage (Yammer) encore actives.",
    "licensing.days_to_renewal": "Nombre de jours d'ici le renouvellement ou la fin du contrat Microsoft.",
    "loop.whiteboards": "Tableaux Whiteboard à conserver.",
    "office.windows_only_apps": "Applications métier qui ne fonctionnent que sous Windows (hors Office).",
    "onenote.ink_heavy": "Les blocs-notes reposent sur l'écriture manuscrite ou le dessin (encre).",
    "onenote.notebooks": "Blocs-notes OneNote à conserver.",
    "planner.todo_users": "Personnes qui s'appuient sur des listes Microsoft To Do.",
    "powerplatform.premium_connectors": "Flux ou applications utilisant des connecteurs premium ou "
                                        "personnalisés, ou la passerelle de données locale.",
    "purview.dlp_policies": "Stratégies de protection contre la perte de données (DLP) appliquées.",
    "purview.label_encrypted_files": "Fichiers ou messages chiffrés par une étiquette de confidentialité (RMS).",
    "sharepoint.custom_solutions": "Composants SPFx, compléments SharePoint et flux de travail en service.",
    "sharepoint.intranet_pages": "Pages SharePoint (actualités, intranet) à conserver.",
    "sharepoint.lists": "Listes SharePoint utilisées pour l'activité (hors bibliothèques de documents).",
    "teams.audio_conferencing": "Les réunions Teams proposent des numéros d'accès téléphonique (audioconférence).",
    "teams.auto_attendants": "Standards automatiques Teams Phone.",
    "teams.call_queues": "Files d'attente d'appels Teams Phone.",
    "teams.max_meeting_size": "Nombre de participants de la plus grande réunion Teams régulière.",
    "teams.third_party_apps": "Applications, bots et connecteurs tiers ou internes utilisés dans Teams.",
    "teams.webinars": "Webinaires et assemblées Teams organisés par an.",
    # Lessons of published exits (facts.py): what the programme has prepared.
    "exchange.business_system_integrations": "Applications métier qui classent le courrier ou envoient des "
                                             "messages par Exchange ou Outlook (GED, dossiers électroniques, "
                                             "juridictions, applications liées à Outlook).",
    "exchange.target_platform_ready": "La plateforme de messagerie cible est dimensionnée pour la semaine de pointe, "
                                      "testée en charge à ce niveau et hautement disponible avant la première vague.",
    "exchange.account_mapping_checked": "La correspondance entre anciens et nouveaux comptes de chaque vague est "
                                        "rapprochée (chaque boîte source associée à une seule cible) et vérifiée "
                                        "avant la bascule.",
    "programme.breach_plan": "Un plan de gestion des violations de données personnelles couvre la migration : "
                             "le DPO y est associé et la CNIL peut être notifiée dans les 72 heures.",
    "programme.staff_representatives_consulted": "Les représentants du personnel (le CSA) ont été consultés sur "
                                                 "la sortie avant la première bascule.",
    "programme.critical_services": "Services fonctionnant 24 h/24 qui dépendent du courrier ou de la messagerie "
                                   "instantanée (police, urgences, astreintes, cellules de crise).",
    "programme.critical_fallback_planned": "Chaque service fonctionnant 24 h/24 dispose d'un canal de secours "
                                           "testé pour les jours de sa bascule.",
    "programme.concurrent_changes": "Autres projets de changement qui touchent les mêmes agents pendant les vagues "
                                    "(nouvelle application métier, réorganisation, renouvellement des postes).",
    "programme.vendor_support_contracted": "Le support des produits de remplacement est contractualisé (éditeur "
                                           "ou intégrateur, avec des délais d'intervention).",
    "programme.upstream_budget": "Un budget est prévu pour les développements reversés aux projets libres "
                                 "(fonctionnalités nécessaires à l'organisation).",
    "programme.support_task_force": "Une cellule de crise ayant autorité sur le prestataire reste en place "
                                    "au-delà des premières semaines qui suivent chaque bascule.",
    "teams.pstn_lines_outside_teams": "Lignes téléphoniques servies par un opérateur ou un autocommutateur (PABX) "
                                      "local, hors Teams Phone.",
    "licensing.seats_staying": "Licences qui resteront chez Microsoft à l'issue de la sortie (cible hybride).",
    "licensing.hybrid_costed": "La cible hybride (licences qui restent chez Microsoft) est planifiée et chiffrée : "
                               "licences, fédération d'identité, routage du courrier, support.",
}


@dataclass
class Answers:
    path: Path
    facts: dict[str, int | float | bool | str]
    notes: dict[str, str] = field(default_factory=dict)
    answered_by: str = ""
    answered_at: str = ""


def _check_value(fact: Fact, value: Any, where: str) -> int | float | bool | str:
    if not fact.accepts(value):
        raise RulesError(f"{where}: key 'facts.{fact.name}': expected {fact.expected}, got {value!r}.",
                         f"{fact.name}: {fact.definition}")
    return value  # type: ignore[no-any-return]


def load(path: Path) -> Answers:
    source = parse_yaml(path)
    data = source.data
    if not isinstance(data, dict):
        raise RulesError(f"{source.name}:1: an answers file is a mapping with a 'facts:' key.",
                         "Start from 'm365exit answers template'.")
    for key in data:
        if key not in _KEYS:
            raise RulesError(f"{source.where((key,))}: unknown key '{key}'.",
                             f"Allowed keys: {', '.join(sorted(_KEYS))}.")
    if data.get("schema", SCHEMA) != SCHEMA:
        raise RulesError(f"{source.where(('schema',))}: key 'schema': expected {SCHEMA!r}, got {data['schema']!r}.")
    facts = data.get("facts") or {}
    if not isinstance(facts, dict):
        raise RulesError(f"{source.where(('facts',))}: key 'facts' must map fact names to values.")
    checked: dict[str, int | float | bool | str] = {}
    for name, value in facts.items():
        where = source.where(("facts", name))
        if name not in FACTS:
            close = sorted(f for f in FACTS if f.split(".")[0] == name.split(".")[0])
            raise RulesError(f"{where}: key 'facts.{name}': unknown fact.",
                             f"Facts of this workload: {', '.join(close)}." if close
                             else "'m365exit answers template' lists the facts you can answer.")
        if FACTS[name].source == "snapshot":
            raise RulesError(f"{where}: key 'facts.{name}': this fact comes from the snapshot's date, "
                             "not from an answer.", "Remove the line.")
        if value is None:  # left blank in the template: not answered
            continue
        checked[name] = _check_value(FACTS[name], value, where)
    notes = data.get("notes") or {}
    if not isinstance(notes, dict) or any(n not in FACTS for n in notes):
        bad = next((n for n in notes if n not in FACTS), "notes") if isinstance(notes, dict) else "notes"
        raise RulesError(f"{source.where(('notes', bad))}: key 'notes.{bad}': notes are keyed by known fact names.")
    answered_at = data.get("answered_at", "")
    return Answers(path, checked, {str(k): str(v) for k, v in notes.items()},
                   str(data.get("answered_by") or ""),
                   answered_at.isoformat() if isinstance(answered_at, date) else str(answered_at or ""))


def apply(snapshot: Snapshot, answers: Answers) -> Snapshot:
    """A copy of the snapshot with the answers filled in where collection left the fact absent."""
    merged = snapshot.model_copy(deep=True)
    origin = f"answers:{answers.path.name}"
    for name, value in sorted(answers.facts.items()):
        if name in merged.facts and not merged.provenance.get(name, "").startswith("answers"):
            continue  # what was measured wins over what was estimated
        merged.facts[name] = value
        merged.provenance[name] = origin
    merged.facts = dict(sorted(merged.facts.items()))
    merged.provenance = dict(sorted(merged.provenance.items()))
    return merged


def template(lang: str = "en", only_answers: bool = True, existing: Mapping[str, Any] | None = None) -> str:
    """A commented questionnaire: every fact people can supply, grouped by workload, values left blank."""
    fr = lang == "fr"
    lines = [
        "# m365exit — " + ("questionnaire : ce que Microsoft Graph ne voit pas" if fr
                          else "questionnaire: what Microsoft Graph cannot see"),
        "# " + ("Renseignez les valeurs connues, laissez les autres vides : une règle qui en a besoin sera "
                "« non évaluée », jamais considérée comme satisfaite." if fr else
                "Fill in what you know and leave the rest blank: a rule that needs a blank fact is "
                "'not assessed', never passed."),
        "# " + ("Utilisation : m365exit assess INVENTAIRE --answers ce-fichier.yaml" if fr
                else "Use: m365exit assess SNAPSHOT --answers this-file.yaml"),
        f"schema: {SCHEMA}",
        "answered_by: \"\"   # " + ("nom et fonction" if fr else "name and role"),
        "answered_at: \"\"   # YYYY-MM-DD",
        "facts:",
    ]
    workload = ""
    for fact in sorted(FACTS.values(), key=lambda f: (f.workload, f.name)):
        if only_answers and fact.source != "answers":
            continue
        if fact.workload != workload:
            workload = fact.workload
            lines.append(f"  # --- {workload}")
        question = QUESTIONS_FR.get(fact.name, fact.definition) if fr else fact.definition
        unit = {"bool": "true/false", "count": "0, 1, 2…", "bytes": "bytes/octets",
                "ratio": "0–1", "days": "days/jours", "text": "text/texte"}[fact.unit]
        lines.append(f"  # {question} ({unit})")
        value = (existing or {}).get(fact.name)
        lines.append(f"  {fact.name}:" + (f" {value}" if value is not None else ""))
    lines += ["notes: {}   # " + ("fait → d'où vient le chiffre" if fr else "fact → where the figure comes from")]
    return "\n".join(lines) + "\n"
