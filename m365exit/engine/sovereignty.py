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

import functools
from dataclasses import dataclass, field
from typing import Any

from babel import Locale

from m365exit.engine.model import Hosting, OperatorSpec, Product, localised
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
    "state-cloud": 4,
    "secnumcloud": 4,
    "eu-operator": 3,
    "hyperscaler-eu-region": 1,
    "non-eu": 0,
}
# What each hosting mode means, for a reader (never the raw code).
HOSTING_LABELS: dict[str, dict[str, str]] = {
    "on-premises": {"en": "self-hosted (your own servers)", "fr": "auto-hébergé (vos serveurs)"},
    "state-cloud": {"en": "internal State cloud", "fr": "cloud interne de l'État"},
    "secnumcloud": {"en": "SecNumCloud-qualified offer", "fr": "offre qualifiée SecNumCloud"},
    "eu-operator": {"en": "EU operator's cloud", "fr": "cloud d'un opérateur européen"},
    "hyperscaler-eu-region": {"en": "non-EU hyperscaler, EU region", "fr": "hyperscaler non européen, région UE"},
    "non-eu": {"en": "hosted outside the EU", "fr": "hébergé hors de l'UE"},
}
# Why a European non-EU country is not "non-EU" like the others: the GDPR applies there, or an adequacy decision.
_EEA = frozenset({"NO", "IS", "LI"})
_ZONE_NOTE = {
    "EEA": {"en": "in the EEA: the GDPR applies", "fr": "dans l'EEE\u00a0: le RGPD s'y applique"},
    "adequacy": {"en": "covered by an EU adequacy decision", "fr": "couvert par une décision d'adéquation de l'UE"},
}


def hosting_label(hosting: Hosting, lang: str) -> str:
    """« offre qualifiée SecNumCloud (OVHcloud Hosted Private Cloud) »: the mode, and the offer when named."""
    label = HOSTING_LABELS[hosting.mode][lang if lang in ("en", "fr") else "en"]
    if hosting.offer:
        return f"{label} ({localised(hosting.offer, lang)})"
    if hosting.mode == "secnumcloud":
        return f"{label} ({'offre non précisée' if lang == 'fr' else 'offer not named'})"
    return label


def country_name(code: str, lang: str) -> str:
    """ISO code → the country's name in the reader's language (CLDR through Babel): US → « États-Unis »."""
    return str(_territories("fr" if lang == "fr" else "en").get(code, code))


