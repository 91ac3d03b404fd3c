"""`predict` and `import`: the classic models beside the simulation, from the command line."""

from __future__ import annotations

import json

import pytest

from consensus_sim import load_scenario
from consensus_sim.plots import models_chart
from consensus_sim.predict import predict

from .conftest import run_cli


def test_predict_reports_every_model_on_the_original_scale():
    prediction = predict("eu_emissions_1994", runs=60, seed=0, jobs=1)
    table = prediction.table.set_index("model")["delay"]
    # Bueno de Mesquita 1994 / Scholz, Calbert & Smith 2011: compromise 7.39, median 7.0
    assert table["compromise"] == pytest.approx(7.38996, abs=1e-4)
    assert table["median"] == pytest.approx(7.0)
    assert list(table.index) == ["median", "compromise", "nash", "expected_utility", "exchange",
                                 "simulation (modal adopted)", "simulation (mean adopted)"]
    adopted = prediction.ensemble.final[prediction.ensemble.adopted, 0]
    assert table["simulation (mean adopted)"] == pytest.approx(4 + 6 * adopted.mean())
    assert 4 <= table["simulation (modal adopted)"] <= 10


def test_predict_cli_json_and_chart(tmp_path, capsys):
    code, out, err = run_cli(capsys, "predict", "eu_emissions_1994", "--runs", "40", "--jobs",
                             "1", "--json", "--out", str(tmp_path))
    assert code == 0, err
    data = json.loads(out)
    assert [row["model"] for row in data["forecasts"]][:2] == ["median", "compromise"]
    assert (tmp_path / "models_delay.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "predictions.csv").read_text().startswith("model,delay")


def test_models_chart_places_each_model_at_its_forecast():
    prediction = predict("eu_emissions_1994", runs=30, seed=1, jobs=1)
    fig = models_chart(prediction)
    ax = fig.axes[0]
    classic = ax.collections[0].get_offsets()[:, 0]
    assert classic.tolist() == pytest.approx(prediction.table["delay"].to_numpy()[:5].tolist())


def test_predict_on_a_scenario_where_nothing_is_adopted(capsys):
    code, out, _ = run_cli(capsys, "predict", "unsc_resolution", "--runs", "20", "--jobs", "1")
    assert code == 0 and "simulation (modal adopted)" in out


def test_import_decide_and_bdm_csv(tmp_path, capsys):
    decide = tmp_path / "case.tsv"
    decide.write_text("#A\tA1\tAlpha\n#A\tB2\tBeta\n#P\ttax\tTax rate\n"
                      "#D\tA1\ttax\t20\t50\t3\n#D\tB2\ttax\t60\t80\t1\n")
    out = tmp_path / "case.yaml"
    code, _printed, err = run_cli(capsys, "import", str(decide), "--from", "decide", "-o", str(out))
    assert code == 0, err
    scenario = load_scenario(out)
    assert scenario.dimensions[0].scale.min == 20 and scenario.dimensions[0].scale.max == 60
    assert {a.name for a in scenario.actors} == {"Alpha", "Beta"}
    csv = tmp_path / "bdm.csv"
    csv.write_text("Actor,Capability,Position,Salience\nNorth,40,10,90\nSouth,60,90,40\n")
    code, _, err = run_cli(capsys, "import", str(csv), "--from", "bdm-csv", "-o",
                           str(tmp_path / "bdm.yaml"))
    assert code == 0, err
    bad = tmp_path / "bad.csv"
    bad.write_text("Actor,Capability,Position,Salience\nNorth,forty,10,90\n")
    code, _, err = run_cli(capsys, "import", str(bad), "--from", "bdm-csv", "-o",
                           str(tmp_path / "x.yaml"))
    assert code == 2 and err.count("\n") == 1 and "line 2" in err


def test_predict_json_gives_the_expected_utility_model_per_round(capsys):
    # The weighted median and mean of each round on the emission case (years; round 0
    # is the input), as the replication of Scholz's code prints them
    # (tests/test_expected_utility.py, REPLICATION).
    from .test_expected_utility import REPLICATION

    code, out, err = run_cli(capsys, "predict", "eu_emissions_1994", "--runs", "20", "--jobs",
                             "1", "--json")
    assert code == 0, err
    data = json.loads(out)
    rounds = data["expected_utility_rounds"]["delay"]
    assert rounds["median"] == pytest.approx([m for m, _ in REPLICATION], abs=1e-4)
    assert rounds["mean"] == pytest.approx([m for _, m in REPLICATION], abs=1e-4)
    forecast = next(row for row in data["forecasts"] if row["model"] == "expected_utility")
    assert forecast["delay"] == rounds["median"][-1]
