"""The founding case: the expected behaviour of nato_tokyo_office with its defaults."""

from __future__ import annotations

import pytest

from consensus_sim import load_scenario, run_ensemble


@pytest.fixture(scope="module")
def tokyo():
    scenario = load_scenario("nato_tokyo_office")
    return scenario, run_ensemble(scenario, runs=600, seed=0, jobs=1).summary()


def test_the_file_has_31_members_a_chair_partners_and_external_actors(tokyo):
    scenario, _ = tokyo
    kinds = [a.type for a in scenario.actors]
    assert kinds.count("member") == 31
    assert scenario.actor(scenario.proposal.agenda_setter).type == "chair"
    assert scenario.actor("JPN").type == "partner"
    assert {scenario.actor(x).type for x in ("CHN", "PRK", "ASEAN")} == {"external"}
    ids = {a.id for a in scenario.actors}
    assert "FIN" in ids and "SWE" not in ids  # mid-2023: Finland in, Sweden not yet


def test_every_actor_carries_sources_or_notes(tokyo):
    scenario, _ = tokyo
    for actor in scenario.actors:
        assert actor.sources or actor.notes, actor.id
    assert len(scenario.sources) >= 10 and scenario.assumptions


def test_france_is_the_most_frequent_objector(tokyo):
    _, summary = tokyo
    rates = summary["objection_rate"]
    assert max(rates, key=rates.get) == "FRA"
    assert rates["FRA"] > 0.5


def test_adopted_scope_is_narrower_than_the_initial_proposal(tokyo):
    scenario, summary = tokyo
    initial = scenario.proposal.position["office"]
    modal = summary["modal_adopted_scope"]
    if modal is not None:
        level = {lv.label: lv.value for lv in scenario.dimensions[0].levels}
        assert level[modal["labels"]["office"]] < initial
    assert summary["final_scope"]["office"]["mean_if_adopted"] < initial


def test_the_summary_says_how_likely_an_office_is_at_all(tokyo):
    _, summary = tokyo
    dist = summary["final_scope"]["office"]["distribution"]
    assert "no agreement" in dist
    assert 0.0 < summary["p_adopted_any"] < 1.0


def test_readme_shows_the_current_output_of_the_demo(capsys):
    """The README's sample is what `consensus-sim run nato_tokyo_office` prints."""
    from pathlib import Path

    from consensus_sim.cli import format_summary

    scenario = load_scenario("nato_tokyo_office")
    summary = run_ensemble(scenario, runs=500, seed=0, jobs=1).summary()
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert format_summary(summary, scenario) in readme
