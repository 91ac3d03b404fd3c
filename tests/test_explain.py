"""`consensus-sim explain`: posteriors of the uncertain inputs given an observation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from consensus_sim import run_ensemble, scenario_from_dict
from consensus_sim.explain import explain, explain_ensemble, noise_distance, parse_given
from consensus_sim.outcomes import BINARY_LABELS

from .conftest import headquarters_data, run_cli


def two_worlds(trio):
    # B is at 0.2 or 0.6, equally likely (complete information). At 0.2 B objects to
    # every level the chair values above the status quo: withdrawn in round 1. At 0.6
    # B supports the proposal: adopted. Observing "withdrawn" reveals B at 0.2.
    trio["id"] = "two_worlds"
    trio["information"] = "complete"
    trio["proposal"]["concession"] = "ladder"
    trio["actors"] = [{"id": "A", "type": "member", "position": {"scope": 1.0}},
                      {"id": "B", "type": "member", "position": {"scope": 0.2}},
                      {"id": "CHAIR", "type": "chair", "position": {"scope": 1.0}}]
    trio["uncertainty"] = {"fields": {
        "actors.B.position.scope": {"dist": "discrete", "values": [0.2, 0.6]},
        "actors.A.salience.scope": {"dist": "uniform", "low": 0.5, "high": 1.0}}}
    return scenario_from_dict(trio)


def test_the_observation_reveals_the_input_that_decides_it(trio):
    scenario = two_worlds(trio)
    result = run_ensemble(scenario, runs=400, seed=3, jobs=1)
    drawn = result.drawn_table()
    at_02 = drawn["actors.B.position.scope"].to_numpy() == 0.2
    assert set(result.runs_table()["outcome"][at_02]) == {"withdrawn"}
    assert set(result.runs_table()["outcome"][~at_02]) == {"adopted"}
    given = parse_given(scenario, ["outcome=withdrawn"])
    explained = explain(scenario, result.runs_table(), drawn, given)
    assert explained.kept == int(at_02.sum())
    row = explained.table.set_index("input").loc["actors.B.position.scope"]
    assert row["posterior_mean"] == 0.2 and row["posterior_sd"] == 0.0
    # prior CDF at 0.2 is the share of runs at 0.2; the posterior's is 1
    assert row["ks_distance"] == pytest.approx(1.0 - at_02.mean())
    assert not row["within_noise"]
    assert explained.table["input"].iloc[0] == "actors.B.position.scope"  # most informed
    other = explained.table.set_index("input").loc["actors.A.salience.scope"]
    assert other["ks_distance"] < noise_distance(400, explained.kept)  # not informed
    assert other["within_noise"]
    # the same from explain_ensemble
    again = explain_ensemble(scenario, given, runs=400, seed=3, jobs=1)
    assert again.table.equals(explained.table)


def test_explain_from_a_results_folder_and_from_the_scenario_agree(trio, tmp_path, capsys,
                                                                   write_yaml):
    two_worlds(trio)
    path = write_yaml(trio)
    out = tmp_path / "run"
    code, _, _ = run_cli(capsys, "run", str(path), "--runs", "300", "--jobs", "1",
                         "--no-charts", "--out", str(out))
    assert code == 0
    code, from_folder, _ = run_cli(capsys, "explain", str(out), "--given", "outcome=withdrawn",
                                   "--json")
    assert code == 0
    code, from_scenario, _ = run_cli(capsys, "explain", str(path), "--given",
                                     "outcome=withdrawn", "--runs", "300", "--jobs", "1",
                                     "--json", "--out", str(tmp_path / "ex"))
    assert code == 0
    a, b = json.loads(from_folder), json.loads(from_scenario)
    assert a["kept"] == b["kept"] and [r["input"] for r in a["inputs"]] == \
        [r["input"] for r in b["inputs"]]
    np.testing.assert_allclose([r["posterior_mean"] for r in a["inputs"]],
                               [r["posterior_mean"] for r in b["inputs"]], atol=1e-6)
    assert (tmp_path / "ex" / "explain.png").exists()
    # a folder's runs are fixed: --runs, --seed and --jobs would be ignored, so they are refused
    code, _, err = run_cli(capsys, "explain", str(out), "--given", "outcome=withdrawn",
                           "--runs", "50", "--seed", "3")
    assert code == 2 and "--runs, --seed apply only to a scenario" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("given", "message"), [
    ("outcome=vetoed", "unknown outcome 'vetoed'"),
    ("final.scope=most", "unknown level 'most' of scope"),
    ("final.patrols=none", "unknown dimension 'patrols'"),
    ("rounds=2", "unknown observation"),
    ("outcome", "expected KEY=VALUE"),
    ("outcome=deadlocked", "no run of 50 shows this"),
])
def test_bad_observations_are_one_line(trio, write_yaml, capsys, given, message):
    two_worlds(trio)
    code, _, err = run_cli(capsys, "explain", str(write_yaml(trio)), "--given", given,
                           "--runs", "50", "--jobs", "1")
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def headquarters_with_doubt():
    # headquarters_data: B, at salience 1 on hq, makes the chair drop the headquarters
    # and table (0.4, 0). Below a salience of about 0.04 B accepts (0.4, 1): the
    # headquarters stays. Observing it kept ("as proposed", runs.csv's label_hq)
    # reveals a B that cares little about it.
    data = headquarters_data()
    data["uncertainty"] = {"fields": {
        "actors.B.salience.hq": {"dist": "uniform", "low": 0.0, "high": 0.08},
        "actors.A.salience.scope": {"dist": "uniform", "low": 0.5, "high": 1.0}}}
    return data


def test_a_yes_no_dimension_is_observed_by_the_labels_runs_csv_shows(tmp_path, capsys,
                                                                      write_yaml):
    path = write_yaml(headquarters_with_doubt())
    out = tmp_path / "run"
    code, _, _ = run_cli(capsys, "run", str(path), "--runs", "300", "--jobs", "1",
                         "--no-charts", "--out", str(out))
    assert code == 0
    table = pd.read_csv(out / "runs.csv", keep_default_na=False)
    drawn = pd.read_parquet(out / "drawn.parquet")
    shown = table["label_hq"] == "as proposed"
    assert set(table["label_hq"]) == set(BINARY_LABELS) and 0 < shown.sum() < len(table)
    for source, options in ((str(out), ()), (str(path), ("--runs", "300", "--jobs", "1"))):
        code, stdout, err = run_cli(capsys, "explain", source, "--given", "final.hq=as proposed",
                                    *options, "--json")
        assert code == 0, err
        result = json.loads(stdout)
        assert result["kept"] == int(shown.sum())
        first = result["inputs"][0]
        assert first["input"] == "actors.B.salience.hq"
        assert first["posterior_mean"] == pytest.approx(
            drawn.loc[shown, "actors.B.salience.hq"].mean(), abs=1e-6)
        assert first["posterior_mean"] < first["prior_mean"] and not first["within_noise"]
    # the other label, and the numeric window on the continuous dimension, still hold
    scenario = scenario_from_dict(headquarters_with_doubt())
    dropped = parse_given(scenario, ["final.hq=status quo (dropped)", "final.scope=0.4"])
    assert explain(scenario, table, drawn, dropped).kept == int(
        (~shown & ((table["final_scope"] - 0.4).abs() <= 0.05)).sum())
    # without the label column (computed from the final texts) the same runs are kept
    given = parse_given(scenario, ["final.hq=as proposed"])
    assert explain(scenario, table.drop(columns="label_hq"), drawn, given).kept == shown.sum()


def test_a_yes_no_dimension_takes_only_its_two_labels(write_yaml, capsys):
    path = write_yaml(headquarters_with_doubt())
    code, _, err = run_cli(capsys, "explain", str(path), "--given", "final.hq=1", "--runs",
                           "20", "--jobs", "1")
    assert code == 2
    assert "unknown level '1' of hq" in err and repr(BINARY_LABELS[1]) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_corrupt_manifest_is_one_line(trio, tmp_path, capsys, write_yaml):
    two_worlds(trio)
    out = tmp_path / "run"
    code, _, _ = run_cli(capsys, "run", str(write_yaml(trio)), "--runs", "20", "--jobs", "1",
                         "--no-charts", "--out", str(out))
    assert code == 0
    (out / "manifest.json").write_text('{"kind": "run", ')
    code, _, err = run_cli(capsys, "explain", str(out), "--given", "outcome=withdrawn")
    assert code == 2
    assert "manifest.json" in err and "not valid JSON" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_run_without_uncertain_inputs_says_so(tmp_path, capsys, write_yaml):
    out = tmp_path / "run"
    code, _, _ = run_cli(capsys, "run", str(write_yaml(headquarters_data())), "--runs", "5",
                         "--jobs", "1", "--no-charts", "--out", str(out))
    assert code == 0 and not (out / "drawn.parquet").exists()
    code, _, err = run_cli(capsys, "explain", str(out), "--given", "outcome=adopted_amended")
    assert code == 2
    assert "nothing is declared uncertain" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
