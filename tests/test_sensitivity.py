"""Global sensitivity with SALib, on a case whose answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from consensus_sim import ScenarioError
from consensus_sim.cli import main
from consensus_sim.sensitivity import sensitivity, within_noise

from .conftest import DATA

TRIO = str(DATA / "trio.yaml")
# The trio has no noise: the final scope is a function of C's position alone.
# A's capability enters no rule, and C's salience on the only dimension cancels out
# of the minimal concession, so both must get indices of (exactly) zero.
PARAMS = {"actors.A.capability": "0..1", "actors.C.position.scope": "0..0.5",
          "actors.C.salience.scope": "0.2..1"}


def test_sobol_finds_the_only_parameter_that_matters():
    result = sensitivity(TRIO, PARAMS, method="sobol", samples=32, metric="mean_scope", runs=3,
                         seed=1)
    table = result.indices.set_index("parameter")
    assert list(result.indices.columns) == ["parameter", "S1", "S1_conf", "S1_within_noise",
                                            "ST", "ST_conf", "ST_within_noise"]
    assert table.loc["actors.A.capability", "ST"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc["actors.C.salience.scope", "ST"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc["actors.C.position.scope", "ST"] > 0.9
    assert len(result.values) == 32 * (3 + 2)  # Saltelli's N (k + 2) sample rows


def test_morris_agrees():
    result = sensitivity(TRIO, PARAMS, method="morris", samples=10, metric="mean_scope", runs=2,
                         seed=2)
    table = result.indices.set_index("parameter")
    assert list(result.indices.columns) == ["parameter", "mu_star", "mu_star_conf",
                                            "mu_star_within_noise", "sigma", "mu"]
    assert table.loc["actors.A.capability", "mu_star"] == 0.0
    assert table.loc["actors.A.capability", "mu_star_within_noise"]
    assert table.loc["actors.C.position.scope", "mu_star"] > 0.1
    assert not table.loc["actors.C.position.scope", "mu_star_within_noise"]


def test_tokyo_an_ignored_parameter_is_within_noise_and_one_that_matters_is_not():
    """China's capability enters no rule of the Tokyo scenario; France's salience
    decides whether France blocks. With common random numbers every sample row meets
    the same draws, so the ignored parameter's ST is exactly 0 (with per-point
    streams it would pick up the runs' noise)."""
    result = sensitivity("nato_tokyo_office", {"actors.CHN.capability": "0..1",
                                               "actors.FRA.salience.office": "0.2..1.0"},
                         method="sobol", samples=16, metric="p_adopted", runs=16, seed=1)
    table = result.indices.set_index("parameter")
    ignored, matters = table.loc["actors.CHN.capability"], table.loc["actors.FRA.salience.office"]
    assert ignored["ST"] == 0.0 and ignored["S1"] == 0.0
    assert ignored["ST_within_noise"] and abs(ignored["ST"]) <= ignored["ST_conf"]
    assert not matters["ST_within_noise"] and matters["ST"] > matters["ST_conf"] > 0


def test_within_noise_is_the_interval_including_zero():
    flags = within_noise(np.array([0.0, 0.05, -0.02, 0.3, -0.5, np.nan]),
                         np.array([0.0, 0.1, 0.01, 0.1, 0.6, 0.1]))
    assert flags.tolist() == [True, True, False, False, True, True]


def test_sensitivity_cli_writes_indices_and_a_chart(tmp_path, capsys):
    out = tmp_path / "s"
    with pytest.raises(SystemExit) as info:
        main(["sensitivity", TRIO, "--param", "actors.A.capability=0..1", "--param",
              "actors.C.position.scope=0..0.5", "--samples", "8", "--runs", "2", "--jobs", "1",
              "--metric", "mean_scope", "--out", str(out)])
    assert info.value.code == 0, capsys.readouterr().err
    indices = pd.read_csv(out / "sensitivity.csv")
    assert indices["parameter"].tolist() == ["actors.A.capability", "actors.C.position.scope"]
    assert indices["ST_within_noise"].tolist() == [True, False]
    assert indices["S1_within_noise"].dtype == bool
    assert (out / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
    printed = capsys.readouterr().out
    assert "sobol sensitivity of mean_scope" in printed
    lines = {line.split()[0]: line for line in printed.splitlines() if line.startswith("actors.")}
    assert lines["actors.A.capability"].count("~") == 2  # S1 and ST within noise
    assert "~" not in lines["actors.C.position.scope"]
    assert "~ within Monte Carlo noise: the 95% interval includes 0" in printed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": 30}, "must be a power of 2 for sobol"),
        ({"metric": "happiness"}, "unknown metric"),
        ({"params": {"actors.C.position.scope": "0,0.5"}}, "needs a range lo..hi"),
    ],
)
def test_bad_sensitivity_input(kwargs, message):
    args = {"params": PARAMS, "samples": 8, **kwargs}
    with pytest.raises(ScenarioError, match=message):
        sensitivity(TRIO, **args)


def test_a_metric_that_never_varies_gets_zero_indices():
    result = sensitivity(TRIO, {"actors.A.capability": "0..1"}, method="sobol", samples=8,
                         metric="p_adopted", runs=2, seed=0)
    assert (result.indices[["S1", "ST"]] == 0).all().all()
    assert result.indices[["S1_within_noise", "ST_within_noise"]].all().all()


def test_seed_zero_gives_the_same_intervals_every_time():
    params = {"actors.C.position.scope": "0..0.5", "actors.C.tolerance": "0..0.3"}
    one, two = (sensitivity(TRIO, params, method="sobol", samples=8, metric="mean_scope",
                            runs=2, seed=0).indices for _ in range(2))
    pd.testing.assert_frame_equal(one, two)


def test_a_range_outside_what_its_field_allows_blames_the_range_given(capsys, tmp_path):
    from .conftest import run_cli

    code, _, err = run_cli(capsys, "sensitivity", str(DATA / "trio.yaml"), "--param",
                           "actors.C.tolerance=-1..0.5", "--samples", "4", "--runs", "2",
                           "--jobs", "1", "--out", str(tmp_path / "s"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("--param: actors.C.tolerance=-1..0.5: its end -1 is not allowed: "
                          "actors[C].tolerance:"), err
    assert "--vary" not in err and not (tmp_path / "s").exists()
