"""`consensus-sim run` streams its runs to disk; `--rounds` records every round."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from consensus_sim import load_scenario, run_ensemble
from consensus_sim.ensemble import replay

from .conftest import run_cli


def test_run_streams_the_same_table_and_summary_as_the_library(capsys, tmp_path):
    code, _, _ = run_cli(capsys, "run", "classroom_trio", "--runs", "40", "--seed", "2",
                         "--no-charts", "--rounds", "--out", str(tmp_path), "--jobs", "1")
    assert code == 0
    result = run_ensemble(load_scenario("classroom_trio"), runs=40, seed=2, jobs=1)
    summary = json.loads((tmp_path / "summary.json").read_text())
    summary.pop("command")
    assert summary == result.summary()
    table = pd.read_csv(tmp_path / "runs.csv")
    assert table["outcome"].tolist() == result.runs_table()["outcome"].tolist()
    assert not list(tmp_path.glob("*.partial"))


def test_rounds_records_each_members_response_and_loss(capsys, tmp_path):
    code, _, _ = run_cli(capsys, "run", "classroom_trio", "--runs", "5", "--no-charts",
                         "--rounds", "--out", str(tmp_path), "--jobs", "1")
    assert code == 0
    rounds = pd.read_parquet(tmp_path / "rounds.parquet")
    result = run_ensemble(load_scenario("classroom_trio"), runs=5, seed=0, jobs=1)
    for i in range(5):
        run = replay(result, i)
        mine = rounds[rounds["run"] == i]
        assert len(mine) == run.rounds * 3  # one row per round and member
        np.testing.assert_allclose(mine["loss"], run.losses.ravel())
        assert mine["response"].tolist() == [
            {1: "support", 0: "abstain", -1: "object"}[c] for c in run.responses.ravel()]
