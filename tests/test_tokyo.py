"""The founding case: the expected behaviour of nato_tokyo_office with its defaults."""

from __future__ import annotations

import pytest

from consensus_sim import load_scenario, run_ensemble, scenario_from_dict
from consensus_sim.sweep import with_values


@pytest.fixture(scope="module")
def tokyo():
    scenario = load_scenario("nato_tokyo_office")
    return scenario, run_ensemble(scenario, runs=600, seed=0, jobs=1).summary()


@pytest.fixture(scope="module")
def tokyo_runs():
    """600 runs with their drawn inputs."""
    result = run_ensemble(load_scenario("nato_tokyo_office"), runs=600, seed=0, jobs=1)
    return result.runs_table(), result.drawn_table()


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


def test_frances_position_is_uncertain_and_peaks_at_its_stated_stance(tokyo, tokyo_runs):
    # Every French statement before the summit rejects any office (stated 0); its exact
    # position is drawn from a triangular distribution falling from 0 to 0.2.
    scenario, _ = tokyo
    assert scenario.actor("FRA").position["office"] == 0.0
    (france,) = [u for u in scenario.uncertain if u.path == "actors.FRA.position.office"]
    assert (france.dist, france.low, france.mode, france.high) == ("triangular", 0.0, 0.0,
                                                                    0.2)
    _, drawn = tokyo_runs
    position = drawn["actors.FRA.position.office"]
    assert position.min() >= 0.0 and position.max() <= 0.2
    # triangular(0, 0, 0.2): mean 0.2 / 3, sd 0.2 / sqrt(18) = 0.047; 600 draws
    assert position.mean() == pytest.approx(0.2 / 3, abs=3 * 0.047 / 600 ** 0.5)


def test_every_changed_input_is_logged_with_its_new_value(tokyo):
    # The history records each change made after the inputs were fixed; the logged
    # new value must be the file's.
    scenario, _ = tokyo
    changes = {c.change.split()[0]: c for c in scenario.history.changes}
    assert all(c.reason for c in changes.values())
    assert changes["actors.FRA.position.office"].change.startswith(
        "actors.FRA.position.office 0.1 -> 0.0")
    assert changes["actors.NATO_SG.position.office"].change.endswith("0.8 -> 0.67")
    assert scenario.actor("NATO_SG").position["office"] == 0.67
    assert changes["proposal.postponement"].change.endswith("-> 0.25")
    assert scenario.proposal.postponement == 0.25
    (summit,) = scenario.meetings
    assert summit.round == 4 and scenario.max_rounds == 5
    assert "max_rounds 8 -> 5" in changes["meetings:"].change


def test_most_runs_postpone_the_office_and_none_withdraws_it(tokyo):
    # The Secretary General values keeping the office alive (postponement 0.25 > 0), so
    # he never withdraws it; where he expects France to reject every smaller office he
    # takes it off the agenda instead.
    _, summary = tokyo
    outcomes = summary["outcomes"]
    assert outcomes["withdrawn"] == 0.0 and outcomes["deadlocked"] == 0.0
    assert outcomes["postponed"] > 0.9
    assert outcomes["postponed"] + outcomes["adopted_amended"] == pytest.approx(1.0)
    assert set(summary["final_scope"]["office"]["distribution"]) == {
        "ITPP facilitation only", "no agreement"}


def test_an_office_is_agreed_only_where_france_drew_a_position_above_zero(tokyo_runs):
    """France accepts 'ITPP facilitation only' (0.33) when its loss
    s * ((0.33 - p)^2 - p^2) = s * (0.1089 - 0.66 p) is at most its threshold, 0.03.
    Its salience is drawn at 0.8 - 0.05 * sqrt(6) = 0.6775 or more and only grows
    (China's and ASEAN's pressure); Japan's pressure moves its position up by at most
    0.02 a round, 0.04 by round 2 (no run lasts longer). So it can accept only if
    0.6775 * (0.1089 - 0.66 (p + 0.04)) <= 0.03: p >= 0.0579."""
    runs, drawn = tokyo_runs
    position = drawn["actors.FRA.position.office"].to_numpy()
    adopted = runs["outcome"].str.startswith("adopted").to_numpy()
    assert adopted.any()
    assert runs["rounds"].max() == 2
    assert position[adopted].min() >= 0.0579
    assert set(runs["outcome"][position < 0.0579]) == {"postponed"}


def test_without_a_value_for_postponing_the_failed_runs_are_withdrawn(tokyo, tokyo_runs):
    """With postponement 0 the Secretary General never postpones: a run with no office
    is withdrawn. A positive value only makes him postpone where he would otherwise
    table the small office, so with the same draws (common random numbers) every run
    that adopts the office at 0.25 adopts it at 0 too."""
    scenario, _ = tokyo
    never = run_ensemble(with_values(scenario, {"proposal.postponement": 0.0}), runs=600,
                         seed=0, jobs=1).runs_table()
    assert set(never["outcome"]) == {"withdrawn", "adopted_amended"}
    runs, _ = tokyo_runs
    adopted_at_025 = runs["outcome"] == "adopted_amended"
    assert (never["outcome"][adopted_at_025] == "adopted_amended").all()
    assert (never["outcome"] == "adopted_amended").mean() > adopted_at_025.mean()


def test_without_the_assumed_itpp_level_no_office_is_agreed(tokyo):
    # Only 0 (France's proposal) and 0.67 (NATO's) are sourced levels; no offer of an
    # ITPP-only office was found. Without that rung the ladder has nothing between the
    # proposal and no office, and every run is postponed.
    scenario, _ = tokyo
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["dimensions"][0]["levels"] = [lv for lv in data["dimensions"][0]["levels"]
                                       if lv["value"] != 0.33]
    summary = run_ensemble(scenario_from_dict(data), runs=200, seed=0, jobs=1).summary()
    assert summary["outcomes"]["postponed"] == 1.0


def test_readme_shows_the_current_output_of_the_demo(capsys):
    """The README's sample is what `consensus-sim run nato_tokyo_office` prints."""
    from pathlib import Path

    from consensus_sim.cli import format_summary

    scenario = load_scenario("nato_tokyo_office")
    summary = run_ensemble(scenario, runs=500, seed=0, jobs=1).summary()
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert format_summary(summary, scenario) in readme