@functools.cache
def _territories(lang: str) -> dict[str, str]:
    """Babel merges the locale's data on every read of `territories`: read once per language."""
    return dict(Locale.parse(lang).territories)


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

    def where(code: str, lang: str) -> str:
        """« États-Unis », or « Royaume-Uni, couvert par une décision d'adéquation de l'UE »."""
        zone = "EEA" if code in _EEA else "adequacy" if code in EU_ASSOCIATED else None
        note = _ZONE_NOTE[zone][lang if lang == "fr" else "en"] if zone else ""
        return country_name(code, lang) + (f", {note}" if note else "")

    steward_en, steward_fr = localised(p.steward, "en"), localised(p.steward, "fr")
    op_en, op_fr = localised(op.name, "en"), localised(op.name, "fr")
    host_en, host_fr = hosting_label(h, "en"), hosting_label(h, "fr")
    non_eu_en = ", ".join(localised(x, "en") for x in p.mandatory_non_eu_services)
    non_eu_fr = ", ".join(localised(x, "fr") for x in p.mandatory_non_eu_services)
    pct_en, pct_fr = f"{op.non_eu_control_pct:g}", f"{op.non_eu_control_pct:g}".replace(".", ",")

    # SOV-1 Strategic: who controls the software's direction and the operator.
    if steward_zone != "EU":
        caps["SOV-1"].append(Cap(
            3 if p.osi else 2,
            f"steward {steward_en} is established outside the EU ({where(p.country, 'en')})"
            + ("; an OSI licence keeps a fork possible" if p.osi else ""),
            f"le porteur du projet ({steward_fr}) est établi hors de l'UE ({where(p.country, 'fr')})"
            + ("\u202f; une licence OSI garde possible une reprise du code (fork)" if p.osi else ""),
        ))
    if "proprietary" in traps:
        caps["SOV-1"].append(Cap(1, "proprietary software: its vendor alone decides its future",
                                 "logiciel propriétaire\u00a0: son éditeur décide seul de son avenir"))
    if operator_zone == "non-EU":
        caps["SOV-1"].append(Cap(1, f"operator {op_en} is established outside the EU ({where(op.country, 'en')})",
                                 f"l'opérateur {op_fr} est établi hors de l'UE ({where(op.country, 'fr')})"))
    if op.non_eu_control_pct > 39:
        caps["SOV-1"].append(Cap(
            1, f"non-EU entities hold {pct_en}% of the operator (SecNumCloud: at most 39% together)",
            f"des entités hors UE détiennent {pct_fr}\u00a0% de l'opérateur "
            "(SecNumCloud\u00a0: 39\u00a0% au plus à elles toutes)",
        ))
    elif op.non_eu_control_pct > 24:
        caps["SOV-1"].append(Cap(
            2, f"a non-EU entity holds {pct_en}% of the operator (SecNumCloud: at most 24% alone)",
            f"une entité hors UE détient {pct_fr}\u00a0% de l'opérateur "
            "(SecNumCloud\u00a0: 24\u00a0% au plus pour une seule)",
        ))

    # SOV-2 Legal: which law reaches the data and the service.
    cloud_act = h.mode == "hyperscaler-eu-region"
    if hosting_base < MAX_LEVEL:
        caps["SOV-2"].append(Cap(
            hosting_base,
            f"hosting: {host_en}" + (" (the CLOUD Act and FISA 702 apply whatever the region)" if cloud_act else ""),
            f"hébergement\u00a0: {host_fr}"
            + (" (le CLOUD Act et la FISA 702 s'appliquent quelle que soit la région)" if cloud_act else ""),
        ))
    if operator_zone == "non-EU":
        caps["SOV-2"].append(Cap(1, f"operator under the law of a non-EU country ({where(op.country, 'en')})",
                                 f"opérateur soumis au droit d'un pays hors UE ({where(op.country, 'fr')})"))
    elif op.non_eu_control_pct > 24:
        caps["SOV-2"].append(Cap(2, f"operator {pct_en}% non-EU controlled",
                                 f"opérateur contrôlé à {pct_fr}\u00a0% hors UE"))

    # SOV-3 Data and AI: who can read the data.
    data_base = hosting_base
    if h.customer_held_keys and data_base < MAX_LEVEL:
        data_base = min(MAX_LEVEL, data_base + 1)
    if data_base < MAX_LEVEL:
        caps["SOV-3"].append(Cap(
            data_base,
            f"hosting: {host_en}" + (", keys held by the customer" if h.customer_held_keys else ""),
            f"hébergement\u00a0: {host_fr}" + (", clés détenues par le client" if h.customer_held_keys else ""),
        ))
    if p.mandatory_non_eu_services:
        caps["SOV-3"].append(Cap(2, f"depends on non-EU services: {non_eu_en}",
                                 f"dépend de services hors UE\u00a0: {non_eu_fr}"))

    # SOV-4 Operational: can it be run and supported from the EU, without the vendor.
    if not p.eu_support:
        caps["SOV-4"].append(Cap(2, f"no commercial support or integrator in the EU for {p.name}",
                                 f"ni support commercial ni intégrateur dans l'UE pour {p.name}"))
    if not op.eu_support:
        caps["SOV-4"].append(Cap(2, f"operator {op_en} offers no EU-based support",
                                 f"l'opérateur {op_fr} n'offre pas de support basé dans l'UE"))
    if h.mode == "non-eu":
        caps["SOV-4"].append(Cap(1, "operated from outside the EU", "exploité depuis l'extérieur de l'UE"))
    if p.maturity == "C":
        caps["SOV-4"].append(Cap(3, "maturity C (beta or prototype): operations not yet proven",
                                 "maturité C (bêta ou prototype)\u00a0: exploitation pas encore éprouvée"))

    # SOV-5 Supply chain: what the option cannot run without.
    if steward_zone != "EU":
        caps["SOV-5"].append(Cap(
            3, f"software supplied from outside the EU ({where(p.country, 'en')}), even when self-hosted",
            f"logiciel fourni depuis l'extérieur de l'UE ({where(p.country, 'fr')}), même auto-hébergé"))
    if p.mandatory_non_eu_services:
        caps["SOV-5"].append(Cap(2, f"mandatory non-EU services: {non_eu_en}",
                                 f"services hors UE obligatoires\u00a0: {non_eu_fr}"))
    if "closed-enterprise-modules" in traps:
        caps["SOV-5"].append(Cap(3, "production edition includes closed modules only the vendor supplies",
                                 "l'édition de production inclut des modules fermés que seul l'éditeur fournit"))
    if operator_zone == "non-EU":
        caps["SOV-5"].append(Cap(1, f"operator established outside the EU ({where(op.country, 'en')})",
                                 f"opérateur établi hors de l'UE ({where(op.country, 'fr')})"))

    # SOV-6 Technology: open licences and open standards.
    if "proprietary" in traps:
        caps["SOV-6"].append(Cap(1, f"proprietary licence ({p.licence}); only some open formats",
                                 f"licence propriétaire ({p.licence})\u202f; quelques formats ouverts seulement"))
    elif not p.osi:
        caps["SOV-6"].append(Cap(2, f"licence {p.licence} is not OSI-approved",
                                 f"la licence {p.licence} n'est pas approuvée par l'OSI"))
    if "fair-code" in traps or "not-osi" in traps:
        caps["SOV-6"].append(Cap(2, "'fair-code' or source-available terms",
                                 "conditions «\u00a0fair-code\u00a0» ou code source consultable sans licence libre"))
    if "trademark-terms" in traps or "licence-dispute" in traps:
        caps["SOV-6"].append(Cap(2, "additional licence terms or a licence dispute",
                                 "conditions de licence supplémentaires ou litige de licence"))
    for kind, because, because_fr in (
        ("attribution-terms", "additional attribution terms (AGPL §7)",
         "conditions d'attribution supplémentaires (AGPL, article 7)"),
        ("closed-enterprise-modules", "closed enterprise modules", "modules «\u00a0entreprise\u00a0» fermés"),
        ("community-edition-limits", "community edition is limited", "l'édition communautaire est limitée"),
    ):
        if kind in traps:
            caps["SOV-6"].append(Cap(3, because, because_fr))
    if not p.protocols:
        caps["SOV-6"].append(Cap(3, "no open protocol or format declared", "aucun protocole ni format ouvert déclaré"))

    # SOV-7 Security: certified operations under EU control. A SecNumCloud qualification belongs to an
    # offer (ANSSI qualifies a service, not a company or a product): the option must name the offer.
    certs = {c.lower() for c in op.certifications}
    certified = ", ".join(sorted(op.certifications))
    if h.mode == "secnumcloud":
        if not h.offer:
            caps["SOV-7"].append(Cap(
                3, f"hosting declared SecNumCloud, but the qualified offer {op_en} relies on is not named",
                f"hébergement déclaré SecNumCloud, sans nommer l'offre qualifiée sur laquelle s'appuie {op_fr}",
            ))
        elif not h.sources and "secnumcloud" not in certs:
            caps["SOV-7"].append(Cap(
                3, f"SecNumCloud offer '{localised(h.offer, 'en')}' stated without a source",
                f"offre SecNumCloud «\u00a0{localised(h.offer, 'fr')}\u00a0» indiquée sans source",
            ))
    elif h.mode == "state-cloud":
        caps["SOV-7"].append(Cap(
            3, "operated by the State on its internal cloud: accepted for sensitive data by the 'Cloud au centre' "
               "doctrine in place of a SecNumCloud offer, but not itself qualified",
            "exploité par l'État sur son cloud interne\u00a0: admis pour les données sensibles par la doctrine "
            "«\u00a0Cloud au centre\u00a0» à la place d'une offre SecNumCloud, sans être lui-même qualifié",
        ))
    elif h.mode == "on-premises":
        caps["SOV-7"].append(Cap(
            3, "self-operated: as secure as your own operations (no qualification)",
            "exploité par vous\u00a0: aussi sûr que votre propre exploitation (sans qualification)",
        ))
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
        caps["SOV-8"].append(Cap(1, f"{op_en} publishes no energy or water figures",
                                 f"{op_fr} ne publie aucun chiffre d'énergie ni d'eau"))
    elif op.environment_reporting:
        caps["SOV-8"].append(Cap(3, f"{op_en} publishes energy figures (not independently audited here)",
                                 f"{op_fr} publie des chiffres d'énergie (non audités ici de façon indépendante)"))

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
        "steward": localised(p.steward, "en"),
        "steward_country": p.country,
        "maturity": p.maturity,
        "licence_traps": sorted(traps),
        "protocols": list(p.protocols),
        "mandatory_non_eu_services": [localised(x, "en") for x in p.mandatory_non_eu_services],
        "product_eu_support": p.eu_support,
        "operator": op.id,
        "operator_country": op.country,
        "non_eu_control_pct": op.non_eu_control_pct,
        "certifications": list(op.certifications),
        "operator_eu_support": op.eu_support,
        "environment_reporting": op.environment_reporting,
        "hosting": h.mode,
        "hosting_offer": localised(h.offer, "en") if h.offer else None,
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
