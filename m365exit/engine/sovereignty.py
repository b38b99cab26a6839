"""Sovereignty rating of a replacement option: software × operator × hosting.

Follows the EU Cloud Sovereignty Framework v1.2.1 (DG DIGIT, Oct 2025) as summarised in the research
(oss-catalog §4): eight objectives SOV-1…SOV-8 with fixed weights, each rated on the SEAL scale from
SEAL-0 (no sovereignty) to SEAL-4 (full). The weakest rated objective sets the level (one weak factor
lowers the level, as in the framework's pass/fail gates); a weighted score ranks options of equal level:
score = Σ (level_n / 4) × weight_n over the rated objectives, rescaled to 0–100.

The framework does not say how to derive a level from product data. The derivation below is ours, made
explicit: each objective starts at SEAL-4 and every input that lowers it is recorded with the cap it
imposes, so a reader can check (and dispute) every step. An objective with no evidence (environment,
when the operator publishes nothing) is "not rated": left out of the level and the score, and listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from m365exit.engine.model import Hosting, OperatorSpec, Product
from m365exit.engine.types import Catalogue

EU = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    }
)
EU_ASSOCIATED = frozenset({"NO", "IS", "LI", "CH", "GB"})  # EEA, Switzerland, UK: adequacy, not EU law


@dataclass(frozen=True)
class Objective:
    id: str
    name: dict[str, str]
    weight: int


OBJECTIVES: tuple[Objective, ...] = (
    Objective("SOV-1", {"en": "Strategic", "fr": "Stratégique"}, 15),
    Objective("SOV-2", {"en": "Legal and jurisdiction", "fr": "Juridique et juridiction"}, 10),
    Objective("SOV-3", {"en": "Data and AI", "fr": "Données et IA"}, 10),
    Objective("SOV-4", {"en": "Operational", "fr": "Opérationnelle"}, 15),
    Objective("SOV-5", {"en": "Supply chain", "fr": "Chaîne d'approvisionnement"}, 20),
    Objective(
        "SOV-6",
        {
            "en": "Technology (open licences and standards)",
            "fr": "Technologique (licences et standards ouverts)",
        },
        15,
    ),
    Objective("SOV-7", {"en": "Security", "fr": "Sécurité"}, 10),
    Objective("SOV-8", {"en": "Environment", "fr": "Environnementale"}, 5),
)
MAX_LEVEL = 4

_HOSTING_BASE: dict[str, int] = {
    "on-premises": 4,
    "secnumcloud": 4,
    "eu-operator": 3,
    "hyperscaler-eu-region": 1,
    "non-eu": 0,
}


@dataclass(frozen=True)
class Cap:
    level: int
    because: str  # the input and its value, in plain words
    because_fr: str = ""  # the same in French

    def said(self, lang: str) -> str:
        return self.because_fr if lang == "fr" and self.because_fr else self.because


@dataclass(frozen=True)
class ObjectiveRating:
    objective: str
    name: dict[str, str]
    weight: int
    level: int | None  # None: not rated (no evidence)
    caps: list[Cap]

    @property
    def seal(self) -> str:
        return "not rated" if self.level is None else f"SEAL-{self.level}"


@dataclass(frozen=True)
class Option:
    """One way to run a replacement: which software, who operates it, where and how it is hosted."""

    id: str
    product: Product
    operator: OperatorSpec
    hosting: Hosting
    note: dict[str, str] | None = None


@dataclass(frozen=True)
class SovereigntyRating:
    option: str
    product: str
    operator: str
    hosting: str
    level: int
    score: float
    objectives: list[ObjectiveRating]
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def seal(self) -> str:
        return f"SEAL-{self.level}"

    @property
    def weakest(self) -> list[str]:
        """The objectives that set the level."""
        return [o.objective for o in self.objectives if o.level == self.level]

    @property
    def unrated(self) -> list[str]:
        return [o.objective for o in self.objectives if o.level is None]


def _rate(caps: list[Cap], start: int = MAX_LEVEL) -> int:
    return min([start, *(c.level for c in caps)])


def _country(code: str) -> str:
    return "EU" if code in EU else ("EEA/CH/UK" if code in EU_ASSOCIATED else "non-EU")


def rate(option: Option) -> SovereigntyRating:
    """Rate one option. Every input used is in `inputs`, every lowering in the objectives' `caps`."""
    p, op, h = option.product, option.operator, option.hosting
    traps = {t.kind for t in p.licence_traps}
    steward_zone, operator_zone = _country(p.country), _country(op.country)
    hosting_base = _HOSTING_BASE[h.mode]
    caps: dict[str, list[Cap]] = {o.id: [] for o in OBJECTIVES}

    zone_fr = {"EU": "UE", "EEA/CH/UK": "EEE/Suisse/Royaume-Uni", "non-EU": "hors UE"}
    steward_zone_fr = zone_fr.get(steward_zone, steward_zone)
    non_eu = ", ".join(p.mandatory_non_eu_services)
    pct = f"{op.non_eu_control_pct:g}"

    # SOV-1 Strategic: who controls the software's direction and the operator.
    if steward_zone != "EU":
        caps["SOV-1"].append(Cap(
            3 if p.osi else 2,
            f"steward {p.steward} is established in {p.country} ({steward_zone})"
            + ("; an OSI licence keeps a fork possible" if p.osi else ""),
            f"l'éditeur {p.steward} est établi en {p.country} ({steward_zone_fr})"
            + ("; une licence OSI garde un fork possible" if p.osi else ""),
        ))
    if "proprietary" in traps:
        caps["SOV-1"].append(Cap(1, "proprietary software: its vendor alone decides its future",
                                 "logiciel propriétaire : son éditeur décide seul de son avenir"))
    if operator_zone == "non-EU":
        caps["SOV-1"].append(Cap(1, f"operator {op.name} is established in {op.country}",
                                 f"l'opérateur {op.name} est établi en {op.country}"))
    if op.non_eu_control_pct > 39:
        caps["SOV-1"].append(Cap(
            1, f"non-EU entities hold {pct} % of the operator (SecNumCloud: at most 39 % together)",
            f"des entités hors UE détiennent {pct} % de l'opérateur (SecNumCloud : 39 % au plus à elles toutes)",
        ))
    elif op.non_eu_control_pct > 24:
        caps["SOV-1"].append(Cap(
            2, f"a non-EU entity holds {pct} % of the operator (SecNumCloud: at most 24 % alone)",
            f"une entité hors UE détient {pct} % de l'opérateur (SecNumCloud : 24 % au plus pour une seule)",
        ))

    # SOV-2 Legal: which law reaches the data and the service.
    cloud_act = h.mode == "hyperscaler-eu-region"
    if hosting_base < MAX_LEVEL:
        caps["SOV-2"].append(Cap(
            hosting_base,
            f"hosting '{h.mode}'" + (" (the CLOUD Act and FISA 702 apply whatever the region)" if cloud_act else ""),
            f"hébergement « {h.mode} »"
            + (" (le CLOUD Act et la FISA 702 s'appliquent quelle que soit la région)" if cloud_act else ""),
        ))
    if operator_zone == "non-EU":
        caps["SOV-2"].append(Cap(1, f"operator under {op.country} law", f"opérateur soumis au droit de {op.country}"))
    elif op.non_eu_control_pct > 24:
        caps["SOV-2"].append(Cap(2, f"operator {pct} % non-EU controlled", f"opérateur contrôlé à {pct} % hors UE"))

    # SOV-3 Data and AI: who can read the data.
    data_base = hosting_base
    if h.customer_held_keys and data_base < MAX_LEVEL:
        data_base = min(MAX_LEVEL, data_base + 1)
    if data_base < MAX_LEVEL:
        caps["SOV-3"].append(Cap(
            data_base,
            f"hosting '{h.mode}'" + (", keys held by the customer" if h.customer_held_keys else ""),
            f"hébergement « {h.mode} »" + (", clés détenues par le client" if h.customer_held_keys else ""),
        ))
    if p.mandatory_non_eu_services:
        caps["SOV-3"].append(Cap(2, f"depends on non-EU services: {non_eu}", f"dépend de services hors UE : {non_eu}"))

    # SOV-4 Operational: can it be run and supported from the EU, without the vendor.
    if not p.eu_support:
        caps["SOV-4"].append(Cap(2, f"no commercial support or integrator in the EU for {p.name}",
                                 f"ni support commercial ni intégrateur dans l'UE pour {p.name}"))
    if not op.eu_support:
        caps["SOV-4"].append(Cap(2, f"operator {op.name} offers no EU-based support",
                                 f"l'opérateur {op.name} n'offre pas de support basé dans l'UE"))
    if h.mode == "non-eu":
        caps["SOV-4"].append(Cap(1, "operated from outside the EU", "exploité depuis l'extérieur de l'UE"))
    if p.maturity == "C":
        caps["SOV-4"].append(Cap(3, "maturity C (beta or prototype): operations not yet proven",
                                 "maturité C (bêta ou prototype) : exploitation pas encore éprouvée"))

    # SOV-5 Supply chain: what the option cannot run without.
    if steward_zone != "EU":
        caps["SOV-5"].append(Cap(3, f"software supplied from {p.country} ({steward_zone}), even when self-hosted",
                                 f"logiciel fourni depuis {p.country} ({steward_zone_fr}), même auto-hébergé"))
    if p.mandatory_non_eu_services:
        caps["SOV-5"].append(Cap(2, f"mandatory non-EU services: {non_eu}",
                                 f"services hors UE obligatoires : {non_eu}"))
    if "closed-enterprise-modules" in traps:
        caps["SOV-5"].append(Cap(3, "production edition includes closed modules only the vendor supplies",
                                 "l'édition de production inclut des modules fermés que seul l'éditeur fournit"))
    if operator_zone == "non-EU":
        caps["SOV-5"].append(Cap(1, f"operator established in {op.country}", f"opérateur établi en {op.country}"))

    # SOV-6 Technology: open licences and open standards.
    if "proprietary" in traps:
        caps["SOV-6"].append(Cap(1, f"proprietary licence ({p.licence}); only some open formats",
                                 f"licence propriétaire ({p.licence}) ; quelques formats ouverts seulement"))
    elif not p.osi:
        caps["SOV-6"].append(Cap(2, f"licence {p.licence} is not OSI-approved",
                                 f"la licence {p.licence} n'est pas approuvée par l'OSI"))
    if "fair-code" in traps or "not-osi" in traps:
        caps["SOV-6"].append(Cap(2, "'fair-code' or source-available terms",
                                 "conditions « fair-code » ou « source-available »"))
    if "trademark-terms" in traps or "licence-dispute" in traps:
        caps["SOV-6"].append(Cap(2, "additional licence terms or a licence dispute",
                                 "conditions de licence supplémentaires ou litige de licence"))
    for kind, because, because_fr in (
        ("attribution-terms", "additional attribution terms (AGPL §7)",
         "conditions d'attribution supplémentaires (AGPL §7)"),
        ("closed-enterprise-modules", "closed enterprise modules", "modules entreprise fermés"),
        ("community-edition-limits", "community edition is limited", "l'édition communautaire est limitée"),
    ):
        if kind in traps:
            caps["SOV-6"].append(Cap(3, because, because_fr))
    if not p.protocols:
        caps["SOV-6"].append(Cap(3, "no open protocol or format declared", "aucun protocole ni format ouvert déclaré"))

    # SOV-7 Security: certified operations under EU control.
    certs = {c.lower() for c in op.certifications}
    certified = ", ".join(sorted(op.certifications))
    if h.mode == "secnumcloud":
        if "secnumcloud" not in certs:
            caps["SOV-7"].append(Cap(
                3, f"hosting declared SecNumCloud but {op.name} lists no SecNumCloud qualification",
                f"hébergement déclaré SecNumCloud mais {op.name} n'affiche aucune qualification SecNumCloud",
            ))
    elif h.mode == "on-premises":
        caps["SOV-7"].append(Cap(3, "self-operated: as secure as your own operations (no qualification)",
                                 "exploité par vous : aussi sûr que votre propre exploitation (sans qualification)"))
    elif h.mode == "eu-operator":
        caps["SOV-7"].append(Cap(
            3 if certs & {"iso-27001", "c5", "hds"} else 2,
            "EU operator" + (f" certified {certified}" if op.certifications else " without certification"),
            "opérateur européen" + (f" certifié {certified}" if op.certifications else " sans certification"),
        ))
    elif h.mode == "hyperscaler-eu-region":
        caps["SOV-7"].append(Cap(2, "security operations under non-EU control",
                                 "opérations de sécurité sous contrôle hors UE"))
    else:
        caps["SOV-7"].append(Cap(1, "security operations outside the EU", "opérations de sécurité hors de l'UE"))

    # SOV-8 Environment: only rated when the operator's reporting is known.
    environment_known = op.environment_reporting is not None
    if op.environment_reporting is False:
        caps["SOV-8"].append(Cap(1, f"{op.name} publishes no energy or water figures",
                                 f"{op.name} ne publie aucun chiffre d'énergie ni d'eau"))
    elif op.environment_reporting:
        caps["SOV-8"].append(Cap(3, f"{op.name} publishes energy figures (not independently audited here)",
                                 f"{op.name} publie des chiffres d'énergie (non audités ici de façon indépendante)"))

    ratings = [
        ObjectiveRating(
            o.id,
            o.name,
            o.weight,
            None if (o.id == "SOV-8" and not environment_known) else _rate(caps[o.id]),
            caps[o.id],
        )
        for o in OBJECTIVES
    ]
    rated = [r for r in ratings if r.level is not None]
    level = min(r.level for r in rated if r.level is not None)
    total_weight = sum(r.weight for r in rated)
    score = sum((r.level or 0) / MAX_LEVEL * r.weight for r in rated) / total_weight * 100
    inputs: dict[str, Any] = {
        "product": p.id,
        "licence": p.licence,
        "osi": p.osi,
        "steward": p.steward,
        "steward_country": p.country,
        "maturity": p.maturity,
        "licence_traps": sorted(traps),
        "protocols": list(p.protocols),
        "mandatory_non_eu_services": list(p.mandatory_non_eu_services),
        "product_eu_support": p.eu_support,
        "operator": op.id,
        "operator_country": op.country,
        "non_eu_control_pct": op.non_eu_control_pct,
        "certifications": list(op.certifications),
        "operator_eu_support": op.eu_support,
        "environment_reporting": op.environment_reporting,
        "hosting": h.mode,
        "customer_held_keys": h.customer_held_keys,
    }
    return SovereigntyRating(option.id, p.id, op.id, h.mode, level, round(score, 1), ratings, inputs)


def options(catalogue: Catalogue) -> list[Option]:
    return [
        Option(
            o.id,
            catalogue.products[o.product],
            catalogue.operators[o.operator],
            o.hosting,
            o.note.model_dump() if o.note else None,
        )
        for o in catalogue.options
    ]


def rate_all(catalogue: Catalogue, product: str | None = None) -> list[SovereigntyRating]:
    """Every option (of one product, if given), best first: level, then score, then id."""
    ratings = [rate(o) for o in options(catalogue) if product is None or o.product.id == product]
    return sorted(ratings, key=lambda r: (-r.level, -r.score, r.option))


def best_for_product(catalogue: Catalogue, product: str) -> SovereigntyRating | None:
    ranked = rate_all(catalogue, product)
    return ranked[0] if ranked else None
