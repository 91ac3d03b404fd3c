"""Global sensitivity with SALib, on a case whose answer is known."""

from __future__ import annotations

import pandas as pd
import pytest

from consensus_sim import ScenarioError
from consensus_sim.cli import main
from consensus_sim.sensitivity import sensitivity

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
    assert list(result.indices.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert table.loc["actors.A.capability", "ST"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc["actors.C.salience.scope", "ST"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc["actors.C.position.scope", "ST"] > 0.9
    assert len(result.values) == 32 * (3 + 2)  # Saltelli's N (k + 2) sample rows


def test_morris_agrees():
    result = sensitivity(TRIO, PARAMS, method="morris", samples=10, metric="mean_scope", runs=2,
                         seed=2)
    table = result.indices.set_index("parameter")
    assert table.loc["actors.A.capability", "mu_star"] == 0.0
    assert table.loc["actors.C.position.scope", "mu_star"] > 0.1


def test_sensitivity_cli_writes_indices_and_a_chart(tmp_path, capsys):
    out = tmp_path / "s"
    with pytest.raises(SystemExit) as info:
        main(["sensitivity", TRIO, "--param", "actors.A.capability=0..1", "--param",
              "actors.C.position.scope=0..0.5", "--samples", "8", "--runs", "2", "--jobs", "1",
              "--metric", "mean_rounds", "--out", str(out)])
    assert info.value.code == 0, capsys.readouterr().err
    indices = pd.read_csv(out / "sensitivity.csv")
    assert indices["parameter"].tolist() == ["actors.A.capability", "actors.C.position.scope"]
    assert (out / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
    assert "sobol sensitivity of mean_rounds" in capsys.readouterr().out


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


def test_seed_zero_gives_the_same_intervals_every_time():
    params = {"actors.C.position.scope": "0..0.5", "actors.C.tolerance": "0..0.3"}
    one, two = (sensitivity(TRIO, params, method="sobol", samples=8, metric="mean_scope",
                            runs=2, seed=0).indices for _ in range(2))
    pd.testing.assert_frame_equal(one, two)
