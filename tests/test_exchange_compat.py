"""The exchange model in DECIDE's mode reproduces decide-exchange-model, round by round.

The reference numbers in tests/data/decide/reference.json were made once by running
decide-exchange-model 2025.3.1 (deterministic mode) on our own DECIDE-format files in
that folder; the file records how (tests/data/decide/make_reference.py).
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from consensus_sim import scenario_from_dict
from consensus_sim.bargaining import exchange
from consensus_sim.importers import import_decide
from consensus_sim.predict import predict

from .conftest import DATA, run_cli

FOLDER = DATA / "decide"
REFERENCE = json.loads((FOLDER / "reference.json").read_text())
CASES = sorted(REFERENCE["cases"])


def imported(name: str):
    return scenario_from_dict(import_decide(FOLDER / name))


def test_the_reference_says_where_it_comes_from():
    made = REFERENCE["provenance"]
    assert made["package"] == "decide-exchange-model 2025.3.1"
    assert made["python"].startswith("3.13") and "ALLOW_RANDOM = False" in made["mode"]
    assert "decide.cli" in made["command"] and made["date"]
    assert CASES == ["council.csv", "twins.csv"]


@pytest.mark.parametrize("name", CASES)
def test_decide_mode_matches_decide_per_issue_and_round(name):
    scenario = imported(name)
    reference = REFERENCE["cases"][name]
    result = exchange(scenario, compat="decide", max_rounds=10)
    ours = result.detail["rounds_outcomes"]
    assert set(reference) == set(scenario.dimension_ids)
    for issue, rounds in reference.items():
        for k, expected in enumerate(rounds):
            # after a round without exchange, DECIDE repeats it; ours stops there
            got = ours[min(k, len(ours) - 1)]
            for when in ("start", "voting"):
                assert 100 * got[when][issue] == pytest.approx(expected[when], abs=1e-6), (
                    issue, k + 1, when)
    # the forecast is DECIDE's outcome on the voting positions of the last round
    last = [rounds[-1]["voting"] / 100 for rounds in
            (reference[d] for d in scenario.dimension_ids)]
    np.testing.assert_allclose(result.position, last, atol=1e-8)


def test_the_larger_file_has_ten_actors_five_issues_and_gaps():
    scenario = imported("council.csv")
    assert len(scenario.actors) >= 10 and len(scenario.dimensions) >= 5
    assert (scenario.arrays.salience == 0).sum() == 2  # two actors without data on an issue
    rounds = exchange(scenario, compat="decide").detail["rounds"]
    assert rounds == 10  # it trades in every round: the test covers all ten


def test_the_twins_file_has_exact_ties_in_gain():
    result = exchange(imported("twins.csv"), compat="decide")
    gains = [e["gain"] for e in result.detail["exchanges"] if e["round"] == 1]
    # twins make the same exchanges with the same partners: equal gains, back to back
    assert any(a == b for a, b in itertools.pairwise(gains))


def test_decide_mode_differs_from_the_default_rules():
    scenario = imported("council.csv")
    default, decide = exchange(scenario), exchange(scenario, compat="decide")
    assert decide.detail["compat"].startswith("decide-exchange-model 2025.3.1")
    assert np.abs(default.position - decide.position).max() > 0.01


def test_decide_mode_rejects_what_decide_cannot_do():
    scenario = imported("twins.csv")
    with pytest.raises(ValueError, match="compat must be None or 'decide'"):
        exchange(scenario, compat="stokman")
    with pytest.raises(ValueError, match="tie_break must be 'input'"):
        exchange(scenario, compat="decide", tie_break="random", seed=1)
    with pytest.raises(ValueError, match="max_rounds must be at least 1"):
        exchange(scenario, compat="decide", max_rounds=0)


def test_predict_passes_compat_to_the_exchange_model(tmp_path, capsys):
    scenario = imported("twins.csv")
    table = predict(scenario, runs=2, seed=0, jobs=1, compat="decide").table.set_index("model")
    expected = exchange(scenario, compat="decide").on_scale(scenario)
    np.testing.assert_allclose(table.loc["exchange"].to_numpy(dtype=float), expected)
    out = tmp_path / "twins.yaml"
    code, _, err = run_cli(capsys, "import", str(FOLDER / "twins.csv"), "--from", "decide",
                           "-o", str(out))
    assert code == 0, err
    code, printed, err = run_cli(capsys, "predict", str(out), "--compat", "decide", "--runs",
                                 "2", "--jobs", "1")
    assert code == 0, err
    assert "exchange: DECIDE's rules" in printed
    row = next(line for line in printed.splitlines() if line.split()[0] == "exchange")
    np.testing.assert_allclose([float(v) for v in row.split()[1:]], expected, atol=5e-4)
    code, _, err = run_cli(capsys, "predict", str(out), "--compat", "stokman")
    assert code == 2 and "stokman" in err
