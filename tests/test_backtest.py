"""`consensus-sim backtest`: the simulation scored against what happened, by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from consensus_sim import scenario_from_dict
from consensus_sim.backtest import backtest, cases, same_text, score_case

from .conftest import headquarters_data, run_cli


def trio_case(trio, outcome, text=None):
    # The trio ends adopted_amended at x = 0.4 in every run (no uncertainty).
    trio["id"] = f"trio_{outcome}"
    trio["sources"] = [{"id": "record", "citation": "A record of the decision"}]
    trio["history"] = {"decided": "2020-01-31", "outcome": outcome, "inputs_fixed": "2026-11-30",
                       "sources": ["record"], **({"text": text} if text else {})}
    return trio


def test_a_case_the_model_gets_right_scores_by_hand(trio):
    score = score_case(scenario_from_dict(trio_case(trio, "adopted_amended", {"scope": 0.45})),
                       runs=10, seed=0, jobs=1)
    assert score.shares["adopted_amended"] == 1.0
    assert (score.p_outcome, score.p_text, score.modal, score.hit) == (1.0, 1.0,
                                                                       "adopted_amended", True)
    assert score.brier == 0.0
    # Jeffreys-smoothed share of the real class over the four classes the trio can end
    # in (no side payments, no postponement, no rivals): (10 + 1/2) / (10 + 4/2)
    assert score.log_score == pytest.approx(-math.log(10.5 / 12.0))
    assert set(score.classic) == {"median", "compromise", "nash", "expected_utility", "exchange"}
    assert all(isinstance(hit, bool) for hit in score.classic.values())


def test_a_case_the_model_gets_wrong_scores_by_hand(trio):
    score = score_case(scenario_from_dict(trio_case(trio, "withdrawn")), runs=10, seed=0, jobs=1)
    assert (score.p_outcome, score.p_text, score.hit) == (0.0, None, False)
    # every run adopted_amended, none withdrawn: (1 - 0)^2 + (0 - 1)^2
    assert score.brier == pytest.approx(2.0)
    assert score.log_score == pytest.approx(math.log(24.0))  # -ln(0.5 / 12)
    assert set(score.classic.values()) == {None}  # no text to forecast


def test_texts_match_by_nearest_level_or_within_the_tolerance(trio):
    s = scenario_from_dict(trio)  # levels 0, 0.5, 1
    texts = np.array([[0.3], [0.74], [0.76], [0.2]])
    assert same_text(s, texts, np.array([0.5])).tolist() == [True, True, False, False]
    trio["dimensions"][0].pop("levels")
    s = scenario_from_dict(trio)
    assert same_text(s, texts, np.array([0.25])).tolist() == [True, False, False, True]


def test_a_yes_no_dimension_matches_by_its_answer_not_by_the_tolerance():
    s = scenario_from_dict(headquarters_data())  # scope: no levels; hq: yes/no, 0 or 1
    texts = np.array([[0.4, 1.0], [0.4, 0.0], [0.5, 1.0]])
    # a real text recorded off the two values is read as its nearer answer
    assert same_text(s, texts, np.array([0.42, 0.8])).tolist() == [True, False, False]
    assert same_text(s, texts, np.array([0.42, 0.2])).tolist() == [False, True, False]


def two_cases(trio, tmp_path):
    """A folder of two trio cases: one adopted with a scope change at 0.4, one withdrawn."""
    folder = tmp_path / "cases"
    folder.mkdir()
    for outcome in ("adopted_amended", "withdrawn"):
        data = trio_case(json.loads(json.dumps(trio)), outcome,
                         {"scope": 0.4} if outcome == "adopted_amended" else None)
        (folder / f"{data['id']}.yaml").write_text(yaml.safe_dump(data))
    return folder


def test_backtest_command_loads_each_case_once(trio, tmp_path, capsys, monkeypatch):
    import consensus_sim.backtest as backtest_module
    import consensus_sim.scenario as scenario_module

    folder = two_cases(trio, tmp_path)
    loaded = []
    real_load = scenario_module.load_scenario

    def counting(path, *args, **kwargs):
        loaded.append(Path(path).name)
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(scenario_module, "load_scenario", counting)
    monkeypatch.setattr(backtest_module, "load_scenario", counting)
    code, _, _ = run_cli(capsys, "backtest", str(folder), "--runs", "5", "--jobs", "1")
    assert code == 0
    assert sorted(loaded) == ["trio_adopted_amended.yaml", "trio_withdrawn.yaml"]


def test_backtest_of_a_folder_with_a_bad_file_is_one_line(trio, tmp_path, capsys):
    folder = tmp_path / "cases"
    folder.mkdir()
    data = trio_case(trio, "withdrawn")
    (folder / "good.yaml").write_text(yaml.safe_dump(data))
    data["history"]["outcome"] = "vetoed"
    (folder / "bad.yaml").write_text(yaml.safe_dump(data))
    code, _, err = run_cli(capsys, "backtest", str(folder), "--runs", "5", "--jobs", "1")
    assert code == 2
    assert "bad.yaml" in err and "vetoed" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_backtest_command_runs_a_folder_and_writes_its_scores(trio, tmp_path, capsys):
    folder = two_cases(trio, tmp_path)
    (folder / "no_history.yaml").write_text(yaml.safe_dump(trio))  # not a case: skipped
    assert [p.stem for p in cases(folder)] == ["trio_adopted_amended", "trio_withdrawn"]
    out = tmp_path / "out"
    code, stdout, _ = run_cli(capsys, "backtest", str(folder), "--runs", "10", "--jobs", "1",
                              "--json", "--out", str(out))
    assert code == 0
    report = json.loads(stdout)
    assert report == json.loads((out / "backtest.json").read_text())
    assert report["summary"]["cases"] == 2 and report["summary"]["hits"] == 1
    assert report["summary"]["mean_brier"] == pytest.approx(1.0)
    assert (out / "backtest.csv").exists() and (out / "backtest.png").exists()
    assert backtest(folder, runs=10, jobs=1).to_dict() == report


def test_backtest_of_a_folder_without_cases_is_one_line(tmp_path, capsys):
    code, _, err = run_cli(capsys, "backtest", str(tmp_path), "--runs", "5")
    assert code == 2
    assert "no scenario file with a `history` section" in err and "Traceback" not in err


def test_every_case_of_the_library_records_what_happened_and_scores():
    # The closed list: eight historical cases plus the bundled Tokyo and Nordic files.
    from consensus_sim.backtest import history_folder

    paths = cases()
    assert len(paths) == 10
    assert len(list(history_folder().glob("*.yaml"))) == 8
    result = backtest(runs=8, jobs=1)
    for score in result.scores:
        assert sum(score.shares.values()) == pytest.approx(1.0)
        assert 0.0 <= score.brier <= 2.0
    assert {s.case for s in result.scores} >= {"nato_tokyo_office", "nato_nordic_accession"}
