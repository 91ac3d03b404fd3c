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


def test_csv_cells_are_written_as_the_csv_module_writes_them():
    import csv
    import io

    from consensus_sim.ensemble import _cells

    texts = ["plain", "with, comma", 'with "quotes"', "two\nlines", "", "a;b", "ünï"]
    numbers = [0.333333333, 1.0, 2.5e-7, 0.1234565, 12.0]
    for column in (np.array(texts, dtype=object), np.array(numbers), np.array([3, 1, 3])):
        # (a lone empty field is written as "" by the csv module, in a row of several
        # as nothing: compare rows of two cells)
        rows = [",".join([cell, "x"]) for cell in _cells(column)]
        reference = io.StringIO()
        csv.writer(reference, lineterminator="\n").writerows(
            [[f"{v:.6f}" if isinstance(v, float) else v, "x"] for v in column.tolist()])
        assert "\n".join(rows) + "\n" == reference.getvalue()


def test_run_writes_the_same_bytes_serially_and_with_workers(capsys, tmp_path):
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        code, _, _ = run_cli(capsys, "run", "nato_tokyo_office", "--runs", "1100",
                             "--no-charts", "--out", str(out), "--jobs", jobs)
        assert code == 0
        outputs.append(out)
    serial, parallel = outputs
    assert (serial / "runs.csv").read_bytes() == (parallel / "runs.csv").read_bytes()
    drawn = [pd.read_parquet(out / "drawn.parquet") for out in outputs]
    pd.testing.assert_frame_equal(*drawn)
    assert len(drawn[0]) == 1100 and drawn[0]["run"].tolist() == list(range(1100))
