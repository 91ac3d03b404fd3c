"""Sweeps: specs, paths, designs, seeds, executors, streaming and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from consensus_sim import ScenarioError, load_scenario, scenario_from_dict
from consensus_sim.cli import main
from consensus_sim.ensemble import run_ensemble
from consensus_sim.store import SweepSpec, run_sweep
from consensus_sim.sweep import (
    design_points,
    parameter,
    parse_parameter,
    sweep,
    with_values,
)

from .conftest import DATA

TRIO = str(DATA / "trio.yaml")


def noisy_trio():
    from consensus_sim import scenario_from_dict

    from .conftest import trio_data

    data = trio_data()
    data["uncertainty"] = {"position_sd": 0.15}
    return scenario_from_dict(data)


@pytest.mark.parametrize(
    ("text", "values", "bounds"),
    [
        ("a.b=0:1:3", (0.0, 0.5, 1.0), None),
        ("a.b=0.1,0.2", (0.1, 0.2), None),
        ("proposal.concession=minimal,ladder", ("minimal", "ladder"), None),
        ("max_rounds=2,5", (2, 5), None),
        ("a.b=0..0.5", None, (0.0, 0.5)),
    ],
)
def test_specs(text, values, bounds):
    p = parse_parameter(text)
    assert p.values == values and p.bounds == bounds


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a.b", "expected PATH=SPEC"),
        ("a.b=0.5..0.1", "range '0.5..0.1' is empty"),
        ("a.b=0:1:0", "asks for 0 values"),
        ("a.b=1,,2", "empty value"),
    ],
)
def test_bad_specs_are_one_line_errors(text, problem):
    with pytest.raises(ScenarioError, match=problem):
        parse_parameter(text)


def test_paths_address_actors_by_id_and_create_overrides():
    s = load_scenario(TRIO)
    t = with_values(s, {"actors.C.salience.scope": 0.3, "defaults.tolerance": 0.1,
                        "rule.type": "unanimity", "proposal.concession": "split"})
    assert t.arrays.salience[2, 0] == 0.3 and t.arrays.tolerance.tolist()[:3] == [0.1] * 3
    assert t.rule.type == "unanimity" and t.proposal.concession == "split"
    assert s.arrays.salience[2, 0] == 1.0  # the base is untouched


def test_setting_a_field_declared_uncertain_replaces_its_declaration():
    """A declaration under uncertainty.fields replaces the stated value, so setting the
    stated value alone would change nothing; setting the field drops its declaration."""
    data = load_scenario(TRIO).model_dump(mode="json", exclude_none=True)
    data["uncertainty"] = {"fields": {
        "actors.C.position.scope": {"dist": "discrete", "values": [0.1, 0.3]},
        "actors.C.salience.scope": {"dist": "uniform", "low": 0.5, "high": 1.0},
        "actors.B.position.scope": {"dist": "uniform", "low": 0.6, "high": 1.0}}}
    s = scenario_from_dict(data)
    assert {u.path for u in s.uncertain} == set(data["uncertainty"]["fields"])
    t = with_values(s, {"actors.C.position.scope": 0.9})
    # C's position is now fixed at 0.9 (the trio has no shorthand noise); the other
    # declarations stay
    assert {u.path for u in t.uncertain} == {"actors.C.salience.scope",
                                             "actors.B.position.scope"}
    assert t.arrays.position[2, 0] == 0.9
    # C at 0.9 supports the proposal 1 (loss 0.01 - 0.81 < 0): every run adopts it as is
    assert set(run_ensemble(t, runs=20, seed=1, jobs=1).runs_table()["outcome"]) == {
        "adopted"}
    # setting a whole section drops the declarations of the fields inside it
    u = with_values(s, {"actors.C.position": {"scope": 0.9}})
    assert "actors.C.position.scope" not in {x.path for x in u.uncertain}
    assert len(s.uncertain) == 3  # the base is untouched


def test_varying_frances_declared_position_moves_the_tokyo_runs():
    """nato_tokyo_office declares France's position uncertain; a sweep over it still
    varies it. France at 0 accepts no office (its loss from the smallest, 0.8 * 0.33^2
    = 0.087, is three times its threshold 0.03); at 0.3 it accepts the small office."""
    table = sweep(TOKYO, {"actors.FRA.position.office": [0.0, 0.3]}, runs=100, seed=7)
    adopted = table.groupby("actors.FRA.position.office")["outcome"].apply(
        lambda o: o.str.startswith("adopted").mean())
    assert adopted[0.0] == 0.0 and adopted[0.3] > 0.9


@pytest.mark.parametrize(
    ("assignments", "message"),
    [
        ({"actors.FRA.salience.scope": 0.5}, "unknown id 'FRA' in actors; allowed: A, B, C, CHAIR"),
        ({"actors.C.salience.budget": 0.5}, "actors[C].salience.budget: unknown dimension"),
        ({"actors.C.salience.scope": -1}, "greater than or equal to 0"),
        ({"proposal.concession": "bribe"}, "proposal.concession: Input should be 'minimal'"),
        ({"actors.C": 1}, "actors is a list: name an item by its id"),
    ],
)
def test_bad_paths_and_values_name_the_field(assignments, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        with_values(load_scenario(TRIO), assignments)


def test_every_point_is_checked_before_any_run(tmp_path):
    with pytest.raises(ScenarioError, match=r"Input should be less than or equal to 1"):
        SweepSpec.create(TRIO, {"actors.C.position.scope": "0:1.5:4"}, runs=5)


def test_grid_and_lhs_designs():
    a, b = parameter("x", "0:1:3"), parameter("y", "p,q")
    grid = design_points([a, b])
    assert len(grid) == 6 and grid[0] == {"x": 0.0, "y": "p"} and grid[-1] == {"x": 1.0, "y": "q"}
    lhs = design_points([parameter("x", "0..1"), parameter("z", "2..4")], "lhs", samples=10,
                        seed=3)
    xs = sorted(p["x"] for p in lhs)
    # one sample in each tenth of the range: a Latin hypercube
    assert [int(x * 10) for x in xs] == list(range(10))
    assert lhs == design_points([parameter("x", "0..1"), parameter("z", "2..4")], "lhs",
                                samples=10, seed=3)
    with pytest.raises(ScenarioError, match="needs --design lhs"):
        design_points([parameter("x", "0..1")])


def test_tidy_table():
    table = sweep(TRIO, {"actors.C.position.scope": [0.1, 0.3], "proposal.concession":
                         "minimal,split"}, runs=7, seed=2)
    assert list(table.columns) == ["point", "actors.C.position.scope", "proposal.concession",
                                   "run", "outcome", "rounds", "final_scope",
                                   "costliest_blocker"]
    assert len(table) == 4 * 7
    first = table[table["point"] == 0]
    assert (first["actors.C.position.scope"] == 0.1).all() and first["run"].tolist() == list(
        range(7))
    # C at 0.1: minimal concession to (x - 0.1)^2 <= 0.01, i.e. x = 0.2
    assert first["final_scope"].iloc[0] == pytest.approx(0.2, abs=1e-8)


TOKYO = "nato_tokyo_office"
RESULTS = ["outcome", "rounds", "final_office", "costliest_blocker"]


def test_a_parameter_the_model_ignores_changes_no_run():
    """Common random numbers: China's capability enters no rule of the Tokyo scenario
    (it matters only for persuasion, which Tokyo does not use), so two points that
    differ only in it meet the same draws and give the same runs, run by run."""
    table = sweep(TOKYO, {"actors.CHN.capability": [0.05, 0.9]}, runs=30, seed=3)
    low, high = (table[table["point"] == p][["run", *RESULTS]].reset_index(drop=True)
                 for p in (0, 1))
    assert low["outcome"].nunique() > 1  # the runs do vary
    pd.testing.assert_frame_equal(low, high)


def test_adding_or_reordering_points_never_changes_the_others():
    """Run i of a point is run i of the plain ensemble of its scenario with the seed,
    whatever the other points and their order."""
    s = noisy_trio()
    path = "actors.C.position.scope"
    small = sweep(s, {path: [0.1, 0.3]}, runs=20, seed=5)
    large = sweep(s, {path: [0.3, 0.05, 0.1, 0.2]}, runs=20, seed=5)
    for value in (0.1, 0.3):
        a = small[small[path] == value].drop(columns="point").reset_index(drop=True)
        b = large[large[path] == value].drop(columns="point").reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
        alone = run_ensemble(with_values(s, {path: value}), runs=20, seed=5, jobs=1)
        assert np.array_equal(a["rounds"].to_numpy(), alone.rounds)
        assert np.array_equal(a["final_scope"].to_numpy(), alone.final[:, 0])
        assert a["outcome"].tolist() == alone.runs_table()["outcome"].tolist()


def test_a_folder_with_per_point_streams_is_not_resumed(tmp_path, capsys):
    """Folders written before common random numbers lack "random_numbers" in their
    manifest; completing them would mix two schemes, so resume refuses in one line."""
    out = tmp_path / "old"
    run_sweep(SweepSpec.create(TRIO, {"actors.C.tolerance": "0,0.5"}, runs=3), out=out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["random_numbers"] == "common"
    del manifest["random_numbers"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    next((out / "parts").glob("*.parquet")).unlink()
    with pytest.raises(SystemExit) as info:
        main(["sweep", "--resume", str(out), "--no-charts", "--jobs", "1"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1
    assert "per-point random streams" in err and "another --out" in err, err


def test_same_table_at_jobs_1_and_2_and_the_same_files(tmp_path):
    s = noisy_trio()
    vary = {"actors.C.position.scope": "0:0.4:3", "proposal.concession": "minimal,split"}
    spec = SweepSpec.create(s, vary, runs=40, seed=1)
    one = run_sweep(spec, out=tmp_path / "one", jobs=1)
    two = run_sweep(spec, out=tmp_path / "two", jobs=2)
    pd.testing.assert_frame_equal(one.table(), two.table())
    three = run_sweep(SweepSpec.create(s, vary, runs=40, seed=1), out=tmp_path / "three",
                      jobs=2)
    assert three.spec.chunk == spec.chunk  # chunking does not depend on the executor
    for name in ("runs.csv", "runs.parquet", "points.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["scenario_sha256"] == s.content_hash()
    assert manifest["design"]["points"][0] == {"actors.C.position.scope": 0.0,
                                               "proposal.concession": "minimal"}


def test_points_summary_agrees_with_the_runs(tmp_path):
    result = run_sweep(SweepSpec.create(noisy_trio(), {"actors.C.tolerance": "0,0.5"}, runs=50,
                                        seed=4), out=tmp_path)
    points = pd.read_csv(tmp_path / "points.csv")
    runs = pd.read_csv(tmp_path / "runs.csv")
    for p, group in runs.groupby("point"):
        share = group["outcome"].isin(["adopted", "adopted_amended"]).mean()
        assert points.loc[p, "p_adopted_any"] == pytest.approx(share, abs=1e-6)
        assert points.loc[p, "p_adopted_any_low"] <= share <= points.loc[p, "p_adopted_any_high"]
    assert len(result.table()) == 100


def test_an_existing_folder_is_not_overwritten(tmp_path):
    spec = SweepSpec.create(TRIO, {"actors.C.tolerance": "0,0.5"}, runs=3)
    run_sweep(spec, out=tmp_path)
    with pytest.raises(ScenarioError, match="already holds this sweep's results; add --resume"):
        run_sweep(spec, out=tmp_path)
    other = SweepSpec.create(TRIO, {"actors.C.tolerance": "0,0.4"}, runs=3)
    with pytest.raises(ScenarioError, match="results of a different sweep"):
        run_sweep(other, out=tmp_path, resume=True)


SLOW_SWEEP = ["sweep", TRIO, "--vary", "actors.C.position.scope=0:0.5:40", "--vary",
              "uncertainty.position_sd=0.1,0.2", "--runs", "400", "--seed", "3", "--jobs", "2",
              "--no-charts"]


def test_kill_9_loses_no_finished_run_and_resume_completes_it(tmp_path):
    """A real subprocess is killed mid-sweep; --resume gives the uninterrupted bytes."""
    killed = tmp_path / "killed"
    env = dict(os.environ)
    process = subprocess.Popen([sys.executable, "-m", "consensus_sim", *SLOW_SWEEP, "--out",
                                str(killed)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    parts = killed / "parts"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(parts.glob("*.parquet"))) < 5:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = sorted(parts.glob("*.parquet"))
    manifest = json.loads((killed / "manifest.json").read_text())
    total = len(manifest["design"]["points"]) * -(-400 // manifest["chunk"])
    assert 5 <= len(finished) < total, "the sweep should be killed midway"
    assert not (killed / "runs.csv").exists()
    saved = {p.name: p.read_bytes() for p in finished}

    with pytest.raises(SystemExit) as info:
        main(["sweep", "--resume", str(killed), "--no-charts", "--jobs", "1"])
    assert info.value.code == 0
    for name, data in saved.items():  # finished parts were kept, not redone
        assert (parts / name).read_bytes() == data

    whole = tmp_path / "whole"
    with pytest.raises(SystemExit):
        main([*SLOW_SWEEP, "--out", str(whole)])
    for name in ("runs.csv", "runs.parquet", "points.csv"):
        assert (killed / name).read_bytes() == (whole / name).read_bytes(), name


def test_dask_local_cluster_gives_the_same_table(tmp_path):
    from distributed import LocalCluster

    s = noisy_trio()
    spec = SweepSpec.create(s, {"actors.C.position.scope": "0:0.4:3"}, runs=30, seed=8)
    local = run_sweep(spec, jobs=1).table()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as cluster:
        distributed = run_sweep(spec, scheduler=cluster.scheduler_address).table()
    pd.testing.assert_frame_equal(local, distributed)


def test_sweep_cli_writes_tables_and_charts(tmp_path, capsys):
    out = tmp_path / "cli"
    with pytest.raises(SystemExit) as info:
        main(["sweep", TRIO, "--vary", "actors.C.position.scope=0.1,0.3", "--runs", "5",
              "--jobs", "1", "--out", str(out)])
    assert info.value.code == 0
    printed = capsys.readouterr().out
    assert "2 points x 5 runs" in printed and "actors.C.position.scope" in printed
    assert {"manifest.json", "runs.csv", "runs.parquet", "points.csv", "sweep_curve.png"} <= {
        p.name for p in out.iterdir()}
    (out / "sweep_curve.png").unlink()
    with pytest.raises(SystemExit) as info:
        main(["plot", str(out)])
    assert info.value.code == 0 and (out / "sweep_curve.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sweep", TRIO, "--vary", "actors.X.salience.scope=0,1"], "unknown id 'X' in actors"),
        (["sweep", TRIO, "--vary", "actors.C.position.scope=0..1"], "needs --design lhs"),
        (["sweep", TRIO], "give at least one --vary"),
        (["sweep", "--resume", "/nonexistent"], "no manifest.json here"),
        (["sweep", TRIO, "--vary", "rule.threshold=0.5"], "rule: Extra inputs|unknown field"),
    ],
)
def test_sweep_cli_errors(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1
    assert any(m in err for m in message.split("|")), err


def test_the_sweep_progress_bar_is_silent_without_a_terminal(tmp_path):
    done = subprocess.run([sys.executable, "-m", "consensus_sim", "sweep", TRIO, "--vary",
                           "actors.C.tolerance=0,0.1", "--runs", "3", "--jobs", "1",
                           "--no-charts", "--out", str(tmp_path / "q")],
                          capture_output=True, text=True, check=True)
    assert done.stderr == ""


def test_memory_of_streamed_results_is_not_kept(tmp_path):
    spec = SweepSpec.create(TRIO, {"actors.C.tolerance": "0,0.1"}, runs=10)
    result = run_sweep(spec, out=tmp_path)
    assert result._memory is None
    assert np.array_equal(result.table()["run"].to_numpy(), np.tile(np.arange(10), 2))


def test_a_sweep_keeps_what_the_file_sets_to_null():
    # Pillar Two's unanimity lets any number abstain (`abstainers_stop_at: null`,
    # Art. 238(4) TFEU); a swept point must not fall back to the default third.
    from pathlib import Path

    from consensus_sim import load_scenario
    from consensus_sim.sweep import with_values

    base = load_scenario(Path(__file__).parents[1] / "scenarios/history/eu_pillar_two_2022.yaml")
    assert base.rule.abstainers_stop_at is None
    point = with_values(base, {"max_rounds": base.max_rounds + 1}, "test")
    assert point.rule.abstainers_stop_at is None


def test_points_mean_final_is_the_mean_adopted_text(capsys, tmp_path):
    # classroom trio with C intolerant: at C = 0 every run is withdrawn with the full
    # proposal still on the table (no adopted text: empty); at C = 0.2 the chair
    # concedes to (x - 0.2)^2 <= 0.04, x = 0.4; at C = 0.4, x = 0.8
    from .conftest import run_cli

    out = tmp_path / "sw"
    code, _, err = run_cli(capsys, "sweep", "classroom_trio", "--vary",
                           "actors.C.position.patrols=0:0.4:3", "--vary", "actors.C.tolerance=0",
                           "--vary", "actors.C.blocking_cost=0", "--runs", "5", "--jobs", "1",
                           "--no-charts", "--out", str(out), "-q")
    assert code == 0, err
    points = pd.read_csv(out / "points.csv")
    assert points["p_adopted_any"].tolist() == [0.0, 1.0, 1.0]
    assert points["mean_final_patrols"].isna().tolist() == [True, False, False]
    np.testing.assert_allclose(points["mean_final_patrols"][1:], [0.4, 0.8], atol=1e-6)
