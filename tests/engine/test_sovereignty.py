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
