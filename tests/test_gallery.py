"""The bundled scenarios: every one validates, runs in seconds and tells its story."""

from __future__ import annotations

import json
import time

import pytest

from consensus_sim import bundled_scenarios, load_scenario, run_ensemble, scenario_from_dict
from consensus_sim.cli import main

GALLERY = sorted(bundled_scenarios())


def test_the_gallery_holds_the_required_cases():
    rules = {load_scenario(name).rule.type for name in GALLERY}
    assert {"nato_tokyo_office", "nato_ap4_itpp", "nato_nordic_accession",
            "classroom_trio"} <= set(GALLERY)
    assert {"consensus", "veto_majority", "qualified_majority"} <= rules


@pytest.mark.parametrize("name", GALLERY)
def test_each_scenario_runs_in_seconds_and_shows_its_evidence(name):
    scenario = load_scenario(name)
    assert scenario.id == name and scenario.title and scenario.description
    assert len(scenario.description) <= 120
    assert scenario.sources or name == "classroom_trio"
    start = time.perf_counter()
    result = run_ensemble(scenario, runs=200, seed=0, jobs=1)
    assert time.perf_counter() - start < 5.0
    assert result.runs == 200


def test_classroom_trio_is_deterministic():
    scenario = load_scenario("classroom_trio")
    assert scenario.uncertainty.position_sd == 0 and scenario.uncertainty.salience_sd == 0
    result = run_ensemble(scenario, runs=20, seed=0, jobs=1)
    assert len(set(result.outcome.tolist())) == 1
    assert (result.final == result.final[0]).all()


def test_nordic_side_payments_raise_the_chance_of_adoption():
    scenario = load_scenario("nato_nordic_accession")
    with_payments = run_ensemble(scenario, runs=400, seed=0, jobs=1).summary()
    data = scenario.model_dump(exclude_none=True)
    data["proposal"]["side_payments"] = False
    without = run_ensemble(scenario_from_dict(data), runs=400, seed=0, jobs=1).summary()
    assert with_payments["p_adopted_any"] > without["p_adopted_any"] + 0.2
    assert any(v["share_of_runs"] > 0 for v in with_payments["side_payments"].values())
    assert all(v["share_of_runs"] == 0 for v in without["side_payments"].values())


def test_list_command(capsys):
    with pytest.raises(SystemExit) as info:
        main(["list", "--json"])
    assert info.value.code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == GALLERY
    tokyo = next(r for r in rows if r["id"] == "nato_tokyo_office")
    assert tokyo["rule"] == "consensus" and tokyo["members"] == 31
    with pytest.raises(SystemExit):
        main(["list"])
    out = capsys.readouterr().out
    assert all(name in out for name in GALLERY)
