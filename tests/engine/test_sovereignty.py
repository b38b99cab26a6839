"""Sovereignty rating: weakest objective sets the level, weighted score ranks, every input visible."""

from __future__ import annotations

from m365exit.engine import OBJECTIVES, Catalogue, rate, rate_all
from m365exit.engine.sovereignty import options


def test_weights_follow_the_framework() -> None:
    assert [o.id for o in OBJECTIVES] == [f"SOV-{i}" for i in range(1, 9)]
    assert sum(o.weight for o in OBJECTIVES) == 100
    assert {o.id: o.weight for o in OBJECTIVES}["SOV-5"] == 20


def test_weakest_objective_sets_the_level(catalogue: Catalogue) -> None:
    for rating in rate_all(catalogue):
        rated = [o.level for o in rating.objectives if o.level is not None]
        assert rating.level == min(rated)
        assert 0 <= rating.score <= 100
        assert rating.weakest
        for objective in rating.objectives:
            if objective.level is not None and objective.level < 4:
                assert objective.caps, f"{rating.option} {objective.objective}: a lowering must say why"


def test_ranking_and_traps(catalogue: Catalogue) -> None:
    by_id = {r.option: r for r in rate_all(catalogue)}
    assert by_id["m365-microsoft"].level <= 1
    assert by_id["nextcloud-self"].level > by_id["m365-microsoft"].level
    n8n = {o.objective: o for o in by_id["n8n-self"].objectives}
    assert n8n["SOV-6"].level == 2
    onlyoffice = {o.objective: o for o in by_id["onlyoffice-self"].objectives}
    assert onlyoffice["SOV-6"].level == 2
    fleet = {o.objective: o for o in by_id["fleet-self"].objectives}
    assert fleet["SOV-5"].level == 2  # APNs and Google services
    ranked = rate_all(catalogue)
    assert ranked == sorted(ranked, key=lambda r: (-r.level, -r.score, r.option))


def test_inputs_are_visible(catalogue: Catalogue) -> None:
    option = next(o for o in options(catalogue) if o.id == "nextcloud-ovhcloud-snc")
    rating = rate(option)
    assert rating.inputs["hosting"] == "secnumcloud"
    assert "SecNumCloud" in rating.inputs["certifications"]
    assert rating.inputs["licence"] == "AGPL-3.0-or-later"
    assert not rating.unrated  # OVHcloud publishes environmental figures


def test_unknown_environment_is_not_rated(catalogue: Catalogue) -> None:
    rating = next(r for r in rate_all(catalogue) if r.option == "nextcloud-self")
    assert rating.unrated == ["SOV-8"]


def test_every_cap_is_said_in_french_too() -> None:
    from m365exit.engine import load_catalogue
    from m365exit.engine.sovereignty import rate_all

    caps = [c for r in rate_all(load_catalogue()) for o in r.objectives for c in o.caps]
    assert caps
    assert all(c.because_fr and c.said("fr") != c.said("en") for c in caps)


def test_secnumcloud_belongs_to_a_named_offer(catalogue: Catalogue) -> None:
    """A SecNumCloud rating is the qualified offer's (ANSSI qualifies a service): unnamed, it is capped."""
    import dataclasses

    from m365exit.engine.model import Hosting

    by_id = {o.id: o for o in options(catalogue)}
    named = rate(by_id["nextcloud-ovhcloud-snc"])
    assert named.inputs["hosting_offer"] == "Hosted Private Cloud SecNumCloud (VMware on OVHcloud)"
    assert {o.objective: o.level for o in named.objectives}["SOV-7"] == 4
    unnamed = rate(dataclasses.replace(by_id["nextcloud-ovhcloud-snc"], hosting=Hosting(mode="secnumcloud")))
    sov7 = next(o for o in unnamed.objectives if o.objective == "SOV-7")
    assert sov7.level == 3 and "not named" in sov7.caps[0].because


def test_french_public_operators_are_rated_on_their_real_hosting(catalogue: Catalogue) -> None:
    """DINUM is not "an EU operator without certification": Tchap runs on the Interior ministry's cloud,
    La Suite numérique on SecNumCloud infrastructure whose offer the sources do not name (said as such)."""
    from m365exit.engine.sovereignty import hosting_label

    by_id = {o.id: o for o in options(catalogue)}
    for option_id in ("matrix-tchap", "lasuite-docs-dinum", "visio-dinum", "grist-dinum", "lasuite-messages-dinum"):
        rating = rate(by_id[option_id])
        said = [c.because for o in rating.objectives for c in o.caps]
        assert not any("without certification" in s for s in said), option_id
    tchap = by_id["matrix-tchap"]
    assert tchap.hosting.mode == "state-cloud" and tchap.hosting.sources
    assert hosting_label(tchap.hosting, "fr") == "cloud interne de l'État (cloud souverain du ministère de l'Intérieur)"
    assert tchap.note and "collectivités territoriales" in tchap.note["fr"] and "25 juillet 2025" in tchap.note["fr"]
    assert hosting_label(by_id["visio-dinum"].hosting, "fr") == "offre qualifiée SecNumCloud (offre non précisée)"


def test_countries_and_operators_are_named_in_the_readers_language(catalogue: Catalogue) -> None:
    by_id = {r.option: r for r in rate_all(catalogue)}
    jitsi = [c for o in by_id["jitsi-self"].objectives for c in o.caps]
    assert any("(États-Unis)" in c.said("fr") for c in jitsi) and any("(United States)" in c.said("en") for c in jitsi)
    assert not any(" US " in c.said("fr") or "(US)" in c.said("fr") for c in jitsi)
    m365 = [c for o in by_id["m365-microsoft"].objectives for c in o.caps]
    assert any("limite de données de l'UE" in c.said("fr") for c in m365)
    assert all("hyperscaler-eu-region" not in c.said(lang) for c in m365 for lang in ("en", "fr"))
